package localtarget_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/localtarget"
	"github.com/pfx-tui/pfx-tui/internal/protocol"
	"github.com/pfx-tui/pfx-tui/internal/r2"
	"github.com/pfx-tui/pfx-tui/internal/runner"
)

func startChaos(t *testing.T, c *localtarget.Chaos) *localtarget.Server {
	t.Helper()
	srv, err := localtarget.Start(localtarget.Options{Chaos: c, PushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// runChaos runs one direct batch of ops at 10 ms against srv.
func runChaos(t *testing.T, srv *localtarget.Server, ops int, timeout time.Duration) experiment.BatchResult {
	t.Helper()
	info, err := runner.Probe(context.Background(), srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	plan := experiment.Plan{Approaches: []string{"direct"}, Durations: []time.Duration{10 * time.Millisecond}, Batches: 1, Ops: ops, Order: experiment.OrderSequential}
	r, err := runner.New(runner.Options{Target: srv.URL(), Plan: plan, RunID: "chaos", Server: info.Version, BatchTimeout: timeout, CloseTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	done := runner.Wait(r.Run(context.Background()))
	if len(done.Results) != 1 {
		t.Fatalf("results: %d", len(done.Results))
	}
	return done.Results[0]
}

func TestChaosDropsTheBatchAfterItsFirstOp(t *testing.T) {
	t.Parallel()
	b := runChaos(t, startChaos(t, &localtarget.Chaos{DropBatch: 1}), 4, 5*time.Second)
	if b.Status != experiment.StatusDropped || b.OpsSeen != 1 || !strings.Contains(b.Failure, "1 of 4 ops") {
		t.Errorf("batch: %s opsSeen %d %q", b.Status, b.OpsSeen, b.Failure)
	}
}

func TestChaosSilentAfterTimingStart(t *testing.T) {
	t.Parallel()
	b := runChaos(t, startChaos(t, &localtarget.Chaos{SilentBatch: 1}), 3, 300*time.Millisecond)
	if b.Status != experiment.StatusTimeout || b.OpsSeen != 0 || b.TimingStartAt.IsZero() {
		t.Errorf("batch: %s opsSeen %d timing start %v", b.Status, b.OpsSeen, b.TimingStartAt)
	}
}

func TestChaosUpstream500FailsOps(t *testing.T) {
	t.Parallel()
	b := runChaos(t, startChaos(t, &localtarget.Chaos{Upstream500: 1}), 3, 5*time.Second)
	if b.Status != experiment.StatusOK || b.Errors != 3 || b.Completed != 0 || len(b.ErrorMessages) == 0 {
		t.Errorf("batch: %s completed %d errors %d %q", b.Status, b.Completed, b.Errors, b.ErrorMessages)
	}
}

func TestChaosSlowUpstream(t *testing.T) {
	t.Parallel()
	b := runChaos(t, startChaos(t, &localtarget.Chaos{SlowUpstream: 1, SlowBy: 40 * time.Millisecond}), 3, 5*time.Second)
	if b.Status != experiment.StatusOK || len(b.Samples) != 3 {
		t.Fatalf("batch: %s, %d samples", b.Status, len(b.Samples))
	}
	// A sample is the gap between two progress frames as the client
	// received them: a frame delivered late shortens the next gap by as
	// much, so each op is held to 10 ms of that jitter (an op without the
	// slowness takes ~10 ms, far below), and the batch to its total.
	var sum float64
	for _, s := range b.Samples {
		sum += s.PerOpMs()
		if s.PerOpMs() < 40 {
			t.Errorf("op of %.1f ms: want ≈ 10 ms delay + 40 ms slowness", s.PerOpMs())
		}
	}
	if sum < 3*50-10 {
		t.Errorf("3 ops took %.1f ms in all: want ≥ 3 × (10 ms delay + 40 ms slowness)", sum)
	}
}

// Every S3 request failing with a server error is a transient error for
// internal/r2 (retried, then reported as such), never a permanent one.
func TestChaosS3Errors(t *testing.T) {
	t.Parallel()
	srv := startChaos(t, &localtarget.Chaos{S3Fault: 1})
	c, err := r2.New(context.Background(), r2.Config{Endpoint: srv.S3Endpoint(), Bucket: srv.S3Bucket(), Prefix: srv.LogpushPrefix(),
		AccessKeyID: srv.S3AccessKeyID(), SecretAccessKey: srv.S3SecretAccessKey(), MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]bool{}
	for range 12 {
		_, err := c.NewFetcher(time.Now().Add(-time.Minute), time.Now()).Fetch(context.Background(), &recordSink{})
		if err == nil || r2.IsPermanent(err) {
			t.Fatalf("want a transient error, got %v", err)
		}
		for _, code := range []string{"InternalError", "ServiceUnavailable", "SlowDown"} {
			if strings.Contains(err.Error(), code) {
				codes[code] = true
			}
		}
	}
	if len(codes) < 2 {
		t.Errorf("codes seen %v: want the kinds of S3 server error mixed", codes)
	}
}

func TestChaosClockOffset(t *testing.T) {
	t.Parallel()
	srv := startChaos(t, &localtarget.Chaos{ClockOffset: time.Hour})
	resp, err := http.Get(srv.URL() + protocol.PathVersion)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v protocol.Version
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatal(err)
	}
	if ahead := time.Duration(v.Timestamp-time.Now().UnixMilli()) * time.Millisecond; ahead < 59*time.Minute || ahead > 61*time.Minute {
		t.Errorf("/version is %s ahead, want 1h", ahead)
	}
}

// A client message over the target's limit closes the socket with 1009
// (message too big) instead of being buffered.
func TestOversizedClientMessageRefused(t *testing.T) {
	t.Parallel()
	srv := startChaos(t, nil)
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL(), "http")+protocol.PathWS, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.WriteMessage(websocket.TextMessage, []byte(strings.Repeat("x", 1<<20)))
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, _, err = conn.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
		t.Errorf("read after a 1 MB message: %v, want close 1009", err)
	}
}
