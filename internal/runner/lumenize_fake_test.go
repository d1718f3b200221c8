package runner_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/protocol"
	"github.com/pfx-tui/pfx-tui/internal/runner"
)

// lumenize is an in-process stand-in for the original Node tooling's
// LumenizeExperimentDO, with the behaviours the runner must survive:
//   - /version without capabilities; no /patterns unless patterns is set;
//   - the upstream delay from its own configuration (durationMs ignored);
//   - `direct` runs ops one after another and sends progress every 5
//     *successful* ops;
//   - `proxyfetch` is chained: no progress frames, and its batch-complete
//     goes to whichever experiment socket is open first when the chain ends
//     (the next batch's, if the client gave up on this one);
//   - it never answers a close frame and never closes a socket itself;
//   - failing ops (a failing upstream) are counted in errors, with "Op N: …".
//
// Instead of sleeping, tests hold the server with gates and follow it
// through log, which names every socket opened and closed and every
// batch-complete sent.
type lumenize struct {
	t        *testing.T
	delay    time.Duration               // its own upstream delay per op
	fail     func(op int) bool           // ops whose upstream fails
	patterns bool                        // serve /patterns
	chain    chan struct{}               // when set, a chain waits for it before its ops
	opsGate  func(n int) <-chan struct{} // when set, batch n's ops wait for it
	log      chan string

	mu      sync.Mutex
	sockets []*sock // open experiment sockets, in the order they opened
	n       int
	reqs    []protocol.RunBatch
}

type sock struct {
	id   int
	conn *websocket.Conn
	wmu  sync.Mutex
}

func (s *sock) send(f protocol.Frame) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.conn.WriteJSON(f)
}

var lumenizeModes = []string{"direct", "proxyfetch"}

func newLumenize(t *testing.T) *lumenize {
	return &lumenize{t: t, delay: 2 * time.Millisecond, log: make(chan string, 1000)}
}

func (l *lumenize) logf(format string, args ...any) {
	select {
	case l.log <- fmt.Sprintf(format, args...):
	default:
	}
}

// waitLog blocks until the server has logged every one of lines (in any
// order); false if it does not within 20 s.
func (l *lumenize) waitLog(lines ...string) bool {
	want := map[string]bool{}
	for _, x := range lines {
		want[x] = true
	}
	timeout := time.After(20 * time.Second)
	for len(want) > 0 {
		select {
		case got := <-l.log:
			delete(want, got)
		case <-timeout:
			return false
		}
	}
	return true
}

func (l *lumenize) start() string {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /version", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"version": 1, "timestamp": time.Now().UnixMilli()})
	})
	mux.HandleFunc("GET /patterns", func(w http.ResponseWriter, r *http.Request) {
		if !l.patterns {
			http.NotFound(w, r)
			return
		}
		_ = json.NewEncoder(w).Encode(protocol.Patterns{Patterns: []protocol.Pattern{{Mode: "direct"}, {Mode: "proxyfetch"}}})
	})
	up := websocket.Upgrader{}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		conn, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		// Never answer the client's close frame.
		conn.SetCloseHandler(func(int, string) error { return nil })
		l.mu.Lock()
		l.n++
		s := &sock{id: l.n, conn: conn}
		l.sockets = append(l.sockets, s)
		l.mu.Unlock()
		l.logf("open %d", s.id)
		defer func() {
			l.mu.Lock()
			for i, x := range l.sockets {
				if x == s {
					l.sockets = append(l.sockets[:i], l.sockets[i+1:]...)
					break
				}
			}
			l.mu.Unlock()
			_ = conn.Close()
			l.logf("closed %d", s.id)
		}()
		for {
			_, msg, err := conn.ReadMessage()
			if err != nil {
				return
			}
			var req protocol.RunBatch
			if err := json.Unmarshal(msg, &req); err != nil {
				continue
			}
			l.mu.Lock()
			l.reqs = append(l.reqs, req)
			l.mu.Unlock()
			// The batch runs beside the read loop, as the DO's handler
			// returns while its ops go on.
			go l.batch(s, req)
		}
	})
	srv := httptest.NewServer(mux)
	l.t.Cleanup(srv.Close)
	return srv.URL
}

func (l *lumenize) batch(s *sock, req protocol.RunBatch) {
	known := false
	for _, m := range lumenizeModes {
		known = known || m == req.Mode
	}
	if !known {
		_ = s.send(protocol.Frame{Type: protocol.TypeError, Error: protocol.UnknownModeError(req.Mode, lumenizeModes)})
		return
	}
	_ = s.send(protocol.Frame{Type: protocol.TypeBatchStarted, Mode: req.Mode, Count: req.Count})
	_ = s.send(protocol.Frame{Type: protocol.TypeTimingStart, Mode: req.Mode})
	if l.opsGate != nil {
		if g := l.opsGate(s.id); g != nil {
			<-g
		}
	}
	chained := req.Mode == "proxyfetch"
	if chained && l.chain != nil {
		<-l.chain
	}
	ok, failed := 0, 0
	var msgs []string
	for op := 0; op < req.Count; op++ {
		time.Sleep(l.delay) // the upstream, at the server's own delay
		if l.fail != nil && l.fail(op) {
			failed++
			msgs = append(msgs, fmt.Sprintf("Op %d: upstream answered 500", op))
			continue
		}
		ok++
		if !chained && ok%5 == 0 {
			_ = s.send(protocol.Frame{Type: protocol.TypeProgress, Mode: req.Mode, Total: req.Count, Completed: ok})
		}
	}
	to := s
	if chained {
		// The chain's end reaches whichever socket is open first.
		l.mu.Lock()
		to = nil
		if len(l.sockets) > 0 {
			to = l.sockets[0]
		}
		l.mu.Unlock()
		if to == nil {
			l.logf("complete lost")
			return
		}
	}
	_ = to.send(protocol.Frame{Type: protocol.TypeTimingEnd, Mode: req.Mode})
	_ = to.send(protocol.Frame{Type: protocol.TypeBatchComplete, Mode: req.Mode, Completed: ok, Errors: failed, ErrorMessages: msgs})
	l.logf("complete %s to %d", req.Mode, to.id)
}

func (l *lumenize) requests() []protocol.RunBatch {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]protocol.RunBatch(nil), l.reqs...)
}

// lumenizeRun probes the fake like a session does, fits the plan to what it
// honours and starts a runner; on(ev) sees every event as it arrives.
func lumenizeRun(t *testing.T, url string, plan experiment.Plan, opts runner.Options, on func(runner.Event)) (runner.RunDone, []runner.Event) {
	t.Helper()
	info, err := runner.Probe(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Order == "" {
		plan.Order = experiment.OrderSequential
	}
	if len(plan.Durations) == 0 {
		plan.Durations = []time.Duration{100 * time.Millisecond}
	}
	if plan.DurationSource == "" {
		if plan, err = plan.ForTarget(info.Version, experiment.DurationRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	opts.Target, opts.Plan, opts.Server = url, plan, info.Version
	if opts.RunID == "" {
		opts.RunID = "lz"
	}
	if opts.CloseTimeout == 0 {
		opts.CloseTimeout = 100 * time.Millisecond
	}
	r, err := runner.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	var all []runner.Event
	var done runner.RunDone
	for ev := range r.Run(context.Background()) {
		all = append(all, ev)
		if on != nil {
			on(ev)
		}
		if d, ok := ev.(runner.RunDone); ok {
			done = d
		}
	}
	return done, all
}

func eventsOf[T runner.Event](all []runner.Event) []T {
	var out []T
	for _, ev := range all {
		if e, ok := ev.(T); ok {
			out = append(out, e)
		}
	}
	return out
}

// A chained batch the client gave up on ends later; its batch-complete goes
// to the first open socket. The runner keeps the abandoned socket open and
// drains it, so the next batch starts on a quiet server and gets no
// stranger's batch-complete.
func TestLumenizeAbandonedChainIsDrainedBeforeTheNextBatch(t *testing.T) {
	t.Parallel()
	l := newLumenize(t)
	l.chain = make(chan struct{})
	url := l.start()
	var once sync.Once
	plan := experiment.Plan{Approaches: []string{"proxyfetch"}, Batches: 2, Ops: 3}
	done, all := lumenizeRun(t, url, plan, runner.Options{BatchTimeout: 1500 * time.Millisecond, DrainSlack: time.Minute}, func(ev runner.Event) {
		if _, ok := ev.(runner.Draining); ok {
			// The chain finishes while the runner drains.
			once.Do(func() { close(l.chain) })
		}
	})
	if done.Err != nil || len(done.Results) != 2 {
		t.Fatalf("done: %+v", done)
	}
	first, second := done.Results[0], done.Results[1]
	if first.Status != experiment.StatusTimeout || first.Drain == nil || first.Drain.Outcome != experiment.DrainEnded || first.Drain.LateCompleted != 3 || first.Drain.Ms <= 0 {
		t.Fatalf("first batch: %s drain %+v", first.Status, first.Drain)
	}
	if len(eventsOf[runner.Draining](all)) != 1 {
		t.Errorf("draining events: %d", len(eventsOf[runner.Draining](all)))
	}
	if second.Status != experiment.StatusOK || len(second.ForeignFrames) != 0 || !second.Chained || len(second.Samples) != 1 || second.OpsSeen != 3 || second.Completed != 3 {
		t.Errorf("second batch: %s foreign %+v chained %v samples %d opsSeen %d", second.Status, second.ForeignFrames, second.Chained, len(second.Samples), second.OpsSeen)
	}
	if len(eventsOf[runner.ForeignFrame](all)) != 0 {
		t.Error("a foreign frame reached the second batch")
	}
}

// Without draining (a server that claims to isolate batches but does not),
// the abandoned chain's batch-complete lands on the next batch's socket:
// it is another mode's, so it is reported and never credited.
func TestLumenizeStrayCompletionOnTheNextSocketIsNotCredited(t *testing.T) {
	t.Parallel()
	l := newLumenize(t)
	l.chain = make(chan struct{})
	second := make(chan struct{})
	l.opsGate = func(n int) <-chan struct{} {
		if n == 2 {
			return second
		}
		return nil
	}
	url := l.start()
	go func() {
		// Socket 1 (the abandoned chain) closes, socket 2 (direct) opens:
		// release the chain, whose end now goes to socket 2, then let the
		// direct batch run.
		defer close(second)
		if !l.waitLog("closed 1", "open 2") {
			t.Error("the runner never moved on to the second batch")
			close(l.chain)
			return
		}
		close(l.chain)
		if !l.waitLog("complete proxyfetch to 2") {
			t.Error("the chain's batch-complete did not reach socket 2")
		}
	}()
	info, err := runner.Probe(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	claims := *info.Version
	claims.Capabilities = []string{experiment.CapBatchID}
	plan := experiment.Plan{Approaches: []string{"proxyfetch", "direct"}, Durations: []time.Duration{-time.Millisecond}, DurationSource: experiment.DurationsServerDefined, Batches: 1, Ops: 5, Order: experiment.OrderSequential}
	r, err := runner.New(runner.Options{Target: url, Plan: plan, RunID: "st", Server: &claims, BatchTimeout: 1500 * time.Millisecond, CloseTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	done, all := collect(t, r.Run(context.Background()))
	if len(done.Results) != 2 {
		t.Fatalf("done %+v", done)
	}
	b := done.Results[1]
	if b.Status != experiment.StatusOK || b.Completed != 5 || len(b.Samples) != 1 || b.Samples[0].Ops != 5 {
		t.Fatalf("direct batch: %s completed %d samples %+v", b.Status, b.Completed, b.Samples)
	}
	// The chain's timing-end and batch-complete, both another mode's.
	if len(b.ForeignFrames) != 2 || b.ForeignFrames[1].Mode != "proxyfetch" || b.ForeignFrames[1].Type != protocol.TypeBatchComplete || b.ForeignFrames[1].Completed != 5 {
		t.Fatalf("foreign frames %+v", b.ForeignFrames)
	}
	evs := eventsOf[runner.ForeignFrame](all)
	if len(evs) != 2 || evs[0].Spec.ID != b.ID {
		t.Errorf("foreign frame events %+v", evs)
	}
	if done.Results[0].Drain != nil {
		t.Error("drained a batch on a server that claims isolation")
	}
}

// The server runs at its own delay whatever durationMs says: the plan gets
// one server-defined duration, and run-batch does not ask for a delay.
func TestLumenizeIgnoresDurationMs(t *testing.T) {
	t.Parallel()
	l := newLumenize(t)
	l.delay = 15 * time.Millisecond
	url := l.start()
	done, _ := lumenizeRun(t, url, experiment.Plan{Approaches: []string{"direct"}, Batches: 1, Ops: 10}, runner.Options{}, nil)
	b := done.Results[0]
	if b.Status != experiment.StatusOK || b.DurationMs != experiment.ServerDefinedMs || b.Granularity != 5 || len(b.Samples) != 2 {
		t.Fatalf("batch: %s durationMs %d granularity %d samples %+v", b.Status, b.DurationMs, b.Granularity, b.Samples)
	}
	// Each sample is the gap between two progress frames as received, so
	// one frame held up by the client's scheduler shortens the next gap:
	// allow 1 ms per op for that, and hold the whole batch to the server's
	// 15 ms per op (less one frame's delay).
	sum := 0.0
	for _, x := range b.PerOpMs() {
		sum += x
		if x < 14 {
			t.Errorf("per op %.2f ms, below the server's own 15 ms", x)
		}
	}
	if mean := sum / float64(len(b.PerOpMs())); mean < 14.8 {
		t.Errorf("mean per op %.2f ms, below the server's own 15 ms", mean)
	}
	for _, req := range l.requests() {
		if req.DurationMs != nil || req.BatchID == "" {
			t.Errorf("request %+v", req)
		}
	}
}

// Told (wrongly) that the server honours a 100 ms delay, the runner sees a
// batch end sooner than its ops × 100 ms: impossible, out of statistics.
func TestLumenizeBatchFasterThanTheHonouredDelayIsImpossible(t *testing.T) {
	t.Parallel()
	l := newLumenize(t)
	url := l.start()
	plan := experiment.Plan{Approaches: []string{"direct"}, Durations: []time.Duration{100 * time.Millisecond}, DurationSource: experiment.DurationsServerReported, Batches: 1, Ops: 5}
	done, all := lumenizeRun(t, url, plan, runner.Options{}, nil)
	b := done.Results[0]
	if b.Status != experiment.StatusImpossible || len(b.PerOpMs()) != 0 || b.Completed != 5 || !strings.Contains(b.Failure, "impossible") {
		t.Fatalf("batch: %s %q", b.Status, b.Failure)
	}
	if len(eventsOf[runner.BatchFailed](all)) != 1 {
		t.Error("an impossible batch is not reported as failed")
	}
}

// Progress every 5 successful ops, with a failing upstream: errors stay
// exact, the samples are marked approximate, a gap of failed ops only is no
// latency.
func TestLumenizeProgressEveryFiveSuccessesWithFailures(t *testing.T) {
	t.Parallel()
	l := newLumenize(t)
	l.fail = func(op int) bool { return op == 2 || op >= 11 }
	url := l.start()
	done, _ := lumenizeRun(t, url, experiment.Plan{Approaches: []string{"direct"}, Batches: 1, Ops: 13}, runner.Options{}, nil)
	b := done.Results[0]
	if b.Status != experiment.StatusOK || b.Completed != 10 || b.Errors != 3 || len(b.ErrorMessages) != 3 || b.OpsSeen != 13 {
		t.Fatalf("batch: %s completed %d errors %d opsSeen %d", b.Status, b.Completed, b.Errors, b.OpsSeen)
	}
	if len(b.Samples) != 2 || b.Samples[0].Ops != 5 || b.Samples[1].Ops != 5 || len(b.FailedSamples) != 1 || !b.SamplesApprox {
		t.Errorf("samples %+v failed %+v approx %v", b.Samples, b.FailedSamples, b.SamplesApprox)
	}
}

// A failing upstream: no op succeeds, so no latency, and the run fails.
func TestLumenizeFailingUpstreamGivesNoLatencyAndFailsTheRun(t *testing.T) {
	t.Parallel()
	l := newLumenize(t)
	l.fail = func(int) bool { return true }
	url := l.start()
	done, _ := lumenizeRun(t, url, experiment.Plan{Approaches: []string{"direct", "proxyfetch"}, Batches: 1, Ops: 6}, runner.Options{}, nil)
	if done.Err != runner.ErrNoSuccessfulOp {
		t.Fatalf("run error %v", done.Err)
	}
	for _, b := range done.Results {
		if b.Status != experiment.StatusOK || b.Errors != 6 || len(b.PerOpMs()) != 0 {
			t.Errorf("batch %s: %s errors %d latencies %v", b.Approach, b.Status, b.Errors, b.PerOpMs())
		}
	}
}

// A chained mode sends no progress frames: one sample per batch, the batch
// mean, and opsSeen is the ops finished.
func TestLumenizeChainedModeWithoutProgress(t *testing.T) {
	t.Parallel()
	l := newLumenize(t)
	url := l.start()
	done, all := lumenizeRun(t, url, experiment.Plan{Approaches: []string{"proxyfetch"}, Batches: 2, Ops: 4}, runner.Options{}, nil)
	for _, b := range done.Results {
		if b.Status != experiment.StatusOK || !b.Chained || len(b.Samples) != 1 || b.Samples[0].Ops != 4 || b.OpsSeen != 4 || b.Granularity != 4 {
			t.Errorf("batch %s: %s chained %v samples %+v opsSeen %d", b.ID, b.Status, b.Chained, b.Samples, b.OpsSeen)
		}
	}
	if n := len(eventsOf[runner.OpProgress](all)); n != 0 {
		t.Errorf("%d progress events from a chained mode", n)
	}
}

// Without /patterns, the first "Unknown mode … Available: …" teaches the
// runner the server's modes: the approaches it lacks leave the plan with
// one event and are not tried again.
func TestLumenizeLearnsModesFromTheFirstRefusal(t *testing.T) {
	t.Parallel()
	l := newLumenize(t)
	url := l.start()
	info, err := runner.Probe(context.Background(), url)
	if err != nil || len(info.Patterns) != 0 {
		t.Fatalf("probe: %+v %v", info, err)
	}
	plan := experiment.Plan{Approaches: []string{"direct", "current", "simple", "proxyfetch"}, Batches: 2, Ops: 5, Warmup: 1, Order: experiment.OrderInterleave}
	done, all := lumenizeRun(t, url, plan, runner.Options{}, nil)
	learned := eventsOf[runner.ModesLearned](all)
	if len(learned) != 1 || strings.Join(learned[0].Dropped, ",") != "current,simple" || strings.Join(learned[0].Available, ",") != "direct,proxyfetch" {
		t.Fatalf("learned %+v", learned)
	}
	// current's warmup was refused; simple's warmup and every later batch
	// of both were dropped.
	if n := len(learned[0].Skipped); n != 5 {
		t.Errorf("skipped %d batches, want 5", n)
	}
	tried := map[string]int{}
	for _, req := range l.requests() {
		tried[req.Mode]++
	}
	if tried["current"] != 1 || tried["simple"] != 0 || tried["direct"] != 3 || tried["proxyfetch"] != 3 {
		t.Errorf("requests per mode %v", tried)
	}
	if len(done.Results) != 7 || !done.Results[1].NotOffered || done.Err != nil {
		t.Errorf("results %d, refused batch %+v, err %v", len(done.Results), done.Results[1], done.Err)
	}
	starts := eventsOf[runner.BatchStarted](all)
	if last := starts[len(starts)-1]; last.Total != 7 {
		t.Errorf("the plan's total is still %d after dropping", last.Total)
	}
}

// Cancelled mid-batch, a third-party server goes on with the batch: the
// runner stays on its socket until the batch ends before reporting the run
// interrupted, so a next run does not share the server with it.
func TestLumenizeCancelledBatchIsDrained(t *testing.T) {
	t.Parallel()
	l := newLumenize(t)
	url := l.start()
	info, err := runner.Probe(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := experiment.Plan{Approaches: []string{"direct"}, Durations: []time.Duration{0}, Batches: 2, Ops: 30, Order: experiment.OrderSequential}.ForTarget(info.Version, experiment.DurationRequest{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := runner.New(runner.Options{Target: url, Plan: plan, RunID: "cx", Server: info.Version, DrainSlack: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var done runner.RunDone
	var draining []runner.Draining
	for ev := range r.Run(ctx) {
		switch e := ev.(type) {
		case runner.OpProgress:
			if e.Completed == 5 {
				cancel()
			}
		case runner.Draining:
			draining = append(draining, e)
		case runner.RunDone:
			done = e
		}
	}
	if !done.Interrupted || len(done.Results) != 1 || len(draining) != 1 {
		t.Fatalf("done %+v, draining %d", done, len(draining))
	}
	b := done.Results[0]
	if b.Status != experiment.StatusInterrupted || b.OpsSeen != 10 || b.Drain == nil || b.Drain.Outcome != experiment.DrainEnded || b.Drain.LateCompleted != 30 {
		t.Fatalf("batch %s opsSeen %d drain %+v", b.Status, b.OpsSeen, b.Drain)
	}
	if b.TimingStartAt.IsZero() || b.BatchMs <= 0 {
		t.Errorf("interrupted batch: timingStartAt %v batchMs %v", b.TimingStartAt, b.BatchMs)
	}
}

// With --retries 1 (the CLI's default) on a server that does not keep
// batches apart, a timed-out chain whose drain ends quietly is not run
// again: the retry would ask for the same mode and count on a new socket,
// where the abandoned chain's batch-complete lands and would be credited
// to it. The batch is reported failed, saying why.
func TestLumenizeNoRetryAfterAQuietDrain(t *testing.T) {
	t.Parallel()
	l := newLumenize(t)
	l.chain = make(chan struct{})
	url := l.start()
	plan := experiment.Plan{Approaches: []string{"proxyfetch"}, Batches: 1, Ops: 3}
	done, all := lumenizeRun(t, url, plan, runner.Options{BatchTimeout: 300 * time.Millisecond, DrainSlack: 100 * time.Millisecond, Retries: 1}, nil)
	close(l.chain) // the abandoned chain ends only now
	if !l.waitLog("complete lost") {
		t.Error("the chain did not end")
	}
	if len(done.Results) != 1 {
		var ids []string
		for _, b := range done.Results {
			ids = append(ids, fmt.Sprintf("%s:%s completed %d samples %+v", b.ID, b.Status, b.Completed, b.Samples))
		}
		t.Fatalf("results %v; want the timed-out batch alone, not retried", ids)
	}
	b := done.Results[0]
	if b.Status != experiment.StatusTimeout || b.Retried || b.Drain == nil || b.Drain.Outcome != experiment.DrainQuiet || !strings.Contains(b.Failure, "not run again") {
		t.Fatalf("batch %s retried=%v drain %+v failure %q", b.Status, b.Retried, b.Drain, b.Failure)
	}
	failed := eventsOf[runner.BatchFailed](all)
	if len(failed) != 1 || !strings.Contains(failed[0].Err.Error(), "not run again") {
		t.Errorf("BatchFailed events %+v", failed)
	}
	if len(l.requests()) != 1 {
		t.Errorf("%d run-batch requests, want 1", len(l.requests()))
	}
}

// When the drain sees the abandoned chain end, nothing of it is left to
// reach another socket: the batch is run again and the retry measured.
func TestLumenizeRetryAfterTheDrainSawTheEnd(t *testing.T) {
	t.Parallel()
	l := newLumenize(t)
	l.chain = make(chan struct{})
	url := l.start()
	var once sync.Once
	plan := experiment.Plan{Approaches: []string{"proxyfetch"}, Batches: 1, Ops: 3}
	done, _ := lumenizeRun(t, url, plan, runner.Options{BatchTimeout: 1500 * time.Millisecond, DrainSlack: time.Minute, Retries: 1}, func(ev runner.Event) {
		if _, ok := ev.(runner.Draining); ok {
			once.Do(func() { close(l.chain) }) // the chain (and the retry's) end now
		}
	})
	if done.Err != nil || len(done.Results) != 2 {
		t.Fatalf("done: %+v", done)
	}
	first, retry := done.Results[0], done.Results[1]
	if first.Status != experiment.StatusTimeout || !first.Retried || first.Drain == nil || first.Drain.Outcome != experiment.DrainEnded {
		t.Fatalf("first attempt: %s retried=%v drain %+v", first.Status, first.Retried, first.Drain)
	}
	if retry.Status != experiment.StatusOK || retry.Attempt != 1 || retry.Completed != 3 || len(retry.ForeignFrames) != 0 {
		t.Errorf("retry: %s attempt %d completed %d foreign %+v", retry.Status, retry.Attempt, retry.Completed, retry.ForeignFrames)
	}
}
