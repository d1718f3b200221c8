package runner_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/localtarget"
	"github.com/pfx-tui/pfx-tui/internal/protocol"
	"github.com/pfx-tui/pfx-tui/internal/runner"
)

func startLocal(t *testing.T) *localtarget.Server {
	t.Helper()
	srv, err := localtarget.Start(localtarget.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// ourServer is what the local target says of itself in /version.
func ourServer(t *testing.T, srv *localtarget.Server) *experiment.TargetVersion {
	t.Helper()
	info, err := runner.Probe(context.Background(), srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	return info.Version
}

func collect(t *testing.T, ch <-chan runner.Event) (runner.RunDone, []runner.Event) {
	t.Helper()
	var all []runner.Event
	var done runner.RunDone
	for ev := range ch {
		all = append(all, ev)
		if d, ok := ev.(runner.RunDone); ok {
			done = d
		}
	}
	return done, all
}

func TestRunnerAgainstLocalTargetAllApproaches(t *testing.T) {
	t.Parallel()
	srv := startLocal(t)
	plan := experiment.Plan{
		Approaches: []string{"direct", "current", "simple"},
		Durations:  []time.Duration{50 * time.Millisecond},
		Batches:    2, Ops: 3, Warmup: 1, Order: experiment.OrderInterleave,
	}
	r, err := runner.New(runner.Options{Target: srv.URL(), Plan: plan, RunID: "t1", Server: ourServer(t, srv)})
	if err != nil {
		t.Fatal(err)
	}
	done, events := collect(t, r.Run(context.Background()))
	if done.Err != nil || done.Interrupted {
		t.Fatalf("run: %+v", done)
	}
	if got, want := len(done.Results), 3+6; got != want {
		t.Fatalf("results = %d, want %d", got, want)
	}
	cellsDone := 0
	for _, ev := range events {
		if _, ok := ev.(runner.CellDone); ok {
			cellsDone++
		}
	}
	if cellsDone != 3 {
		t.Errorf("CellDone events = %d, want 3", cellsDone)
	}
	for _, b := range done.Results {
		if b.Status != experiment.StatusOK || b.Errors != 0 {
			t.Fatalf("batch %s: status %s errors %d %v %s frames %+v", b.ID, b.Status, b.Errors, b.ErrorMessages, b.Failure, b.Frames)
		}
		if len(b.Samples) != b.Ops {
			t.Errorf("batch %s: %d samples, want %d", b.ID, len(b.Samples), b.Ops)
		}
		for _, s := range b.Samples {
			// One gap between receipts can lose what a late receipt added to
			// the gap before it (a loaded machine delays the reader), but
			// op k cannot be received sooner than k delays after the timing
			// start was: check the receipts, not the gaps.
			if s.AtMs < float64(s.Op*b.DurationMs)-5 {
				t.Errorf("batch %s (%s): op %d received %.2f ms after the timing start, sooner than %d × %d ms", b.ID, b.Approach, s.Op, s.AtMs, s.Op, b.DurationMs)
			}
		}
		if b.Granularity != 1 || b.TimingFallback {
			t.Errorf("batch %s: granularity %d fallback %v", b.ID, b.Granularity, b.TimingFallback)
		}
	}
}

func TestRunnerUnknownMode(t *testing.T) {
	t.Parallel()
	srv := startLocal(t)
	plan := experiment.Plan{Approaches: []string{"bogus", "direct"}, Durations: []time.Duration{0}, Batches: 1, Ops: 2, Order: experiment.OrderSequential}
	r, err := runner.New(runner.Options{Target: srv.URL(), Plan: plan, RunID: "t2", Server: ourServer(t, srv)})
	if err != nil {
		t.Fatal(err)
	}
	done, _ := collect(t, r.Run(context.Background()))
	if len(done.Results) != 2 {
		t.Fatalf("results = %d", len(done.Results))
	}
	b := done.Results[0]
	if want := "server error: " + protocol.UnknownModeError("bogus", protocol.Patterns{Patterns: localtarget.Patterns}.Modes()); b.Status != experiment.StatusError || b.Failure != want {
		t.Errorf("bogus batch: %s %q", b.Status, b.Failure)
	}
	if done.Results[1].Status != experiment.StatusOK {
		t.Errorf("the next batch did not go on: %+v", done.Results[1])
	}
}

func TestRunnerCancelKeepsMeasuredOps(t *testing.T) {
	t.Parallel()
	srv := startLocal(t)
	plan := experiment.Plan{Approaches: []string{"direct"}, Durations: []time.Duration{100 * time.Millisecond}, Batches: 3, Ops: 20, Order: experiment.OrderSequential}
	r, err := runner.New(runner.Options{Target: srv.URL(), Plan: plan, RunID: "t3", Server: ourServer(t, srv)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := r.Run(ctx)
	var done runner.RunDone
	for ev := range ch {
		switch e := ev.(type) {
		case runner.OpProgress:
			if e.Completed == 3 {
				cancel()
			}
		case runner.RunDone:
			done = e
		}
	}
	if !done.Interrupted || len(done.Results) != 1 {
		t.Fatalf("done = %+v", done)
	}
	b := done.Results[0]
	if b.Status != experiment.StatusInterrupted || len(b.Samples) < 3 || len(b.Samples) > 5 {
		t.Fatalf("batch: status %s samples %d", b.Status, len(b.Samples))
	}
}

func TestRunnerConnectionRefused(t *testing.T) {
	t.Parallel()
	srv := startLocal(t)
	url := srv.URL()
	_ = srv.Close()
	plan := experiment.Plan{Approaches: []string{"direct"}, Durations: []time.Duration{0}, Batches: 1, Ops: 1, Order: experiment.OrderSequential}
	r, err := runner.New(runner.Options{Target: url, Plan: plan, RunID: "t4"})
	if err != nil {
		t.Fatal(err)
	}
	done, _ := collect(t, r.Run(context.Background()))
	if done.Err == nil {
		t.Fatal("want a run error")
	}
	if msg := done.Err.Error(); !strings.Contains(msg, "connection refused") || !strings.Contains(msg, strings.TrimPrefix(url, "http://")) {
		t.Errorf("error does not name the refusal and the URL: %s", msg)
	}
}

// A warm run over more objects than warmup ops (--objects 8, --warmup 2):
// the warmup touches every object, so no measured op is a cold start
// counted as warm latency. The emulated cold start is made long so one
// stands out from any scheduling noise.
func TestWarmObjectsAreWarmedBeforeMeasuring(t *testing.T) {
	t.Parallel()
	const coldStart = 400 * time.Millisecond
	srv, err := localtarget.Start(localtarget.Options{ColdStart: coldStart})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	plan := experiment.Plan{Approaches: []string{"direct"}, Durations: []time.Duration{10 * time.Millisecond},
		Batches: 2, Ops: 5, Warmup: 2, Order: experiment.OrderSequential, Objects: 8}
	plan = plan.ConcurrencyForTarget(ourServer(t, srv))
	r, err := runner.New(runner.Options{Target: srv.URL(), Plan: plan, RunID: "ob", Server: ourServer(t, srv)})
	if err != nil {
		t.Fatal(err)
	}
	done, _ := collect(t, r.Run(context.Background()))
	if done.Err != nil || len(done.Results) != 3 {
		t.Fatalf("run: %+v", done)
	}
	if w := done.Results[0]; !w.Warmup || w.Ops != 8 || w.Status != experiment.StatusOK {
		t.Fatalf("warmup %s: %d ops, %s; want 8 ops (one per object)", w.ID, w.Ops, w.Status)
	}
	for _, b := range done.Results[1:] {
		if b.Status != experiment.StatusOK || len(b.Samples) != 5 || len(b.ColdSamples) != 0 {
			t.Fatalf("batch %s: %s, samples %+v, cold %+v", b.ID, b.Status, b.Samples, b.ColdSamples)
		}
		for _, ms := range b.PerOpMs() {
			if ms >= float64(coldStart.Milliseconds())/2 {
				t.Errorf("batch %s: a %.1f ms op, a cold start counted as warm latency (samples %v)", b.ID, ms, b.PerOpMs())
			}
		}
	}
}
