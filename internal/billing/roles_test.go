package billing

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pfx-tui/pfx-tui/internal/logpush"
)

func fetchRec(entrypoint, url string) logpush.Record {
	r := logpush.Record{Entrypoint: entrypoint, EventType: "fetch"}
	if url != "" {
		r.Event = &logpush.Event{Request: &logpush.Request{URL: url, Method: "GET"}}
	}
	return r
}

func TestRoleOf(t *testing.T) {
	t.Parallel()
	custom, err := ParseRoleOverrides([]string{"MyDO=origin", "Proxy=executor, Ctl = CONTROLLER"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		rec   logpush.Record
		roles Roles
		want  string
	}{
		{"origin", fetchRec("OriginDO", ""), nil, RoleOrigin},
		{"orchestrator", fetchRec("FetchOrchestrator", ""), nil, RoleOrchestrator},
		{"executor", fetchRec("FetchExecutor", ""), nil, RoleExecutor},
		{"lumenize executor", fetchRec("FetchExecutorEntrypoint", ""), nil, RoleExecutor},
		{"controller", fetchRec("PerformanceController", ""), nil, RoleController},
		{"lumenize upstream DO", fetchRec("TestEndpointsDO", ""), nil, RoleUpstream},
		{"default handler, delay path", fetchRec("", "/delay/100?batch=b&op=2"), nil, RoleUpstream},
		{"default handler, delay URL", fetchRec("", "https://pfx.example.workers.dev/delay/5000"), nil, RoleUpstream},
		{"default handler, websocket upgrade", fetchRec("", "https://pfx.example.workers.dev/ws?batch=b"), nil, RoleEntry},
		{"default handler, no event", logpush.Record{EventType: "fetch"}, nil, RoleEntry},
		{"default handler, delay in query only", fetchRec("", "https://x/ws?next=/delay/1"), nil, RoleEntry},
		{"unmapped class", fetchRec("MyDO", ""), nil, RoleUnknown},
		{"override", fetchRec("MyDO", ""), custom, RoleOrigin},
		{"override list", fetchRec("Proxy", ""), custom, RoleExecutor},
		{"override case of role", fetchRec("Ctl", ""), custom, RoleController},
		{"defaults kept with overrides", fetchRec("FetchOrchestrator", ""), custom, RoleOrchestrator},
		{"class names are case-sensitive", fetchRec("origindo", ""), nil, RoleUnknown},
	}
	for _, tt := range tests {
		if got := RoleOf(tt.rec, tt.roles); got != tt.want {
			t.Errorf("%s: RoleOf = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestParseRoleOverridesErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ spec, want string }{
		{"MyDO", "want Class=role"},
		{"=origin", "want Class=role"},
		{"MyDO=", "want Class=role"},
		{"MyDO=worker", `"worker" is not a role; use one of origin, orchestrator, executor, controller, upstream, entry`},
		{"MyDO=unknown", `"unknown" is not a role`},
	}
	for _, tt := range tests {
		_, err := ParseRoleOverrides([]string{tt.spec})
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "--role") {
			t.Errorf("%q: err = %v, want it to mention --role and %q", tt.spec, err, tt.want)
		}
	}
	if r, err := ParseRoleOverrides(nil); err != nil || len(r) != len(DefaultRoles()) {
		t.Errorf("no overrides: %v %v", r, err)
	}
}

func TestHarness(t *testing.T) {
	t.Parallel()
	for role, want := range map[string]bool{RoleController: true, RoleUpstream: true, RoleEntry: true,
		RoleOrigin: false, RoleOrchestrator: false, RoleExecutor: false, RoleUnknown: false} {
		if IsHarness(role) != want {
			t.Errorf("IsHarness(%s) = %v", role, !want)
		}
	}
}

func TestParseTagMessage(t *testing.T) {
	t.Parallel()
	num := func(s string) json.Number { return json.Number(s) }
	tests := []struct {
		name string
		msg  []any
		want Tag
		ok   bool
	}{
		{"decoded by logpush (json.Number)", []any{"pfx", "ab12cd-003", num("2")}, Tag{"ab12cd-003", 2}, true},
		{"float64 op", []any{"pfx", "ab12cd-003", 2.0}, Tag{"ab12cd-003", 2}, true},
		{"int op", []any{"pfx", "ab12cd-003", 7}, Tag{"ab12cd-003", 7}, true},
		{"string op", []any{"pfx", "ab12cd-003", "4"}, Tag{"ab12cd-003", 4}, true},
		{"batch level", []any{"pfx", "ab12cd-003", num("-1")}, Tag{"ab12cd-003", -1}, true},
		{"no op is batch level", []any{"pfx", "ab12cd-003"}, Tag{"ab12cd-003", -1}, true},
		{"op not a number", []any{"pfx", "ab12cd-003", true}, Tag{"ab12cd-003", -1}, true},
		{"fractional op", []any{"pfx", "ab12cd-003", 1.5}, Tag{"ab12cd-003", -1}, true},
		{"extra arguments", []any{"pfx", "-", num("-1"), "orchestrator alarm with nothing to dispatch"}, Tag{"-", -1}, true},
		{"single string", []any{"pfx ab12cd-003 2"}, Tag{"ab12cd-003", 2}, true},
		{"single string, batch level", []any{"pfx ab12cd-003"}, Tag{"ab12cd-003", -1}, true},
		{"single string with tab", []any{"pfx\tab12cd-003\t5"}, Tag{"ab12cd-003", 5}, true},
		{"single string then args", []any{"pfx ab12cd-003 3", "more"}, Tag{"ab12cd-003", 3}, true},

		{"empty", []any{}, Tag{}, false},
		{"nil", nil, Tag{}, false},
		{"pfx alone", []any{"pfx"}, Tag{}, false},
		{"pfx string alone", []any{"pfx "}, Tag{}, false},
		{"batch id not a string", []any{"pfx", num("3"), num("1")}, Tag{}, false},
		{"empty batch id", []any{"pfx", " ", num("1")}, Tag{}, false},
		{"other log line", []any{"late result ignored", "ab12cd-003", num("2")}, Tag{}, false},
		{"prefix only", []any{"pfxab12cd-003 2"}, Tag{}, false},
		{"not a string first", []any{num("1"), "pfx"}, Tag{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseTagMessage(tt.msg)
		if ok != tt.ok || got != tt.want {
			t.Errorf("%s: ParseTagMessage(%v) = %+v, %v; want %+v, %v", tt.name, tt.msg, got, ok, tt.want, tt.ok)
		}
	}
}

// Tags come out of a real decoded line, not only hand-built values.
func TestTagsOfDecodedLine(t *testing.T) {
	t.Parallel()
	line := `{"Entrypoint":"FetchOrchestrator","EventType":"alarm","Logs":[` +
		`{"Level":"log","Message":["pfx","r1-004",0]},{"Level":"log","Message":["dispatching"]},` +
		`{"Level":"log","Message":["pfx","r1-005",1]}]}`
	rec, err := logpush.DecodeLine([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	got := TagsOf(rec)
	if len(got) != 2 || got[0] != (Tag{"r1-004", 0}) || got[1] != (Tag{"r1-005", 1}) {
		t.Fatalf("TagsOf = %+v", got)
	}
}

func TestExpectations(t *testing.T) {
	t.Parallel()
	e := LocalExpectations()
	tests := []struct {
		approach string
		ops      int
		want     map[string]int
		known    bool
	}{
		// direct, 10 ops: controller 2 (upgrade + batch), upstream 10, origin 10.
		{"direct", 10, map[string]int{RoleController: 2, RoleUpstream: 10, RoleOrigin: 10}, true},
		// direct-timer: the invocations of direct (its pending timer makes no record).
		{"direct-timer", 10, map[string]int{RoleController: 2, RoleUpstream: 10, RoleOrigin: 10}, true},
		// simple, 10 ops: controller 2 + 10 op-done, origin 2×10, executor 10.
		{"simple", 10, map[string]int{RoleController: 12, RoleUpstream: 10, RoleOrigin: 20, RoleExecutor: 10}, true},
		// current, 10 ops: orchestrator 3×10 (enqueue, alarm, delivery report).
		{"current", 10, map[string]int{RoleController: 12, RoleUpstream: 10, RoleOrigin: 20, RoleOrchestrator: 30, RoleExecutor: 10}, true},
		// proxyfetch runs simple's code path; direct-timer direct's.
		{"proxyfetch", 10, map[string]int{RoleController: 12, RoleUpstream: 10, RoleOrigin: 20, RoleExecutor: 10}, true},
		{"direct-timer", 10, map[string]int{RoleController: 2, RoleUpstream: 10, RoleOrigin: 10}, true},
		{"lumenize-x", 10, nil, false},
	}
	for _, tt := range tests {
		got, known := e.For(tt.approach, tt.ops)
		if known != tt.known || len(got) != len(tt.want) {
			t.Errorf("%s: For = %v, %v", tt.approach, got, known)
			continue
		}
		for r, n := range tt.want {
			if got[r] != n {
				t.Errorf("%s %s: %d, want %d", tt.approach, r, got[r], n)
			}
		}
	}
	w := WorkersExpectations()
	got, _ := w.For("rpctarget", 10)
	// Cloudflare adds the entry record and webSocketClose per batch.
	if got[RoleEntry] != 1 || got[RoleController] != 13 || got[RoleExecutor] != 10 || got[RoleOrigin] != 20 {
		t.Errorf("workers rpctarget: %v", got)
	}
	// On a target by URL, proxyfetch is a Lumenize server's: unknown.
	if got, known := w.For("proxyfetch", 10); known || got != nil {
		t.Errorf("workers proxyfetch: %v %v", got, known)
	}
	if got, _ := w.For("direct-timer", 10); got[RoleEntry] != 1 || got[RoleController] != 3 || got[RoleOrigin] != 10 || got[RoleUpstream] != 10 || len(got) != 4 {
		t.Errorf("workers direct-timer: %v", got)
	}
	if d, _ := LocalExpectations().For("direct", 1); d[RoleEntry] != 0 || d[RoleController] != 2 {
		t.Errorf("WorkersExpectations changed LocalExpectations: %v", d)
	}
}
