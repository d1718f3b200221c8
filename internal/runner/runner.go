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
	// Token is the target's PFX_TOKEN, sent as Authorization: Bearer on
	// every batch's WebSocket upgrade (none when empty).
	Token string
	Plan  experiment.Plan
	RunID string
	// Server is the target's /version answer: the capabilities it
	// announces decide how frames are read and whether an abandoned batch
	// must be drained. nil: nothing is known, so the target is handled as
	// a third-party server honouring no extension.
	Server *experiment.TargetVersion
	// BatchTimeout overrides the per-batch timeout; zero means
	// max(60 s, 3 × count × duration + 10 s).
	BatchTimeout time.Duration
	// Retries is how many times a failed batch (dropped, timed out or an
	// error frame) is run again before it is reported failed (retry.go).
	Retries int
	// MaxSamplesPerCell overrides experiment.MaxSamplesPerCell (tests).
	MaxSamplesPerCell int
	// CloseTimeout bounds the wait for the server's close frame (Lumenize
	// servers never answer it). Default 500 ms.
	CloseTimeout time.Duration
	// StopGrace bounds how long a cancelled run waits for the current op.
	// Zero means the op's delay + 5 s.
	StopGrace time.Duration
	// EventBuffer is the events channel's capacity (default 256).
	EventBuffer int
	// DrainSlack is added to an abandoned batch's remaining expected time
	// when the runner waits for it to end (default 2 s; see Draining).
	DrainSlack time.Duration
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
	if opts.DrainSlack <= 0 {
		opts.DrainSlack = 2 * time.Second
	}
	d := *websocket.DefaultDialer
	d.HandshakeTimeout = 15 * time.Second
	return &Runner{opts: opts, dialer: &d, specs: opts.Plan.Specs(opts.RunID)}, nil
}

// traits are what the runner knows of how the target runs spec.
func (r *Runner) traits(spec experiment.BatchSpec) traits {
	return traits{everyOp: r.opts.Server.Has(experiment.CapProgressEveryOp), delayMs: r.opts.Plan.HonouredDelayMs(spec.DurationMs)}
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
		conn, resp, err := r.dialer.DialContext(ctx, wsURL, AuthHeader(r.opts.Token))
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

// AuthHeader carries the target's PFX_TOKEN: Authorization: Bearer <token>
// (nil when there is no token).
func AuthHeader(token string) http.Header {
	if token == "" {
		return nil
	}
	return http.Header{"Authorization": {"Bearer " + token}}
}

// Probe asks the target for /version (health and clock offset) and /patterns
// without a token; see ProbeToken.
func Probe(ctx context.Context, target string) (experiment.TargetInfo, error) {
	return ProbeToken(ctx, target, "")
}

// ProbeToken asks the target for /version (health and clock offset) and
// /patterns, sending token (PFX_TOKEN) as Authorization: Bearer when set.
// A target without /patterns (older servers) is not an error.
func ProbeToken(ctx context.Context, target, token string) (experiment.TargetInfo, error) {
	info := experiment.TargetInfo{URL: target}
	client := &http.Client{Timeout: 15 * time.Second}
	base := strings.TrimSuffix(target, "/")
	t0 := time.Now()
	var v protocol.Version
	if err := getJSON(ctx, client, base+protocol.PathVersion, token, &v); err != nil {
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
	if err := getJSON(ctx, client, base+protocol.PathPatterns, token, &p); err == nil {
		info.Patterns = p.Patterns
	}
	return info, nil
}

// VersionStatus is the HTTP status of GET /version sent with token (none
// when empty): doctor's check that the target refuses a request without it.
func VersionStatus(ctx context.Context, target, token string) (int, error) {
	u := strings.TrimSuffix(target, "/") + protocol.PathVersion
	req, err := getRequest(ctx, u, token)
	if err != nil {
		return 0, err
	}
	resp, err := (&http.Client{Timeout: 15 * time.Second}).Do(req)
	if err != nil {
		return 0, describeNetError(u, err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// getRequest is a GET of u carrying token as AuthHeader does.
func getRequest(ctx context.Context, u, token string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("bad target URL %s: %v", u, err)
	}
	for k, v := range AuthHeader(token) {
		req.Header[k] = v
	}
	return req, nil
}

func getJSON(ctx context.Context, client *http.Client, u, token string, out any) error {
	req, err := getRequest(ctx, u, token)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return describeNetError(u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode == http.StatusUnauthorized {
		return fmt.Errorf("GET %s answered HTTP 401: %.200s (set PFX_TOKEN in .dev.vars or the environment to the Worker's secret)", u, strings.TrimSpace(string(body)))
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s answered HTTP %d: %.200s", u, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("GET %s: the answer is not the expected JSON: %v", u, err)
	}
	return nil
}
