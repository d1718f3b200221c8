package localtarget

import (
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/logpush"
)

// Class names of the emulated roles. They match workers/ and Lumenize's
// experiment classes so the billing roles derived from Entrypoint line up.
const (
	EntrypointController   = "PerformanceController"
	EntrypointOrigin       = "OriginDO"
	EntrypointOrchestrator = "FetchOrchestrator"
	EntrypointExecutor     = "FetchExecutor"
	// EntrypointDefault is the default fetch handler (router and delay upstream):
	// Cloudflare leaves Entrypoint empty for it.
	EntrypointDefault = ""
)

// Event types as Cloudflare reports them in workers_trace_events.
const (
	EventFetch     = "fetch"
	EventRPC       = "worker_rpc"
	EventAlarm     = "alarm"
	EventWebSocket = "hibernatable_web_socket"
)

// TraceStore keeps the invocations' trace events in memory, in the order the
// invocations ended, until the Logpush emulator has pushed them (then only
// their count: memory stays flat over a long run; Options.KeepTraces keeps
// them all, for tests); and the objects' Activity that no trace event shows.
type TraceStore struct {
	mu       sync.Mutex
	records  []logpush.Record // records[i] is record number base+i
	base     int
	keep     bool
	activity []Activity
	notify   chan struct{}
	spans    []Span // Durable Object activity for emulated analytics (awake.go)
}

// ActivityPendingTimer is a timer left pending on a Durable Object after its
// invocation ended.
const ActivityPendingTimer = "pending-timer"

// Activity is a stretch of time during which a Durable Object stays active
// although no invocation of it is open, so its trace events do not show it.
// Today that is the abort timer direct-timer leaves pending on its origin
// from the op's start until d + BackstopSlack later: a pending timer can keep
// the object from hibernating, so Cloudflare may bill duration until it
// fires. A "billed active time" per object is the union of its
// invocations' [EventTimestampMs, +WallTimeMs] and these intervals. Activity
// is emulator data, never pushed to the Logpush bucket.
type Activity struct {
	// Object is "<class>/<name>", e.g. "OriginDO/origin-direct-timer".
	Object  string    `json:"object"`
	Kind    string    `json:"kind"`
	BatchID string    `json:"batchId"`
	Op      int       `json:"op"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
}

// addActivity records a stretch of activity no invocation shows; it also
// counts as billed active time in the emulated analytics (HoldAwake).
func (t *TraceStore) addActivity(a Activity) {
	t.mu.Lock()
	t.activity = append(t.activity, a)
	t.mu.Unlock()
	class, object, _ := strings.Cut(a.Object, "/")
	t.HoldAwake(class, object, a.Start, a.End)
}

// Activity returns a copy of the recorded object activity, in recording order.
func (t *TraceStore) Activity() []Activity {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.activity)
}

func newTraceStore(keep bool) *TraceStore {
	return &TraceStore{notify: make(chan struct{}, 1), keep: keep}
}

func (t *TraceStore) add(r logpush.Record) {
	t.mu.Lock()
	t.records = append(t.records, r)
	t.mu.Unlock()
	select {
	case t.notify <- struct{}{}:
	default:
	}
}

// Since returns the records added after the first `from` ones (those still
// held), and the index to pass next time.
func (t *TraceStore) Since(from int) ([]logpush.Record, int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	end := t.base + len(t.records)
	from = max(from, t.base)
	if from >= end {
		return nil, end
	}
	out := make([]logpush.Record, end-from)
	copy(out, t.records[from-t.base:])
	return out, end
}

// release drops the records before index upto once they are pushed, unless
// the store keeps everything.
func (t *TraceStore) release(upto int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.keep || upto <= t.base {
		return
	}
	n := min(upto-t.base, len(t.records))
	t.records = slices.Clone(t.records[n:]) // a fresh array: the old one is freed
	t.base += n
}

// Len is the number of records added so far (pushed or not).
func (t *TraceStore) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.base + len(t.records)
}

// invocation measures one role invocation the way Cloudflare bills it:
// WallTimeMs is the time it stayed open, awaited I/O included; CPUTimeMs is
// the active part, i.e. wall time minus the time spent awaiting I/O.
type invocation struct {
	store      *TraceStore
	script     string
	entrypoint string
	object     string // the Durable Object's name within its class (awake.go)
	eventType  string
	start      time.Time
	mu         sync.Mutex
	awaited    time.Duration
	logs       []logpush.Log
	exceptions []logpush.Exception
	url        string
	method     string
	status     int
	ended      bool
}

func (s *Server) begin(entrypoint, eventType string) *invocation {
	return &invocation{store: s.traces, script: s.opts.ScriptName, entrypoint: entrypoint, eventType: eventType, start: time.Now()}
}

// await runs fn and counts its duration as awaited (not CPU) time.
func (inv *invocation) await(fn func()) {
	t0 := time.Now()
	fn()
	d := time.Since(t0)
	inv.mu.Lock()
	inv.awaited += d
	inv.mu.Unlock()
}

// log records a console.log call; tag lines are `console.log("pfx", batchId, op)`.
func (inv *invocation) log(args ...any) {
	inv.mu.Lock()
	inv.logs = append(inv.logs, logpush.Log{Level: "log", Message: args, TimestampMs: time.Now().UnixMilli()})
	inv.mu.Unlock()
}

// tag writes the billing tag. The step names the invocation within the op
// (op, result, enqueue, …): without it two invocations of one role in the
// same millisecond (an origin's op and result with 0 ms upstream) would be
// byte-identical records, and Logpush deduplication would count them once.
//
// A Durable Object's invocation also names the object (a fifth argument),
// so billing can take the union of each object's overlapping invocations.
func (inv *invocation) tag(batchID string, op int, step string) {
	if inv.object != "" {
		inv.log("pfx", batchID, op, step, inv.object)
		return
	}
	inv.log("pfx", batchID, op, step)
}

func (inv *invocation) exception(name, msg string) {
	inv.mu.Lock()
	inv.exceptions = append(inv.exceptions, logpush.Exception{Name: name, Message: msg, TimestampMs: time.Now().UnixMilli()})
	inv.mu.Unlock()
}

func (inv *invocation) request(method, url string) {
	inv.mu.Lock()
	inv.method, inv.url = method, url
	inv.mu.Unlock()
}

func (inv *invocation) respond(status int) {
	inv.mu.Lock()
	inv.status = status
	inv.mu.Unlock()
}

// end closes the invocation and stores its trace event. Calling it twice is a no-op.
func (inv *invocation) end() {
	inv.mu.Lock()
	if inv.ended {
		inv.mu.Unlock()
		return
	}
	inv.ended = true
	wall := time.Since(inv.start)
	cpu := wall - inv.awaited
	if cpu < 0 {
		cpu = 0
	}
	outcome := "ok"
	if len(inv.exceptions) > 0 {
		outcome = "exception"
	}
	rec := logpush.Record{
		CPUTimeMs:        logpush.Int64(cpu.Milliseconds()),
		WallTimeMs:       logpush.Int64(wall.Milliseconds()),
		EventTimestampMs: inv.start.UnixMilli(),
		ScriptName:       inv.script,
		Entrypoint:       inv.entrypoint,
		EventType:        inv.eventType,
		Outcome:          outcome,
		ScriptTags:       []string{},
		ScriptVersion:    &logpush.ScriptVersion{ID: scriptVersionID},
		Logs:             inv.logs,
		Exceptions:       inv.exceptions,
	}
	if inv.eventType == EventFetch {
		rec.Event = &logpush.Event{RayID: rayID(), Request: &logpush.Request{URL: inv.url, Method: inv.method}, Response: &logpush.Response{Status: inv.status}}
	}
	status := inv.status
	inv.mu.Unlock()
	inv.store.add(rec)
	inv.store.invoked(inv.object, status, inv.start, wall, cpu, rec)
}

// scriptVersionID identifies this emulator build in ScriptVersion.ID.
const scriptVersionID = "local-emulator"

func rayID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
