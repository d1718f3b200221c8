package r2_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/localtarget"
	"github.com/pfx-tui/pfx-tui/internal/logpush"
	"github.com/pfx-tui/pfx-tui/internal/r2"
)

const stamp = "20060102T150405Z"

// s3Env is a real S3 server (gofakes3 behind the local target's SigV4
// check) with a request log, so tests count what the client really sent.
type s3Env struct {
	srv *localtarget.S3Server

	mu          sync.Mutex
	lists       int
	gets        map[string]int
	startAfters []string
	// fail, when set, may answer a request instead of the server.
	fail func(r *http.Request) (status int, code string)
}

func newS3Env(t *testing.T) *s3Env {
	t.Helper()
	e := &s3Env{gets: map[string]int{}}
	srv, err := localtarget.StartS3(localtarget.S3Options{Middleware: e.observe})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	e.srv = srv
	return e
}

func (e *s3Env) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		fail := e.fail
		q := r.URL.Query()
		if r.Method == http.MethodGet && q.Get("list-type") == "2" {
			e.lists++
			if _, ok := q["start-after"]; ok && q.Get("continuation-token") == "" {
				e.startAfters = append(e.startAfters, q.Get("start-after"))
			}
		} else if r.Method == http.MethodGet {
			key := strings.TrimPrefix(r.URL.Path, "/"+e.srv.Bucket()+"/")
			e.gets[key]++
		}
		e.mu.Unlock()
		if fail != nil {
			if status, code := fail(r); status != 0 {
				w.WriteHeader(status)
				fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>injected</Message></Error>`, code)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (e *s3Env) setFail(f func(r *http.Request) (int, string)) {
	e.mu.Lock()
	e.fail = f
	e.mu.Unlock()
}

// counts returns the list requests and GetObject requests seen so far.
func (e *s3Env) counts() (lists, gets int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, n := range e.gets {
		gets += n
	}
	return e.lists, gets
}

func (e *s3Env) getsOf(key string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.gets[key]
}

func (e *s3Env) config(mod ...func(*r2.Config)) r2.Config {
	cfg := r2.Config{
		Endpoint:        e.srv.Endpoint(),
		Bucket:          e.srv.Bucket(),
		Prefix:          "workers",
		AccessKeyID:     e.srv.AccessKeyID(),
		SecretAccessKey: e.srv.SecretAccessKey(),
		MaxAttempts:     2,
	}
	for _, m := range mod {
		m(&cfg)
	}
	return cfg
}

func (e *s3Env) client(t *testing.T, mod ...func(*r2.Config)) *r2.Client {
	t.Helper()
	c, err := r2.New(context.Background(), e.config(mod...))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// put stores a Logpush object for the window starting at start with n
// records, and returns its key.
func (e *s3Env) put(t *testing.T, start time.Time, hex uint32, n int) string {
	t.Helper()
	start = start.UTC()
	key := fmt.Sprintf("workers/%s/%s_%s_%08x.log.gz", start.Format("20060102"), start.Format(stamp), start.Add(30*time.Second).Format(stamp), hex)
	e.putRaw(t, key, gzRecords(t, key, n))
	return key
}

func (e *s3Env) putRaw(t *testing.T, key string, body []byte) {
	t.Helper()
	if err := e.srv.PutObject(key, body); err != nil {
		t.Fatal(err)
	}
}

func gzRecords(t testing.TB, key string, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	enc := json.NewEncoder(zw)
	for i := 0; i < n; i++ {
		rec := logpush.Record{
			CPUTimeMs: logpush.Int64(1), WallTimeMs: logpush.Int64(int64(10 + i)),
			EventTimestampMs: int64(i), ScriptName: "pfx-test", Entrypoint: "OriginDO",
			EventType: "fetch", Outcome: "ok",
			Logs: []logpush.Log{{Level: "log", Message: []any{"key", key}, TimestampMs: int64(i)}},
		}
		if err := enc.Encode(rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// testSink reads every object with the logpush reader, remembers the keys
// in the order it got them, and is complete once want records were read.
// It fails the test's expectations if AddObject is ever entered twice at
// once (the Sink contract says it need not be goroutine-safe).
type testSink struct {
	want int

	inside  atomic.Int32
	overlap atomic.Bool

	mu      sync.Mutex
	keys    []string
	records int
	errKey  string // AddObject fails for this key
}

func (s *testSink) AddObject(key string, body io.Reader) error {
	if s.inside.Add(1) != 1 {
		s.overlap.Store(true)
	}
	defer s.inside.Add(-1)
	time.Sleep(50 * time.Microsecond) // widen the window for overlap detection
	rd := logpush.NewReader(body, true)
	n := 0
	if err := rd.Each(func(logpush.Record) error { n++; return nil }); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = append(s.keys, key)
	s.records += n
	if key == s.errKey {
		return fmt.Errorf("test sink refuses %s", key)
	}
	return nil
}

func (s *testSink) Complete() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.want > 0 && s.records >= s.want
}

func (s *testSink) Records() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.records
}

func (s *testSink) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.keys...)
}

func day(y int, m time.Month, d, hh, mm, ss int) time.Time {
	return time.Date(y, m, d, hh, mm, ss, 0, time.UTC)
}
