package runner_test

import (
	"context"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/runner"
)

// --concurrency 1,4 against the local target: the K = 4 batch takes about a
// quarter of the K = 1 one, and both report per-op latencies of about the delay.
func TestRunnerConcurrencyAgainstLocalTarget(t *testing.T) {
	t.Parallel()
	srv := startLocal(t)
	const d = 100
	plan := experiment.Plan{Approaches: []string{"direct", "simple"}, Durations: []time.Duration{d * time.Millisecond},
		Batches: 1, Ops: 8, Order: experiment.OrderSequential, Concurrency: []int{1, 4}}
	plan = plan.ConcurrencyForTarget(ourServer(t, srv))
	if plan.ConcurrencyNote != "" {
		t.Fatalf("the local target refused: %s", plan.ConcurrencyNote)
	}
	r, err := runner.New(runner.Options{Target: srv.URL(), Plan: plan, RunID: "tk", Server: ourServer(t, srv)})
	if err != nil {
		t.Fatal(err)
	}
	done, _ := collect(t, r.Run(context.Background()))
	if done.Err != nil || len(done.Results) != 4 {
		t.Fatalf("run: %+v", done)
	}
	wall := map[experiment.Cell]float64{}
	for _, b := range done.Results {
		if b.Status != experiment.StatusOK || len(b.Samples) != b.Ops || len(b.OpTimes) != b.Ops {
			t.Fatalf("batch %s: %s %s, %d samples, %d op times: %+v %+v cold %+v", b.ID, b.Status, b.Failure, len(b.Samples), len(b.OpTimes), b.Samples, b.OpTimes, b.ColdSamples)
		}
		for _, s := range b.Samples {
			if s.Ms < d {
				t.Errorf("batch %s: an op took %.1f ms, under the %d ms delay", b.ID, s.Ms, d)
			}
		}
		wall[b.Cell()] = b.BatchMs
	}
	for _, a := range plan.Approaches {
		k1, k4 := wall[experiment.Cell{Approach: a, DurationMs: d, Concurrency: 1}], wall[experiment.Cell{Approach: a, DurationMs: d, Concurrency: 4}]
		// 8 ops: 8 delays one at a time, 2 with four in flight.
		if k1 < 8*d || k4 < 2*d || k4 > k1/2 {
			t.Errorf("%s: K=1 %.0f ms, K=4 %.0f ms", a, k1, k4)
		}
	}
}
