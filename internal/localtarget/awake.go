package localtarget

import (
	"slices"
	"strings"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/logpush"
)

// Causes of a Span.
const (
	// SpanInvocation: an invocation ran (Logpush logs it too).
	SpanInvocation = "invocation"
	// SpanTimer: no invocation ran, but a pending timer (or anything else
	// that keeps an object in memory) stopped it from hibernating. Cloudflare
	// bills that time as active duration; Logpush never records it.
	SpanTimer = "timer"
)

// Span is a stretch of time in which one Durable Object was active or could
// not hibernate: what Cloudflare bills as duration. The emulated analytics
// (graphql.go) merge an object's overlapping spans and split them into
// minutes.
type Span struct {
	Class  string // the class (Entrypoint), e.g. OriginDO
	Object string // the object's name within its class
	Start  time.Time
	End    time.Time
	Cause  string // SpanInvocation or SpanTimer
	// Invocations only:
	EventType   string
	CPU         time.Duration
	RowsRead    int
	RowsWritten int
}

// HoldAwake records that an object of class could not hibernate from from
// to to although no invocation ran: a pending timer such as the
// direct-timer mode's abort timer, kept until d + 30 s after each op. The
// time counts as billed active time in the emulated analytics (overlaps with
// invocations are merged per object). A span that ends before it starts is
// ignored.
func (t *TraceStore) HoldAwake(class, object string, from, to time.Time) {
	if !to.After(from) {
		return
	}
	t.mu.Lock()
	t.spans = append(t.spans, Span{Class: class, Object: object, Start: from, End: to, Cause: SpanTimer})
	t.mu.Unlock()
}

// Spans returns the Durable Object activity recorded so far.
func (t *TraceStore) Spans() []Span {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.spans)
}

// beginOn starts an invocation of a named Durable Object (one origin per
// approach, as workers/ names them idFromName("origin-<mode>")).
func (s *Server) beginOn(entrypoint, object, eventType string) *invocation {
	inv := s.begin(entrypoint, eventType)
	inv.object = object
	return inv
}

// isDurableObject reports whether a class is one of the emulated DOs.
func isDurableObject(class string) bool {
	return class == EntrypointController || class == EntrypointOrigin || class == EntrypointOrchestrator
}

// invoked records a finished Durable Object invocation as a span, with the
// SQLite rows its step reads and writes. invocation.end calls it.
func (t *TraceStore) invoked(object string, status int, start time.Time, wall, cpu time.Duration, rec logpush.Record) {
	if !isDurableObject(rec.Entrypoint) {
		return
	}
	steps := tagSteps(rec)
	if object == "" {
		object = defaultObject(rec.Entrypoint, steps)
	}
	read, written := storageOf(rec, status, steps)
	sp := Span{Class: rec.Entrypoint, Object: object, Start: start, End: start.Add(wall), Cause: SpanInvocation,
		EventType: rec.EventType, CPU: cpu, RowsRead: read, RowsWritten: written}
	t.mu.Lock()
	t.spans = append(t.spans, sp)
	t.mu.Unlock()
}

type tagStep struct{ batchID, step string }

// tagSteps reads the invocation's billing tags: console.log("pfx", batchId, op, step).
func tagSteps(rec logpush.Record) []tagStep {
	var out []tagStep
	for _, l := range rec.Logs {
		m := l.Message
		if len(m) < 4 || m[0] != "pfx" {
			continue
		}
		id, _ := m[1].(string)
		step, _ := m[3].(string)
		out = append(out, tagStep{batchID: id, step: step})
	}
	return out
}

// defaultObject names an object the handler did not: the controller is one
// object per batch (workers/ opens one per WebSocket with newUniqueId), the
// orchestrator a single one (idFromName), anything else its class.
func defaultObject(class string, steps []tagStep) string {
	if class == EntrypointController && len(steps) > 0 && steps[0].batchID != "" {
		return "controller-" + steps[0].batchID
	}
	return class
}

// storageOf is how many SQLite rows an invocation's step reads and writes,
// as the workers/ code does for the same step (storage.kv get/put/delete;
// a KV call is one row): the origin's pending entry is put when a proxied op
// starts (the op answers 202) and read and deleted by the result or the
// backstop alarm; the orchestrator puts a queue entry, reads and rewrites
// it when dispatching, and deletes it on the delivery report. That makes
// simple 2 rows written per op and current 5, the table's estimates.
func storageOf(rec logpush.Record, status int, steps []tagStep) (read, written int) {
	for _, s := range steps {
		switch rec.Entrypoint + "/" + s.step {
		case EntrypointOrigin + "/op":
			if status == 202 {
				written++
			}
		case EntrypointOrigin + "/result":
			read++
			if !loggedLate(rec) {
				written++
			}
		case EntrypointOrigin + "/backstop", EntrypointOrchestrator + "/dispatch":
			read++
			written++
		case EntrypointOrchestrator + "/enqueue", EntrypointOrchestrator + "/delivered":
			written++
		}
	}
	return read, written
}

func loggedLate(rec logpush.Record) bool {
	for _, l := range rec.Logs {
		if len(l.Message) > 0 {
			if s, ok := l.Message[0].(string); ok && strings.HasPrefix(s, "late result") {
				return true
			}
		}
	}
	return false
}
