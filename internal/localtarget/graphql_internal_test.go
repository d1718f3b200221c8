package localtarget

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/logpush"
)

var m0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func synthServer() *Server {
	return &Server{opts: Options{ScriptName: "pfx-local", AnalyticsMinute: time.Minute}, traces: newTraceStore(true)}
}

// invoke records a finished DO invocation the way invocation.end does.
func invoke(s *Server, class, object, step string, status int, start, wall time.Duration) {
	rec := logpush.Record{Entrypoint: class, EventType: EventRPC, ScriptName: "pfx-local", Outcome: "ok",
		Logs: []logpush.Log{{Message: []any{"pfx", "b-000", 0, step}}}}
	s.traces.invoked(object, status, m0.Add(start), wall, wall/10, rec)
}

func periodic(t *testing.T, s *Server) map[string]map[string]float64 {
	t.Helper()
	out := map[string]map[string]float64{}
	for _, r := range s.datasetRows("durableObjectsPeriodicGroups") {
		k := r.dims["namespaceId"][:6] + "@" + r.dims["datetimeMinute"][11:16]
		out[k] = r.sums
	}
	return out
}

// A direct-timer origin: each op's invocation lasts 1 s, and the op's abort
// timer keeps the object awake until d + 30 s after it started. Logged wall
// time is 3 s; billed active time is the merged 62 s, minute by minute.
func TestEmulatedActiveTimeTakesTimerIntervals(t *testing.T) {
	t.Parallel()
	s := synthServer()
	for i, at := range []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second} {
		invoke(s, EntrypointOrigin, "direct-timer", "op", 200, at, time.Second)
		s.traces.HoldAwake(EntrypointOrigin, "direct-timer", m0.Add(at), m0.Add(at+31*time.Second))
		_ = i
	}
	// Another object of the same class overlaps in time: billed separately.
	invoke(s, EntrypointOrigin, "simple", "op", 202, 15*time.Second, 2*time.Second)
	// A reversed span is ignored.
	s.traces.HoldAwake(EntrypointOrigin, "direct-timer", m0.Add(time.Hour), m0)
	ns := s.NamespaceID(EntrypointOrigin)[:6]
	p := periodic(t, s)
	// direct-timer: awake 10 s … 71 s → 50 s in minute 0, 11 s in minute 1; simple: 2 s in minute 0.
	if got := p[ns+"@12:00"]["activeTime"]; got != 52e6 {
		t.Errorf("minute 0 active %v µs, want 52e6", got)
	}
	if got := p[ns+"@12:01"]["activeTime"]; got != 11e6 {
		t.Errorf("minute 1 active %v µs, want 11e6", got)
	}
	if got := p[ns+"@12:00"]["rowsWritten"]; got != 1 {
		t.Errorf("rows written %v, want 1 (the simple op's pending entry)", got)
	}
	if got := p[ns+"@12:00"]["duration"]; math.Abs(got-52*doMemoryGB) > 1e-9 {
		t.Errorf("duration %v GB-s", got)
	}
	reqs := 0.0
	for _, r := range s.datasetRows("durableObjectsInvocationsAdaptiveGroups") {
		reqs += r.sums["requests"]
	}
	if reqs != 4 {
		t.Errorf("requests %v, want 4 (timers are not requests)", reqs)
	}
}

func TestEmulatedActiveTimeMergesOverlappingInvocations(t *testing.T) {
	t.Parallel()
	s := synthServer()
	// The controller's batch invocation (0–10 s) overlaps its own op-done
	// invocations: Σ wall is 13 s, the object is billed 10 s.
	rec := logpush.Record{Entrypoint: EntrypointController, EventType: EventWebSocket, Logs: []logpush.Log{{Message: []any{"pfx", "b-001", -1, "batch"}}}}
	s.traces.invoked("", 0, m0, 10*time.Second, time.Millisecond, rec)
	for _, at := range []time.Duration{2, 5, 8} {
		rec := logpush.Record{Entrypoint: EntrypointController, EventType: EventRPC, Logs: []logpush.Log{{Message: []any{"pfx", "b-001", 0, "opdone"}}}}
		s.traces.invoked("", 0, m0.Add(at*time.Second), time.Second, time.Millisecond, rec)
	}
	p := periodic(t, s)
	if got := p[s.NamespaceID(EntrypointController)[:6]+"@12:00"]["activeTime"]; got != 10e6 {
		t.Errorf("controller active %v µs, want 10e6", got)
	}
	if sp := s.traces.Spans(); sp[0].Object != "controller-b-001" {
		t.Errorf("controller object %q", sp[0].Object)
	}
}

func TestStorageRowsPerStep(t *testing.T) {
	t.Parallel()
	cases := []struct {
		class, step string
		status      int
		logs        []any
		r, w        int
	}{
		{EntrypointOrigin, "op", 200, nil, 0, 0},
		{EntrypointOrigin, "op", 202, nil, 0, 1},
		{EntrypointOrigin, "result", 204, nil, 1, 1},
		{EntrypointOrigin, "result", 204, []any{"late result ignored", "b", 1}, 1, 0},
		{EntrypointOrigin, "backstop", 0, nil, 1, 1},
		{EntrypointOrchestrator, "enqueue", 202, nil, 0, 1},
		{EntrypointOrchestrator, "dispatch", 0, nil, 1, 1},
		{EntrypointOrchestrator, "delivered", 204, nil, 0, 1},
		{EntrypointController, "opdone", 204, nil, 0, 0},
	}
	for _, c := range cases {
		rec := logpush.Record{Entrypoint: c.class, Logs: []logpush.Log{{Message: []any{"pfx", "b", 0, c.step}}}}
		if c.logs != nil {
			rec.Logs = append(rec.Logs, logpush.Log{Message: c.logs})
		}
		r, w := storageOf(rec, c.status, tagSteps(rec))
		if r != c.r || w != c.w {
			t.Errorf("%s/%s (%d): rows %d/%d, want %d/%d", c.class, c.step, c.status, r, w, c.r, c.w)
		}
	}
}

func gqlPost(t *testing.T, s *Server, token, query string, vars map[string]any) (int, map[string]any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, AnalyticsBasePath+"/graphql", bytes.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	s.handleGraphQL(w, req)
	var out map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		t.Fatalf("answer %q: %v", w.Body.String(), err)
	}
	return w.Code, out
}

func TestGraphQLEndpointAnswers(t *testing.T) {
	t.Parallel()
	s := synthServer()
	invoke(s, EntrypointOrigin, "direct", "op", 200, 5*time.Second, time.Second)
	q := `query Q($accountTag: string!, $from: Time!, $to: Time!) {
	  # a comment
	  viewer { accounts(filter: {accountTag: $accountTag}) {
	    rows: durableObjectsPeriodicGroups(limit: 10, filter: {datetimeMinute_geq: $from, datetimeMinute_leq: $to}, orderBy: [datetimeMinute_ASC]) {
	      dimensions { datetimeMinute namespaceId } sum { activeTime rowsWritten }
	    }
	    all: durableObjectsPeriodicGroups(limit: 10, filter: {namespaceId_in: ["nope"]}) { sum { activeTime } }
	  } } }`
	vars := map[string]any{"accountTag": AnalyticsAccountID, "from": "2026-03-01T12:00:00Z", "to": "2026-03-01T12:05:00Z"}
	code, out := gqlPost(t, s, AnalyticsToken, q, vars)
	if code != 200 || out["errors"] != nil {
		t.Fatalf("%d %v", code, out)
	}
	acc := out["data"].(map[string]any)["viewer"].(map[string]any)["accounts"].([]any)[0].(map[string]any)
	rows := acc["rows"].([]any)
	if len(rows) != 1 {
		t.Fatalf("rows %v", rows)
	}
	sum := rows[0].(map[string]any)["sum"].(map[string]any)
	if sum["activeTime"] != 1e6 || len(sum) != 2 {
		t.Errorf("sum %v", sum)
	}
	if all := acc["all"].([]any); len(all) != 0 {
		t.Errorf("namespaceId_in filter: %v", all)
	}
	// Errors: unknown field, unknown dataset, wrong account, no token, a syntax error.
	for _, c := range []struct {
		token, query string
		status       int
		msg          string
	}{
		{AnalyticsToken, `{ viewer { accounts(filter: {accountTag: "` + AnalyticsAccountID + `"}) { workersInvocationsAdaptive { sum { cpuTime } } } } }`, 400, `unknown field "cpuTime"`},
		{AnalyticsToken, `{ viewer { accounts(filter: {accountTag: "` + AnalyticsAccountID + `"}) { nosuchGroups { sum { x } } } } }`, 400, `unknown field "nosuchGroups"`},
		{AnalyticsToken, `{ viewer { accounts(filter: {accountTag: "other"}) { workersInvocationsAdaptive { sum { requests } } } } }`, 403, "not authorized for that account"},
		{"", `{ viewer { accounts { x } } }`, 401, "Unauthorized"},
		{AnalyticsToken, `{ viewer { accounts(filter: {accountTag: $missing}) { x } } }`, 400, "variable $missing"},
		{AnalyticsToken, `{ viewer { `, 400, "query contains error"},
	} {
		code, out := gqlPost(t, s, c.token, c.query, nil)
		errs, _ := out["errors"].([]any)
		if code != c.status || out["data"] != nil || len(errs) != 1 || !strings.Contains(errs[0].(map[string]any)["message"].(string), c.msg) {
			t.Errorf("%s: %d %v", c.query, code, out)
		}
	}
}
