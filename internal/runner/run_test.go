package runner

import (
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
)

func TestBatchTimeoutFromHonouredDelayThenObservedLatency(t *testing.T) {
	t.Parallel()
	plan := experiment.Plan{Approaches: []string{"direct"}, Durations: []time.Duration{-time.Millisecond}, DurationSource: experiment.DurationsServerDefined, Batches: 1, Ops: 30, Order: experiment.OrderSequential}
	r := &Runner{opts: Options{Plan: plan}}
	spec := experiment.BatchSpec{Approach: "direct", DurationMs: experiment.ServerDefinedMs, Ops: 30}
	obs := &observed{cells: map[experiment.Cell]*meanAcc{}}
	// Nothing known: the longest delay the protocol allows, refined by the
	// batch's own progress.
	if got, adaptive := r.batchTimeout(spec, obs); got != DefaultBatchTimeout(30, 30000) || !adaptive {
		t.Errorf("unknown delay: %s %v", got, adaptive)
	}
	obs.add(experiment.BatchResult{BatchSpec: spec, Status: experiment.StatusOK, Samples: []experiment.Sample{{Ops: 5, Ms: 5000}}})
	if got, adaptive := r.batchTimeout(spec, obs); got != DefaultBatchTimeout(30, 1000) || adaptive {
		t.Errorf("observed 1 s per op: %s %v", got, adaptive)
	}
	// An honoured delay decides, as before.
	r.opts.Plan.DurationSource = experiment.DurationsRequested
	spec.DurationMs = 100
	if got, _ := r.batchTimeout(spec, obs); got != DefaultBatchTimeout(30, 100) {
		t.Errorf("honoured: %s", got)
	}
	r.opts.BatchTimeout = time.Second
	if got, _ := r.batchTimeout(spec, obs); got != time.Second {
		t.Errorf("--batch-timeout: %s", got)
	}
}

func TestDrainBoundIsTheRemainingExpectedTime(t *testing.T) {
	t.Parallel()
	plan := experiment.Plan{Approaches: []string{"direct"}, Durations: []time.Duration{100 * time.Millisecond}, Batches: 1, Ops: 10, Order: experiment.OrderSequential}
	r := &Runner{opts: Options{Plan: plan, DrainSlack: time.Second}}
	obs := &observed{cells: map[experiment.Cell]*meanAcc{}}
	b := newBatchState(spec("direct", 10, 100), ours(100), t0)
	b.sent(at(1))
	feed(b, []in{{ms: 2, f: started("direct", 10)}, {ms: 3, f: timingStart("direct")}, {ms: 104, f: progress("direct", 10, 1)}})
	// Cancelled at 300 ms: 10 × 100 ms from the timing start leaves 703 ms.
	if got := r.drainBound(b, obs, at(300)); got != 703*time.Millisecond+time.Second {
		t.Errorf("bound %s", got)
	}
	// Long past its expected end: the slack only.
	if got := r.drainBound(b, obs, at(5000)); got != time.Second {
		t.Errorf("late bound %s", got)
	}
	// Delay unknown: the batch's own time per op (101 ms).
	r.opts.Plan.DurationSource = experiment.DurationsAssumed
	if got := r.drainBound(b, obs, at(300)); got != 713*time.Millisecond+time.Second {
		t.Errorf("observed bound %s", got)
	}
}

func TestETAUsesObservedLatencyOnceMeasured(t *testing.T) {
	t.Parallel()
	plan := experiment.Plan{Approaches: []string{"direct", "simple"}, Durations: []time.Duration{100 * time.Millisecond}, Batches: 2, Ops: 5, Order: experiment.OrderSequential}
	r := &Runner{opts: Options{Plan: plan}, specs: plan.Specs("e")}
	obs := &observed{cells: map[experiment.Cell]*meanAcc{}}
	eta, measured := r.eta(r.specs, 0, nil, obs)
	if eta != 2*time.Second || measured {
		t.Errorf("before any op: %s %v", eta, measured)
	}
	obs.add(experiment.BatchResult{BatchSpec: r.specs[0], Status: experiment.StatusOK, Samples: []experiment.Sample{{Ops: 5, Ms: 600}}})
	// direct measured at 120 ms per op; simple not yet: the run's 120 ms.
	eta, measured = r.eta(r.specs[1:], 2, map[string]bool{}, obs)
	if want := 13 * 120 * time.Millisecond; eta != want || !measured { // 3 + 5 + 5 ops
		t.Errorf("measured: %s, want %s", eta, want)
	}
	eta, _ = r.eta(r.specs[1:], 0, map[string]bool{"simple": true}, obs)
	if want := 5 * 120 * time.Millisecond; eta != want {
		t.Errorf("dropped approach still counted: %s", eta)
	}
}
