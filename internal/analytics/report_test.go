package analytics

import (
	"context"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/billing"
	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/r2"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func batch(approach string, d int, warm bool, start, end time.Duration, ops int) experiment.BatchResult {
	return experiment.BatchResult{BatchSpec: experiment.BatchSpec{Approach: approach, DurationMs: d, Warmup: warm, Ops: ops},
		Status: experiment.StatusOK, StartedAt: t0.Add(start), EndedAt: t0.Add(end), OpsSeen: ops}
}

// A minute-ordered run: warmup in minute 0, direct in 2–3, simple in 5.
func minuteRun() []experiment.BatchResult {
	return []experiment.BatchResult{
		batch("direct", 1000, true, 1*time.Second, 5*time.Second, 2),
		batch("direct", 1000, false, 120*time.Second, 170*time.Second, 5),
		batch("direct", 1000, false, 170*time.Second, 200*time.Second, 5),
		batch("simple", 1000, false, 300*time.Second, 330*time.Second, 10),
	}
}

func TestTimelineOwnsWholeMinutes(t *testing.T) {
	t.Parallel()
	tl := NewTimeline(minuteRun(), time.Minute, 0)
	if !tl.From.Equal(t0) || !tl.To.Equal(t0.Add(6*time.Minute)) || len(tl.Minutes) != 7 {
		t.Fatalf("window %s–%s, %d minutes", tl.From, tl.To, len(tl.Minutes))
	}
	want := []string{"warmup", "warmup", "direct @ 1s", "direct @ 1s", "direct @ 1s", "simple @ 1s", "simple @ 1s"}
	active := []bool{true, false, true, true, false, true, false}
	for i, m := range tl.Minutes {
		if m.Label() != want[i] || m.Active != active[i] || len(m.Shared) > 0 {
			t.Errorf("minute %d: %s active %v shared %v", i, m.Label(), m.Active, m.Shared)
		}
	}
	if o, ok := tl.Owned(t0.Add(4 * time.Minute)); !ok || o.Approach != "direct" {
		t.Errorf("quiet minute 4 belongs to the cell before it: %+v %v", o, ok)
	}
	if _, ok := tl.Owned(t0.Add(7 * time.Minute)); ok {
		t.Error("a minute past the window is owned")
	}
	// The clock offset moves batch windows into the server's minutes.
	tl2 := NewTimeline(minuteRun(), time.Minute, 61_000)
	if !tl2.From.Equal(t0.Add(time.Minute)) {
		t.Errorf("offset window from %s", tl2.From)
	}
}

func TestTimelineSharedMinutesUnderInterleave(t *testing.T) {
	t.Parallel()
	bs := []experiment.BatchResult{
		batch("direct", 100, false, 10*time.Second, 20*time.Second, 5),
		batch("simple", 100, false, 20*time.Second, 30*time.Second, 5),
		batch("direct", 100, false, 30*time.Second, 70*time.Second, 5),
	}
	tl := NewTimeline(bs, time.Minute, 0)
	if n, _ := tl.SharedCount(); n != 1 {
		t.Errorf("shared minutes %d, want 1: %+v", n, tl.Minutes)
	}
	if _, ok := tl.Owned(t0); ok {
		t.Error("a shared minute is attributed")
	}
}

const (
	nsOrigin = "ns-origin"
	nsOrch   = "ns-orch"
	nsCtl    = "ns-ctl"
)

func testNamespaces() []Namespace {
	return ForScript([]Namespace{
		{ID: nsOrigin, Class: "OriginDO", Script: "pfx"},
		{ID: nsOrch, Class: "FetchOrchestrator", Script: "pfx"},
		{ID: nsCtl, Class: "PerformanceController", Script: "pfx"},
	}, "pfx", nil, nil)
}

func prow(min int, ns string, activeUs, rowsW float64) Row {
	return Row{Dataset: DatasetPeriodic, Minute: t0.Add(time.Duration(min) * time.Minute), NamespaceID: ns,
		Sum: map[string]float64{FieldActiveTime: activeUs, FieldCPUTime: 100, FieldRowsRead: 1, FieldRowsWritten: rowsW}}
}

func irow(min int, ns string, req float64) Row {
	return Row{Dataset: DatasetDOInvocations, Minute: t0.Add(time.Duration(min) * time.Minute), NamespaceID: ns, Sum: map[string]float64{FieldRequests: req}}
}

func wrow(min int, script string, req, cpuUs float64) Row {
	return Row{Dataset: DatasetWorkers, Minute: t0.Add(time.Duration(min) * time.Minute), ScriptName: script, Sum: map[string]float64{FieldRequests: req, FieldCPUTimeUs: cpuUs}}
}

func fullCollector() *Collector {
	col := NewCollector(minuteRun(), Options{Unit: time.Minute, ScriptName: "pfx", Namespaces: testNamespaces(), Expectations: billing.LocalExpectations()})
	col.Set(DatasetPeriodic, Result{Rows: []Row{
		prow(0, nsOrigin, 2e6, 0), // warmup
		prow(2, nsOrigin, 50e6, 0), prow(3, nsOrigin, 20e6, 0),
		prow(4, nsOrigin, 30e6, 0), // a timer held the direct origin awake in its quiet minute
		prow(2, nsCtl, 55e6, 0), prow(3, nsCtl, 25e6, 0),
		prow(5, nsOrigin, 1e6, 20), prow(5, nsCtl, 31e6, 0),
		prow(5, "someone-else", 9e9, 9), // another script's namespace: dropped
		prow(9, nsOrigin, 9e9, 9),       // outside the window: dropped
	}})
	col.Set(DatasetDOInvocations, Result{Rows: []Row{irow(2, nsOrigin, 6), irow(3, nsOrigin, 4), irow(5, nsOrigin, 20), irow(5, nsCtl, 12)}})
	col.Set(DatasetWorkers, Result{Rows: []Row{wrow(2, "pfx", 12, 5000), wrow(5, "pfx", 30, 20000), wrow(5, "other", 99, 99)}})
	return col
}

func TestCollectorReport(t *testing.T) {
	t.Parallel()
	col := fullCollector()
	if p := col.Progress(); !p.Complete || p.RecordsRead != 14 {
		t.Fatalf("progress %+v", p)
	}
	rep := col.Report(nil)
	if rep.Complete {
		t.Error("complete before the poller judged it settled")
	}
	// Minutes that can still grow are not a bill: no dollar figure, no break-even.
	for _, c := range rep.Costs {
		if c.Usable || c.DollarsPerMillionOps != nil {
			t.Errorf("unsettled %s @ %d costed: %+v", c.Approach, c.DurationMs, c)
		}
	}
	if len(rep.BreakEvens) != 0 {
		t.Errorf("break-evens from unsettled analytics: %+v", rep.BreakEvens)
	}
	col.MarkSettled(true)
	rep = col.Report(nil)
	for _, c := range rep.Costs {
		if !c.Usable || c.DollarsPerMillionOps == nil {
			t.Errorf("settled %s @ %d not costed: %v", c.Approach, c.DurationMs, c.Missing)
		}
	}
	if !rep.Complete || len(rep.Cells) != 2 || len(rep.Rows) != 14 || rep.Warmup == nil {
		t.Fatalf("report: complete %v cells %d rows %d warmup %v", rep.Complete, len(rep.Cells), len(rep.Rows), rep.Warmup)
	}
	d := rep.Cells[0]
	if d.Approach != "direct" || d.Ops != 10 || d.Minutes != 3 || d.ActiveMinutes != 2 || d.SharedMinutes != 0 {
		t.Fatalf("direct cell %+v", d)
	}
	o, _ := d.Role(billing.RoleOrigin)
	if o.ActiveTimeUs != 100e6 || o.Requests != 10 || math.Abs(o.GBs-100*0.128) > 1e-9 || o.MinutesWithData != 3 {
		t.Errorf("direct origin %+v", o)
	}
	if math.Abs(d.PerOp.DOActiveMs-10000) > 1e-9 || math.Abs(d.PerOp.DOGBs-1.28) > 1e-9 || d.PerOp.DORequests != 1 {
		t.Errorf("direct per op %+v", d.PerOp)
	}
	// The script's 12 invocations are reported as counted, but none is a
	// billed request: the executor and the delay upstream are service-binding
	// calls (no request fee), as in the cost model, which counts no Worker
	// request of direct's own.
	if w, _ := d.Role(RoleWorker); d.WorkerFrom != SourceAnalytics || d.PerOp.WorkerCPUMs != 0.5 || d.PerOp.WorkerRequests != 0 || w.Requests != 12 {
		t.Errorf("worker per op %+v from %s, script requests %v", d.PerOp, d.WorkerFrom, w.Requests)
	}
	s := rep.Cells[1]
	if s.Approach != "simple" || s.PerOp.RowsWritten != 2 || s.PerOp.DORequests != 2 {
		t.Errorf("simple %+v", s)
	}
	if len(rep.Costs) != 2 || rep.Costs[0].RowsWrittenEstimated || rep.Costs[1].SavingsVsDirect == nil {
		t.Fatalf("costs %+v", rep.Costs)
	}
	// direct: 1.28 GB-s × $12.50 + 1 req × $0.15 + 0.5 ms × $0.02. (This
	// expectation used to add 1.2 Worker requests × $0.30: the script's
	// invocations per op, which are service-binding calls that the Workers
	// pricing page bills no request fee, and which the Logpush model never
	// charged; the two tables now price them alike.)
	want := 1.28*12.5 + 0.15 + 0.5*0.02
	if got := rep.Costs[0].DollarsPerMillionOps.Total; math.Abs(got-want) > 1e-9 {
		t.Errorf("direct $/M ops %v, want %v", got, want)
	}
	// Logpush's executor figures replace the script totals when given.
	rep = col.Report(func(c experiment.Cell) (billing.CostComponents, billing.CostComponents, bool) {
		return billing.CostComponents{WorkerCPUMs: 0.25}, billing.CostComponents{WorkerCPUMs: 9, WorkerRequests: 0.1}, c.Approach == "simple"
	})
	if c := rep.Cells[1]; c.WorkerFrom != billing.SourceLogpush || c.PerOp.WorkerCPUMs != 0.25 || c.PerOp.WorkerRequests != 0 {
		t.Errorf("logged worker: %+v", c)
	}
	if c := rep.Cells[0]; c.WorkerFrom != SourceAnalytics {
		t.Errorf("direct took Logpush figures it was not given: %+v", c)
	}
	if len(rep.Warnings) != 0 {
		t.Errorf("warnings %v", rep.Warnings)
	}
	// The notes say what is assumed (GB-s from activeTime) and sampled.
	notes := strings.Join(rep.Notes, "\n")
	if !strings.Contains(notes, "DO duration is assumed") || !strings.Contains(notes, "duration field, which is not queried") ||
		!strings.Contains(notes, "graphql-api/sampling") {
		t.Errorf("notes:\n%s", notes)
	}
}

// The billed costs follow the user's cost options as the logged ones do:
// --monthly-ops moves the allowances regime, --include-harness adds the
// controller's billed figures and the harness's Worker requests; Recost of
// a saved report gives what a collector with those options gives.
func TestBilledCostFollowsCostOptions(t *testing.T) {
	t.Parallel()
	p := billing.DefaultPrices()
	report := func(o billing.CostOptions) Report {
		col := fullCollector()
		col.opts.Cost = o
		col.MarkSettled(true)
		return col.Report(nil)
	}
	def := report(billing.CostOptions{})
	small := report(billing.CostOptions{MonthlyOps: 1e6})
	harness := report(billing.CostOptions{IncludeHarness: true})
	if def.CostOptions.MonthlyOps != billing.DefaultMonthlyOps || small.CostOptions.MonthlyOps != 1e6 || !harness.CostOptions.IncludeHarness {
		t.Errorf("options kept: %+v %+v %+v", def.CostOptions, small.CostOptions, harness.CostOptions)
	}
	for i, c := range small.Costs {
		d := def.Costs[i]
		if !c.Usable || c.DollarsPerMillionOps.Total != d.DollarsPerMillionOps.Total {
			t.Errorf("%s: the margin regime moved with --monthly-ops: %+v", c.Approach, c)
		}
		// The logged side prices the same quantities the same way (billing.CostOf).
		for _, x := range []struct {
			c   billing.CellCost
			ops float64
		}{{d, billing.DefaultMonthlyOps}, {c, 1e6}} {
			if want := x.c.PerOp.Price(p, billing.RegimeAllowances, x.ops).Total; math.Abs(x.c.Allowances.DollarsPerMillionOps.Total-want) > 1e-12 {
				t.Errorf("%s at %g ops/month: allowances %v, want %v", c.Approach, x.ops, x.c.Allowances.DollarsPerMillionOps.Total, want)
			}
		}
	}
	// Fewer ops a month share the same allowances: direct costs less per op
	// within them at 1 M ops a month than at 10 M.
	if small.Costs[0].Allowances.DollarsPerMillionOps.Total >= def.Costs[0].Allowances.DollarsPerMillionOps.Total {
		t.Errorf("direct allowances: %v at 1 M ops/month, %v at 10 M", small.Costs[0].Allowances.DollarsPerMillionOps.Total, def.Costs[0].Allowances.DollarsPerMillionOps.Total)
	}

	// The harness: direct's controller was billed 80 s active over 10 ops
	// (1.024 GB-s per op) and 2 batches made 2 WebSocket upgrades (0.2
	// Worker requests per op); the script's CPU is already the cell's own.
	d, h := def.Costs[0], harness.Costs[0]
	if !near(h.HarnessPerOp.DOGBs, 1.024) || !near(h.HarnessPerOp.WorkerRequests, 0.2) || h.HarnessPerOp.WorkerCPUMs != 0 || !h.HarnessIncluded || d.HarnessIncluded {
		t.Errorf("direct harness %+v included %v", h.HarnessPerOp, h.HarnessIncluded)
	}
	if want := d.DollarsPerMillionOps.Total + 1.024*p.DODurationPerMillionGBs + 0.2*p.WorkersRequestsPerMillion; !near(h.DollarsPerMillionOps.Total, want) {
		t.Errorf("direct with harness %v, want %v", h.DollarsPerMillionOps.Total, want)
	}

	// A saved report priced again under other options.
	again := def
	again.Costs = append([]billing.CellCost(nil), def.Costs...)
	again.Recost(billing.CostOptions{MonthlyOps: 1e6})
	for i, c := range again.Costs {
		if *c.Allowances.DollarsPerMillionOps != *small.Costs[i].Allowances.DollarsPerMillionOps || *c.DollarsPerMillionOps != *small.Costs[i].DollarsPerMillionOps {
			t.Errorf("%s recost: %+v, want %+v", c.Approach, c.Allowances.DollarsPerMillionOps, small.Costs[i].Allowances.DollarsPerMillionOps)
		}
	}
	if len(again.AllowanceBreakEvens) != len(small.AllowanceBreakEvens) || again.AllowanceBreakEvens[0].Statement != small.AllowanceBreakEvens[0].Statement {
		t.Errorf("recost break-evens %+v, want %+v", again.AllowanceBreakEvens, small.AllowanceBreakEvens)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestProgressCountsCellRolesWithData(t *testing.T) {
	t.Parallel()
	col := NewCollector(minuteRun(), Options{Unit: time.Minute, ScriptName: "pfx", Namespaces: testNamespaces(), Expectations: billing.LocalExpectations()})
	col.Set(DatasetPeriodic, Result{Rows: []Row{prow(2, nsOrigin, 1, 0)}})
	p := col.Progress()
	if p.Complete {
		t.Fatal("complete with one minute of data")
	}
	got := map[string][2]int{}
	for _, c := range p.Counts {
		got[c.Approach+"/"+c.Role] = [2]int{c.Matched, c.Expected}
	}
	if got["direct/origin"] != [2]int{1, 1} || got["direct/controller"] != [2]int{0, 1} || got["simple/origin"] != [2]int{0, 1} {
		t.Errorf("counts %v", got)
	}
	if _, ok := got["direct/orchestrator"]; ok {
		t.Error("direct expects no orchestrator")
	}
	// A mode without expectations (direct-timer) waits for origin and controller only.
	if roles := col.expectedRoles("direct-timer", 2); len(roles) != 2 || roles[0] != billing.RoleOrigin || roles[1] != billing.RoleController {
		t.Errorf("unknown mode roles %v", roles)
	}
}

func TestReconcileFlagsTimersAndOverlap(t *testing.T) {
	t.Parallel()
	col := fullCollector()
	col.MarkSettled(true)
	billed := col.Report(nil)
	logged := &billing.Report{Complete: true, Cells: []billing.CellFigures{
		{Approach: "direct", DurationMs: 1000, Ops: 10, Roles: []billing.RoleFigures{
			{Role: billing.RoleOrigin, Count: 10, WallTimeMs: billing.Timing{N: 10, Sum: 70_000}},      // billed 100 s: timers
			{Role: billing.RoleController, Count: 12, WallTimeMs: billing.Timing{N: 12, Sum: 160_000}}, // billed 80 s: overlap
		}},
		{Approach: "simple", DurationMs: 1000, Ops: 10, Roles: []billing.RoleFigures{
			{Role: billing.RoleOrigin, Count: 20, WallTimeMs: billing.Timing{N: 20, Sum: 1_050}}, // billed 1 s: within 10 %
		}},
	}}
	cs := Reconcile(logged, &billed)
	by := map[string]Comparison{}
	for _, c := range cs {
		by[c.Approach+"/"+c.Role] = c
	}
	o := by["direct/origin"]
	if !o.Flagged || o.Ratio == nil || math.Abs(*o.Ratio-100.0/70) > 1e-9 || o.Causes[0] != CauseTimers {
		t.Errorf("direct origin %+v", o)
	}
	if c := by["direct/controller"]; !c.Flagged || c.Causes[0] != CauseOverlap {
		t.Errorf("controller %+v", c)
	}
	if s := by["simple/origin"]; s.Flagged || s.Ratio == nil {
		t.Errorf("simple origin %+v", s)
	}
	// Small sums within the logged side's rounding (1 ms per invocation) are not flagged.
	small := &billing.Report{Complete: true, Cells: []billing.CellFigures{{Approach: "simple", DurationMs: 1000, Ops: 10, Roles: []billing.RoleFigures{
		{Role: billing.RoleOrigin, Count: 20, WallTimeMs: billing.Timing{N: 20, Sum: 3}}}}}}
	billed.Cells[1].Roles[0].ActiveTimeUs = 8000 // 8 ms billed, 3 ms logged over 20 invocations
	if cs := Reconcile(small, &billed); len(cs) == 0 || cs[0].Flagged {
		t.Errorf("rounding flagged: %+v", cs)
	}
	if Reconcile(nil, &billed) != nil || Reconcile(logged, nil) != nil {
		t.Error("reconcile without both sources")
	}
}

// A run with --concurrency 1,4: every (approach, duration, concurrency) is a
// cell of its own on the billed side as on the logged side, in billing's
// order (duration, then concurrency, then the run's approach order), and
// the comparison and the Worker figures take the logged cell of the same
// concurrency.
func TestConcurrencyCellsStayApart(t *testing.T) {
	t.Parallel()
	at := func(b experiment.BatchResult, k int) experiment.BatchResult { b.Concurrency = k; return b }
	bs := []experiment.BatchResult{
		at(batch("direct", 1000, false, 120*time.Second, 170*time.Second, 5), 1), // minute 2 (3, 4 quiet)
		at(batch("direct", 1000, false, 300*time.Second, 330*time.Second, 8), 4), // minute 5 (6 quiet)
		at(batch("simple", 1000, false, 420*time.Second, 440*time.Second, 4), 1), // minute 7 (8 quiet)
	}
	col := NewCollector(bs, Options{Unit: time.Minute, ScriptName: "pfx", Namespaces: testNamespaces(), Expectations: billing.LocalExpectations()})
	col.Set(DatasetPeriodic, Result{Rows: []Row{
		prow(2, nsOrigin, 10e6, 0), prow(2, nsCtl, 11e6, 0),
		prow(5, nsOrigin, 4e6, 0), prow(5, nsCtl, 5e6, 0),
		prow(7, nsOrigin, 1e6, 16), prow(7, nsCtl, 3e6, 0),
	}})
	col.Set(DatasetDOInvocations, Result{Rows: []Row{irow(2, nsOrigin, 5), irow(5, nsOrigin, 8), irow(7, nsOrigin, 8)}})
	col.MarkSettled(true)

	tl := col.Timeline()
	if got := []string{tl.Minutes[0].Label(), tl.Minutes[3].Label(), tl.Minutes[5].Label()}; got[0] != "direct @ 1s ×1" || got[1] != "direct @ 1s ×4" || got[2] != "simple @ 1s ×1" {
		t.Errorf("minute owners %v", got)
	}
	if n, _ := tl.SharedCount(); n != 0 {
		t.Errorf("%d shared minutes: K=1 and K=4 are different owners, each in minutes of its own", n)
	}
	p := col.Progress()
	if !p.Complete {
		t.Fatalf("progress %+v", p)
	}
	for _, c := range p.Counts {
		if c.Concurrency == 0 {
			t.Errorf("count without its concurrency: %+v", c)
		}
	}

	logged := &billing.Report{Complete: true, Cells: []billing.CellFigures{
		{Approach: "direct", DurationMs: 1000, Concurrency: 1, Ops: 5, Roles: []billing.RoleFigures{
			{Role: billing.RoleOrigin, Count: 5, WallTimeMs: billing.Timing{N: 5, Sum: 10_000}}}},
		{Approach: "simple", DurationMs: 1000, Concurrency: 4, Ops: 8, Roles: []billing.RoleFigures{ // no billed cell: ignored
			{Role: billing.RoleExecutor, Count: 8, CPUTimeMs: billing.Timing{N: 8, Sum: 80}}}},
		{Approach: "direct", DurationMs: 1000, Concurrency: 4, Ops: 8, Roles: []billing.RoleFigures{
			{Role: billing.RoleOrigin, Count: 8, WallTimeMs: billing.Timing{N: 8, Sum: 2_000}}}},
		{Approach: "simple", DurationMs: 1000, Concurrency: 1, Ops: 4, Roles: []billing.RoleFigures{
			{Role: billing.RoleOrigin, Count: 8, WallTimeMs: billing.Timing{N: 8, Sum: 1_000}},
			{Role: billing.RoleExecutor, Count: 4, CPUTimeMs: billing.Timing{N: 4, Sum: 2}}}},
	}}
	rep := col.Report(LoggedWorkerOf(logged))
	want := []experiment.Cell{{Approach: "direct", DurationMs: 1000, Concurrency: 1}, {Approach: "simple", DurationMs: 1000, Concurrency: 1},
		{Approach: "direct", DurationMs: 1000, Concurrency: 4}}
	if len(rep.Cells) != len(want) || len(rep.Costs) != len(want) {
		t.Fatalf("cells %+v costs %+v", rep.Cells, rep.Costs)
	}
	active := map[experiment.Cell]float64{want[0]: 10_000, want[1]: 1_000, want[2]: 4_000}
	minutes := map[experiment.Cell]int{want[0]: 3, want[1]: 2, want[2]: 2} // each until the next cell starts
	for i, c := range rep.Cells {
		if c.Cell() != want[i] {
			t.Errorf("cell %d is %s, want %s", i, c.Cell().Label(), want[i].Label())
		}
		if o, _ := c.Role(billing.RoleOrigin); o.ActiveMs() != active[c.Cell()] || c.Minutes != minutes[c.Cell()] || c.ActiveMinutes != 1 {
			t.Errorf("%s: origin %+v over %d minutes", c.Cell().Label(), o, c.Minutes)
		}
		if cc := rep.Costs[i]; cc.Approach != c.Approach || cc.Concurrency != c.Concurrency || !cc.Usable || cc.Billing.Status != billing.BillingComplete {
			t.Errorf("cost %d: %+v", i, cc)
		}
	}
	// simple ×1 takes the executor of simple ×1 (0.5 ms/op), not of simple ×4 (10 ms/op).
	// Its 4 executor invocations are service-binding calls: no request fee,
	// on the billed side as in the logged cost (billing.CostOf).
	if s := rep.Cells[1]; s.WorkerFrom != billing.SourceLogpush || s.PerOp.WorkerCPUMs != 0.5 || s.PerOp.WorkerRequests != 0 {
		t.Errorf("simple ×1 worker %+v from %s", s.PerOp, s.WorkerFrom)
	}
	if lc := billing.CostOf(logged.Cells[3], billing.Completeness{Status: billing.BillingComplete}, billing.DefaultPrices(), billing.CostOptions{}); lc.PerOp.WorkerRequests != rep.Costs[1].PerOp.WorkerRequests {
		t.Errorf("Worker requests per op: logged %v, billed %v", lc.PerOp.WorkerRequests, rep.Costs[1].PerOp.WorkerRequests)
	}
	ratio := map[experiment.Cell]float64{}
	for _, c := range Reconcile(logged, &rep) {
		if c.Role == billing.RoleOrigin && c.Ratio != nil {
			ratio[experiment.Cell{Approach: c.Approach, DurationMs: c.DurationMs, Concurrency: c.Concurrency}] = *c.Ratio
		}
	}
	// Each billed cell against its own logged cell: 10 s / 10 s, 1 s / 1 s, 4 s / 2 s.
	if len(ratio) != 3 || ratio[want[0]] != 1 || ratio[want[1]] != 1 || ratio[want[2]] != 2 {
		t.Errorf("billed/logged by cell %v", ratio)
	}
}

// fakeFetcher serves fixed rows per dataset; rows can be changed between
// polls, and onFetch runs before each answer (a clock moving on while the
// query is under way).
type fakeFetcher struct {
	mu      sync.Mutex
	rows    map[string][]Row
	err     error
	calls   int
	onFetch func(call int)
}

func (f *fakeFetcher) Fetch(_ context.Context, q Query, _, _ time.Time) (Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.onFetch != nil {
		f.onFetch(f.calls)
	}
	if f.err != nil {
		return Result{}, f.err
	}
	return Result{Rows: append([]Row(nil), f.rows[q.Dataset]...)}, nil
}

// fakeClock is a clock that only moves when told to.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// fullFetcher serves fullCollector's rows; every query moves clock on by
// step (a poll is three queries).
func fullFetcher(clock *fakeClock, step time.Duration) *fakeFetcher {
	f := &fakeFetcher{rows: map[string][]Row{}}
	for ds, rs := range fullCollector().rows {
		f.rows[ds] = rs
	}
	f.onFetch = func(int) { clock.Advance(step) }
	return f
}

// runPoller runs p to the end and returns its last event.
func runPoller(t *testing.T, p *Poller) r2.PollEvent {
	t.Helper()
	ch := make(chan r2.PollEvent, 16)
	go p.Run(context.Background(), ch)
	var last r2.PollEvent
	for ev := range ch {
		last = ev
	}
	return last
}

func TestPollerSettlesAfterTheWindowCloses(t *testing.T) {
	t.Parallel()
	// The window closed long ago; every query takes 10 s of the fake clock,
	// so polls start 30 s apart. Polls that agree but started less than
	// SettleGap apart do not settle it: the first look is at +0, the
	// agreeing one at +120 s, the fifth poll.
	clock := &fakeClock{now: t0.Add(time.Hour)}
	f := fullFetcher(clock, 10*time.Second)
	p := NewPoller(f, NewCollector(minuteRun(), fullCollector().opts), PollerOptions{Interval: time.Millisecond, Timeout: time.Hour, Now: clock.Now})
	last := runPoller(t, p)
	if !last.Done || last.Reason != r2.ReasonComplete || last.Polls != 5 || last.FilesSeen != 14 {
		t.Fatalf("last event %+v", last)
	}
	if int(SettleGap/(30*time.Second))+1 != last.Polls {
		t.Errorf("settled after %d polls 30 s apart, SettleGap %s", last.Polls, SettleGap)
	}
	if !p.col.Report(nil).Complete {
		t.Error("settled but the report is not complete")
	}

	// A change restarts the wait: the rows grow at the third poll, so the
	// agreeing look is SettleGap after that one (the seventh poll).
	clock2 := &fakeClock{now: t0.Add(time.Hour)}
	f2 := fullFetcher(clock2, 10*time.Second)
	grown := append([]Row(nil), f2.rows[DatasetPeriodic]...)
	grown = append(grown, prow(6, nsOrigin, 1e6, 0))
	f2.onFetch = func(call int) {
		clock2.Advance(10 * time.Second)
		if call == 7 { // the third poll's first query
			f2.rows[DatasetPeriodic] = grown
		}
	}
	p2 := NewPoller(f2, NewCollector(minuteRun(), fullCollector().opts), PollerOptions{Interval: time.Millisecond, Timeout: time.Hour, Now: clock2.Now})
	if last := runPoller(t, p2); last.Reason != r2.ReasonComplete || last.Polls != 7 || last.FilesSeen != 15 {
		t.Fatalf("after a change: %+v", last)
	}
}

// billing FILE --source analytics --poll-timeout 0, long after the run:
// the deadline still allows the first look and the agreeing one SettleGap
// later, so a re-run after the fact settles (it used to stop after one
// poll, unsettled, every time).
func TestPollerSettlesLongAfterTheFactWithTimeoutZero(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{now: t0.Add(24 * time.Hour)}
	f := fullFetcher(clock, 10*time.Second)
	p := NewPoller(f, NewCollector(minuteRun(), fullCollector().opts), PollerOptions{Interval: time.Millisecond, Timeout: time.Nanosecond, Now: clock.Now})
	last := runPoller(t, p)
	if last.Reason != r2.ReasonComplete || !p.col.Report(nil).Complete {
		t.Fatalf("timeout 0 long after the window: %+v", last)
	}
	if d := last.Deadline.Sub(t0.Add(24 * time.Hour)); d < SettleGap {
		t.Errorf("deadline %s after the start, want at least SettleGap", d)
	}

	// The window closes while the first poll is under way (it takes a
	// minute): the first look after it is the second poll, and the
	// deadline moves so that the agreeing look still fits.
	closed := NewTimeline(minuteRun(), time.Minute, 0).Closed()
	clock2 := &fakeClock{now: closed.Add(-time.Second)}
	f2 := fullFetcher(clock2, 20*time.Second)
	p2 := NewPoller(f2, NewCollector(minuteRun(), fullCollector().opts), PollerOptions{Interval: time.Millisecond, Timeout: time.Nanosecond, Now: clock2.Now})
	if last := runPoller(t, p2); last.Reason != r2.ReasonComplete || last.Polls != 4 {
		t.Fatalf("window closing during the first poll: %+v", last)
	}
}

func TestPollerStopsOnPermanentError(t *testing.T) {
	t.Parallel()
	f := &fakeFetcher{err: &Error{Kind: KindAuth, Status: 403, What: DatasetPeriodic, Message: "not authorized for that account"}}
	p := NewPoller(f, NewCollector(minuteRun(), Options{Unit: time.Minute, Namespaces: testNamespaces()}), PollerOptions{Interval: time.Millisecond, Now: func() time.Time { return t0 }})
	ch := make(chan r2.PollEvent, 4)
	go p.Run(context.Background(), ch)
	var last r2.PollEvent
	for ev := range ch {
		last = ev
	}
	if last.Reason != r2.ReasonError || !strings.Contains(last.LastError, "Account Analytics: Read") {
		t.Fatalf("last %+v", last)
	}
}

func TestPollerDeadlineAndStop(t *testing.T) {
	t.Parallel()
	// Rows never come: the poll gives up at its deadline (the clock jumps past it).
	var mu sync.Mutex
	now := t0.Add(time.Hour)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	f := &fakeFetcher{rows: map[string][]Row{}}
	p := NewPoller(f, NewCollector(minuteRun(), Options{Unit: time.Minute, Namespaces: testNamespaces()}), PollerOptions{Interval: time.Millisecond, Timeout: time.Minute, Now: clock})
	ch := make(chan r2.PollEvent)
	go p.Run(context.Background(), ch)
	ev := <-ch
	if ev.Done || ev.Polls != 1 {
		t.Fatalf("first event %+v", ev)
	}
	if want := now.Add(SettleGap); ev.Deadline.Before(want) {
		t.Errorf("deadline %s, want SettleGap after the first look at least", ev.Deadline)
	}
	mu.Lock()
	now = now.Add(2*time.Minute + SettleGap)
	mu.Unlock()
	var last r2.PollEvent
	for ev := range ch {
		last = ev
	}
	if last.Reason != r2.ReasonDeadline {
		t.Fatalf("last %+v", last)
	}
	// Stop ends a poll that waits.
	p2 := NewPoller(f, NewCollector(minuteRun(), Options{Unit: time.Minute, Namespaces: testNamespaces()}), PollerOptions{Interval: time.Hour, Timeout: time.Hour, Now: clock})
	ch2 := make(chan r2.PollEvent)
	go p2.Run(context.Background(), ch2)
	<-ch2
	p2.Stop()
	for ev := range ch2 {
		last = ev
	}
	if last.Reason != r2.ReasonStopped {
		t.Fatalf("after Stop: %+v", last)
	}
}

// A run whose orchestrator namespace was not found (--do-namespace named
// the origin and the controller only, and the listing failed): current
// still expects orchestrator rows, so its cell is missing them and is not
// costed, with the reason and the flag to pass; direct, which has no
// orchestrator, is costed. The poller stops once the rest settled, naming
// the role, rather than polling on for rows that cannot come.
func TestRoleWithoutNamespaceIsMissing(t *testing.T) {
	t.Parallel()
	run := []experiment.BatchResult{
		batch("direct", 1000, false, 0, 30*time.Second, 10),
		batch("current", 1000, false, 120*time.Second, 150*time.Second, 10),
	}
	var nss []Namespace
	for _, ns := range testNamespaces() {
		if ns.Role != billing.RoleOrchestrator {
			nss = append(nss, ns)
		}
	}
	listErr := (&Error{Kind: KindAuth, Status: 403, What: WhatNamespaces, Message: "Authentication error"}).Error()
	opts := Options{Unit: time.Minute, ScriptName: "pfx", Namespaces: nss, NamespaceError: listErr, Expectations: billing.LocalExpectations()}
	rows := map[string][]Row{
		DatasetPeriodic: {prow(0, nsOrigin, 10e6, 0), prow(0, nsCtl, 11e6, 0), prow(2, nsOrigin, 12e6, 20), prow(2, nsCtl, 13e6, 0),
			prow(2, nsOrch, 5e6, 30)}, // the orchestrator's rows exist but its namespace is unknown: dropped
		DatasetDOInvocations: {irow(0, nsOrigin, 10), irow(2, nsOrigin, 20)},
		DatasetWorkers:       {wrow(0, "pfx", 12, 5000), wrow(2, "pfx", 30, 20000)},
	}
	col := NewCollector(run, opts)
	for ds, rs := range rows {
		col.Set(ds, Result{Rows: rs})
	}
	col.MarkSettled(true)
	rep := col.Report(nil)
	if rep.Complete {
		t.Error("complete without the orchestrator's rows")
	}
	var orch *billing.Count
	for i, c := range rep.Counts {
		if c.Approach == "current" && c.Role == billing.RoleOrchestrator {
			orch = &rep.Counts[i]
		}
	}
	if orch == nil || orch.Matched != 0 || orch.Expected != 1 {
		t.Errorf("current's orchestrator count %+v in %+v", orch, rep.Counts)
	}
	byApproach := map[string]billing.CellCost{}
	for _, c := range rep.Costs {
		byApproach[c.Approach] = c
	}
	cur := byApproach["current"]
	if cur.Usable || cur.DollarsPerMillionOps != nil || !strings.Contains(strings.Join(cur.Missing, "\n"), "orchestrator rows: no Durable Object namespace") ||
		!strings.Contains(strings.Join(cur.Missing, "\n"), "--do-namespace FetchOrchestrator=ID") || !strings.Contains(strings.Join(cur.Missing, "\n"), "Authentication error") {
		t.Errorf("current costed without its orchestrator: %+v", cur)
	}
	if d := byApproach["direct"]; !d.Usable || d.DollarsPerMillionOps == nil {
		t.Errorf("direct (no orchestrator expected) not costed: %v", d.Missing)
	}
	w := strings.Join(rep.Warnings, "\n")
	if !strings.Contains(w, "listing the account's Durable Object namespaces failed") || !strings.Contains(w, "Workers Scripts: Read") ||
		!strings.Contains(w, "has role orchestrator") {
		t.Errorf("warnings %v", rep.Warnings)
	}

	// The poller: the rest settles, so it stops with the reason.
	clock := &fakeClock{now: t0.Add(time.Hour)}
	f := &fakeFetcher{rows: rows, onFetch: func(int) { clock.Advance(10 * time.Second) }}
	p := NewPoller(f, NewCollector(run, opts), PollerOptions{Interval: time.Millisecond, Timeout: time.Hour, Now: clock.Now})
	last := runPoller(t, p)
	if last.Reason != r2.ReasonError || !strings.Contains(last.LastError, "--do-namespace FetchOrchestrator=ID") || last.Polls != 5 {
		t.Fatalf("last %+v", last)
	}
	if p.col.Report(nil).Complete {
		t.Error("the report is complete without the orchestrator")
	}
}

// Worker figures that did not arrive whole are no figures: a dropped
// cpuTimeUs, an answer cut at the row limit, or no workersInvocationsAdaptive
// row at all leave the cells uncosted (when the Worker side comes from
// analytics), each with its reason; so does a Durable Object dataset cut
// at the limit.
func TestMissingWorkerDataBlocksTheCost(t *testing.T) {
	t.Parallel()
	workers := fullCollector().rows[DatasetWorkers]
	cases := []struct {
		name    string
		ds      string
		res     Result
		missing string
		logged  bool // Logpush's executor figures replace the Worker side
	}{
		{"cpuTimeUs dropped", DatasetWorkers, Result{Rows: workers, Dropped: []string{DatasetWorkers + "." + FieldCPUTimeUs}}, "Worker CPU (the API did not know workersInvocationsAdaptive.cpuTimeUs)", false},
		{"workers cut", DatasetWorkers, Result{Rows: workers, Truncated: true}, "Worker requests and CPU (workersInvocationsAdaptive was cut at its limit", false},
		{"no worker rows", DatasetWorkers, Result{}, "Worker requests and CPU (no workersInvocationsAdaptive rows in the cell's minutes)", false},
		{"periodic cut", DatasetPeriodic, Result{Rows: fullCollector().rows[DatasetPeriodic], Truncated: true}, "durableObjectsPeriodicGroups rows (the answer was cut at its limit of 10000 rows)", false},
		{"periodic cut, logged worker", DatasetPeriodic, Result{Rows: fullCollector().rows[DatasetPeriodic], Truncated: true}, "durableObjectsPeriodicGroups rows", true},
	}
	for _, tc := range cases {
		col := fullCollector()
		col.Set(tc.ds, tc.res)
		col.MarkSettled(true)
		var logged LoggedWorker
		if tc.logged {
			logged = func(experiment.Cell) (own, harness billing.CostComponents, ok bool) {
				return billing.CostComponents{WorkerCPUMs: 0.25}, harness, true
			}
		}
		rep := col.Report(logged)
		if len(rep.Costs) != 2 {
			t.Fatalf("%s: costs %+v", tc.name, rep.Costs)
		}
		for _, c := range rep.Costs {
			if c.Usable || c.DollarsPerMillionOps != nil || !strings.Contains(strings.Join(c.Missing, "\n"), tc.missing) {
				t.Errorf("%s: %s costed or without the reason %q: %v", tc.name, c.Approach, tc.missing, c.Missing)
			}
		}
	}
	// With the Worker side from Logpush, analytics' Worker rows do not matter.
	col := fullCollector()
	col.Set(DatasetWorkers, Result{Dropped: []string{DatasetWorkers + "." + FieldCPUTimeUs}})
	col.MarkSettled(true)
	for _, c := range col.Report(func(experiment.Cell) (own, harness billing.CostComponents, ok bool) {
		return billing.CostComponents{WorkerCPUMs: 0.25}, harness, true
	}).Costs {
		if !c.Usable {
			t.Errorf("%s with Logpush's Worker figures: %v", c.Approach, c.Missing)
		}
	}
}
