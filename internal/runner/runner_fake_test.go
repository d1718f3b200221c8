package runner_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/protocol"
	"github.com/pfx-tui/pfx-tui/internal/runner"
)

// fakeServer speaks the protocol with scripted misbehaviour, like the
// Lumenize servers the runner must survive.
type fakeServer struct {
	behave func(conn *websocket.Conn, req protocol.RunBatch, batch int)
	n      atomic.Int32
}

func (f *fakeServer) start(t *testing.T) string {
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		_, msg, err := conn.ReadMessage()
		if err != nil {
			return
		}
		req, err := protocol.DecodeRunBatch(msg)
		if err != nil {
			t.Errorf("bad run-batch: %v", err)
			return
		}
		f.behave(conn, req, int(f.n.Add(1)))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func send(conn *websocket.Conn, f protocol.Frame) { _ = conn.WriteJSON(f) }

// healthy runs a batch properly, progress every `every` ops, sleeping d per op.
func healthy(conn *websocket.Conn, req protocol.RunBatch, every int, d time.Duration, timingStart bool) {
	send(conn, protocol.Frame{Type: protocol.TypeBatchStarted, Mode: req.Mode, Count: req.Count})
	if timingStart {
		send(conn, protocol.Frame{Type: protocol.TypeTimingStart, Mode: req.Mode})
	}
	for op := 1; op <= req.Count; op++ {
		time.Sleep(d)
		if op%every == 0 {
			send(conn, protocol.Frame{Type: protocol.TypeProgress, Mode: req.Mode, Total: req.Count, Completed: op})
		}
	}
	send(conn, protocol.Frame{Type: protocol.TypeTimingEnd, Mode: req.Mode})
	send(conn, protocol.Frame{Type: protocol.TypeBatchComplete, Mode: req.Mode, Completed: req.Count})
}

func runPlan(t *testing.T, url string, batches, ops int, timeout time.Duration) runner.RunDone {
	t.Helper()
	plan := experiment.Plan{Approaches: []string{"direct"}, Durations: []time.Duration{10 * time.Millisecond}, Batches: batches, Ops: ops, Order: experiment.OrderSequential}
	// A server announcing nothing runs at its own delay.
	plan, err := plan.ForTarget(nil, experiment.DurationRequest{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := runner.New(runner.Options{Target: url, Plan: plan, RunID: "f", BatchTimeout: timeout, CloseTimeout: 200 * time.Millisecond, DrainSlack: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	done, _ := collect(t, r.Run(context.Background()))
	return done
}

func TestSilentAfterTimingStartTimesOutAndOthersGoOn(t *testing.T) {
	t.Parallel()
	quit := make(chan struct{})
	t.Cleanup(func() { close(quit) }) // the silent handler ends with the test (goleak)
	f := &fakeServer{behave: func(conn *websocket.Conn, req protocol.RunBatch, n int) {
		if n == 1 {
			send(conn, protocol.Frame{Type: protocol.TypeBatchStarted, Mode: req.Mode, Count: req.Count})
			send(conn, protocol.Frame{Type: protocol.TypeTimingStart, Mode: req.Mode})
			send(conn, protocol.Frame{Type: protocol.TypeProgress, Mode: req.Mode, Total: req.Count, Completed: 1})
			select { // a continuation threw: silence
			case <-quit:
			case <-time.After(2 * time.Second):
			}
			return
		}
		healthy(conn, req, 1, 5*time.Millisecond, true)
	}}
	done := runPlan(t, f.start(t), 2, 3, time.Second)
	if len(done.Results) != 2 {
		t.Fatalf("results = %d", len(done.Results))
	}
	b := done.Results[0]
	if b.Status != experiment.StatusTimeout || !strings.Contains(b.Failure, "1 of 3 ops") || len(b.Samples) != 1 {
		t.Errorf("silent batch: %s %q samples=%d", b.Status, b.Failure, len(b.Samples))
	}
	// A server that says nothing of itself may still run the silent batch:
	// the runner waited for it (quietly, up to the slack) before the next.
	if b.Drain == nil || b.Drain.Outcome != experiment.DrainQuiet || b.Drain.BoundMs != 100 {
		t.Errorf("drain %+v", b.Drain)
	}
	if done.Results[1].Status != experiment.StatusOK {
		t.Errorf("second batch: %+v", done.Results[1])
	}
}

func TestDroppedConnectionMidBatch(t *testing.T) {
	t.Parallel()
	f := &fakeServer{behave: func(conn *websocket.Conn, req protocol.RunBatch, n int) {
		send(conn, protocol.Frame{Type: protocol.TypeBatchStarted, Mode: req.Mode, Count: req.Count})
		send(conn, protocol.Frame{Type: protocol.TypeTimingStart, Mode: req.Mode})
		send(conn, protocol.Frame{Type: protocol.TypeProgress, Mode: req.Mode, Total: req.Count, Completed: 1})
		send(conn, protocol.Frame{Type: protocol.TypeProgress, Mode: req.Mode, Total: req.Count, Completed: 2})
		conn.UnderlyingConn().Close() // no close frame
	}}
	done := runPlan(t, f.start(t), 1, 5, 5*time.Second)
	b := done.Results[0]
	if b.Status != experiment.StatusDropped || !strings.Contains(b.Failure, "2 of 5 ops") || len(b.Samples) != 2 {
		t.Errorf("dropped batch: %s %q samples=%d", b.Status, b.Failure, len(b.Samples))
	}
}

func TestServerThatNeverAnswersCloseFrame(t *testing.T) {
	t.Parallel()
	quit := make(chan struct{})
	t.Cleanup(func() { close(quit) }) // the handler outlives the batch, not the test
	f := &fakeServer{behave: func(conn *websocket.Conn, req protocol.RunBatch, n int) {
		conn.SetCloseHandler(func(int, string) error { return nil }) // swallow it
		healthy(conn, req, 1, time.Millisecond, true)
		<-quit // never close
	}}
	t0 := time.Now()
	done := runPlan(t, f.start(t), 2, 2, 5*time.Second)
	if el := time.Since(t0); el > 2*time.Second {
		t.Errorf("two batches took %s: the runner waited for a close that never comes", el)
	}
	for _, b := range done.Results {
		if b.Status != experiment.StatusOK {
			t.Errorf("batch %s: %s %s", b.ID, b.Status, b.Failure)
		}
	}
}

func TestMissingTimingStartAndEveryFiveProgress(t *testing.T) {
	t.Parallel()
	f := &fakeServer{behave: func(conn *websocket.Conn, req protocol.RunBatch, n int) {
		healthy(conn, req, 5, 2*time.Millisecond, false)
	}}
	done := runPlan(t, f.start(t), 1, 12, 5*time.Second)
	b := done.Results[0]
	if b.Status != experiment.StatusOK || !b.TimingFallback {
		t.Fatalf("batch: %s fallback=%v", b.Status, b.TimingFallback)
	}
	if b.Granularity != 5 {
		t.Errorf("granularity = %d, want 5", b.Granularity)
	}
	// Samples: ops 1-5, 6-10, then 11-12 from batch-complete.
	if len(b.Samples) != 3 || b.Samples[0].Ops != 5 || b.Samples[2].Ops != 2 {
		t.Errorf("samples = %+v", b.Samples)
	}
	if b.OpsSeen != 12 {
		t.Errorf("opsSeen = %d", b.OpsSeen)
	}
}

func TestErrorFrameFromServer(t *testing.T) {
	t.Parallel()
	f := &fakeServer{behave: func(conn *websocket.Conn, req protocol.RunBatch, n int) {
		send(conn, protocol.Frame{Type: protocol.TypeError, Error: "Unknown mode: direct. Available: proxyfetch"})
	}}
	done := runPlan(t, f.start(t), 1, 1, 5*time.Second)
	if b := done.Results[0]; b.Status != experiment.StatusError || !strings.Contains(b.Failure, "Available: proxyfetch") {
		t.Errorf("batch: %s %q", b.Status, b.Failure)
	}
}

// Lumenize's sequential runner sends progress every 5 *successful* ops and
// leaves failures out of it: a batch with errors gets approximate samples.
func TestEveryFiveSuccessesWithErrorsMarksSamplesApprox(t *testing.T) {
	t.Parallel()
	f := &fakeServer{behave: func(conn *websocket.Conn, req protocol.RunBatch, n int) {
		send(conn, protocol.Frame{Type: protocol.TypeBatchStarted, Mode: req.Mode, Count: req.Count})
		send(conn, protocol.Frame{Type: protocol.TypeTimingStart, Mode: req.Mode})
		ok := 0
		for op := 0; op < req.Count; op++ {
			time.Sleep(2 * time.Millisecond)
			if op == 3 {
				continue // this op failed: not counted
			}
			ok++
			if ok%5 == 0 {
				send(conn, protocol.Frame{Type: protocol.TypeProgress, Mode: req.Mode, Total: req.Count, Completed: ok})
			}
		}
		send(conn, protocol.Frame{Type: protocol.TypeTimingEnd, Mode: req.Mode})
		send(conn, protocol.Frame{Type: protocol.TypeBatchComplete, Mode: req.Mode, Completed: ok, Errors: 1, ErrorMessages: []string{"Op 3: boom"}})
	}}
	done := runPlan(t, f.start(t), 1, 11, 5*time.Second)
	b := done.Results[0]
	if b.Status != experiment.StatusOK || b.Granularity != 5 || !b.SamplesApprox || b.Errors != 1 || b.OpsSeen != 11 {
		t.Errorf("batch: status %s granularity %d approx %v errors %d opsSeen %d", b.Status, b.Granularity, b.SamplesApprox, b.Errors, b.OpsSeen)
	}
}

func TestDefaultBatchTimeout(t *testing.T) {
	t.Parallel()
	if got := runner.DefaultBatchTimeout(5, 100); got != 60*time.Second {
		t.Errorf("small: %s", got)
	}
	if got := runner.DefaultBatchTimeout(30, 10000); got != 910*time.Second {
		t.Errorf("large: %s", got)
	}
}
