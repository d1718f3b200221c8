package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/report"
	"github.com/pfx-tui/pfx-tui/internal/runner"
)

// The run screen reports what the runner did to keep batches honest, and
// drops the batches of approaches the target lacks from its counts.
func TestRunScreenShowsDrainsForeignFramesAndDroppedModes(t *testing.T) {
	t.Parallel()
	m, clk := newTestModel(t, 120, 40, Options{})
	f := newFakeRun(testConfig())
	m = f.start(m, false)
	m = f.play(m, clk, 0, 1, -1, -1)
	before, ops := len(m.runScreen().specs), m.runScreen().totalOps
	spec := f.specs[1]
	var skipped []experiment.BatchSpec
	for _, s := range f.specs[2:] {
		if s.Approach == "simple" {
			skipped = append(skipped, s)
		}
	}
	for _, ev := range []runner.Event{
		runner.BatchStarted{Spec: spec, Total: len(f.specs), At: clk.now()},
		runner.ForeignFrame{Spec: spec, Frame: experiment.ForeignFrame{FrameStamp: experiment.FrameStamp{Type: "batch-complete"}, Why: `mode "proxyfetch", but the batch runs "current"`}},
		runner.Draining{Spec: spec, Status: experiment.StatusTimeout, Bound: 2 * time.Second},
		runner.ModesLearned{Available: []string{"direct", "current"}, Dropped: []string{"simple"}, Skipped: skipped},
	} {
		m, _ = f.event(m, ev)
	}
	view := m.View()
	for _, want := range []string{"not credited", "draining", "offers only direct, current"} {
		if !strings.Contains(view, want) {
			t.Errorf("run screen lacks %q:\n%s", want, view)
		}
	}
	if len(m.runScreen().specs) != before-len(skipped) || m.runScreen().totalOps >= ops {
		t.Errorf("specs %d → %d, ops %d → %d", before, len(m.runScreen().specs), ops, m.runScreen().totalOps)
	}
	if len(f.specs) != before {
		t.Error("the runner's specs were changed")
	}
}

// The results tab says "no successful op" / "not offered by the target"
// where a cell has no figures, and flags a median below its delay.
func TestResultsShowCellsWithoutFiguresAndBelowTheirDelay(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t, 120, 40, Options{})
	r := &report.Results{SchemaVersion: report.SchemaVersion, ID: "tp0001", CreatedAt: t0, Status: report.StatusComplete,
		Plan: report.PlanInfo{Approaches: []string{"direct", "simple", "current"}, DurationsMs: []int{100}, Batches: 1, Ops: 5, Reference: "direct", DurationSource: experiment.DurationsAssumed}}
	spec := func(a string) experiment.BatchSpec {
		return experiment.BatchSpec{ID: "tp0001-" + a, Approach: a, DurationMs: 100, Batch: 1, Ops: 5}
	}
	var ss []experiment.Sample
	for op := 1; op <= 5; op++ {
		ss = append(ss, experiment.Sample{Op: op, Ops: 1, Ms: 60})
	}
	r.Batches = []experiment.BatchResult{
		{BatchSpec: spec("direct"), Status: experiment.StatusOK, Completed: 5, OpsSeen: 5, Samples: ss},
		{BatchSpec: spec("simple"), Status: experiment.StatusOK, Errors: 5, OpsSeen: 5},
		{BatchSpec: spec("current"), Status: experiment.StatusError, NotOffered: true, Failure: "server error: Unknown mode: current. Available: direct, simple"},
	}
	rm := newResults(m.c, r, "", nil)
	rm.SetSize(120, 40)
	view := strings.Join(rm.latency(120), "\n")
	for _, want := range []string{"no successful op", "not offered by the target", "60.00 ms ⚠", "below the 100ms delay"} {
		if !strings.Contains(view, want) {
			t.Errorf("latency tab lacks %q:\n%s", want, view)
		}
	}
}
