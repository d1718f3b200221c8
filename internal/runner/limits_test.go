package runner_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/protocol"
	"github.com/pfx-tui/pfx-tui/internal/runner"
)

// A 100 MB message from the target is refused at MaxFrameBytes: the batch
// is dropped with one line naming the limit, its ops so far kept, and the
// client's memory stays far below the message's size. The server streams
// the message in 1 MB fragments, so neither side holds it whole.
//
// Not parallel: it measures the heap, which other tests' allocations would
// inflate (sequential tests run before the parallel ones resume).
func TestHundredMBFrameRefused(t *testing.T) {
	chunk := []byte(strings.Repeat("x", 1<<20))
	f := &fakeServer{behave: func(conn *websocket.Conn, req protocol.RunBatch, n int) {
		send(conn, protocol.Frame{Type: protocol.TypeBatchStarted, Mode: req.Mode, Count: req.Count})
		send(conn, protocol.Frame{Type: protocol.TypeTimingStart, Mode: req.Mode})
		send(conn, protocol.Frame{Type: protocol.TypeProgress, Mode: req.Mode, Total: req.Count, Completed: 1})
		w, err := conn.NextWriter(websocket.TextMessage)
		if err != nil {
			return
		}
		for range 100 {
			if _, err := w.Write(chunk); err != nil {
				return // the client closed on us: expected
			}
		}
		_ = w.Close()
	}}
	url := f.start(t)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	done := runPlan(t, url, 1, 3, 10*time.Second)
	runtime.ReadMemStats(&after)
	b := done.Results[0]
	if b.Status != experiment.StatusDropped || len(b.Samples) != 1 {
		t.Errorf("batch: %s, %d samples; want dropped with the one op before the frame", b.Status, len(b.Samples))
	}
	want := "over the 1024 KiB limit per message"
	if !strings.Contains(b.Failure, want) || strings.Contains(b.Failure, "\n") {
		t.Errorf("failure %q: want one line containing %q", b.Failure, want)
	}
	if runner.MaxFrameBytes != 1<<20 {
		t.Errorf("MaxFrameBytes = %d: update the message test", runner.MaxFrameBytes)
	}
	if after.TotalAlloc-before.TotalAlloc > 40<<20 {
		t.Errorf("client and server allocated %d MB for a refused 100 MB message", (after.TotalAlloc-before.TotalAlloc)>>20)
	}
}

// A cell keeps at most MaxSamplesPerCell samples: the rest are counted in
// the batch's SamplesDropped; another cell has its own budget.
func TestSamplesCappedPerCell(t *testing.T) {
	t.Parallel()
	f := &fakeServer{behave: func(conn *websocket.Conn, req protocol.RunBatch, n int) { healthy(conn, req, 1, 0, true) }}
	plan := experiment.Plan{Approaches: []string{"direct", "current"}, Durations: []time.Duration{10 * time.Millisecond}, Batches: 2, Ops: 4, Order: experiment.OrderSequential}
	plan, err := plan.ForTarget(nil, experiment.DurationRequest{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := runner.New(runner.Options{Target: f.start(t), Plan: plan, RunID: "c", BatchTimeout: 5 * time.Second, CloseTimeout: 100 * time.Millisecond, MaxSamplesPerCell: 5})
	if err != nil {
		t.Fatal(err)
	}
	done := runner.Wait(r.Run(context.Background()))
	var got []string
	for _, b := range done.Results {
		got = append(got, fmt.Sprintf("%s:%d+%d", b.Approach, len(b.Samples), b.SamplesDropped))
	}
	if want := "direct:4+0,direct:1+3,current:4+0,current:1+3"; strings.Join(got, ",") != want {
		t.Errorf("kept+dropped %s, want %s", strings.Join(got, ","), want)
	}
}
