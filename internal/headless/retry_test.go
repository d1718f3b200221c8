package headless

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/runner"
)

// A retried attempt prints its cause and that it runs again, and counts as
// neither a finished nor a failed batch; the last attempt's failure does.
func TestProgressLinesForARetriedBatch(t *testing.T) {
	t.Parallel()
	var w bytes.Buffer
	specs := experiment.Plan{Approaches: []string{"direct"}, Durations: []time.Duration{100 * time.Millisecond}, Batches: 1, Ops: 5, Order: experiment.OrderSequential}.Specs("hr")
	p := &progress{w: &w, start: time.Now(), specs: specs}
	first := experiment.BatchResult{BatchSpec: specs[0], Status: experiment.StatusTimeout, Retried: true}
	p.observe(runner.BatchFailed{Result: first, Err: errors.New("no batch-complete within 1s")})
	if p.finished != 0 || p.failed != 0 {
		t.Errorf("after the retried attempt: finished %d failed %d", p.finished, p.failed)
	}
	retry := first
	retry.Retried, retry.Attempt, retry.ID = false, 1, specs[0].ID+".r1" // protocol.BatchID's form
	p.observe(runner.BatchFailed{Result: retry, Err: errors.New("no batch-complete within 1s")})
	if p.finished != 1 || p.failed != 1 {
		t.Errorf("after the last attempt: finished %d failed %d", p.finished, p.failed)
	}
	out := w.String()
	if !strings.Contains(out, "timeout: no batch-complete within 1s; running it again") || !strings.Contains(out, "hr-000.r1 (direct @ 100ms) timeout: no batch-complete within 1s\n") {
		t.Errorf("output:\n%s", out)
	}
}
