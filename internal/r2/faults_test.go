package r2_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/r2"
)

// 500 InternalError, 503 ServiceUnavailable and 503 SlowDown, once on the
// listing and once on each download, are retried with backoff within the
// request: the fetch gets every object, with no error and nothing pending.
func TestFetchRetriesInjectedS3Faults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status int
		code   string
	}{
		{http.StatusInternalServerError, "InternalError"},
		{http.StatusServiceUnavailable, "ServiceUnavailable"},
		{http.StatusServiceUnavailable, "SlowDown"},
	} {
		t.Run(tc.code, func(t *testing.T) {
			t.Parallel()
			env := newS3Env(t)
			t0 := day(2025, 11, 26, 12, 0, 0)
			a := env.put(t, t0, 1, 2)
			b := env.put(t, t0.Add(30*time.Second), 2, 3)
			var mu sync.Mutex
			failed := map[string]bool{}
			env.setFail(func(r *http.Request) (int, string) {
				what := "list"
				if r.URL.Query().Get("list-type") == "" {
					what = r.URL.Path
				}
				mu.Lock()
				defer mu.Unlock()
				if failed[what] {
					return 0, ""
				}
				failed[what] = true
				return tc.status, tc.code
			})
			c := env.client(t, func(c *r2.Config) { c.MaxAttempts = 3 })
			f := c.NewFetcher(t0, t0.Add(time.Minute))
			sink := &testSink{}
			res, err := f.Fetch(context.Background(), sink)
			if err != nil || res.New != 2 || res.Failed != 0 || f.Totals().Pending != 0 {
				t.Fatalf("fetch: %+v %v; totals %+v", res, err, f.Totals())
			}
			if sink.Records() != 5 {
				t.Errorf("records = %d, want 5", sink.Records())
			}
			mu.Lock()
			defer mu.Unlock()
			for _, k := range []string{a, b} {
				hit := false
				for w := range failed {
					hit = hit || strings.HasSuffix(w, k)
				}
				if !hit || env.getsOf(k) != 2 {
					t.Errorf("%s: fault injected %v, %d GETs; want one fault and one retry", k, hit, env.getsOf(k))
				}
			}
			if !failed["list"] {
				t.Error("no fault was injected on the listing")
			}
		})
	}
}
