package localtarget_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/experiment"

	"github.com/pfx-tui/pfx-tui/internal/localtarget"
	"github.com/pfx-tui/pfx-tui/internal/logpush"
	"github.com/pfx-tui/pfx-tui/internal/r2"
	"github.com/pfx-tui/pfx-tui/internal/runner"
)

// recordSink keeps every record of every object, as the billing collector
// would read them.
type recordSink struct {
	mu      sync.Mutex
	keys    []string
	records []logpush.Record
}

func (s *recordSink) AddObject(key string, body io.Reader) error {
	rd := logpush.NewReader(body, true)
	var recs []logpush.Record
	if err := rd.Each(func(r logpush.Record) error { recs = append(recs, r); return nil }); err != nil {
		return err
	}
	if st := rd.Stats(); st.Malformed+st.BadType > 0 || st.Truncated {
		return &badObject{key: key, stats: st}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = append(s.keys, key)
	s.records = append(s.records, recs...)
	return nil
}

type badObject struct {
	key   string
	stats logpush.FileStats
}

func (e *badObject) Error() string { return "bad object " + e.key }

func (s *recordSink) Complete() bool { return false }

func (s *recordSink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.records)
}

// canonical renders records as sorted JSON lines, so sets can be compared
// whatever the object order (two pushes in one second share a name prefix).
func canonical(t *testing.T, recs []logpush.Record) []string {
	t.Helper()
	out := make([]string, len(recs))
	for i, r := range recs {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = string(b)
	}
	slices.Sort(out)
	return out
}

// localClient reads the target's embedded S3 exactly as production reads R2.
func localClient(t *testing.T, srv *localtarget.Server) *r2.Client {
	t.Helper()
	c, err := r2.New(context.Background(), r2.Config{
		Endpoint:        srv.S3Endpoint(),
		Bucket:          srv.S3Bucket(),
		Prefix:          srv.LogpushPrefix(),
		AccessKeyID:     srv.S3AccessKeyID(),
		SecretAccessKey: srv.S3SecretAccessKey(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestLogpushEmulatorRoundTripThroughR2Client(t *testing.T) {
	t.Parallel()
	srv, err := localtarget.Start(localtarget.Options{KeepTraces: true, PushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	from := time.Now()

	plan := experiment.Plan{
		Approaches: []string{"current"}, Durations: []time.Duration{20 * time.Millisecond},
		Batches: 1, Ops: 3, Order: experiment.OrderSequential,
	}
	r, err := runner.New(runner.Options{Target: srv.URL(), Plan: plan, RunID: "lp1"})
	if err != nil {
		t.Fatal(err)
	}
	done := runner.Wait(r.Run(context.Background()))
	if done.Err != nil || len(done.Results) != 1 || done.Results[0].Status != experiment.StatusOK {
		t.Fatalf("run: %+v", done)
	}
	before := srv.Traces().Len()
	if before == 0 {
		t.Fatal("the run recorded no trace events")
	}
	if srv.LogpushObjects() != 0 {
		t.Fatalf("objects pushed before the 1 h interval: %d", srv.LogpushObjects())
	}
	if err := srv.FlushLogpush(); err != nil {
		t.Fatal(err)
	}
	if err := srv.FlushLogpush(); err != nil { // nothing new: no empty object
		t.Fatal(err)
	}
	objects := srv.LogpushObjects()
	if objects < 1 {
		t.Fatal("FlushLogpush wrote no object")
	}

	c := localClient(t, srv)
	sink := &recordSink{}
	res, err := c.NewFetcher(from, time.Now()).Fetch(context.Background(), sink)
	if err != nil {
		t.Fatal(err)
	}
	if res.New != objects || res.Ignored != 0 || len(sink.keys) != objects {
		t.Fatalf("fetched %+v, emulator wrote %d objects", res, objects)
	}
	for _, key := range sink.keys {
		on, err := logpush.ParseObjectKey(key)
		if err != nil {
			t.Fatalf("emulator key does not parse: %v", err)
		}
		if on.Prefix != "workers" || logpush.DateFolder(on.Start) != on.Date.Format("20060102") || on.End.Before(on.Start) {
			t.Errorf("key %s: %+v", key, on)
		}
		if on.Start.Before(from.Add(-2*time.Second)) || on.End.After(time.Now().Add(time.Second)) {
			t.Errorf("key %s: push window outside the test", key)
		}
	}

	// The objects hold exactly the records pushed: the first len(got) of
	// the store (the store only grows), at least all recorded before Flush.
	got := sink.records
	if len(got) < before {
		t.Fatalf("read back %d records, the store had %d before the flush", len(got), before)
	}
	all, _ := srv.Traces().Since(0)
	if !slices.Equal(canonical(t, got), canonical(t, all[:len(got)])) {
		t.Errorf("records read back through S3 differ from the trace store")
	}
	roles := map[string]int{}
	for _, rec := range got {
		roles[rec.Entrypoint]++
		if rec.WallTimeMs == nil || rec.CPUTimeMs == nil || rec.ScriptName != "pfx-local" {
			t.Fatalf("record lost fields: %+v", rec)
		}
	}
	for _, ep := range []string{localtarget.EntrypointOrigin, localtarget.EntrypointOrchestrator, localtarget.EntrypointExecutor} {
		if roles[ep] == 0 {
			t.Errorf("no %s records in %v", ep, roles)
		}
	}
}

func TestLogpushEmulatorPushesOnItsInterval(t *testing.T) {
	t.Parallel()
	srv, err := localtarget.Start(localtarget.Options{KeepTraces: true, PushInterval: 40 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	from := time.Now()
	resp, err := http.Get(srv.URL() + "/delay/0")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()

	c := localClient(t, srv)
	f := c.NewFetcher(from, time.Now())
	sink := &recordSink{}
	deadline := time.Now().Add(5 * time.Second)
	for sink.count() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no object was pushed within 5 s at a 40 ms interval")
		}
		time.Sleep(20 * time.Millisecond)
		if _, err := f.Fetch(context.Background(), sink); err != nil {
			t.Fatal(err)
		}
	}
	if sink.records[0].Event == nil || !strings.HasPrefix(sink.records[0].Event.Request.URL, "/delay/0") {
		t.Errorf("unexpected record %+v", sink.records[0])
	}
}

func TestEmbeddedS3RefusesOtherCredentials(t *testing.T) {
	t.Parallel()
	srv, err := localtarget.Start(localtarget.Options{KeepTraces: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	resp, err := http.Get(srv.S3Endpoint() + "/" + srv.S3Bucket() + "?list-type=2")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "<Code>AccessDenied</Code>") {
		t.Errorf("anonymous list: %d %s", resp.StatusCode, body)
	}

	for _, tc := range []struct{ key, secret string }{
		{"someone-elses-key", srv.S3SecretAccessKey()},
		{srv.S3AccessKeyID(), "not-the-local-secret"},
	} {
		c, err := r2.New(context.Background(), r2.Config{
			Endpoint: srv.S3Endpoint(), Bucket: srv.S3Bucket(), AccessKeyID: tc.key, SecretAccessKey: tc.secret, MaxAttempts: 1,
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Check(context.Background()); !r2.IsPermanent(err) || !strings.Contains(err.Error(), "refused the credentials") {
			t.Errorf("key %q: %v", tc.key, err)
		}
	}
	if err := localClient(t, srv).Check(context.Background()); err != nil {
		t.Errorf("the local keys are refused: %v", err)
	}
}
