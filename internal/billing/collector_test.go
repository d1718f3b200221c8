package billing

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/logpush"
	"github.com/pfx-tui/pfx-tui/internal/runner"
)

// T0 is 2026-11-26T10:15:00Z in epoch ms; test windows are offsets from it.
const T0 = int64(1795688100000)

func at(ms int64) time.Time { return time.UnixMilli(T0 + ms).UTC() }

func batch(id, approach string, durationMs, ops int, startMs, endMs int64) runner.BatchResult {
	return runner.BatchResult{
		BatchSpec: runner.BatchSpec{ID: id, Approach: approach, DurationMs: durationMs, Ops: ops},
		Status:    runner.StatusOK, StartedAt: at(startMs), EndedAt: at(endMs),
	}
}

func warmup(b runner.BatchResult) runner.BatchResult { b.Warmup = true; return b }

// rec builds a record of a role at T0+ms (server clock), with timing.
func rec(entrypoint string, ms int64, wall, cpu int64) logpush.Record {
	return logpush.Record{
		ScriptName: "pfx", Entrypoint: entrypoint, EventType: "worker_rpc", Outcome: "ok",
		EventTimestampMs: T0 + ms, WallTimeMs: logpush.Int64(wall), CPUTimeMs: logpush.Int64(cpu),
	}
}

func tagged(r logpush.Record, batchID string, op int) logpush.Record {
	r.Logs = append(r.Logs, logpush.Log{Level: "log", Message: []any{"pfx", batchID, json.Number(itoa(op))}})
	return r
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func upstream(ms int64) logpush.Record {
	r := rec("", ms, 100, 1)
	r.EventType = "fetch"
	r.Event = &logpush.Event{Request: &logpush.Request{URL: "/delay/100", Method: "GET"}}
	return r
}

func count(p Progress, approach string, durationMs int, role string) (Count, bool) {
	for _, c := range p.Counts {
		if c.Approach == approach && c.DurationMs == durationMs && c.Role == role {
			return c, true
		}
	}
	return Count{}, false
}

func roleCount(f []CellFigures, approach string, role string) int {
	for _, c := range f {
		if c.Approach == approach {
			r, _ := c.Role(role)
			return r.Count
		}
	}
	return -1
}

func TestAttributionByTag(t *testing.T) {
	// Two batches whose windows are far apart in time from the records:
	// tags decide, not time.
	batches := []runner.BatchResult{
		batch("r1-000", "direct", 100, 1, 0, 1000),
		batch("r1-001", "simple", 100, 1, 2000, 3000),
	}
	c := NewCollector(batches, Options{ScriptName: "pfx"})
	c.AddRecord(tagged(rec("OriginDO", 99_000, 100, 2), "r1-000", 0))   // tag wins over time
	c.AddRecord(tagged(rec("FetchExecutor", 500, 100, 2), "r1-001", 0)) // in direct's window, tagged simple
	c.AddRecord(tagged(rec("OriginDO", 2500, 5, 1), "old-007", 3))      // another run's tag: unattributed
	c.AddRecord(tagged(rec("OriginDO", 2500, 6, 1), "r1-001", -1))      // batch-level tag
	other := tagged(rec("FetchExecutor", 2600, 50, 3), "r1-001", 0)     // executor in its own Worker
	other.ScriptName = "pfx-executor"
	c.AddRecord(other)
	// Several tags: the first naming a batch of this run wins.
	multi := tagged(tagged(rec("FetchOrchestrator", 2700, 1, 1), "zzz", 0), "r1-000", 0)
	c.AddRecord(multi)

	r := c.Report()
	if r.Records.ByTag != 5 || r.Records.Unattributed != 1 || r.Records.ForeignTags != 1 || r.Records.ByWindow != 0 {
		t.Fatalf("records %+v", r.Records)
	}
	if n := roleCount(r.Cells, "direct", RoleOrigin); n != 1 {
		t.Errorf("direct origin %d", n)
	}
	if n := roleCount(r.Cells, "direct", RoleOrchestrator); n != 1 {
		t.Errorf("direct orchestrator %d", n)
	}
	if n := roleCount(r.Cells, "simple", RoleExecutor); n != 2 {
		t.Errorf("simple executor %d (tagged records of another script count)", n)
	}
	if n := roleCount(r.Cells, "simple", RoleOrigin); n != 1 {
		t.Errorf("simple origin %d", n)
	}
	// Another run's tagged records are normal in a shared bucket: no warning.
	for _, w := range r.Warnings {
		if strings.Contains(w, "outside every batch") {
			t.Errorf("warned about foreign tags: %s", w)
		}
	}
	// The orchestrator record surplus in direct is flagged.
	if !hasWarning(r.Warnings, "more records than expected for direct 100ms orchestrator (1 of 0)") {
		t.Errorf("warnings %q", r.Warnings)
	}
}

func hasWarning(ws []string, sub string) bool {
	for _, w := range ws {
		if strings.Contains(w, sub) {
			return true
		}
	}
	return false
}

// Windows (client clock, ms after T0), guard 2 s:
//
//	A direct  [1000, 2000]  guarded [-1000, 4000]  centre 1500
//	B simple  [2100, 3000]  guarded [  100, 5000]  centre 2550
//	C direct  [9000, 9500]  guarded [ 7000,11500]  centre 9250
func TestAttributionByWindow(t *testing.T) {
	batches := []runner.BatchResult{
		batch("A", "direct", 100, 1, 1000, 2000),
		batch("B", "simple", 100, 1, 2100, 3000),
		batch("C", "direct", 100, 1, 9000, 9500),
	}
	tests := []struct {
		name      string
		rec       logpush.Record
		want      string // batch ID, "" = unattributed
		ambiguous bool
	}{
		// In A's window only (B's guarded window also holds it): A, clear.
		{"inside A", rec("OriginDO", 1500, 1, 1), "A", false},
		// In both guarded windows, in neither unguarded one: nearest
		// centre. |2050.5−1500| = 550.5 > |2050.5−2550| = 499.5 → B.
		{"gap between A and B", rec("OriginDO", 2050, 1, 1), "B", true},
		// |2020.5−1500| = 520.5 < |2020.5−2550| = 529.5 → A.
		{"gap, nearer A", rec("OriginDO", 2020, 1, 1), "A", true},
		// Executor: only simple batches can produce one, so B although the
		// record lies in A's unguarded window.
		{"role picks the approach", rec("FetchExecutor", 1500, 1, 1), "B", false},
		// The guard: 600 ms before A starts is still A's (B is simple, but
		// origin fits it too: B's guarded window starts at 100).
		{"guard before A", rec("OriginDO", 400, 1, 1), "A", true},
		{"guard before A, alone", rec("OriginDO", 50, 1, 1), "A", false},
		{"guard after C", rec("OriginDO", 11_400, 1, 1), "C", false},
		{"beyond every guard", rec("OriginDO", 6000, 1, 1), "", false},
		{"after C's guard", rec("OriginDO", 11_501, 1, 1), "", false},
		{"executor near direct only", rec("FetchExecutor", 9200, 1, 1), "", false},
		// Began in [999, 1000), just before A: guarded A and B, nearest A.
		{"millisecond before start", rec("OriginDO", 999, 1, 1), "A", true},
		{"upstream: any approach", upstream(9100), "C", false},
		{"unknown class: any approach", rec("Mystery", 9100, 1, 1), "C", false},
		{"no timestamp", rec("OriginDO", -T0, 1, 1), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCollector(batches, Options{})
			idx, amb := c.window(tt.rec, RoleOf(tt.rec, nil))
			got := ""
			if idx >= 0 {
				got = c.batches[idx].id
			}
			if got != tt.want || amb != tt.ambiguous {
				t.Errorf("window = %q ambiguous %v, want %q %v", got, amb, tt.want, tt.ambiguous)
			}
		})
	}
}

// Two unguarded windows share a millisecond: the window covering more of
// the record's [t, t+1) wins. A ends at 2000.3, B starts at 2000.4:
// a record at 2000 covers A for 0.3 ms and B for 0.6 ms → B.
func TestAttributionSharedMillisecond(t *testing.T) {
	a := batch("A", "direct", 100, 1, 1000, 2000)
	a.EndedAt = a.EndedAt.Add(300 * time.Microsecond)
	b := batch("B", "direct", 100, 1, 2000, 2500)
	b.StartedAt = b.StartedAt.Add(400 * time.Microsecond)
	c := NewCollector([]runner.BatchResult{a, b}, Options{})
	idx, amb := c.window(rec("OriginDO", 2000, 1, 1), RoleOrigin)
	if idx != 1 || !amb {
		t.Fatalf("got batch %d ambiguous %v, want B (1), true", idx, amb)
	}
}

// The server clock runs 10 s ahead (ClockOffsetMs = +10 000): a record
// stamped T0+11 500 happened at client T0+1 500, inside A.
func TestAttributionClockOffset(t *testing.T) {
	batches := []runner.BatchResult{batch("A", "direct", 100, 1, 1000, 2000)}
	for _, tt := range []struct {
		offset float64
		guard  time.Duration
		want   int
	}{
		{10_000, 0, 1},                     // 11 500 − 10 000 = 1 500 ∈ [1000, 2000]
		{0, 0, 0},                          // 11 500 > 2 000 + 2 000
		{0, 10 * time.Second, 1},           // a guard as large as the skew also works
		{9_000, -1, 0},                     // 2 500, no guard: outside
		{9_000, 500 * time.Millisecond, 1}, // 2 500 ≤ 2 000 + 500
		{-10_000, 0, 0},                    // the wrong sign: 21 500
	} {
		c := NewCollector(batches, Options{ClockOffsetMs: tt.offset, Guard: tt.guard})
		c.AddRecord(rec("OriginDO", 11_500, 10, 1))
		p := c.Progress()
		got, _ := count(p, "direct", 100, RoleOrigin)
		if got.Matched != tt.want || p.Unattributed != 1-tt.want {
			t.Errorf("offset %v guard %v: matched %d unattributed %d, want %d", tt.offset, tt.guard, got.Matched, p.Unattributed, tt.want)
		}
	}
}

func gz(t *testing.T, lines ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	for _, l := range lines {
		zw.Write([]byte(l + "\n"))
	}
	zw.Close()
	return buf.Bytes()
}

func mustJSON(t *testing.T, r logpush.Record) string {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Logpush delivers at least once: the same record in two objects counts once.
func TestDuplicatesAndFileProblems(t *testing.T) {
	batches := []runner.BatchResult{batch("r-000", "direct", 100, 2, 0, 1000)}
	c := NewCollector(batches, Options{ScriptName: "pfx"})
	r0 := tagged(rec("OriginDO", 100, 100, 2), "r-000", 0)
	r1 := tagged(rec("OriginDO", 500, 120, 3), "r-000", 1)
	noTiming := tagged(rec("PerformanceController", 10, 0, 0), "r-000", -1)
	noTiming.WallTimeMs, noTiming.CPUTimeMs = nil, nil
	f1 := gz(t, mustJSON(t, r0), mustJSON(t, noTiming), `{"cut":`)
	f2 := gz(t, mustJSON(t, r0), mustJSON(t, r1), `{"WallTimeMs":"abc"}`)
	if err := c.AddObject("20261126/a.log.gz", bytes.NewReader(f1)); err != nil {
		t.Fatal(err)
	}
	if err := c.AddObject("20261126/b.log.gz", bytes.NewReader(f2[:len(f2)-12])); err != nil {
		t.Fatal(err) // cut: truncated, not an error
	}
	if err := c.AddObject("capture.ndjson", strings.NewReader(mustJSON(t, r1)+"\n")); err != nil {
		t.Fatal(err)
	}
	// A download that breaks: an error, the records before it kept.
	broken := io.MultiReader(strings.NewReader(mustJSON(t, r1)+"\n"), iotest.ErrReader(errors.New("connection reset")))
	if err := c.AddObject("20261126/c.log.gz", broken); err == nil || !strings.Contains(err.Error(), "20261126/c.log.gz") {
		t.Errorf("a failed read: %v", err)
	}
	r := c.Report()
	// Read 2 (a: r0 noTiming) + 2 (b: r0 r1; the cut only lost the gzip
	// trailer) + 1 (capture: r1) + 1 (c: r1 before the error) = 6;
	// unique r0, noTiming, r1 = 3; duplicates 3.
	if r.Records.Read != 6 || r.Records.Unique != 3 || r.Records.Duplicates != 3 {
		t.Errorf("records %+v", r.Records)
	}
	if r.Files.Files != 4 || r.Files.Truncated != 1 || r.Files.Malformed != 1 || r.Files.BadType != 1 ||
		r.Files.ReadErrors != 1 || r.Files.MissingTiming != 1 || r.Files.Lines != 3+3+1+1 {
		t.Errorf("files %+v", r.Files)
	}
	// a (malformed, missing timing), b (badType, truncated), c (error).
	if len(r.Files.Problems) != 3 || r.Files.Problems[2].Error == "" || !r.Files.Problems[1].Truncated {
		t.Errorf("problems %+v", r.Files.Problems)
	}
	o, _ := count(c.Progress(), "direct", 100, RoleOrigin)
	if o.Matched != 2 || o.Expected != 2 {
		t.Errorf("origin %+v", o)
	}
	// wall 100 + 120 = 220, mean 110; cpu 2 + 3 = 5, mean 2.5.
	f, _ := r.Cells[0].Role(RoleOrigin)
	if f.WallTimeMs != (Timing{N: 2, Sum: 220, Mean: 110}) || f.CPUTimeMs != (Timing{N: 2, Sum: 5, Mean: 2.5}) || f.WithTiming != 2 {
		t.Errorf("origin figures %+v", f)
	}
	ctl, _ := r.Cells[0].Role(RoleController)
	if ctl.Count != 1 || ctl.MissingTiming != 1 || ctl.WallTimeMs.N != 0 {
		t.Errorf("controller figures %+v", ctl)
	}
	for _, want := range []string{
		"1 of 3 attributed records have no CPUTimeMs/WallTimeMs: the Logpush job predates 2025-04-09 or its field_names lack CPUTimeMs/WallTimeMs: update field_names",
		"1 Logpush objects were cut short",
		"2 lines could not be read (1 malformed, 1 with a field of the wrong type)",
		"1 Logpush objects could not be read to the end",
	} {
		if !hasWarning(r.Warnings, want) {
			t.Errorf("missing warning %q in %q", want, r.Warnings)
		}
	}
}

// Warmup records are attributed (not unattributed) but kept out of the
// cells, the counts and completeness.
func TestWarmupSeparation(t *testing.T) {
	batches := []runner.BatchResult{
		warmup(batch("w-000", "direct", 100, 2, 0, 500)),
		batch("w-001", "direct", 100, 1, 600, 1000),
	}
	c := NewCollector(batches, Options{})
	for _, r := range []logpush.Record{
		tagged(rec("OriginDO", 10, 100, 1), "w-000", 0),
		tagged(rec("OriginDO", 200, 100, 1), "w-000", 1),
		rec("OriginDO", 300, 100, 1), // by window: warmup
		tagged(rec("OriginDO", 700, 999, 9), "w-001", 0),
	} {
		c.AddRecord(r)
	}
	r := c.Report()
	if r.Records.Warmup != 3 || r.Records.Measured != 1 || r.Records.Unattributed != 0 {
		t.Errorf("records %+v", r.Records)
	}
	if len(r.Warmup) != 1 || roleCount(r.Warmup, "direct", RoleOrigin) != 3 {
		t.Errorf("warmup %+v", r.Warmup)
	}
	o, _ := r.Cells[0].Role(RoleOrigin)
	if r.Cells[0].Ops != 1 || o.Count != 1 || o.WallTimeMs.Sum != 999 {
		t.Errorf("measured %+v", r.Cells[0])
	}
	oc, _ := count(c.Progress(), "direct", 100, RoleOrigin)
	if oc.Matched != 1 || oc.Expected != 1 {
		t.Errorf("count %+v: warmup must not count", oc)
	}
	if len(r.Costs) != 1 || r.Costs[0].Ops != 1 {
		t.Errorf("costs %+v", r.Costs)
	}
}

func TestCompleteness(t *testing.T) {
	batches := []runner.BatchResult{
		batch("c-000", "direct", 100, 2, 0, 1000),
		batch("c-001", "other", 100, 2, 1000, 2000), // records unknown (e.g. a Lumenize server's approach)
	}
	c := NewCollector(batches, Options{})
	p := c.Progress()
	if p.Complete {
		t.Fatal("complete with no records")
	}
	any, ok := count(p, "other", 100, RoleAny)
	if !ok || any.Expected != ExpectedUnknown || any.Matched != 0 {
		t.Errorf("unknown approach row %+v", any)
	}
	// direct, 2 ops: controller 2, upstream 2, origin 2.
	for i, r := range []logpush.Record{
		rec("PerformanceController", 10, 1, 1), rec("PerformanceController", 11, 900, 1),
		upstream(100), upstream(500), rec("OriginDO", 100, 100, 1),
	} {
		c.AddRecord(tagged(r, "c-000", i))
	}
	if c.Progress().Complete {
		t.Fatal("complete with one origin record missing")
	}
	c.AddRecord(tagged(rec("OriginDO", 500, 100, 1), "c-000", 1))
	p = c.Progress()
	if !p.Complete {
		t.Fatalf("not complete: %+v", p.Counts)
	}
	// The unknown approach's records are matched and reported, never blocking.
	c.AddRecord(tagged(rec("OriginDO", 1500, 100, 1), "c-001", 0))
	p = c.Progress()
	o, _ := count(p, "other", 100, RoleOrigin)
	if !p.Complete || o.Matched != 1 || o.Expected != ExpectedUnknown {
		t.Errorf("complete %v, row %+v", p.Complete, o)
	}
	if _, ok := count(p, "other", 100, RoleAny); ok {
		t.Error("the 'any' row stays once records came in")
	}

	// Only unknown approaches: nothing says the data is in.
	u := NewCollector(batches[1:], Options{})
	u.AddRecord(tagged(rec("OriginDO", 1500, 100, 1), "c-001", 0))
	if u.Progress().Complete {
		t.Error("complete with only unknown expectations")
	}
	// No batches at all: nothing to wait for.
	if !NewCollector(nil, Options{}).Progress().Complete {
		t.Error("no batches: not complete")
	}
}

// A batch that did not finish expects nothing; its records are counted.
func TestFailedBatch(t *testing.T) {
	b := batch("f-000", "direct", 100, 10, 0, 1000)
	b.Status, b.OpsSeen = runner.StatusTimeout, 3
	c := NewCollector([]runner.BatchResult{b, batch("f-001", "direct", 100, 1, 2000, 3000)}, Options{})
	c.AddRecord(tagged(rec("OriginDO", 10, 100, 1), "f-000", 0))
	c.AddRecord(tagged(rec("OriginDO", 2100, 100, 1), "f-001", 0))
	p := c.Progress()
	o, _ := count(p, "direct", 100, RoleOrigin)
	if o.Matched != 2 || o.Expected != 1 || o.FromFailedBatches != 1 || o.Short() {
		t.Errorf("row %+v", o)
	}
	if hasWarning(p.Warnings, "more records than expected") {
		t.Errorf("a failed batch's records are not surplus: %q", p.Warnings)
	}
	r := c.Report()
	if r.Cells[0].Ops != 4 || r.Cells[0].FailedBatches != 1 { // 3 seen + 1
		t.Errorf("cell %+v", r.Cells[0])
	}
	if !hasWarning(r.Notes, "batches that did not finish (timeout (1))") {
		t.Errorf("notes %q", r.Notes)
	}
}

func TestWarningsScriptsAndRoles(t *testing.T) {
	batches := []runner.BatchResult{batch("s-000", "direct", 100, 1, 0, 1000)}
	c := NewCollector(batches, Options{ScriptName: "pfx-prod"})
	c.AddRecord(rec("OriginDO", 100, 1, 1)) // script "pfx"
	c.AddRecord(rec("OriginDO", 200, 1, 1))
	other := rec("OriginDO", 300, 1, 1)
	other.ScriptName = "pfx-staging"
	c.AddRecord(other)
	p := c.Progress()
	if p.RecordsForScript != 0 || p.OtherScripts["pfx"] != 2 || p.OtherScripts["pfx-staging"] != 1 {
		t.Fatalf("progress %+v", p)
	}
	if !hasWarning(p.Warnings, `no records for script "pfx-prod", only for other scripts: pfx (2), pfx-staging (1)`) {
		t.Errorf("warnings %q", p.Warnings)
	}

	c = NewCollector(batches, Options{})
	c.AddRecord(rec("MyOriginDO", 100, 1, 1))
	exc := rec("OriginDO", 150, 1, 1)
	exc.Outcome = "exception"
	c.AddRecord(exc)
	c.AddRecord(rec("OriginDO", 5000, 1, 1)) // outside: 5000 > 1000 + 2000
	p = c.Progress()
	for _, want := range []string{
		"records of classes with no role: MyOriginDO (1): map each with --role Class=role",
		"1 invocations of the approaches did not end ok (exception (1))",
		"1 untagged records fell outside every batch window",
	} {
		if !hasWarning(p.Warnings, want) {
			t.Errorf("missing %q in %q", want, p.Warnings)
		}
	}
	r := c.Report()
	if f, _ := r.Cells[0].Role(RoleOrigin); f.Outcomes["exception"] != 1 || f.EventTypes["worker_rpc"] != 1 {
		t.Errorf("origin figures %+v", f)
	}
	if r.Records.UnknownEntrypoint["MyOriginDO"] != 1 {
		t.Errorf("records %+v", r.Records)
	}
}

func TestSuspicions(t *testing.T) {
	empty := Progress{ScriptName: "pfx"}
	tests := []struct {
		name  string
		p     Progress
		since time.Duration
		files int
		want  string
	}{
		{"no files, early", empty, time.Minute, 0, "no Logpush files yet: delivery often takes minutes"},
		{"no files, late", empty, 6 * time.Minute, 0, "no Logpush files 6m0s after the run: is the Logpush job enabled and not stalled (last_complete)?"},
		{"files, no records, early", empty, 2 * time.Minute, 3, `no records for script "pfx" yet: delivery often takes minutes`},
		{"files, no records, late", empty, 5 * time.Minute, 3,
			`no records for script "pfx" 5m0s after the run: is "logpush": true set in wrangler.jsonc? is the Logpush job enabled and not stalled (last_complete)? delivery often takes minutes`},
		{"short, late", Progress{RecordsForScript: 5, Counts: []Count{
			{Approach: "direct", DurationMs: 1000, Role: RoleOrigin, Matched: 4, Expected: 10},
			{Approach: "direct", DurationMs: 1000, Role: RoleController, Matched: 2, Expected: 2},
			{Approach: "proxyfetch", DurationMs: 1000, Role: RoleAny, Expected: -1},
		}}, 7 * time.Minute, 3, "6 of 12 expected records in 7m0s after the run; still short: direct 1s origin (4 of 10)"},
	}
	for _, tt := range tests {
		got := Suspicions(tt.p, tt.since, tt.files)
		if len(got) == 0 || !strings.HasPrefix(got[0], tt.want) {
			t.Errorf("%s: %q, want prefix %q", tt.name, got, tt.want)
		}
	}
	// Warnings follow; complete progress suspects nothing.
	got := Suspicions(Progress{RecordsForScript: 3, Complete: true, Warnings: []string{"w"}}, time.Hour, 2)
	if len(got) != 1 || got[0] != "w" {
		t.Errorf("complete: %q", got)
	}
}

// Parallel downloads feed one collector.
func TestCollectorConcurrent(t *testing.T) {
	batches := []runner.BatchResult{batch("p-000", "direct", 100, 100, 0, 10_000)}
	c := NewCollector(batches, Options{})
	done := make(chan struct{})
	for g := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			var lines []string
			for i := range 100 {
				lines = append(lines, mustJSON(t, tagged(rec("OriginDO", int64(i), 10, 1), "p-000", i)))
			}
			_ = g
			_ = c.AddObject("k", bytes.NewReader(gz(t, lines...)))
			_ = c.Progress()
		}()
	}
	for range 4 {
		<-done
	}
	o, _ := count(c.Progress(), "direct", 100, RoleOrigin)
	if o.Matched != 100 || c.Report().Records.Duplicates != 300 {
		t.Errorf("origin %+v", o)
	}
}
