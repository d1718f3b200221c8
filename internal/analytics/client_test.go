package analytics

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/config"
)

const testToken = "tok-0123456789abcdef"

var (
	winFrom = time.Date(2026, 3, 1, 12, 35, 0, 0, time.UTC)
	winTo   = time.Date(2026, 3, 1, 12, 37, 0, 0, time.UTC)
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// gqlServer answers each request with the next of answers (the last one
// repeats) and records the requests.
type gqlServer struct {
	*httptest.Server
	mu      sync.Mutex
	answers []answer
	seen    []seenReq
}

type answer struct {
	status int
	body   []byte
	header map[string]string
}

type seenReq struct {
	auth, path string
	query      string
	variables  map[string]any
}

func newGQLServer(t *testing.T, answers ...answer) *gqlServer {
	t.Helper()
	s := &gqlServer{answers: answers}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Query     string         `json:"query"`
			Variables map[string]any `json:"variables"`
		}
		if r.Method == http.MethodPost {
			data, _ := io.ReadAll(r.Body)
			_ = json.Unmarshal(data, &body)
		}
		s.mu.Lock()
		s.seen = append(s.seen, seenReq{auth: r.Header.Get("Authorization"), path: r.URL.Path, query: body.Query, variables: body.Variables})
		a := s.answers[min(len(s.seen)-1, len(s.answers)-1)]
		s.mu.Unlock()
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		_, _ = w.Write(a.body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *gqlServer) requests() []seenReq {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seenReq(nil), s.seen...)
}

func testClient(base string) (*Client, *[]time.Duration) {
	var slept []time.Duration
	var mu sync.Mutex
	return &Client{Base: base, Account: "acct123", Script: "pfx-experiment", Token: config.NewSecret(testToken),
		Sleep: func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			slept = append(slept, d)
			mu.Unlock()
			return ctx.Err()
		}}, &slept
}

func query(t *testing.T, dataset string) Query {
	t.Helper()
	for _, q := range Queries() {
		if q.Dataset == dataset {
			return q
		}
	}
	t.Fatalf("no query for %s", dataset)
	return Query{}
}

func TestFetchRecordedShape(t *testing.T) {
	t.Parallel()
	srv := newGQLServer(t, answer{status: 200, body: fixture(t, "periodic.json")})
	c, _ := testClient(srv.URL)
	res, err := c.Fetch(context.Background(), query(t, DatasetPeriodic), winFrom, winTo)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 3 || res.Truncated || len(res.Dropped) != 0 {
		t.Fatalf("result %+v", res)
	}
	r := res.Rows[2]
	if !r.Minute.Equal(winFrom.Add(time.Minute)) || r.NamespaceID != "0a1b2c3d4e5f60718293a4b5c6d7e8f9" || r.Sum[FieldActiveTime] != 30e6 || r.Sum[FieldRowsWritten] != 4 {
		t.Errorf("row %+v", r)
	}
	reqs := srv.requests()
	if len(reqs) != 1 || reqs[0].auth != "Bearer "+testToken || reqs[0].path != GraphQLPath {
		t.Fatalf("requests %+v", reqs)
	}
	for _, want := range []string{"durableObjectsPeriodicGroups(limit: 10000", "datetimeMinute_geq: $from", "dimensions { datetimeMinute namespaceId }", "sum { activeTime cpuTime rowsRead rowsWritten }"} {
		if !strings.Contains(reqs[0].query, want) {
			t.Errorf("query lacks %q:\n%s", want, reqs[0].query)
		}
	}
	v := reqs[0].variables
	if v["accountTag"] != "acct123" || v["from"] != "2026-03-01T12:35:00Z" || v["to"] != "2026-03-01T12:37:00Z" {
		t.Errorf("variables %v", v)
	}
	if strings.Contains(reqs[0].query, testToken) {
		t.Error("the token is in the query")
	}
}

func TestFetchWorkersFiltersByScript(t *testing.T) {
	t.Parallel()
	srv := newGQLServer(t, answer{status: 200, body: fixture(t, "workers.json")})
	c, _ := testClient(srv.URL)
	res, err := c.Fetch(context.Background(), query(t, DatasetWorkers), winFrom, winTo)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 1 || res.Rows[0].ScriptName != "pfx-experiment" || res.Rows[0].Sum[FieldCPUTimeUs] != 18000 {
		t.Fatalf("rows %+v", res.Rows)
	}
	req := srv.requests()[0]
	if req.variables["scriptName"] != "pfx-experiment" || !strings.Contains(req.query, "scriptName: $scriptName") {
		t.Errorf("script filter missing: %v\n%s", req.variables, req.query)
	}
}

func TestFetchEmptyMinutes(t *testing.T) {
	t.Parallel()
	srv := newGQLServer(t, answer{status: 200, body: fixture(t, "empty.json")})
	c, _ := testClient(srv.URL)
	res, err := c.Fetch(context.Background(), query(t, DatasetPeriodic), winFrom, winTo)
	if err != nil || len(res.Rows) != 0 {
		t.Fatalf("empty: %+v %v", res, err)
	}
}

func TestFetchErrorsWithNullData(t *testing.T) {
	t.Parallel()
	srv := newGQLServer(t, answer{status: 400, body: fixture(t, "error-null-data.json")})
	c, slept := testClient(srv.URL)
	_, err := c.Fetch(context.Background(), query(t, DatasetPeriodic), winFrom, winTo)
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindQuery || !e.Permanent() || !strings.Contains(err.Error(), "cannot request data older than") {
		t.Fatalf("err = %v", err)
	}
	if len(*slept) != 0 || len(srv.requests()) != 1 {
		t.Errorf("a permanent error was retried: %d requests", len(srv.requests()))
	}
}

func TestFetchRetriesRateLimitsAndServerErrors(t *testing.T) {
	t.Parallel()
	srv := newGQLServer(t,
		answer{status: 429, body: fixture(t, "rate-limited.json"), header: map[string]string{"Retry-After": "7"}},
		answer{status: 200, body: fixture(t, "rate-limited.json")},
		answer{status: 503, body: []byte(`{"data":null,"errors":[{"message":"too many queries in progress, please try again later"}]}`)},
		answer{status: 502, body: []byte(`<html>bad gateway</html>`)},
		answer{status: 200, body: fixture(t, "periodic.json")},
	)
	c, slept := testClient(srv.URL)
	res, err := c.Fetch(context.Background(), query(t, DatasetPeriodic), winFrom, winTo)
	if err != nil || len(res.Rows) != 3 {
		t.Fatalf("after retries: %v %+v", err, res)
	}
	want := []time.Duration{7 * time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}
	if len(*slept) != len(want) {
		t.Fatalf("backoff %v, want %v", *slept, want)
	}
	for i := range want {
		if (*slept)[i] != want[i] {
			t.Errorf("backoff %d = %s, want %s (Retry-After honoured, then doubling)", i, (*slept)[i], want[i])
		}
	}
}

func TestFetchGivesUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	srv := newGQLServer(t, answer{status: 429, body: fixture(t, "rate-limited.json")})
	c, _ := testClient(srv.URL)
	c.MaxAttempts = 3
	_, err := c.Fetch(context.Background(), query(t, DatasetPeriodic), winFrom, winTo)
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindRate || e.Permanent() || len(srv.requests()) != 3 {
		t.Fatalf("err %v after %d requests", err, len(srv.requests()))
	}
	if !strings.Contains(err.Error(), "300 queries per 5 minutes") {
		t.Errorf("no rate-limit hint: %v", err)
	}
}

func TestFetchDropsUnknownOptionalField(t *testing.T) {
	t.Parallel()
	srv := newGQLServer(t,
		answer{status: 400, body: fixture(t, "unknown-field.json")},
		answer{status: 200, body: []byte(`{"data":{"viewer":{"accounts":[{"workersInvocationsAdaptive":[{"dimensions":{"datetimeMinute":"2026-03-01T12:35:00Z","scriptName":"pfx-experiment"},"sum":{"requests":3}}]}]}},"errors":null}`)},
	)
	c, slept := testClient(srv.URL)
	res, err := c.Fetch(context.Background(), query(t, DatasetWorkers), winFrom, winTo)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Dropped) != 1 || res.Dropped[0] != "workersInvocationsAdaptive.cpuTimeUs" || len(*slept) != 0 {
		t.Fatalf("dropped %v slept %v", res.Dropped, *slept)
	}
	reqs := srv.requests()
	if len(reqs) != 2 || !strings.Contains(reqs[0].query, "cpuTimeUs") || strings.Contains(reqs[1].query, "cpuTimeUs") {
		t.Errorf("second query should lack cpuTimeUs:\n%s", reqs[1].query)
	}
	// A required field the API does not know is a permanent query error.
	srv2 := newGQLServer(t, answer{status: 400, body: []byte(`{"data":null,"errors":[{"message":"unknown field \"activeTime\""}]}`)})
	c2, _ := testClient(srv2.URL)
	_, err = c2.Fetch(context.Background(), query(t, DatasetPeriodic), winFrom, winTo)
	if !IsPermanent(err) || !strings.Contains(err.Error(), "activeTime") {
		t.Errorf("required unknown field: %v", err)
	}
}

func TestFetchTokenWithoutPermission(t *testing.T) {
	t.Parallel()
	for _, a := range []answer{
		{status: 403, body: fixture(t, "not-authorized.json")},
		{status: 200, body: fixture(t, "not-authorized.json")},
		{status: 401, body: []byte(`{"data":null,"errors":[{"message":"Unauthorized: bad token ` + testToken + `"}]}`)},
	} {
		srv := newGQLServer(t, a)
		c, _ := testClient(srv.URL)
		_, err := c.Fetch(context.Background(), query(t, DatasetPeriodic), winFrom, winTo)
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindAuth || !e.Permanent() {
			t.Fatalf("HTTP %d: err %v", a.status, err)
		}
		if !strings.Contains(err.Error(), "Account Analytics: Read") {
			t.Errorf("no permission hint: %v", err)
		}
		if strings.Contains(err.Error(), testToken) {
			t.Errorf("the token leaked into the error: %v", err)
		}
		if n := len(srv.requests()); n != 1 {
			t.Errorf("auth error retried: %d requests", n)
		}
	}
}

func TestFetchNetworkErrorHasNoToken(t *testing.T) {
	t.Parallel()
	srv := newGQLServer(t, answer{status: 200, body: []byte(`{}`)})
	url := srv.URL
	srv.Close()
	c, slept := testClient(url)
	c.MaxAttempts = 2
	_, err := c.Fetch(context.Background(), query(t, DatasetPeriodic), winFrom, winTo)
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindNetwork || len(*slept) != 1 {
		t.Fatalf("err %v slept %v", err, *slept)
	}
	if strings.Contains(err.Error(), testToken) {
		t.Error("token in a network error")
	}
}

func TestFetchMalformedAnswer(t *testing.T) {
	t.Parallel()
	srv := newGQLServer(t, answer{status: 200, body: []byte(`{"data":{"viewer":{"accounts":[{"durableObjectsPeriodicGroups":[{"dimensions":{"namespaceId":"x"},"sum":{}}]}]}}}`)})
	c, _ := testClient(srv.URL)
	_, err := c.Fetch(context.Background(), query(t, DatasetPeriodic), winFrom, winTo)
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindAnswer || !strings.Contains(err.Error(), "datetimeMinute") {
		t.Fatalf("err %v", err)
	}
}

func TestNamespacesListAndForScript(t *testing.T) {
	t.Parallel()
	srv := newGQLServer(t, answer{status: 200, body: fixture(t, "namespaces.json")})
	c, _ := testClient(srv.URL)
	all, err := c.Namespaces(context.Background())
	if err != nil || len(all) != 4 {
		t.Fatalf("namespaces %v %v", all, err)
	}
	req := srv.requests()[0]
	if req.path != "/accounts/acct123/workers/durable_objects/namespaces" || req.auth != "Bearer "+testToken {
		t.Errorf("request %+v", req)
	}
	ns := ForScript(all, "pfx-experiment", nil, map[string]string{"PerformanceController": "override-id"})
	if len(ns) != 3 {
		t.Fatalf("for script: %+v", ns)
	}
	if ns[0].Role != "origin" || ns[1].Role != "orchestrator" || ns[2].Role != "controller" || ns[2].ID != "override-id" {
		t.Errorf("roles/override: %+v", ns)
	}
	// Without Workers Scripts: Read the listing is refused: a permanent, explained error.
	srv2 := newGQLServer(t, answer{status: 403, body: []byte(`{"success":false,"errors":[{"code":10000,"message":"Authentication error"}],"messages":[],"result":null}`)})
	c2, _ := testClient(srv2.URL)
	_, err = c2.Namespaces(context.Background())
	if !IsPermanent(err) || !strings.Contains(err.Error(), "Workers Scripts: Read") || !strings.Contains(err.Error(), "--do-namespace") {
		t.Errorf("namespaces 403: %v", err)
	}
}

// The namespace listing is retried and classified as the GraphQL queries
// are (one loop, one classification): a gateway's HTML page and a rate
// limit are transient, Retry-After is honoured, and an answer that says
// success false without a reason is a permanent error.
func TestNamespacesRetriesLikeFetch(t *testing.T) {
	t.Parallel()
	srv := newGQLServer(t,
		answer{status: 502, body: []byte(`<html>bad gateway</html>`)},
		answer{status: 429, body: []byte(`{"success":false,"errors":[{"code":971,"message":"Please wait and consider throttling your request speed"}]}`), header: map[string]string{"Retry-After": "7"}},
		answer{status: 200, body: fixture(t, "namespaces.json")},
	)
	c, slept := testClient(srv.URL)
	all, err := c.Namespaces(context.Background())
	if err != nil || len(all) != 4 || len(srv.requests()) != 3 {
		t.Fatalf("namespaces %v %v after %d requests", all, err, len(srv.requests()))
	}
	if want := []time.Duration{time.Second, 7 * time.Second}; len(*slept) != 2 || (*slept)[0] != want[0] || (*slept)[1] != want[1] {
		t.Errorf("backoff %v, want %v", *slept, want)
	}
	srv2 := newGQLServer(t, answer{status: 200, body: []byte(`{"success":false,"errors":[],"result":null}`)})
	c2, _ := testClient(srv2.URL)
	_, err = c2.Namespaces(context.Background())
	if !IsPermanent(err) || !strings.Contains(err.Error(), "success false") || len(srv2.requests()) != 1 {
		t.Errorf("success false: %v after %d requests", err, len(srv2.requests()))
	}
}

func TestParseNamespaceOverrides(t *testing.T) {
	t.Parallel()
	m, err := ParseNamespaceOverrides([]string{"OriginDO=abc, FetchOrchestrator=def", "PerformanceController=ghi"})
	if err != nil || len(m) != 3 || m["FetchOrchestrator"] != "def" {
		t.Fatalf("%v %v", m, err)
	}
	if _, err := ParseNamespaceOverrides([]string{"OriginDO"}); err == nil {
		t.Error("a value without = was accepted")
	}
}
