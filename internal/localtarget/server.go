// Package localtarget is the embedded default target: an emulation of the
// Cloudflare experiment (controller, origin, orchestrator, executor and delay
// upstream) on one loopback HTTP server. Every role is a real HTTP hop over
// loopback, not a function call, so latency includes real connection and
// scheduling costs, and every role invocation records a workers_trace_events
// record the way Cloudflare would.
//
// The op flow per approach (→ is an HTTP hop; [x] is an invocation):
//
//	direct:  controller → [origin rpc] → upstream; origin consumes the body
//	direct-timer: as direct, and the origin keeps a pending abort timer until
//	         d + BackstopSlack after the op started (recorded as Activity)
//	simple:  controller → [origin rpc] → [executor rpc] acks, then in the
//	         background → upstream → [origin rpc: result] → [controller rpc: op done];
//	         the origin arms a timeout backstop ([origin alarm] if it fires)
//	proxyfetch: exactly simple, on its own origin (the original tooling's name)
//	current: controller → [origin rpc] → [orchestrator rpc: enqueue, ack]
//	         → [orchestrator alarm: dispatch] → [executor rpc] acks, then in the
//	         background → upstream → [origin rpc: result] → [controller rpc: op done],
//	         and → [orchestrator rpc: delivery report]
//
// The origin never waits for the upstream in current and simple: that is the
// bargain being measured (DO wall time vs Worker CPU time).
package localtarget

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/protocol"
)

// Options configure the emulator.
type Options struct {
	// Addr is the listen address; empty means a random loopback port.
	Addr string
	// HopLatency is added before every internal hop (controller→origin,
	// origin→executor, executor→upstream, …) to mimic the network.
	HopLatency time.Duration
	// ScriptName is written into every trace record (default "pfx-local").
	ScriptName string
	// BackstopSlack is how long past the upstream delay the origin waits for
	// a proxied result before its timeout backstop fires (default 30 s).
	BackstopSlack time.Duration
	// DefaultDelay is the upstream delay of a run-batch without durationMs
	// (Lumenize's client sends none). Zero means DefaultDelay (100 ms); a
	// negative value means no delay. Whole milliseconds; at most 30 s.
	DefaultDelay time.Duration

	// PushInterval is how often the Logpush emulator writes the new trace
	// records to the embedded S3 server (default 5 s; --local-push-interval).
	PushInterval time.Duration
	// S3Addr is the embedded S3 server's listen address; empty means a
	// random loopback port.
	S3Addr string
	// AnalyticsMinute is the emulated GraphQL Analytics minute (default
	// DefaultAnalyticsMinute; graphql.go).
	AnalyticsMinute time.Duration
	// KeepTraces keeps every trace record in memory after the Logpush
	// emulator pushed it (tests read them back with Traces().Since(0)); by
	// default pushed records are dropped so memory stays flat.
	KeepTraces bool
	// Chaos injects faults (chaos.go); nil injects none.
	Chaos *Chaos
	// Token, when set, is required as Authorization: Bearer on every route
	// but GET /health and the analytics emulator (which has its own token),
	// as the Worker requires PFX_TOKEN; 401 otherwise. Empty: any or no
	// token is accepted.
	Token string
	// ColdStart is how long the first op on an origin object a batch names
	// (run-batch objects or cold) waits before it runs, as a Durable
	// Object's first request instantiates it (default DefaultColdStart;
	// negative: none). The approach's one origin is warm from the start.
	ColdStart time.Duration
}

// DefaultDelay is the upstream delay of a run-batch without durationMs
// unless Options.DefaultDelay says otherwise.
const DefaultDelay = 100 * time.Millisecond

// Modes the emulator offers, in /patterns order; the optional ones run only
// when named.
var Patterns = []protocol.Pattern{
	{Mode: "direct", Name: "Direct Fetch", Description: "The origin DO fetches the upstream itself and pays wall-clock duration while it waits (baseline)."},
	{Mode: "current", Name: "proxyFetch (Orchestrator)", Description: "Origin DO → Orchestrator DO (queue + alarm) → executor Worker → result back to the origin DO over RPC."},
	{Mode: "simple", Name: "proxyFetchSimple", Description: "Origin DO → executor Worker → result back to the origin DO; an alarm is the timeout backstop."},
	{Mode: "direct-timer", Name: "Direct Fetch (pending timer)", Optional: true, Description: "Like direct, but the fetch's abort timer (AbortSignal.timeout(d + 30 s)) stays pending after the fetch ends, " +
		"as direct once did; a pending timer can keep the origin DO from hibernating and so be billed. It exists to measure that cost against the fair direct baseline."},
	{Mode: "proxyfetch", Name: "proxyfetch = simple", Optional: true, Description: "The simple design under the name the original Node tooling (@lumenize/for-experiments, modes direct and proxyfetch) gave it: " +
		"origin DO → executor Worker → result back to the origin DO; an alarm is the timeout backstop. Runs exactly as simple, on its own origin."},
}

// Server is a running emulator.
type Server struct {
	opts    Options
	ln      net.Listener
	srv     *http.Server
	base    string
	traces  *TraceStore
	client  *http.Client
	origins map[string]*origin
	ctrl    *controller
	orch    *orchestrator
	bg      sync.WaitGroup
	closing chan struct{}

	// Logpush emulation (logpushemu.go, s3.go).
	s3      *S3Server
	logpush *logpushEmu
}

// Start listens and serves until Close.
func Start(opts Options) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.ScriptName == "" {
		opts.ScriptName = "pfx-local"
	}
	if opts.BackstopSlack <= 0 {
		opts.BackstopSlack = 30 * time.Second
	}
	switch d := opts.DefaultDelay; {
	case d == 0:
		opts.DefaultDelay = DefaultDelay
	case d < 0:
		opts.DefaultDelay = 0
	case d%time.Millisecond != 0 || d > protocol.MaxDelayMs*time.Millisecond:
		return nil, fmt.Errorf("local target: default delay %s: want whole milliseconds within 0..%dms", d, protocol.MaxDelayMs)
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("local target: listen on %s: %w", opts.Addr, err)
	}
	s := &Server{
		opts:    opts,
		ln:      ln,
		base:    "http://" + ln.Addr().String(),
		traces:  newTraceStore(opts.KeepTraces),
		closing: make(chan struct{}),
		client: &http.Client{Transport: &http.Transport{
			Proxy:               nil, // loopback hops never go through a proxy
			MaxIdleConns:        256,
			MaxIdleConnsPerHost: 256,
			IdleConnTimeout:     90 * time.Second,
		}},
	}
	s.ctrl = newController(s)
	s.orch = &orchestrator{s: s}
	s.origins = map[string]*origin{}
	for _, p := range Patterns {
		s.origins[p.Mode] = newOrigin(s, p.Mode)
	}
	if err := s.startLogpush(); err != nil {
		_ = ln.Close()
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET "+protocol.PathVersion, s.handleVersion)
	mux.HandleFunc("GET "+protocol.PathPatterns, s.handlePatterns)
	mux.HandleFunc("GET "+protocol.PathDelay+"{ms}", s.handleDelay)
	mux.HandleFunc("POST /_do/origin/{mode}/op", s.handleOriginOp)
	mux.HandleFunc("POST /_do/origin/{mode}/result", s.handleOriginResult)
	mux.HandleFunc("POST /_do/orchestrator/enqueue", s.orch.handleEnqueue)
	mux.HandleFunc("POST /_do/orchestrator/delivered", s.orch.handleDelivered)
	mux.HandleFunc("POST /_do/executor/fetch", s.handleExecutorFetch)
	mux.HandleFunc("POST /_do/controller/opdone", s.ctrl.handleOpDone)
	s.routeAnalytics(mux)
	mux.HandleFunc("/", s.ctrl.handleWebSocket)
	s.srv = &http.Server{Handler: s.requireToken(mux), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// requireToken answers 401 to a request without Options.Token (when set),
// except GET /health and the analytics emulator.
func (s *Server) requireToken(next http.Handler) http.Handler {
	if s.opts.Token == "" {
		return next
	}
	want := sha256.Sum256([]byte("Bearer " + s.opts.Token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/health" || strings.HasPrefix(r.URL.Path, AnalyticsBasePath+"/") {
			next.ServeHTTP(w, r)
			return
		}
		got := sha256.Sum256([]byte(strings.TrimSpace(r.Header.Get("Authorization"))))
		if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="pfx-local"`)
			http.Error(w, "missing or wrong Authorization: Bearer <PFX_TOKEN> (this local target was started with a token)", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// URL is the target's base URL, e.g. http://127.0.0.1:41234.
func (s *Server) URL() string { return s.base }

// Traces gives access to the recorded trace events.
func (s *Server) Traces() *TraceStore { return s.traces }

// Close stops the server and waits for background work (executors, alarms).
func (s *Server) Close() error {
	select {
	case <-s.closing:
		return nil
	default:
	}
	close(s.closing)
	// A short grace: net/http waits up to 5 s for a connection a client
	// opened but never used, which would hold every exit; cut those after it.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if err != nil {
		_ = s.srv.Close()
	}
	s.ctrl.closeAll()
	s.bg.Wait()
	return s.closeLogpush()
}

func (s *Server) handleVersion(w http.ResponseWriter, r *http.Request) {
	v := protocol.Version{Version: 1, Timestamp: time.Now().Add(s.clockOffset()).UnixMilli(), Emulator: "pfx-tui local target", Capabilities: protocol.Capabilities()}
	if s.s3 != nil {
		v.Logpush = &protocol.EmulatorBucket{Endpoint: s.S3Endpoint(), Bucket: s.S3Bucket(), Prefix: s.LogpushPrefix(), AccessKeyID: s.S3AccessKeyID(), SecretAccessKey: s.S3SecretAccessKey()}
	}
	v.Analytics = s.AnalyticsInfo()
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) handlePatterns(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, protocol.Patterns{Patterns: Patterns})
}

func (s *Server) modes() []string { return protocol.Patterns{Patterns: Patterns}.Modes() }

// handleDelay is the delay upstream: it sleeps {ms} then answers a small body.
func (s *Server) handleDelay(w http.ResponseWriter, r *http.Request) {
	inv := s.begin(EntrypointDefault, EventFetch)
	inv.request(r.Method, r.URL.String())
	defer inv.end()
	if b := r.URL.Query().Get("batch"); b != "" {
		op, _ := strconv.Atoi(r.URL.Query().Get("op"))
		inv.tag(b, op, "upstream")
	}
	ms, err := strconv.Atoi(r.PathValue("ms"))
	if err != nil || ms < 0 || ms > protocol.MaxDelayMs {
		inv.respond(http.StatusBadRequest)
		http.Error(w, fmt.Sprintf("delay must be an integer 0..%d ms", protocol.MaxDelayMs), http.StatusBadRequest)
		return
	}
	status, slow := s.upstreamFault(r)
	if status != 0 {
		inv.respond(status)
		http.Error(w, "upstream failed (chaos)", status)
		return
	}
	inv.await(func() {
		t := time.NewTimer(time.Duration(ms)*time.Millisecond + slow)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
		case <-s.closing:
		}
	})
	inv.respond(http.StatusOK)
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprintf(w, "delayed %d ms\n", ms)
}

// opRequest is what the controller sends the origin for one op.
type opRequest struct {
	BatchID    string `json:"batchId"`
	Op         int    `json:"op"`
	DurationMs int    `json:"durationMs"`
	// Object names the origin object ("" = the approach's one origin).
	Object string `json:"object,omitempty"`
}

// opResponse is the origin's answer: for direct the op is finished; for the
// proxied approaches Pending means the result will arrive at the controller's
// opdone endpoint.
type opResponse struct {
	Pending bool   `json:"pending"`
	Error   string `json:"error,omitempty"`
	// Cold: this op instantiated its origin object (objects.go).
	Cold bool `json:"cold,omitempty"`
}

// fetchJob is a request handed to the executor.
type fetchJob struct {
	BatchID  string `json:"batchId"`
	Op       int    `json:"op"`
	URL      string `json:"url"`
	ReplyTo  string `json:"replyTo"`
	ReportTo string `json:"reportTo,omitempty"`
}

// fetchResult is the executor's delivery to the origin.
type fetchResult struct {
	BatchID string `json:"batchId"`
	Op      int    `json:"op"`
	Status  int    `json:"status"`
	Body    string `json:"body"`
	Error   string `json:"error,omitempty"`
}

// opDone is the origin's notice to the controller that an op finished.
type opDone struct {
	BatchID string `json:"batchId"`
	Op      int    `json:"op"`
	Error   string `json:"error,omitempty"`
}

func (s *Server) upstreamURL(batchID string, op, ms int) string {
	return fmt.Sprintf("%s%s%d?batch=%s&op=%d", s.base, protocol.PathDelay, ms, batchID, op)
}

// send is one HTTP exchange over loopback after the configured hop latency,
// the body read whole; its duration is awaited (not CPU) time for inv.
func (s *Server) send(ctx context.Context, inv *invocation, method, url string, in any) (status int, data []byte, err error) {
	inv.await(func() {
		if s.opts.HopLatency > 0 {
			select {
			case <-time.After(s.opts.HopLatency):
			case <-ctx.Done():
				err = ctx.Err()
				return
			}
		}
		var body io.Reader
		if in != nil {
			b, e := json.Marshal(in)
			if e != nil {
				err = e
				return
			}
			body = bytes.NewReader(b)
		}
		req, e := http.NewRequestWithContext(ctx, method, url, body)
		if e != nil {
			err = e
			return
		}
		if in != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if s.opts.Token != "" {
			req.Header.Set("Authorization", "Bearer "+s.opts.Token)
		}
		resp, e := s.client.Do(req)
		if e != nil {
			err = e
			return
		}
		defer resp.Body.Close()
		status = resp.StatusCode
		data, err = io.ReadAll(resp.Body)
	})
	return status, data, err
}

// hop sends one internal request between roles and decodes a JSON answer
// into out (when not nil).
func (s *Server) hop(ctx context.Context, inv *invocation, method, url string, in, out any) (int, error) {
	status, data, err := s.send(ctx, inv, method, url, in)
	switch {
	case err != nil:
		return status, err
	case status >= 300:
		return status, fmt.Errorf("%s %s: HTTP %d: %s", method, pathOf(url), status, strings.TrimSpace(string(data)))
	case out != nil && len(data) > 0:
		return status, json.Unmarshal(data, out)
	}
	return status, nil
}

// upstreamFetch fetches the delay upstream and consumes the body.
func (s *Server) upstreamFetch(ctx context.Context, inv *invocation, url string) (int, string, error) {
	status, data, err := s.send(ctx, inv, http.MethodGet, url, nil)
	if err == nil && status >= 400 {
		err = fmt.Errorf("upstream answered HTTP %d", status)
	}
	return status, string(data), err
}

func pathOf(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
		if j := strings.IndexByte(u, '/'); j >= 0 {
			return u[j:]
		}
	}
	return u
}

// bgCtx is the context of background work: it ends when the server closes.
func (s *Server) bgCtx() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-s.closing:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// goBackground runs fn like ctx.waitUntil: after the response, tracked so Close waits.
func (s *Server) goBackground(fn func(ctx context.Context)) {
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		ctx, cancel := s.bgCtx()
		defer cancel()
		fn(ctx)
	}()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func readJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("bad request body: %w", err)
	}
	return nil
}

var errTimeout = errors.New("timeout: no result before the backstop alarm")
