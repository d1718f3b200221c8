package r2_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/r2"
)

// Pagination is exercised with pages of 10 (S3 and R2 cap a page at 1000
// keys; the logic is the same at any size and small pages keep this fast).
func TestFetchPaginates(t *testing.T) {
	t.Parallel()
	env := newS3Env(t)
	t0 := day(2025, 11, 26, 0, 10, 0)
	const n = 125
	var want []string
	for i := 0; i < n; i++ {
		want = append(want, env.put(t, t0.Add(time.Duration(i)*30*time.Second), uint32(i), 1))
	}
	sort.Strings(want)
	c := env.client(t, func(c *r2.Config) { c.PageSize = 10 })
	f := c.NewFetcher(t0, t0.Add(n*30*time.Second))
	sink := &testSink{}
	res, err := f.Fetch(context.Background(), sink)
	if err != nil {
		t.Fatal(err)
	}
	if res.New != n || res.Listed != n || sink.records != n {
		t.Fatalf("new %d listed %d records %d, want %d", res.New, res.Listed, sink.records, n)
	}
	if got := sink.Keys(); !slices.Equal(got, want) {
		t.Errorf("the sink did not get every key once in key order (%d keys)", len(got))
	}
	if sink.overlap.Load() {
		t.Error("AddObject was called concurrently")
	}
	lists, gets := env.counts()
	if gets != n {
		t.Errorf("GetObject requests = %d, want %d", gets, n)
	}
	// 125 keys at 10 a page: 13 pages in the run's folder (gofakes3 may
	// add one empty page), plus one listing per other folder.
	if lists < 13 || lists > 13+len(res.Folders) {
		t.Errorf("list requests = %d for %d folders, want 13 pages and a few", lists, len(res.Folders))
	}
	ops := c.Ops()
	if ops.ClassA != int64(lists) || ops.ClassB != int64(gets) {
		t.Errorf("Ops = %+v, server saw %d lists and %d gets", ops, lists, gets)
	}
	if tot := f.Totals(); tot.Objects != n {
		t.Errorf("totals = %+v", tot)
	}
}

func TestFetchStartAfterListsAndDownloadsOnlyNewKeys(t *testing.T) {
	t.Parallel()
	env := newS3Env(t)
	t0 := day(2025, 11, 26, 1, 0, 0)
	for i := 0; i < 200; i++ {
		env.put(t, t0.Add(time.Duration(i)*time.Minute), uint32(i), 1)
	}
	c := env.client(t)
	f := c.NewFetcher(t0, t0.Add(4*time.Hour))
	sink := &testSink{}
	if _, err := f.Fetch(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	_, gets1 := env.counts()
	if gets1 != 200 {
		t.Fatalf("first poll: %d gets, want 200", gets1)
	}
	newKeys := []string{
		env.put(t, t0.Add(200*time.Minute), 0xa0, 2),
		env.put(t, t0.Add(201*time.Minute), 0xa1, 2),
	}
	res, err := f.Fetch(context.Background(), sink)
	if err != nil {
		t.Fatal(err)
	}
	_, gets2 := env.counts()
	if gets2-gets1 != 2 || res.New != 2 {
		t.Fatalf("second poll: %d gets, %d new, want 2", gets2-gets1, res.New)
	}
	for _, k := range newKeys {
		if env.getsOf(k) != 1 {
			t.Errorf("%s downloaded %d times", k, env.getsOf(k))
		}
	}
	// StartAfter: the listing restarted near the newest key (its window
	// start less the 5 m lookback), not at the folder's top.
	if res.Listed > 10 {
		t.Errorf("second poll listed %d keys: StartAfter did not skip the old ones", res.Listed)
	}
	env.mu.Lock()
	last := env.startAfters[len(env.startAfters)-1]
	env.mu.Unlock()
	if want := "workers/20251126/" + t0.Add(199*time.Minute-5*time.Minute).Format(stamp); !slices.Contains(env.startAfters, want) {
		t.Errorf("no listing started after %q; last start-after %q", want, last)
	}
	// A third poll with nothing new downloads nothing.
	res, err = f.Fetch(context.Background(), sink)
	if err != nil {
		t.Fatal(err)
	}
	if _, gets3 := env.counts(); gets3 != gets2 || res.New != 0 {
		t.Errorf("idle poll downloaded %d objects", gets3-gets2)
	}
	if sink.records != 204 {
		t.Errorf("records = %d, want 204", sink.records)
	}
}

func TestFetchExactStartAfterWithNegativeLookback(t *testing.T) {
	t.Parallel()
	env := newS3Env(t)
	t0 := day(2025, 11, 26, 1, 0, 0)
	var last string
	for i := 0; i < 20; i++ {
		last = env.put(t, t0.Add(time.Duration(i)*time.Minute), uint32(i), 1)
	}
	c := env.client(t, func(c *r2.Config) { c.Lookback = -1 })
	f := c.NewFetcher(t0, t0.Add(time.Hour))
	if _, err := f.Fetch(context.Background(), &testSink{}); err != nil {
		t.Fatal(err)
	}
	res, err := f.Fetch(context.Background(), &testSink{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Listed != 0 {
		t.Errorf("listed %d keys after the last one", res.Listed)
	}
	if !slices.Contains(env.startAfters, last) {
		t.Errorf("no listing started after the last key %s: %q", last, env.startAfters)
	}
}

func TestFetchRunAcrossUTCMidnight(t *testing.T) {
	t.Parallel()
	env := newS3Env(t)
	from, to := day(2025, 6, 30, 23, 58, 0), day(2025, 7, 1, 0, 3, 0)
	want := []string{
		env.put(t, day(2025, 6, 30, 23, 58, 30), 1, 3),
		env.put(t, day(2025, 6, 30, 23, 59, 30), 2, 3),
		env.put(t, day(2025, 7, 1, 0, 0, 30), 3, 3),
		env.put(t, day(2025, 7, 1, 0, 2, 0), 4, 3),
		env.put(t, day(2025, 7, 1, 0, 9, 0), 5, 3), // delivered late, after the run
	}
	old := env.put(t, day(2025, 6, 30, 10, 0, 0), 6, 3)      // hours before the run
	earlier := env.put(t, day(2025, 6, 29, 23, 59, 0), 7, 3) // a folder the run does not touch
	c := env.client(t)
	f := c.NewFetcher(from, to)
	sink := &testSink{}
	res, err := f.Fetch(context.Background(), sink)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"20250630", "20250701"} {
		if !slices.Contains(res.Folders, d) {
			t.Errorf("folders %v lack %s", res.Folders, d)
		}
	}
	if slices.Contains(res.Folders, "20250629") {
		t.Errorf("folders %v include a day before the run", res.Folders)
	}
	sort.Strings(want)
	if got := sink.Keys(); !slices.Equal(got, want) {
		t.Errorf("keys = %v\nwant %v", got, want)
	}
	if env.getsOf(old) != 0 || env.getsOf(earlier) != 0 {
		t.Error("objects from before the run were downloaded")
	}
}

func TestFetchObjectAppearingBetweenPolls(t *testing.T) {
	t.Parallel()
	env := newS3Env(t)
	t0 := day(2025, 11, 26, 12, 0, 0)
	env.put(t, t0, 1, 2)
	env.put(t, t0.Add(30*time.Second), 2, 2)
	c := env.client(t)
	f := c.NewFetcher(t0, t0.Add(2*time.Minute))
	sink := &testSink{}
	if res, err := f.Fetch(context.Background(), sink); err != nil || res.New != 2 {
		t.Fatalf("poll 1: %+v %v", res, err)
	}
	late := env.put(t, t0.Add(time.Minute), 3, 5)
	res, err := f.Fetch(context.Background(), sink)
	if err != nil || res.New != 1 {
		t.Fatalf("poll 2: %+v %v", res, err)
	}
	if env.getsOf(late) != 1 {
		t.Errorf("the late object was downloaded %d times", env.getsOf(late))
	}
	// An object named for an earlier window, uploaded late (out of name
	// order), is still found: the listing starts a lookback before the
	// newest key.
	outOfOrder := env.put(t, t0.Add(30*time.Second), 0xff, 1)
	res, err = f.Fetch(context.Background(), sink)
	if err != nil || res.New != 1 || env.getsOf(outOfOrder) != 1 {
		t.Fatalf("poll 3: %+v %v (out-of-order object fetched %d times)", res, err, env.getsOf(outOfOrder))
	}
	if sink.records != 10 {
		t.Errorf("records = %d, want 10", sink.records)
	}
}

func TestFetchIgnoresKeysThatAreNotLogpushObjects(t *testing.T) {
	t.Parallel()
	env := newS3Env(t)
	t0 := day(2025, 11, 26, 12, 0, 0)
	env.put(t, t0, 1, 1)
	env.putRaw(t, "workers/20251126/ownership-challenge.txt", []byte("challenge"))
	env.putRaw(t, "workers/20251126/20251126T120010Z_garbage.log.gz", []byte("x"))
	c := env.client(t, func(c *r2.Config) { c.Lookback = time.Hour })
	f := c.NewFetcher(t0, t0.Add(time.Minute))
	res, err := f.Fetch(context.Background(), &testSink{})
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 1 || res.Ignored != 2 {
		t.Fatalf("new %d ignored %d, want 1 and 2", res.New, res.Ignored)
	}
	res, err = f.Fetch(context.Background(), &testSink{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Ignored != 0 || f.Totals().Ignored != 2 {
		t.Errorf("ignored keys counted again: %d (total %d)", res.Ignored, f.Totals().Ignored)
	}
	if env.getsOf("workers/20251126/ownership-challenge.txt") != 0 {
		t.Error("a non-Logpush key was downloaded")
	}
}

func TestFetchRetriesAFailedDownloadNextPoll(t *testing.T) {
	t.Parallel()
	env := newS3Env(t)
	t0 := day(2025, 11, 26, 12, 0, 0)
	ok := env.put(t, t0, 1, 1)
	bad := env.put(t, t0.Add(30*time.Second), 2, 1)
	env.setFail(func(r *http.Request) (int, string) {
		if strings.HasSuffix(r.URL.Path, bad) {
			return http.StatusInternalServerError, "InternalError"
		}
		return 0, ""
	})
	c := env.client(t) // MaxAttempts 2
	f := c.NewFetcher(t0, t0.Add(time.Minute))
	sink := &testSink{}
	res, err := f.Fetch(context.Background(), sink)
	if err == nil || r2.IsPermanent(err) {
		t.Fatalf("want a transient error, got %v", err)
	}
	if res.New != 1 || res.Failed != 1 || f.Totals().Pending != 1 {
		t.Fatalf("res %+v totals %+v", res, f.Totals())
	}
	if env.getsOf(bad) != 2 {
		t.Errorf("the SDK tried the failing object %d times, want 2 (MaxAttempts)", env.getsOf(bad))
	}
	env.setFail(nil)
	res, err = f.Fetch(context.Background(), sink)
	if err != nil || res.New != 1 {
		t.Fatalf("retry poll: %+v %v", res, err)
	}
	if got := sink.Keys(); !slices.Equal(got, []string{ok, bad}) {
		t.Errorf("keys = %v", got)
	}
	if f.Totals().Pending != 0 {
		t.Errorf("pending = %d", f.Totals().Pending)
	}
}

func TestFetchRetriesTransientErrorsWithinARequest(t *testing.T) {
	t.Parallel()
	env := newS3Env(t)
	t0 := day(2025, 11, 26, 12, 0, 0)
	env.put(t, t0, 1, 1)
	var failures atomic.Int32
	failures.Store(2)
	env.setFail(func(r *http.Request) (int, string) {
		if failures.Add(-1) >= 0 {
			return http.StatusInternalServerError, "InternalError"
		}
		return 0, ""
	})
	c := env.client(t, func(c *r2.Config) { c.MaxAttempts = 5 })
	res, err := c.NewFetcher(t0, t0.Add(time.Minute)).Fetch(context.Background(), &testSink{})
	if err != nil || res.New != 1 {
		t.Fatalf("%+v %v", res, err)
	}
}

func TestFetchReportsSinkErrorsOnceAndDoesNotRefetch(t *testing.T) {
	t.Parallel()
	env := newS3Env(t)
	t0 := day(2025, 11, 26, 12, 0, 0)
	bad := env.put(t, t0, 1, 1)
	c := env.client(t)
	f := c.NewFetcher(t0, t0.Add(time.Minute))
	sink := &testSink{errKey: bad}
	res, err := f.Fetch(context.Background(), sink)
	if err == nil || !strings.Contains(err.Error(), bad) || res.SinkErrors != 1 {
		t.Fatalf("res %+v err %v", res, err)
	}
	if _, err := f.Fetch(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	if env.getsOf(bad) != 1 {
		t.Errorf("downloaded %d times", env.getsOf(bad))
	}
}

func TestAccessDeniedNamesTheEnvVariablesNotTheSecret(t *testing.T) {
	t.Parallel()
	env := newS3Env(t)
	for _, tc := range []struct {
		name string
		mod  func(*r2.Config)
		code string
	}{
		{"wrong access key", func(c *r2.Config) {
			c.AccessKeyID = "wrong-access-key-id-0001"
			c.SecretAccessKey = "wrong-secret-value-0123456789"
		}, "AccessDenied"},
		{"wrong secret", func(c *r2.Config) { c.SecretAccessKey = "wrong-secret-value-0123456789" }, "SignatureDoesNotMatch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := env.config(tc.mod)
			c, err := r2.New(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			for _, call := range []func() error{
				func() error { return c.Check(context.Background()) },
				func() error {
					_, err := c.NewFetcher(time.Now(), time.Now()).Fetch(context.Background(), &testSink{})
					return err
				},
			} {
				err := call()
				if !errors.Is(err, r2.ErrCredentials) || !r2.IsPermanent(err) {
					t.Fatalf("want ErrCredentials, got %v", err)
				}
				msg := err.Error()
				for _, want := range []string{"CLOUDFLARE_R2_ACCESS_KEY_ID", "CLOUDFLARE_R2_SECRET_ACCESS_KEY", tc.code, `"pfx-logpush"`} {
					if !strings.Contains(msg, want) {
						t.Errorf("message lacks %q: %s", want, msg)
					}
				}
				if strings.Contains(msg, cfg.SecretAccessKey) || strings.Contains(msg, cfg.AccessKeyID) {
					t.Errorf("message leaks a key: %s", msg)
				}
				var e *r2.Error
				if !errors.As(err, &e) || e.Status != 403 {
					t.Errorf("status: %+v", e)
				}
			}
		})
	}
}

func TestMissingBucket(t *testing.T) {
	t.Parallel()
	env := newS3Env(t)
	c := env.client(t, func(c *r2.Config) { c.Bucket = "no-such-bucket" })
	err := c.Check(context.Background())
	if !errors.Is(err, r2.ErrNoSuchBucket) || !r2.IsPermanent(err) {
		t.Fatalf("want ErrNoSuchBucket, got %v", err)
	}
	for _, want := range []string{`"no-such-bucket" does not exist`, "CLOUDFLARE_R2_BUCKET_NAME", env.srv.Endpoint()} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q: %s", want, err)
		}
	}
	_, err = c.NewFetcher(time.Now(), time.Now()).Fetch(context.Background(), &testSink{})
	if !errors.Is(err, r2.ErrNoSuchBucket) {
		t.Errorf("Fetch: %v", err)
	}
}

func TestUnreachableEndpoint(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	c, err := r2.New(context.Background(), r2.Config{
		Endpoint: "http://" + addr, Bucket: "b", AccessKeyID: "k", SecretAccessKey: "s", MaxAttempts: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Check(context.Background())
	if !errors.Is(err, r2.ErrUnreachable) || r2.IsPermanent(err) {
		t.Fatalf("want a transient ErrUnreachable, got %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "cannot reach the S3 endpoint "+addr) || !strings.Contains(msg, "refused") {
		t.Errorf("message: %s", msg)
	}
}

func TestCancelledFetchReturnsTheContextError(t *testing.T) {
	t.Parallel()
	env := newS3Env(t)
	t0 := day(2025, 11, 26, 12, 0, 0)
	for i := 0; i < 20; i++ {
		env.put(t, t0.Add(time.Duration(i)*time.Second), uint32(i), 1)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := env.client(t).NewFetcher(t0, t0.Add(time.Minute)).Fetch(ctx, &testSink{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
}

func TestRequestTimeoutIsUnreachableNotCancelled(t *testing.T) {
	t.Parallel()
	env := newS3Env(t)
	env.setFail(func(r *http.Request) (int, string) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
		return http.StatusInternalServerError, "InternalError"
	})
	c := env.client(t, func(c *r2.Config) { c.RequestTimeout = 100 * time.Millisecond; c.MaxAttempts = 1 })
	err := c.Check(context.Background())
	if !errors.Is(err, r2.ErrUnreachable) || r2.IsPermanent(err) {
		t.Fatalf("got %v", err)
	}
	if !strings.Contains(err.Error(), "cannot reach the S3 endpoint") {
		t.Errorf("message: %s", err)
	}
}

func TestFetchCutShortLosesNoKeys(t *testing.T) {
	t.Parallel()
	env := newS3Env(t)
	t0 := day(2025, 11, 26, 12, 0, 0)
	var all []string
	for i := 0; i < 40; i++ {
		all = append(all, env.put(t, t0.Add(time.Duration(i)*time.Minute), uint32(i), 1))
	}
	sort.Strings(all)
	// Credentials revoked mid-poll: the tenth object is refused for good.
	env.setFail(func(r *http.Request) (int, string) {
		if strings.HasSuffix(r.URL.Path, all[9]) {
			return http.StatusForbidden, "AccessDenied"
		}
		return 0, ""
	})
	c := env.client(t, func(c *r2.Config) { c.Concurrency = 2 })
	f := c.NewFetcher(t0, t0.Add(time.Hour))
	sink := &testSink{}
	if _, err := f.Fetch(context.Background(), sink); !errors.Is(err, r2.ErrCredentials) {
		t.Fatalf("want ErrCredentials, got %v", err)
	}
	// The nine before it are delivered, and so are downloads started before
	// the refusal was seen (a few, racing it: bounded by twice Concurrency
	// here); nothing is lost, the rest waits for the next Fetch.
	n, pending := len(sink.Keys()), f.Totals().Pending
	if n < 9 || n > 9+2*2 || n+pending != len(all) {
		t.Fatalf("delivered %d, pending %d of %d", n, pending, len(all))
	}
	env.setFail(nil)
	if _, err := f.Fetch(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	got := sink.Keys()
	slices.Sort(got)
	if !slices.Equal(got, all) {
		t.Errorf("after recovery the sink has %d of %d keys", len(got), len(all))
	}
	for _, k := range all {
		want := 1
		if k == all[9] {
			want = 2 // refused once, fetched once
		}
		if n := env.getsOf(k); n != want {
			t.Errorf("%s downloaded %d times, want %d", k, n, want)
		}
	}
}

// TestPollEconomyWithABusyBucket: 10,000 old objects in three date folders
// and 20 new ones arriving over three polls. Each poll lists each date
// folder of the window once from its StartAfter key (never the old keys) —
// at most (folders) + ⌈new keys / page size⌉ list calls — and downloads
// exactly the new objects, counted at the S3 server.
func TestPollEconomyWithABusyBucket(t *testing.T) {
	t.Parallel()
	env := newS3Env(t)
	now := time.Now().UTC()
	from, to := now.Add(-2*time.Minute), now
	old := gzRecords(t, "old", 1)
	for i := 0; i < 10000; i++ {
		// Today before the lookback, yesterday and the day before.
		start := from.Add(-6*time.Minute - time.Duration(i%3)*24*time.Hour - time.Duration(i/3)*time.Second)
		key := fmt.Sprintf("workers/%s/%s_%s_%08x.log.gz", start.Format("20060102"), start.Format(stamp), start.Add(30*time.Second).Format(stamp), i)
		env.putRaw(t, key, old)
	}
	c := env.client(t)
	f := c.NewFetcher(from, to)
	sink := &testSink{}
	next := uint32(1 << 20)
	for poll, arriving := range []int{7, 7, 6} {
		for i := 0; i < arriving; i++ {
			env.put(t, from.Add(time.Duration(poll*7+i)*time.Second), next, 1)
			next++
		}
		lists0, gets0 := env.counts()
		res, err := f.Fetch(context.Background(), sink)
		if err != nil {
			t.Fatal(err)
		}
		lists, gets := env.counts()
		maxLists := len(res.Folders) + (arriving+999)/1000
		if lists-lists0 > maxLists {
			t.Errorf("poll %d: %d list calls, want at most %d (%d folders, %d new keys)", poll+1, lists-lists0, maxLists, len(res.Folders), arriving)
		}
		if gets-gets0 != arriving || res.New != arriving {
			t.Errorf("poll %d: %d downloads, %d new, want %d", poll+1, gets-gets0, res.New, arriving)
		}
	}
	if sink.Records() != 20 {
		t.Errorf("sink read %d records, want the 20 new objects' 20", sink.Records())
	}
	ops := c.Ops()
	if lists, gets := env.counts(); ops.ClassA != int64(lists) || ops.ClassB != int64(gets) {
		t.Errorf("client counted %+v, server saw %d lists and %d gets", ops, lists, gets)
	}
}
