package runner_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/protocol"
	"github.com/pfx-tui/pfx-tui/internal/runner"
)

// isolating is a target that keeps each batch to its own socket (batchId),
// as ours do: a failed batch's late frames cannot reach its retry, so it
// is run again at once. (Without it, see TestLumenizeNoRetryAfterAQuietDrain.)
var isolating = &experiment.TargetVersion{Capabilities: []string{experiment.CapBatchID}}

func runRetries(t *testing.T, url string, approaches []string, batches, ops, retries int) runner.RunDone {
	t.Helper()
	plan := experiment.Plan{Approaches: approaches, Durations: []time.Duration{10 * time.Millisecond}, Batches: batches, Ops: ops, Order: experiment.OrderSequential}
	plan, err := plan.ForTarget(nil, experiment.DurationRequest{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := runner.New(runner.Options{Target: url, Plan: plan, RunID: "f", Server: isolating, BatchTimeout: 5 * time.Second, CloseTimeout: 200 * time.Millisecond, DrainSlack: 100 * time.Millisecond, Retries: retries})
	if err != nil {
		t.Fatal(err)
	}
	done, _ := collect(t, r.Run(context.Background()))
	return done
}

// dropAfterOne sends one op's progress and cuts the connection.
func dropAfterOne(conn *websocket.Conn, req protocol.RunBatch) {
	send(conn, protocol.Frame{Type: protocol.TypeBatchStarted, Mode: req.Mode, Count: req.Count})
	send(conn, protocol.Frame{Type: protocol.TypeTimingStart, Mode: req.Mode})
	send(conn, protocol.Frame{Type: protocol.TypeProgress, Mode: req.Mode, Total: req.Count, Completed: 1})
	conn.UnderlyingConn().Close()
}

// A batch dropped once is run again under its own ID: the failed attempt
// stays in the results, marked retried and out of statistics, and the
// retry is measured.
func TestRetryDroppedBatch(t *testing.T) {
	t.Parallel()
	f := &fakeServer{behave: func(conn *websocket.Conn, req protocol.RunBatch, n int) {
		if n == 1 {
			dropAfterOne(conn, req)
			return
		}
		healthy(conn, req, 1, 0, true)
	}}
	done := runRetries(t, f.start(t), []string{"direct"}, 2, 3, 1)
	if done.Err != nil || len(done.Results) != 3 {
		t.Fatalf("run: err %v, %d results, want 3", done.Err, len(done.Results))
	}
	first, retry, next := done.Results[0], done.Results[1], done.Results[2]
	if first.Status != experiment.StatusDropped || !first.Retried || first.Counts() || first.Attempt != 0 || first.ID != "f-000" {
		t.Errorf("failed attempt: %s retried=%v counts=%v attempt=%d id=%s", first.Status, first.Retried, first.Counts(), first.Attempt, first.ID)
	}
	if retry.Status != experiment.StatusOK || retry.Retried || retry.Attempt != 1 || retry.ID != "f-000.r1" || retry.Batch != first.Batch {
		t.Errorf("retry: %s retried=%v attempt=%d id=%s batch=%d", retry.Status, retry.Retried, retry.Attempt, retry.ID, retry.Batch)
	}
	if next.Status != experiment.StatusOK || next.Attempt != 0 || next.ID != "f-001" {
		t.Errorf("next batch: %s attempt=%d id=%s", next.Status, next.Attempt, next.ID)
	}
}

// A batch that keeps failing is retried --retries times, then reported
// failed with its cause; the run goes on with the other cells.
func TestRetriesExhaustedRunGoesOn(t *testing.T) {
	t.Parallel()
	f := &fakeServer{behave: func(conn *websocket.Conn, req protocol.RunBatch, n int) {
		if req.Mode == "direct" {
			send(conn, protocol.Frame{Type: protocol.TypeError, Error: "upstream 500"})
			return
		}
		healthy(conn, req, 1, 0, true)
	}}
	done := runRetries(t, f.start(t), []string{"direct", "current"}, 1, 2, 2)
	var ids []string
	for _, b := range done.Results {
		ids = append(ids, b.ID+":"+b.Status)
	}
	want := "f-000:error,f-000.r1:error,f-000.r2:error,f-001:ok"
	if strings.Join(ids, ",") != want {
		t.Fatalf("results %s, want %s", strings.Join(ids, ","), want)
	}
	last := done.Results[2]
	if last.Retried || !strings.Contains(last.Failure, "upstream 500") {
		t.Errorf("last attempt: retried=%v failure %q; want reported with its cause", last.Retried, last.Failure)
	}
	for _, b := range done.Results[:2] {
		if !b.Retried {
			t.Errorf("%s not marked retried", b.ID)
		}
	}
}

// Retries 0 (the runner's zero value) runs each batch once.
func TestNoRetries(t *testing.T) {
	t.Parallel()
	f := &fakeServer{behave: func(conn *websocket.Conn, req protocol.RunBatch, n int) { dropAfterOne(conn, req) }}
	done := runRetries(t, f.start(t), []string{"direct"}, 1, 3, 0)
	if len(done.Results) != 1 || done.Results[0].Retried {
		t.Errorf("results %+v, want the one dropped batch, not retried", done.Results)
	}
}

// In a warm --objects run a retried batch runs on the run's objects (those
// its first attempt and the other batches used), not on fresh ones whose
// cold starts would count as warm latency.
func TestRetryWarmObjectsRunOnTheRunsObjects(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	objects := map[string][]string{} // batch id → objects its ops ran on
	f := &fakeServer{behave: func(conn *websocket.Conn, req protocol.RunBatch, n int) {
		mu.Lock()
		for op := range req.Count {
			objects[req.BatchID] = append(objects[req.BatchID], protocol.OriginObject(req.Mode, req.BatchID, req.Objects, req.Cold, op))
		}
		mu.Unlock()
		if n == 1 {
			dropAfterOne(conn, req)
			return
		}
		healthy(conn, req, 1, 0, true)
	}}
	plan := experiment.Plan{Approaches: []string{"direct"}, Durations: []time.Duration{10 * time.Millisecond}, Batches: 2, Ops: 3, Order: experiment.OrderSequential, Objects: 3}
	plan, err := plan.ForTarget(nil, experiment.DurationRequest{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := runner.New(runner.Options{Target: f.start(t), Plan: plan, RunID: "wo", Server: isolating, BatchTimeout: 5 * time.Second, CloseTimeout: 200 * time.Millisecond, DrainSlack: 100 * time.Millisecond, Retries: 1})
	if err != nil {
		t.Fatal(err)
	}
	done, _ := collect(t, r.Run(context.Background()))
	if len(done.Results) != 3 || done.Results[1].ID != "wo-000.r1" || done.Results[1].Status != experiment.StatusOK {
		var got []string
		for _, b := range done.Results {
			got = append(got, b.ID+":"+b.Status)
		}
		t.Fatalf("results %v, want wo-000, its retry wo-000.r1 ok, wo-001", got)
	}
	if b, ok := protocol.ParseBatchID(done.Results[1].ID); !ok || b.Run != "wo" || protocol.RunOf(done.Results[1].ID) != "wo" {
		t.Errorf("retry id %s parses as %+v, %v", done.Results[1].ID, b, ok)
	}
	mu.Lock()
	defer mu.Unlock()
	want := strings.Join(objects["wo-000"], ",")
	for _, id := range []string{"wo-000.r1", "wo-001"} {
		if got := strings.Join(objects[id], ","); got != want || !strings.HasPrefix(got, "origin-direct-wo-0,") {
			t.Errorf("%s ran on %s, want the run's objects %s", id, got, want)
		}
	}
}
