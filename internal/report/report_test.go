package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/experiment"

	"github.com/pfx-tui/pfx-tui/internal/billing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fixture builds a deterministic run: direct and simple at 100 ms and 1 s,
// two batches of 5 ops, one failed batch and one op error.
func fixture(id string, shift float64) *Results {
	r := &Results{
		SchemaVersion: SchemaVersion, Tool: "pfx-tui test", ID: id,
		CreatedAt: time.Date(2026, 11, 26, 10, 15, 0, 0, time.UTC), Status: StatusComplete, Emulated: true,
		Target:           Target{Kind: "local", TargetInfo: experiment.TargetInfo{URL: "http://127.0.0.1:1"}},
		Plan:             PlanInfo{Approaches: []string{"direct", "simple"}, DurationsMs: []int{100, 1000}, Batches: 2, Ops: 5, Warmup: 1, Order: "interleave", Reference: "direct"},
		PercentileMethod: "R-7",
	}
	base := map[string][]float64{
		"direct/100":  {101.2, 101.9, 100.8, 102.4, 101.1, 101.6, 100.9, 101.3, 101.8, 101.0},
		"simple/100":  {103.1, 104.0, 102.7, 103.5, 103.3, 102.9, 103.8, 103.0, 150.2, 103.2},
		"direct/1000": {1001.5, 1002.1, 1001.2, 1001.9, 1001.4, 1001.8, 1001.1, 1002.4, 1001.6, 1001.3},
		"simple/1000": {1003.0, 1003.4, 1002.8, 1003.9, 1003.1, 1003.3, 1002.9, 1003.6},
	}
	n := 0
	add := func(a string, d int, batch int, xs []float64, status string, errs int) {
		b := experiment.BatchResult{BatchSpec: experiment.BatchSpec{ID: id + "-" + string(rune('a'+n)), Index: n, Approach: a, DurationMs: d, Batch: batch, Ops: 5},
			Status: status, Completed: len(xs) - errs, Errors: errs, OpsSeen: len(xs), Granularity: 1}
		for i, x := range xs {
			b.Samples = append(b.Samples, experiment.Sample{Op: i + 1, Ops: 1, Ms: x + shift, AtMs: float64(i+1) * (x + shift)})
		}
		if status != experiment.StatusOK {
			b.Failure = "connection dropped after 3 of 5 ops: unexpected EOF"
		}
		if errs > 0 {
			b.ErrorMessages = []string{"op 2: upstream answered HTTP 500"}
		}
		r.Batches = append(r.Batches, b)
		n++
	}
	add("direct", 100, 0, []float64{120}, experiment.StatusOK, 0)
	r.Batches[0].Warmup = true
	for _, d := range []int{100, 1000} {
		for _, a := range []string{"direct", "simple"} {
			xs := base[a+"/"+itoa(d)]
			if a == "simple" && d == 1000 {
				add(a, d, 1, xs[:5], experiment.StatusOK, 1)
				add(a, d, 2, xs[5:], experiment.StatusDropped, 0)
				continue
			}
			add(a, d, 1, xs[:5], experiment.StatusOK, 0)
			add(a, d, 2, xs[5:], experiment.StatusOK, 0)
		}
	}
	return r
}

func itoa(d int) string {
	if d == 100 {
		return "100"
	}
	return "1000"
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/report -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestRenderersGolden(t *testing.T) {
	t.Parallel()
	r := fixture("fix001", 0)
	cases := []struct {
		name   string
		render func(*bytes.Buffer) error
	}{
		{"text.golden", func(b *bytes.Buffer) error { return WriteText(b, r) }},
		{"markdown.golden", func(b *bytes.Buffer) error { return WriteMarkdown(b, r) }},
		{"cells.csv.golden", func(b *bytes.Buffer) error { return WriteCSV(b, r, false) }},
		{"samples.csv.golden", func(b *bytes.Buffer) error { return WriteCSV(b, r, true) }},
		{"json.golden", func(b *bytes.Buffer) error { return WriteJSON(b, r) }},
		{"compare.golden", func(b *bytes.Buffer) error { return WriteCompare(b, r, fixture("fix002", 2)) }},
	}
	for _, c := range cases {
		var b bytes.Buffer
		if err := c.render(&b); err != nil {
			t.Fatal(err)
		}
		golden(t, c.name, b.Bytes())
	}
}

func TestAnalyzeCountsEveryError(t *testing.T) {
	t.Parallel()
	an := Analyze(fixture("x", 0))
	c, _ := an.Cell("simple", 1000)
	// Batch 1: 1 op error reported by the server; batch 2 dropped with 3 of 5
	// ops seen: 2 lost ops. Warmup excluded everywhere.
	if c.Errors != 3 || c.FailedBatches != 1 || c.Summary.N != 8 {
		t.Errorf("simple@1s: errors %d failed %d n %d", c.Errors, c.FailedBatches, c.Summary.N)
	}
	d, _ := an.Cell("direct", 100)
	if d.Summary.N != 10 || d.Ratio != 1 {
		t.Errorf("direct@100ms: n %d ratio %v", d.Summary.N, d.Ratio)
	}
}

func TestCompareSignificance(t *testing.T) {
	t.Parallel()
	same := Compare(fixture("a", 0), fixture("b", 0))
	for _, d := range same {
		if d.Significant {
			t.Errorf("identical runs marked significant: %+v", d)
		}
	}
	shifted := Compare(fixture("a", 0), fixture("b", 2))
	for _, d := range shifted {
		if !d.Significant || d.DeltaPct <= 0 {
			t.Errorf("a +2 ms shift on tight samples is not significant: %+v", d)
		}
	}
}

type fakeCosts map[string]float64

func (f fakeCosts) Savings(a string, d int) (float64, bool) {
	v, ok := f[a+"@"+itoa(d)]
	return v, ok
}
func (f fakeCosts) BreakEvenMs(a string) (float64, bool) { v, ok := f["be:"+a]; return v, ok }

func TestThresholds(t *testing.T) {
	t.Parallel()
	r := fixture("t", 0)
	costs := fakeCosts{"simple@1000": 0.62, "simple@100": 0.10, "be:simple": 240}
	cases := []struct {
		expr string
		ok   bool
	}{
		{"simple.p95<1.2s", true},
		{"simple.p95<1s", false}, // 1 s cell's p95 is above 1 s
		{"simple.median@100ms<104ms", true},
		{"simple.max@100ms<110ms", false}, // the 150.2 ms outlier
		{"direct.errors<1", true},
		{"simple.errors@1s<1", false},
		{"simple.ratio@100ms<1.1", true},
		{"simple.ratio@100ms<1.05", false},
		{"savings(simple,1s)>50%", true},
		{"savings(simple)>50%", false}, // 100 ms saves only 10 %
		{"breakeven(simple)<500ms", true},
		{"current.p95<1s", false}, // not measured: a gate never passes on missing data
	}
	for _, c := range cases {
		th, err := ParseThreshold(c.expr)
		if err != nil {
			t.Fatalf("%s: %v", c.expr, err)
		}
		res := EvaluateThresholds(r, []Threshold{th}, costs)[0]
		if res.OK != c.ok {
			t.Errorf("%s: ok=%v want %v (%s)", c.expr, res.OK, c.ok, res.Actual)
		}
	}
	for _, bad := range []string{"simple.p95", "simple.fast<1s", "savings(simple,1s)>5", "p95<1s", "simple.p95@fast<1s"} {
		if _, err := ParseThreshold(bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
	var b bytes.Buffer
	th, _ := ParseThreshold("simple.p95<1s")
	if WriteThresholds(&b, EvaluateThresholds(r, []Threshold{th}, nil)) || !strings.Contains(b.String(), "✗ simple.p95<1s") {
		t.Errorf("block: %s", b.String())
	}
}

// FuzzParseThreshold: gates come from command lines and CI files.
func FuzzParseThreshold(f *testing.F) {
	for _, s := range []string{"simple.p95<1.2s", "savings(simple,1s)>50%", "breakeven(simple)<500ms", "simple.ratio@1s<=1.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		th, err := ParseThreshold(expr)
		if err != nil {
			return
		}
		switch th.Op {
		case "<", "<=", ">", ">=":
		default:
			t.Fatalf("accepted operator %q in %q", th.Op, expr)
		}
		if th.Approach == "" {
			t.Fatalf("no approach in %q", expr)
		}
		_ = EvaluateThresholds(fixture("f", 0), []Threshold{th}, nil)
	})
}

func TestInterruptedBatchIsNotErrors(t *testing.T) {
	t.Parallel()
	r := fixture("int", 0)
	last := &r.Batches[len(r.Batches)-1] // simple @ 1s batch 2, dropped after 3 of 5
	last.Status, last.Failure = experiment.StatusInterrupted, "interrupted after 3 of 5 ops"
	c, _ := Analyze(r).Cell("simple", 1000)
	if c.Errors != 1 || c.FailedBatches != 0 || c.InterruptedBatches != 1 || c.NotRun != 2 {
		t.Errorf("errors %d failed %d interrupted %d notRun %d", c.Errors, c.FailedBatches, c.InterruptedBatches, c.NotRun)
	}
	var b bytes.Buffer
	if err := WriteText(&b, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "interrupted by the user after 3 of 5 ops") {
		t.Errorf("no interruption note:\n%s", b.String())
	}
}

func TestCompareNamesCellsOnlyInOneRun(t *testing.T) {
	t.Parallel()
	base, next := fixture("a", 0), fixture("b", 0)
	next.Plan.Approaches = append(next.Plan.Approaches, "current")
	var b bytes.Buffer
	if err := WriteCompare(&b, base, next); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "only in new (not compared): current @ 100ms, current @ 1s") {
		t.Errorf("cells only in the new run are not named:\n%s", b.String())
	}
}

func TestHumanDuration(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{-time.Second: "0ms", 0: "0ms", 150 * time.Millisecond: "150ms", 999400 * time.Microsecond: "999ms",
		999600 * time.Microsecond: "1s", 2620 * time.Millisecond: "2.62s", 51300 * time.Millisecond: "51.3s", 59999 * time.Millisecond: "1m00s",
		8*time.Minute + 4*time.Second: "8m04s", time.Hour + 5*time.Minute + 7*time.Second: "1h05m", 26 * time.Hour: "26h00m"} {
		if got := HumanDuration(d); got != want {
			t.Errorf("HumanDuration(%s) = %q, want %q", d, got, want)
		}
	}
	// Below a minute it agrees with billing's break-even statements and with
	// the plan's own duration syntax.
	for _, ms := range []float64{0, 1, 99.6, 150, 406, 1000, 2617.4, 2625, 30000, 59990} {
		if got, want := HumanDuration(time.Duration(ms*float64(time.Millisecond))), billing.FormatMs(ms); got != want {
			t.Errorf("HumanDuration(%vms) = %q, billing says %q", ms, got, want)
		}
	}
	for _, ms := range []int{100, 500, 1000, 1500, 5000, 10000, 30000} {
		if got, want := HumanDuration(time.Duration(ms)*time.Millisecond), experiment.FormatDuration(ms); got != want {
			t.Errorf("HumanDuration(%dms) = %q, the plan says %q", ms, got, want)
		}
	}
	for d, want := range map[time.Duration]string{400 * time.Millisecond: "400ms", 7020 * time.Millisecond: "7s", 49 * time.Second: "49s", 64 * time.Second: "1m04s"} {
		if got := HumanSeconds(d); got != want {
			t.Errorf("HumanSeconds(%s) = %q, want %q", d, got, want)
		}
	}
}

// The results file records the warmup that ran: in a warm --objects run,
// at least one op per object.
func TestPlanInfoRecordsTheWarmupThatRan(t *testing.T) {
	t.Parallel()
	p := experiment.Plan{Approaches: []string{"direct"}, Batches: 1, Ops: 5, Warmup: 2, Objects: 8}
	if got := PlanInfoOf(p, "direct").Warmup; got != 8 {
		t.Errorf("warmupOps %d, want 8 (one per object)", got)
	}
	p.Objects = 0
	if got := PlanInfoOf(p, "direct").Warmup; got != 2 {
		t.Errorf("warmupOps %d, want the 2 asked for", got)
	}
}

// A batch abandoned on a target that does not keep batches apart is
// reported with how the wait ended; one that did not end warns that its
// late end could be taken for the next batch of the same mode and size.
func TestDrainNotes(t *testing.T) {
	t.Parallel()
	b := experiment.BatchResult{BatchSpec: experiment.BatchSpec{ID: "abc-003", Approach: "simple", DurationMs: 100, Ops: 5}, Status: experiment.StatusTimeout}
	for _, c := range []struct {
		outcome string
		late    bool
	}{{experiment.DrainEnded, false}, {experiment.DrainQuiet, true}, {experiment.DrainClosed, true}} {
		b.Drain = &experiment.Drain{Ms: 1200, BoundMs: 2500, Outcome: c.outcome}
		notes := strings.Join(batchTrustNotes(b), "\n")
		if !strings.Contains(notes, "batch abc-003 (simple @ 100ms): abandoned (timeout)") {
			t.Errorf("%s: %q", c.outcome, notes)
		}
		if got := strings.Contains(notes, "a late end of it could be taken for the next simple batch of 5 ops"); got != c.late {
			t.Errorf("%s: late-end warning %v, want %v: %q", c.outcome, got, c.late, notes)
		}
	}
}
