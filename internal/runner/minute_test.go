package runner_test

import (
	"context"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/runner"
)

// Under --order minute every cell starts on a minute boundary of its own,
// after a quiet minute; a 100 ms "minute" keeps the test short.
func TestRunnerMinuteOrderAlignsCells(t *testing.T) {
	t.Parallel()
	srv := startLocal(t)
	const unit = 100 * time.Millisecond
	plan := experiment.Plan{
		Approaches: []string{"direct", "simple"},
		Durations:  []time.Duration{10 * time.Millisecond},
		Batches:    2, Ops: 2, Warmup: 1, Order: experiment.OrderMinute, Minute: unit,
		MinuteShift: 37 * time.Millisecond, // the target's clock runs ahead: its minutes count
	}
	r, err := runner.New(runner.Options{Target: srv.URL(), Plan: plan, RunID: "m1"})
	if err != nil {
		t.Fatal(err)
	}
	done, events := collect(t, r.Run(context.Background()))
	if done.Err != nil || done.Interrupted || len(done.Results) != 2+4 {
		t.Fatalf("run: %+v", done)
	}
	waits := 0
	for _, ev := range events {
		if _, ok := ev.(runner.AwaitingMinute); ok {
			waits++
		}
	}
	if waits != 3 { // warmup, then each of the two cells
		t.Errorf("AwaitingMinute events = %d, want 3", waits)
	}
	shift := plan.MinuteShift
	bucket := func(t time.Time) time.Time { return t.Add(shift).Truncate(unit) } // the target's minute
	var prevEnd time.Time
	for _, b := range done.Results {
		if b.AlignMinute == 0 {
			prevEnd = b.EndedAt
			continue
		}
		if into := b.StartedAt.Add(shift).Sub(bucket(b.StartedAt)); into < unit/20 {
			t.Errorf("batch %s started %s into the target's minute, before the guard (%s)", b.ID, into, unit/20)
		}
		// At least one whole quiet minute between the groups. The runner
		// picks its boundary after closing the previous batch, so under
		// load a boundary may pass first and the quiet time be longer:
		// later is right, earlier is the failure.
		if !prevEnd.IsZero() && bucket(b.StartedAt).Before(bucket(prevEnd).Add(2*unit)) {
			t.Errorf("batch %s: want it no sooner than the minute after one quiet minute (previous group ended %s, started %s)", b.ID, prevEnd, b.StartedAt)
		}
		prevEnd = b.EndedAt
	}
}

func TestRunnerMinuteWaitIsInterruptible(t *testing.T) {
	t.Parallel()
	srv := startLocal(t)
	plan := experiment.Plan{Approaches: []string{"direct"}, Durations: []time.Duration{0}, Batches: 1, Ops: 1, Order: experiment.OrderMinute, Minute: time.Hour}
	r, err := runner.New(runner.Options{Target: srv.URL(), Plan: plan, RunID: "m2"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ch := r.Run(ctx)
	for ev := range ch {
		if _, ok := ev.(runner.AwaitingMinute); ok {
			cancel()
		}
		if d, ok := ev.(runner.RunDone); ok {
			if !d.Interrupted || len(d.Results) != 0 {
				t.Errorf("cancelled wait: %+v", d)
			}
		}
	}
	cancel()
}
