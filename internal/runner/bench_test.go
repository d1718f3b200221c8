package runner_test

import (
	"context"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/localtarget"
	"github.com/pfx-tui/pfx-tui/internal/runner"
	"github.com/pfx-tui/pfx-tui/internal/stats"
)

// BenchmarkLocalOpOverhead measures what one op costs end to end on the
// local target with a 0 ms upstream: the floor the emulator adds to every
// sample (client WebSocket, controller, origin, executor, upstream hops).
// ns/op is per op; median-op-µs is the median client-side sample.
func BenchmarkLocalOpOverhead(b *testing.B) {
	for _, mode := range []string{"direct", "current", "simple"} {
		b.Run(mode, func(b *testing.B) {
			srv, err := localtarget.Start(localtarget.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Close()
			const ops = 50
			batches := b.N/ops + 1
			plan := experiment.Plan{Approaches: []string{mode}, Durations: []time.Duration{0}, Batches: batches, Ops: ops, Order: experiment.OrderSequential}
			r, err := runner.New(runner.Options{Target: srv.URL(), Plan: plan, RunID: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			var samples []float64
			for ev := range r.Run(context.Background()) {
				switch e := ev.(type) {
				case runner.BatchDone:
					samples = append(samples, e.Result.PerOpMs()...)
				case runner.BatchFailed:
					b.Fatal(e.Err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(batches*ops), "ns/op")
			if len(samples) > 0 {
				b.ReportMetric(stats.Summarize(samples).Median*1000, "median-op-µs")
			}
		})
	}
}

// BenchmarkSlowConsumer checks the live-UI rule: a consumer that takes 5 ms
// per event (a lagging screen) must not slow the measurement. Progress
// events coalesce, so median-op-µs should match the fast consumer's.
func BenchmarkSlowConsumer(b *testing.B) {
	for _, lag := range []time.Duration{0, 5 * time.Millisecond} {
		b.Run("lag="+lag.String(), func(b *testing.B) {
			srv, err := localtarget.Start(localtarget.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Close()
			const ops = 50
			batches := b.N/ops + 1
			plan := experiment.Plan{Approaches: []string{"direct"}, Durations: []time.Duration{0}, Batches: batches, Ops: ops, Order: experiment.OrderSequential}
			r, err := runner.New(runner.Options{Target: srv.URL(), Plan: plan, RunID: "lag"})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			var samples []float64
			dropped := 0
			for ev := range r.Run(context.Background()) {
				if lag > 0 {
					time.Sleep(lag)
				}
				switch e := ev.(type) {
				case runner.BatchDone:
					samples = append(samples, e.Result.PerOpMs()...)
				case runner.BatchFailed:
					b.Fatal(e.Err)
				}
			}
			b.StopTimer()
			if len(samples) != batches*ops {
				dropped = batches*ops - len(samples)
			}
			b.ReportMetric(stats.Summarize(samples).Median*1000, "median-op-µs")
			b.ReportMetric(float64(dropped), "lost-samples")
		})
	}
}
