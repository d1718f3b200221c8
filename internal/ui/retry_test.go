package ui

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/runner"
)

// A retried attempt is logged with its cause and counts as neither a
// finished nor a failed batch; its ops join the total.
func TestRunScreenRetriedAttempt(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	c := newCommon(newStyles(io.Discard, true), func() time.Time { return now }, nil)
	plan := experiment.Plan{Approaches: []string{"direct"}, Durations: []time.Duration{10 * time.Millisecond}, Batches: 1, Ops: 4, Order: experiment.OrderSequential}
	specs := plan.Specs("r")
	m := newRun(c, "r", "results/r.json", plan, specs)
	res := experiment.BatchResult{BatchSpec: specs[0], Status: experiment.StatusDropped, Failure: "connection dropped after 1 of 4 ops", OpsSeen: 1, Retried: true}
	sc, _ := m.Update(runEventMsg{ev: runner.BatchFailed{Result: res, Err: errors.New("connection dropped after 1 of 4 ops")}})
	got := sc.(runModel)
	if got.finished != 0 || got.failed != 0 || got.totalOps != 8 {
		t.Errorf("finished %d failed %d totalOps %d: want 0, 0, 8", got.finished, got.failed, got.totalOps)
	}
	if n := len(got.log); n != 1 || !strings.Contains(got.log[0].text, "running it again") || !strings.Contains(got.log[0].text, "dropped after 1 of 4") {
		t.Errorf("log %+v", got.log)
	}
}
