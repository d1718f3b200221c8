package localtarget

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zeebo/xxh3"

	"github.com/pfx-tui/pfx-tui/internal/protocol"
)

// Chaos injects faults into the local target, each with its own
// probability; every decision is a hash of Seed, the fault and what it
// applies to (a batch ID without its run ID, a batch and op, an S3
// request's or an object's number), so a run of the same plan meets the
// same batch and op faults; S3 and object faults follow the order of
// requests and pushes, which timing may shift. The zero
// value injects nothing. `pfx-tui serve-local --chaos` turns them all on
// (AllChaos).
type Chaos struct {
	Seed uint64

	// DropBatch: the controller cuts a batch's WebSocket (no close frame)
	// right after its first progress frame; the op in flight completes.
	DropBatch float64
	// SilentBatch: after timing-start the controller sends nothing more
	// and runs no op, until the client leaves.
	SilentBatch float64
	// Upstream500 / SlowUpstream: the upstream (/delay) answers 500, or
	// SlowBy late, for an op.
	Upstream500  float64
	SlowUpstream float64
	SlowBy       time.Duration
	// S3Fault: an S3 request from a client answers 500 InternalError,
	// 503 ServiceUnavailable or 503 SlowDown (one in three each).
	S3Fault float64
	// LateObject: a Logpush object is written one push late (under its own
	// window's name, as a slow upload); DuplicateObject: also written
	// again under a second name (a redelivery); TruncatedObject: a copy cut
	// mid-stream is also written; MalformedObject: an object of lines that
	// are not records is also written. No record is ever lost: the extra
	// objects only add duplicates and garbage a reader must survive.
	LateObject      float64
	DuplicateObject float64
	TruncatedObject float64
	MalformedObject float64
	// ClockOffset is added to the clock /version reports.
	ClockOffset time.Duration
}

// AllChaos is every fault on, at rates a short run meets each of.
func AllChaos(seed uint64) *Chaos {
	return &Chaos{
		Seed: seed, DropBatch: 0.15, SilentBatch: 0.1, Upstream500: 0.1, SlowUpstream: 0.2, SlowBy: 20 * time.Millisecond,
		S3Fault: 0.2, LateObject: 0.3, DuplicateObject: 0.3, TruncatedObject: 0.3, MalformedObject: 0.3,
		ClockOffset: 1500 * time.Millisecond,
	}
}

// Fault names, as the decisions hash them.
const (
	faultDrop      = "drop"
	faultSilent    = "silent"
	faultUpstream  = "upstream500"
	faultSlow      = "slow"
	faultS3        = "s3"
	faultLate      = "late"
	faultDuplicate = "duplicate"
	faultTruncated = "truncated"
	faultMalformed = "malformed"
)

// hits reports whether fault happens to what key names.
func (c *Chaos) hits(fault, key string, p float64) bool {
	if c == nil || p <= 0 {
		return false
	}
	return c.uniform(fault, key) < p
}

// uniform is a number in [0, 1) fixed by Seed, fault and key.
func (c *Chaos) uniform(fault, key string) float64 {
	h := xxh3.HashStringSeed(fault+"\x00"+key, c.Seed)
	return float64(h>>11) / (1 << 53)
}

// batchFault is what happens to a batch: "", faultDrop or faultSilent.
func (c *Chaos) batchFault(batchID string) string {
	if c == nil {
		return ""
	}
	batchID = runLocal(batchID)
	switch {
	case c.hits(faultSilent, batchID, c.SilentBatch):
		return faultSilent
	case c.hits(faultDrop, batchID, c.DropBatch):
		return faultDrop
	}
	return ""
}

// s3Middleware answers a share of requests with an S3 server error.
func (c *Chaos) s3Middleware(next http.Handler) http.Handler {
	var n atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := fmt.Sprint(n.Add(1))
		if c.hits(faultS3, key, c.S3Fault) {
			switch int(c.uniform(faultS3+"-kind", key) * 3) {
			case 0:
				writeS3Error(w, r, http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again. (chaos)")
			case 1:
				writeS3Error(w, r, http.StatusServiceUnavailable, "ServiceUnavailable", "Please reduce your request rate. (chaos)")
			default:
				writeS3Error(w, r, http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate. (chaos)")
			}
			return
		}
		next.ServeHTTP(w, r)
	})
}

// upstreamFault is what happens to an op's upstream request: 0, 500, or a
// delay to add.
func (c *Chaos) upstreamFault(batchID string, op int) (status int, slow time.Duration) {
	key := fmt.Sprintf("%s/%d", runLocal(batchID), op)
	if c.hits(faultUpstream, key, c.Upstream500) {
		return http.StatusInternalServerError, 0
	}
	if c.hits(faultSlow, key, c.SlowUpstream) {
		return 0, c.SlowBy
	}
	return 0, 0
}

// chaosObjects is the Logpush emulator's share of the chaos: objects held
// for one push, and the extra objects written next to a real one.
type chaosObjects struct {
	c    *Chaos
	mu   sync.Mutex
	n    int
	late []pendingObject
}

type pendingObject struct {
	key  string
	body []byte
}

// written is called for every object the emulator pushes: it returns what
// to write now, in order, holding a late object back for the next call
// (or flush).
func (o *chaosObjects) written(key string, body []byte, newKey func() string) []pendingObject {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.n++
	id := fmt.Sprint(o.n)
	out := o.late
	o.late = nil
	c := o.c
	if c.hits(faultLate, id, c.LateObject) {
		o.late = append(o.late, pendingObject{key, body})
	} else {
		out = append(out, pendingObject{key, body})
	}
	if c.hits(faultDuplicate, id, c.DuplicateObject) {
		out = append(out, pendingObject{newKey(), body})
	}
	if c.hits(faultTruncated, id, c.TruncatedObject) && len(body) > 20 {
		out = append(out, pendingObject{newKey(), body[:len(body)/2]})
	}
	if c.hits(faultMalformed, id, c.MalformedObject) {
		out = append(out, pendingObject{newKey(), malformedObject()})
	}
	return out
}

// flush returns the objects still held back.
func (o *chaosObjects) flush() []pendingObject {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := o.late
	o.late = nil
	return out
}

// malformedObject is gzip of lines that are not records: broken JSON, a
// record of the wrong shape, binary noise.
func malformedObject() []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write([]byte("{\"ScriptName\":\"pfx-local\",\"Outcome\":\n[1,2,3]\n{\"EventTimestampMs\":\"yesterday\"}\n\x00\x01\x02 not json\n"))
	_ = zw.Close()
	return buf.Bytes()
}

// middleware is the S3 server's fault injection, nil without chaos.
func (c *Chaos) middleware() func(http.Handler) http.Handler {
	if c == nil || c.S3Fault <= 0 {
		return nil
	}
	return c.s3Middleware
}

// clockOffset is the chaos clock offset, zero without chaos.
func (s *Server) clockOffset() time.Duration {
	if s.opts.Chaos == nil {
		return 0
	}
	return s.opts.Chaos.ClockOffset
}

// upstreamFault applies the chaos upstream faults to a /delay request that
// names its batch and op.
func (s *Server) upstreamFault(r *http.Request) (int, time.Duration) {
	c := s.opts.Chaos
	b := r.URL.Query().Get("batch")
	if c == nil || b == "" {
		return 0, 0
	}
	op, _ := strconv.Atoi(r.URL.Query().Get("op"))
	return c.upstreamFault(b, op)
}

// put writes an object, with the chaos objects around it when on. Called
// with e.mu held.
func (e *logpushEmu) put(key string, body []byte, end time.Time) error {
	if e.chaos == nil {
		return e.s3.PutObject(key, body)
	}
	start := e.windowStart
	for _, o := range e.chaos.written(key, body, func() string { return logpushObjectKey(e.prefix, start, end) }) {
		if err := e.s3.PutObject(o.key, o.body); err != nil {
			return err
		}
	}
	return nil
}

// putLate writes the objects chaos held back, if any.
func (e *logpushEmu) putLate() error {
	if e.chaos == nil {
		return nil
	}
	for _, o := range e.chaos.flush() {
		if err := e.s3.PutObject(o.key, o.body); err != nil {
			return err
		}
	}
	return nil
}

// runLocal drops the run ID from a batch ID (protocol.BatchID), so the
// same plan meets the same batch and op faults in every run: the key is
// "<index>" or "<index>-r<attempt>", the form retry ids once had, so a
// seed keeps its faults. An id not in BatchID's form is its own key.
func runLocal(batchID string) string {
	b, ok := protocol.ParseBatchID(batchID)
	if !ok {
		return batchID
	}
	if b.Attempt > 0 {
		return fmt.Sprintf("%03d-r%d", b.Index, b.Attempt)
	}
	return fmt.Sprintf("%03d", b.Index)
}
