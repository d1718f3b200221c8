package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/experiment"

	"github.com/gorilla/websocket"

	"github.com/pfx-tui/pfx-tui/internal/protocol"
)

// Options configure a Runner.
type Options struct {
	Target string // base URL, http(s)://host[:port]
	Plan   experiment.Plan
	RunID  string
	// BatchTimeout overrides the per-batch timeout; zero means
	// max(60 s, 3 × count × duration + 10 s).
	BatchTimeout time.Duration
	// CloseTimeout bounds the wait for the server's close frame (Lumenize
	// servers never answer it). Default 500 ms.
	CloseTimeout time.Duration
	// StopGrace bounds how long a cancelled run waits for the current op.
	// Zero means the op's delay + 5 s.
	StopGrace time.Duration
	// EventBuffer is the events channel's capacity (default 256).
	EventBuffer int
}

// Runner runs one plan once.
type Runner struct {
	opts   Options
	dialer *websocket.Dialer
	specs  []experiment.BatchSpec
}

// New checks the options and expands the plan.
func New(opts Options) (*Runner, error) {
	if err := opts.Plan.Validate(); err != nil {
		return nil, err
	}
	if _, err := WebSocketURL(opts.Target, ""); err != nil {
		return nil, err
	}
	if opts.RunID == "" {
		return nil, errors.New("runner: RunID is required")
	}
	if opts.CloseTimeout <= 0 {
		opts.CloseTimeout = 500 * time.Millisecond
	}
	if opts.EventBuffer <= 0 {
		opts.EventBuffer = 256
	}
	d := *websocket.DefaultDialer
	d.HandshakeTimeout = 15 * time.Second
	return &Runner{opts: opts, dialer: &d, specs: opts.Plan.Specs(opts.RunID)}, nil
}

// Specs are the batches in run order.
func (r *Runner) Specs() []experiment.BatchSpec { return r.specs }

// DefaultBatchTimeout is max(60 s, 3 × count × duration + 10 s).
func DefaultBatchTimeout(count, durationMs int) time.Duration {
	t := 3*time.Duration(count)*time.Duration(durationMs)*time.Millisecond + 10*time.Second
	if t < 60*time.Second {
		t = 60 * time.Second
	}
	return t
}

// WebSocketURL turns a target base URL into the WebSocket URL of a batch.
func WebSocketURL(target, batchID string) (string, error) {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("target %q is not a URL (want http://host:port or https://host)", target)
	}
	switch u.Scheme {
	case "http", "ws":
		u.Scheme = "ws"
	case "https", "wss":
		u.Scheme = "wss"
	default:
		return "", fmt.Errorf("target %q: scheme must be http or https", target)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + protocol.PathWS
	u.RawQuery = ""
	if batchID != "" {
		u.RawQuery = url.Values{"batch": {batchID}}.Encode()
	}
	return u.String(), nil
}

// Run executes the plan, sending events to a channel it returns; the channel
// is closed after RunDone. Cancelling ctx stops after the current op and
// keeps what was measured. The consumer must read until the channel closes.
func (r *Runner) Run(ctx context.Context) <-chan Event {
	ch := make(chan Event, r.opts.EventBuffer)
	ob := newOutbox()
	go ob.forward(ch)
	go r.run(ctx, ob)
	return ch
}

func (r *Runner) run(ctx context.Context, ch *outbox) {
	defer ch.close()
	var results []experiment.BatchResult
	remaining := map[experiment.Cell]int{}
	for _, s := range r.specs {
		if !s.Warmup {
			remaining[experiment.Cell{Approach: s.Approach, DurationMs: s.DurationMs}]++
		}
	}
	for _, spec := range r.specs {
		if ctx.Err() != nil {
			ch.emit(RunDone{Results: results, Interrupted: true})
			return
		}
		if !r.awaitMinute(ctx, spec, ch) { // --order minute (minute.go)
			ch.emit(RunDone{Results: results, Interrupted: true})
			return
		}
		ch.emit(BatchStarted{Spec: spec, Total: len(r.specs), At: time.Now()})
		res, err := r.runBatch(ctx, spec, ch)
		if errors.Is(err, errDial) {
			ch.emit(RunDone{Results: results, Err: err})
			return
		}
		results = append(results, res)
		if err != nil {
			ch.emit(BatchFailed{Result: res, Err: err})
		} else {
			ch.emit(BatchDone{Result: res})
		}
		if res.Status == experiment.StatusInterrupted {
			ch.emit(RunDone{Results: results, Interrupted: true})
			return
		}
		if !spec.Warmup {
			c := experiment.Cell{Approach: spec.Approach, DurationMs: spec.DurationMs}
			remaining[c]--
			if remaining[c] == 0 {
				ch.emit(CellDone{Cell: c})
			}
		}
	}
	ch.emit(RunDone{Results: results, Interrupted: ctx.Err() != nil})
}

// Wait reads a run's events to the end and returns its outcome, for callers
// that need the results but not the progress.
func Wait(events <-chan Event) RunDone {
	var done RunDone
	for ev := range events {
		if d, ok := ev.(RunDone); ok {
			done = d
		}
	}
	return done
}

var errDial = errors.New("cannot open a WebSocket to the target")

type received struct {
	data []byte
	at   time.Time
	err  error
}

func (r *Runner) runBatch(ctx context.Context, spec experiment.BatchSpec, ch *outbox) (experiment.BatchResult, error) {
	res := experiment.BatchResult{BatchSpec: spec, StartedAt: time.Now().UTC(), Granularity: 1, Samples: []experiment.Sample{}, Frames: []experiment.FrameStamp{}}
	start := time.Now()
	finish := func(status string, err error) (experiment.BatchResult, error) {
		res.Status = status
		res.EndedAt = time.Now().UTC()
		if err != nil {
			res.Failure = err.Error()
		}
		return res, err
	}
	wsURL, _ := WebSocketURL(r.opts.Target, spec.ID)
	conn, err := r.dial(ctx, wsURL)
	if err != nil {
		if ctx.Err() != nil {
			return finish(experiment.StatusInterrupted, fmt.Errorf("interrupted before the batch started"))
		}
		return finish(experiment.StatusDropped, err)
	}
	defer conn.Close()

	timeout := r.opts.BatchTimeout
	if timeout <= 0 {
		timeout = DefaultBatchTimeout(spec.Ops, spec.DurationMs)
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()

	frames := make(chan received, 64)
	go func() {
		for {
			_, data, err := conn.ReadMessage()
			at := time.Now()
			frames <- received{data: data, at: at, err: err}
			if err != nil {
				close(frames)
				return
			}
		}
	}()
	// Closing the connection ends the reader goroutine; drain it so it exits.
	defer func() {
		_ = conn.Close()
		for range frames {
		}
	}()

	req := protocol.NewRunBatch(spec.Approach, spec.Ops, spec.DurationMs, spec.ID)
	_ = conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if err := conn.WriteJSON(req); err != nil {
		return finish(experiment.StatusDropped, fmt.Errorf("sending run-batch: %w", err))
	}

	var (
		timingStart time.Time
		lastAt      time.Time
		lastOps     int
		stepCount   = map[int]int{}
		stopping    bool
		stopTimer   <-chan time.Time
	)
	ms := func(t time.Time) float64 { return float64(t.Sub(start).Microseconds()) / 1000 }
	since := func(a, b time.Time) float64 { return float64(b.Sub(a).Microseconds()) / 1000 }
	done := ctx.Done()
	for {
		select {
		case <-done:
			// Stop after the current op: wait for its progress frame, bounded.
			done = nil
			stopping = true
			grace := r.opts.StopGrace
			if grace <= 0 {
				grace = time.Duration(spec.DurationMs)*time.Millisecond + 5*time.Second
			}
			stopTimer = time.After(grace)
		case <-stopTimer:
			r.closeConn(conn)
			return finish(experiment.StatusInterrupted, fmt.Errorf("interrupted after %d of %d ops", lastOps, spec.Ops))
		case <-deadline.C:
			r.closeConn(conn)
			return finish(experiment.StatusTimeout, fmt.Errorf("no batch-complete within %s (%d of %d ops seen); the server may have gone silent", timeout, lastOps, spec.Ops))
		case rcv, ok := <-frames:
			if !ok {
				return finish(experiment.StatusDropped, fmt.Errorf("connection closed after %d of %d ops", lastOps, spec.Ops))
			}
			if rcv.err != nil {
				if stopping {
					return finish(experiment.StatusInterrupted, fmt.Errorf("interrupted after %d of %d ops", lastOps, spec.Ops))
				}
				return finish(experiment.StatusDropped, fmt.Errorf("connection dropped after %d of %d ops: %v", lastOps, spec.Ops, rcv.err))
			}
			f, err := protocol.DecodeFrame(rcv.data)
			if err != nil {
				res.Frames = append(res.Frames, experiment.FrameStamp{Type: "invalid", AtMs: ms(rcv.at)})
				continue
			}
			res.Frames = append(res.Frames, experiment.FrameStamp{Type: f.Type, AtMs: ms(rcv.at), Completed: f.Completed})
			switch f.Type {
			case protocol.TypeBatchStarted:
				// Fallback timing start until timing-start arrives.
				if timingStart.IsZero() {
					timingStart, lastAt = rcv.at, rcv.at
					res.TimingFallback = true
				}
			case protocol.TypeTimingStart:
				timingStart, lastAt = rcv.at, rcv.at
				res.TimingFallback = false
			case protocol.TypeProgress:
				if timingStart.IsZero() {
					timingStart, lastAt = start, start
					res.TimingFallback = true
				}
				step := f.Completed - lastOps
				if step > 0 {
					s := experiment.Sample{Op: f.Completed, Ops: step, Ms: since(lastAt, rcv.at), AtMs: since(timingStart, rcv.at)}
					res.Samples = append(res.Samples, s)
					stepCount[step]++
					lastAt, lastOps = rcv.at, f.Completed
					res.OpsSeen = lastOps
					ch.emit(OpProgress{Spec: spec, Completed: f.Completed, Total: spec.Ops, SampleMs: s.PerOpMs(), Elapsed: rcv.at.Sub(start)})
				}
				if stopping && lastOps < spec.Ops {
					r.closeConn(conn)
					res.Granularity = commonStep(stepCount)
					return finish(experiment.StatusInterrupted, fmt.Errorf("interrupted after %d of %d ops", lastOps, spec.Ops))
				}
			case protocol.TypeTimingEnd:
			case protocol.TypeBatchComplete:
				if timingStart.IsZero() {
					timingStart = start
					res.TimingFallback = true
				}
				res.BatchMs = since(timingStart, rcv.at)
				res.TimingStartAt = wallOf(start, timingStart, res.StartedAt)
				res.Completed, res.Errors, res.ErrorMessages = f.Completed, f.Errors, f.ErrorMessages
				if len(res.Samples) == 0 && spec.Ops > 0 {
					// No progress frames (a parallel approach on a Lumenize server):
					// the batch time is one sample covering every op.
					res.Samples = append(res.Samples, experiment.Sample{Op: spec.Ops, Ops: spec.Ops, Ms: res.BatchMs, AtMs: res.BatchMs})
					stepCount[spec.Ops]++
				} else if lastOps < f.Completed+f.Errors && f.Completed+f.Errors <= spec.Ops {
					// Ops finished after the last progress frame (every-k servers).
					n := f.Completed + f.Errors - lastOps
					res.Samples = append(res.Samples, experiment.Sample{Op: lastOps + n, Ops: n, Ms: since(lastAt, rcv.at), AtMs: res.BatchMs})
					res.OpsSeen = lastOps + n
				}
				res.Granularity = commonStep(stepCount)
				res.SamplesApprox = res.Granularity > 1 && f.Errors > 0
				r.closeConn(conn)
				return finish(experiment.StatusOK, nil)
			case protocol.TypeError:
				r.closeConn(conn)
				res.Granularity = commonStep(stepCount)
				return finish(experiment.StatusError, fmt.Errorf("server error: %s", f.Error))
			}
		}
	}
}

func wallOf(monoStart, t time.Time, wallStart time.Time) time.Time {
	return wallStart.Add(t.Sub(monoStart))
}

// commonStep is the most frequent number of ops per progress frame.
func commonStep(counts map[int]int) int {
	best, bestN := 1, 0
	for step, n := range counts {
		if n > bestN || (n == bestN && step < best) {
			best, bestN = step, n
		}
	}
	return best
}

// closeConn sends a close frame and waits briefly for the answer; Lumenize
// servers never answer, so the wait is short and its end is not an error.
func (r *Runner) closeConn(conn *websocket.Conn) {
	_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "batch done"), time.Now().Add(r.opts.CloseTimeout))
	_ = conn.SetReadDeadline(time.Now().Add(r.opts.CloseTimeout))
}

func (r *Runner) dial(ctx context.Context, wsURL string) (*websocket.Conn, error) {
	var lastErr error
	for attempt := 0; attempt < 2; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(time.Second):
			}
		}
		conn, resp, err := r.dialer.DialContext(ctx, wsURL, nil)
		if err == nil {
			return conn, nil
		}
		lastErr = describeDialError(wsURL, resp, err)
		if resp != nil {
			break // the server answered: retrying will not help
		}
	}
	return nil, fmt.Errorf("%w: %v", errDial, lastErr)
}

func describeDialError(u string, resp *http.Response, err error) error {
	if resp != nil {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		return fmt.Errorf("%s answered HTTP %d instead of upgrading to a WebSocket: %s", u, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return describeNetError(u, err)
}

func describeNetError(u string, err error) error {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("connection refused by %s: is the target running? (start it with `pfx-tui serve-local` or check --target)", u)
	case isDNSError(err):
		return fmt.Errorf("cannot resolve the host of %s: %v", u, err)
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return fmt.Errorf("timed out connecting to %s", u)
	}
	return fmt.Errorf("cannot reach %s: %v", u, err)
}

func isDNSError(err error) bool {
	var d *net.DNSError
	return errors.As(err, &d)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Probe asks the target for /version (health and clock offset) and /patterns.
// A target without /patterns (older servers) is not an error.
func Probe(ctx context.Context, target string) (experiment.TargetInfo, error) {
	info := experiment.TargetInfo{URL: target}
	client := &http.Client{Timeout: 15 * time.Second}
	base := strings.TrimSuffix(target, "/")
	t0 := time.Now()
	var v protocol.Version
	if err := getJSON(ctx, client, base+protocol.PathVersion, &v); err != nil {
		return info, err
	}
	t1 := time.Now()
	info.Version = &v
	info.RTTMs = float64(t1.Sub(t0).Microseconds()) / 1000
	mid := float64(t0.UnixMicro()+t1.UnixMicro()) / 2000
	if v.Timestamp > 0 {
		info.ClockOffsetMs = float64(v.Timestamp) - mid
	}
	var p protocol.Patterns
	if err := getJSON(ctx, client, base+protocol.PathPatterns, &p); err == nil {
		info.Patterns = p.Patterns
	}
	return info, nil
}

func getJSON(ctx context.Context, client *http.Client, u string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("bad target URL %s: %v", u, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return describeNetError(u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s answered HTTP %d: %.200s", u, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("GET %s: the answer is not the expected JSON: %v", u, err)
	}
	return nil
}
