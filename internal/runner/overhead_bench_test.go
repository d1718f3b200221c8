package runner_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/localtarget"
	"github.com/pfx-tui/pfx-tui/internal/runner"
	"github.com/pfx-tui/pfx-tui/internal/stats"
)

// minimalBatch is the least a client can do to measure a batch: one
// WebSocket, one run-batch message, the receipt time of every progress frame,
// no bookkeeping. It returns the gaps between consecutive progress frames.
func minimalBatch(b *testing.B, wsURL string, ops int) []float64 {
	conn, _, err := websocket.DefaultDialer.Dial(wsURL, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	msg, _ := json.Marshal(map[string]any{"action": "run-batch", "mode": "direct", "count": ops, "durationMs": 0})
	if err := conn.WriteMessage(websocket.TextMessage, msg); err != nil {
		b.Fatal(err)
	}
	var gaps []float64
	var last time.Time
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			b.Fatal(err)
		}
		now := time.Now()
		var f struct{ Type string }
		_ = json.Unmarshal(data, &f)
		switch f.Type {
		case "timing-start":
			last = now
		case "progress":
			gaps = append(gaps, float64(now.Sub(last).Microseconds())/1000)
			last = now
		case "batch-complete":
			return gaps
		case "error":
			b.Fatal(string(data))
		}
	}
}

// BenchmarkMeasurementOverhead compares the per-op median pfx-tui's runner
// reports with the median a minimal gorilla/websocket client measures on the
// same batches (direct, 0 ms upstream, no hop latency), the two alternating
// batch by batch so machine noise falls on both. ratio = runner / minimal.
func BenchmarkMeasurementOverhead(b *testing.B) {
	srv, err := localtarget.Start(localtarget.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	wsURL := "ws" + strings.TrimPrefix(srv.URL(), "http") + "/ws"
	const ops = 50
	batches := b.N/ops + 1
	var viaRunner, minimal []float64
	for i := 0; i < batches; i++ {
		minimal = append(minimal, minimalBatch(b, wsURL, ops)...)
		plan := experiment.Plan{Approaches: []string{"direct"}, Durations: []time.Duration{0}, Batches: 1, Ops: ops, Order: experiment.OrderSequential}
		r, err := runner.New(runner.Options{Target: srv.URL(), Plan: plan, RunID: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		for ev := range r.Run(context.Background()) {
			switch e := ev.(type) {
			case runner.BatchDone:
				viaRunner = append(viaRunner, e.Result.PerOpMs()...)
			case runner.BatchFailed:
				b.Fatal(e.Err)
			}
		}
	}
	mr, mm := stats.Summarize(slices.Clone(viaRunner)).Median, stats.Summarize(slices.Clone(minimal)).Median
	b.ReportMetric(mr*1000, "runner-median-µs")
	b.ReportMetric(mm*1000, "minimal-median-µs")
	b.ReportMetric(mr/mm, "ratio")
	b.ReportMetric((mr-mm)*1000, "diff-µs")
}
