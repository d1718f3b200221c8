package localtarget

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/logpush"
)

// DefaultPushInterval is how often the Logpush emulator pushes (the CLI's
// --local-push-interval). Cloudflare's default batch interval is 30 s; the
// emulator is quicker so local runs get their billing in seconds.
const DefaultPushInterval = 5 * time.Second

// logpushStampLayout formats a push window bound in an object name.
const logpushStampLayout = "20060102T150405Z"

// logpushEmu is the emulated Logpush job: every interval it writes the
// trace records added since its last push as one object, named and
// foldered as Cloudflare names them:
//
//	workers/<YYYYMMDD>/<start>Z_<end>Z_<8 hex>.log.gz
//
// where start and end bound the push window (processing time, UTC) and the
// date folder is the window start's day. Bodies are gzip NDJSON, one
// workers_trace_events record per line.
type logpushEmu struct {
	s3       *S3Server
	traces   *TraceStore
	prefix   string
	interval time.Duration
	now      func() time.Time

	mu          sync.Mutex // serializes pushes
	next        int        // TraceStore index of the first record not pushed
	windowStart time.Time
	objects     int
	chaos       *chaosObjects // nil: no faults (chaos.go)

	stop chan struct{}
	done chan struct{}
	once sync.Once
}

func newLogpushEmu(s3 *S3Server, traces *TraceStore, interval time.Duration) *logpushEmu {
	if interval <= 0 {
		interval = DefaultPushInterval
	}
	return &logpushEmu{
		s3: s3, traces: traces, prefix: LogpushPathPrefix, interval: interval,
		now: time.Now, windowStart: time.Now().UTC(),
		stop: make(chan struct{}), done: make(chan struct{}),
	}
}

// start runs the push ticker until close.
func (e *logpushEmu) start() {
	go func() {
		defer close(e.done)
		t := time.NewTicker(e.interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				_, _ = e.push()
			case <-e.stop:
				return
			}
		}
	}()
}

// close stops the ticker and pushes what is left, so no trace record is
// lost when the target shuts down.
func (e *logpushEmu) close() error {
	var err error
	e.once.Do(func() {
		close(e.stop)
		<-e.done
		_, err = e.push()
		if lerr := e.putLate(); err == nil {
			err = lerr
		}
	})
	return err
}

// push writes one object with the records added since the last push; with
// none it writes nothing (the window still moves on). It returns the key
// written, or "".
func (e *logpushEmu) push() (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	end := e.now().UTC()
	if end.Before(e.windowStart) {
		end = e.windowStart // the wall clock stepped back
	}
	recs, next := e.traces.Since(e.next)
	if len(recs) == 0 {
		e.windowStart = end
		e.next = next
		return "", e.putLate()
	}
	body, err := encodeLogpushObject(recs)
	if err != nil {
		return "", err
	}
	key := logpushObjectKey(e.prefix, e.windowStart, end)
	if err := e.put(key, body, end); err != nil {
		return "", err // keep the records for the next push
	}
	e.windowStart = end
	e.next = next
	e.objects++
	e.traces.release(next) // pushed: the bucket holds them now
	return key, nil
}

// logpushObjectKey names an object as Cloudflare does.
func logpushObjectKey(prefix string, start, end time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := fmt.Sprintf("%s/%s_%s_%s.log.gz", logpush.DateFolder(start),
		start.UTC().Format(logpushStampLayout), end.UTC().Format(logpushStampLayout), hex.EncodeToString(b[:]))
	if prefix == "" {
		return name
	}
	return prefix + "/" + name
}

// encodeLogpushObject is gzip NDJSON of the records, in the 13-field
// PascalCase form Cloudflare writes.
func encodeLogpushObject(recs []logpush.Record) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	enc := json.NewEncoder(zw)
	enc.SetEscapeHTML(false)
	for i := range recs {
		if err := enc.Encode(&recs[i]); err != nil {
			return nil, fmt.Errorf("logpush emulator: encode record: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// FlushLogpush pushes the trace records not yet pushed at once, instead of
// at the next tick (tests, and a run that wants its billing now). It works
// after Close too: the objects stay in memory.
func (s *Server) FlushLogpush() error {
	_, err := s.logpush.push()
	return err
}

// LogpushObjects is the number of objects the emulator has written.
func (s *Server) LogpushObjects() int {
	s.logpush.mu.Lock()
	defer s.logpush.mu.Unlock()
	return s.logpush.objects
}

// startLogpush starts the embedded S3 server and the Logpush emulator
// writing into it; Start calls it before serving.
func (s *Server) startLogpush() error {
	s3, err := StartS3(S3Options{Addr: s.opts.S3Addr, Middleware: s.opts.Chaos.middleware()})
	if err != nil {
		return err
	}
	s.s3 = s3
	s.logpush = newLogpushEmu(s3, s.traces, s.opts.PushInterval)
	if s.opts.Chaos != nil {
		s.logpush.chaos = &chaosObjects{c: s.opts.Chaos}
	}
	s.logpush.start()
	return nil
}

// closeLogpush stops the emulator's ticker, pushes the last records and
// shuts the S3 server down; Close calls it after background work ended.
func (s *Server) closeLogpush() error {
	err := s.logpush.close()
	_ = s.s3.Close()
	return err
}
