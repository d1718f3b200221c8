package localtarget

import (
	"bytes"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"

	"github.com/pfx-tui/pfx-tui/internal/logpush"
)

func TestCloseStopsTheTickerAndFlushes(t *testing.T) {
	t.Parallel()
	srv, err := Start(Options{PushInterval: time.Hour, KeepTraces: true})
	if err != nil {
		t.Fatal(err)
	}
	srv.traces.add(logpush.Record{ScriptName: "pfx-local", EventType: EventFetch, Outcome: "ok", EventTimestampMs: 42})
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-srv.logpush.done:
	default:
		t.Fatal("the push ticker still runs after Close")
	}
	if srv.LogpushObjects() != 1 {
		t.Fatalf("objects after Close = %d, want 1", srv.LogpushObjects())
	}
	list, err := srv.s3.backend.ListBucket(S3BucketName, nil, s3ListAll)
	if err != nil || len(list.Contents) != 1 {
		t.Fatalf("bucket: %v %v", list, err)
	}
	key := list.Contents[0].Key
	if _, err := logpush.ParseObjectKey(key); err != nil {
		t.Fatal(err)
	}
	obj, err := srv.s3.backend.GetObject(S3BucketName, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Contents.Close()
	body, _ := io.ReadAll(obj.Contents)
	rd := logpush.NewReader(bytes.NewReader(body), true)
	rec, err := rd.Next()
	if err != nil || rec.EventTimestampMs != 42 {
		t.Fatalf("record %+v %v", rec, err)
	}
	if _, err := httpGet(srv.S3Endpoint()); err == nil {
		t.Error("the S3 server still answers after Close")
	}
	if err := srv.Close(); err != nil { // twice is harmless
		t.Fatal(err)
	}
}

func TestLogpushObjectKey(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 26, 23, 59, 45, 500, time.UTC)
	end := time.Date(2026, 11, 27, 0, 0, 15, 0, time.UTC)
	key := logpushObjectKey("workers", start, end)
	on, err := logpush.ParseObjectKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if on.Prefix != "workers" || logpush.DateFolder(on.Date) != "20261126" ||
		!on.Start.Equal(start.Truncate(time.Second)) || !on.End.Equal(end) || len(on.Hex) != 8 {
		t.Errorf("%s → %+v", key, on)
	}
	if key[:len("workers/20261126/20261126T235945Z_20261127T000015Z_")] != "workers/20261126/20261126T235945Z_20261127T000015Z_" {
		t.Errorf("key %s", key)
	}
}

var s3ListAll = gofakes3.ListBucketPage{}

func httpGet(url string) (*http.Response, error) {
	c := &http.Client{Timeout: time.Second}
	resp, err := c.Get(url)
	if err == nil {
		resp.Body.Close()
	}
	return resp, err
}
