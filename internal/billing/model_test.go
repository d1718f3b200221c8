package billing

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestModel(t *testing.T) {
	tests := []struct {
		approach            string
		documented, assumed float64
		doReq, workerReq    float64
		harnessDO           float64
		idleTailMs          float64
	}{
		{"direct", 0, 0, 1, 0, 0, 0},
		{"direct-timer", 0, 0, 1, 0, 0, 30_000},
		// origin: put + setAlarm + delete (documented) + deleteAlarm (assumed);
		// orchestrator: put + setAlarm + put + setAlarm + delete + deleteAlarm.
		{"current", 8, 2, 5, 0, 1, 0},
		{"simple", 3, 1, 2, 0, 1, 0},
		{"proxyfetch", 3, 1, 2, 0, 1, 0},
		{"rpctarget", 3, 1, 2, 0, 1, 0},
	}
	models := Model()
	if len(models) != len(tests) {
		t.Fatalf("%d approaches in the model, want %d", len(models), len(tests))
	}
	for i, tt := range tests {
		m := models[i]
		d, a := m.RowsWritten()
		do, w, hdo, hw := m.Requests()
		if m.Approach != tt.approach || d != tt.documented || a != tt.assumed || do != tt.doReq || w != tt.workerReq || hdo != tt.harnessDO || hw != 0 || m.IdleTailMs != tt.idleTailMs {
			t.Errorf("%s: rows %v+%v, requests DO %v Worker %v, harness DO %v Worker %v, idle %v; want %+v", m.Approach, d, a, do, w, hdo, hw, m.IdleTailMs, tt)
		}
		for _, x := range m.Writes {
			if x.Basis != Documented && x.Basis != Assumed || x.Basis == Documented && x.Page == "" || x.Rule == "" {
				t.Errorf("%s %s: basis %q page %q rule %q", m.Approach, x.Call, x.Basis, x.Page, x.Rule)
			}
		}
		for _, x := range m.Invocations {
			if x.Rule == "" || x.Page == "" {
				t.Errorf("%s %s: no rule or page", m.Approach, x.Call)
			}
		}
	}
	rows := DefaultRowsWrittenPerOp()
	if rows["current"] != 10 || rows["simple"] != 4 || rows["direct"] != 0 || rows["direct-timer"] != 0 {
		t.Errorf("default rows %v", rows)
	}
	if got := RowsBasis("current", 10); got != "10 (8 documented + 2 assumed)" {
		t.Error(got)
	}
	if got := RowsBasis("simple", 2); got != "2 (overridden; the model counts 3 documented + 1 assumed)" {
		t.Error(got)
	}
	if got := RowsBasis("direct", 0); got != "0 (no storage call)" {
		t.Error(got)
	}
	if got := RowsBasis("other", 3); !strings.HasPrefix(got, "3 (not in the model") {
		t.Error(got)
	}
}

// The model counts storage calls per op by reading workers/src; this keeps
// it honest when that code changes: every storage write call site of the
// Durable Objects is listed here with the model rows it accounts for. A
// new, moved or removed call fails the test until Model is reviewed.
func TestModelMatchesWorkersSource(t *testing.T) {
	src := filepath.Join("..", "..", "workers", "src")
	call := regexp.MustCompile(`storage\.(kv\.put|kv\.delete|setAlarm|deleteAlarm|put|delete|deleteAll|sql\.exec)\(`)
	want := map[string]map[string]int{
		// origin.ts: kv.put in startOp; kv.delete in alarm (backstop expiry,
		// not on the normal path) and take; setAlarm/deleteAlarm in armAlarm.
		"origin.ts": {"kv.put": 1, "kv.delete": 2, "setAlarm": 1, "deleteAlarm": 1},
		// orchestrator.ts: kv.put in enqueue and alarm (dispatched); kv.delete
		// in alarm (expiry, dispatch failure: not the normal path) and
		// reportDelivery; setAlarm in enqueue and armCleanup; deleteAlarm in
		// armCleanup.
		"orchestrator.ts": {"kv.put": 2, "kv.delete": 3, "setAlarm": 2, "deleteAlarm": 1},
		// The controller keeps nothing in storage.
		"controller.ts": {},
	}
	for file, calls := range want {
		data, err := os.ReadFile(filepath.Join(src, file))
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, m := range call.FindAllStringSubmatch(string(data), -1) {
			got[m[1]]++
		}
		if len(got) != len(calls) {
			t.Errorf("%s: storage calls %v, the model was counted from %v: review Model()", file, got, calls)
			continue
		}
		for k, n := range calls {
			if got[k] != n {
				t.Errorf("%s: %d × %s, the model was counted from %d: review Model()", file, got[k], k, n)
			}
		}
	}
	// The op's default backstop (AbortSignal.timeout for direct) is d + this.
	data, err := os.ReadFile(filepath.Join(src, "protocol.ts"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "DEFAULT_BACKSTOP_SLACK_MS = 30_000") || BackstopSlackMs != 30_000 {
		t.Error("workers/src/protocol.ts DEFAULT_BACKSTOP_SLACK_MS is no longer 30 s: review BackstopSlackMs")
	}
}

func TestRuntime(t *testing.T) {
	tests := []struct {
		r         Runtime
		yes, know bool
	}{
		{Runtime{CompatibilityDate: "2026-04-20"}, false, true},
		{Runtime{CompatibilityDate: "2026-10-01"}, true, true},
		{Runtime{CompatibilityDate: "2027-01-01", CompatibilityFlags: []string{CompatFlagDoNotPreventEviction}}, false, true},
		{Runtime{CompatibilityDate: "2026-04-20", CompatibilityFlags: []string{"nodejs_compat", CompatFlagPreventEviction}}, true, true},
		{Runtime{}, false, false},
		{Runtime{CompatibilityFlags: []string{CompatFlagPreventEviction}}, true, true},
	}
	for _, tt := range tests {
		if y, k := tt.r.IOTasksPreventEviction(); y != tt.yes || k != tt.know {
			t.Errorf("%+v: %v %v", tt.r, y, k)
		}
	}
	if d := (Runtime{Source: "x"}).Describe(); !strings.Contains(d, "unknown") {
		t.Error(d)
	}
	if d := (Runtime{CompatibilityDate: "2026-10-02", Source: "s"}).Describe(); !strings.Contains(d, "keep an object running") {
		t.Error(d)
	}

	// The local target mimics workers/wrangler.jsonc.
	workers := filepath.Join("..", "..", "workers")
	r, err := ReadWranglerRuntime(filepath.Join(workers, "wrangler.jsonc"))
	if err != nil {
		t.Fatal(err)
	}
	if r.CompatibilityDate != EmulatedCompatibilityDate {
		t.Errorf("workers/wrangler.jsonc compatibility_date %q, EmulatedCompatibilityDate %q", r.CompatibilityDate, EmulatedCompatibilityDate)
	}
	if w := TargetRuntime("wrangler", workers); w.CompatibilityDate != r.CompatibilityDate || w.Source != "workers/wrangler.jsonc" {
		t.Errorf("wrangler %+v", w)
	}
	if l := TargetRuntime("local", ""); l.CompatibilityDate != EmulatedCompatibilityDate {
		t.Errorf("local %+v", l)
	}
	if u := TargetRuntime("url", ""); u.CompatibilityDate != "" || !strings.HasPrefix(u.Source, "unknown") {
		t.Errorf("url %+v", u)
	}
	if m := TargetRuntime("wrangler", t.TempDir()); m.CompatibilityDate != "" || !strings.Contains(m.Source, "wrangler.jsonc") {
		t.Errorf("missing file %+v", m)
	}
}

func TestStripJSONC(t *testing.T) {
	for in, want := range map[string]string{
		`{"a": 1} // c`: `{"a": 1} `,
		`{"a": "x // not a comment", /* b */ "b": 2}`: `{"a": "x // not a comment",  "b": 2}`,
		"{\"a\": [1, 2,\n],}":                         "{\"a\": [1, 2\n]}",
		`{"a": "q\"//", "b": 1, // c` + "\n}":         `{"a": "q\"//", "b": 1` + " \n}",
		`{"a": "/*", "b": "*/"}`:                      `{"a": "/*", "b": "*/"}`,
	} {
		if got := string(stripJSONC([]byte(in))); got != want {
			t.Errorf("stripJSONC(%q) = %q, want %q", in, got, want)
		}
	}
}
