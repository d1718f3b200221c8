package billing

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func role(name string, count int, wallSum, cpuSum int64) RoleFigures {
	r := RoleFigures{Role: name, Count: count, WithTiming: count,
		WallTimeMs: Timing{N: count, Sum: wallSum}, CPUTimeMs: Timing{N: count, Sum: cpuSum}}
	if count > 0 {
		r.WallTimeMs.Mean = float64(wallSum) / float64(count)
		r.CPUTimeMs.Mean = float64(cpuSum) / float64(count)
	}
	return r
}

func withEvents(r RoleFigures, events map[string]int, wall map[string]int64) RoleFigures {
	r.EventTypes, r.WallTimeMsByEvent = events, wall
	return r
}

var complete = Completeness{Matched: 100, Expected: 100, Fraction: 1, Status: BillingComplete}

// Hand-computed costs at 1 s, 10 ops per cell, DefaultPrices (rows from the
// model: direct 0, simple 4, current 10).
//
// Margin (list prices):
//
//	direct:  origin 10 records × 1000 ms wall
//	         DO GB-s/op = 10 000 ms / 1000 × 0.128 GB / 10 ops = 0.128 → × $12.50 = $1.60
//	         DO req/op  = 1 → $0.15;                             total $1.75
//	simple:  origin 20 × 10 ms, executor 10 records, 30 ms CPU
//	         DO GB-s/op = 200 / 1000 × 0.128 / 10 = 0.00256 → $0.032
//	         DO req/op  = 2 → $0.30;  CPU 3 ms → $0.06;  Worker req 0 (service binding)
//	         rows 4 → $4.00;                                     total $4.392, saving −$2.642
//	current: origin 20 × 10 ms, orchestrator 30 × 10 ms, executor as simple
//	         DO GB-s/op = 500 / 1000 × 0.128 / 10 = 0.0064 → $0.08
//	         DO req/op  = 50 / 10 = 5 → $0.75; CPU $0.06; rows 10 → $10; total $10.89
//
// Allowances at 10 M ops a month: per op, included/volume = DO req 0.1,
// GB-s 0.04, Worker req 1, CPU 3 ms, rows 5.
//
//	direct:  (0.128 − 0.04) × 12.50 = $1.10; (1 − 0.1) × 0.15 = $0.135; total $1.235
//	simple:  GB-s 0; (2 − 0.1) × 0.15 = $0.285; CPU 3 − 3 = 0; rows 4 − 5 → 0; total $0.285; saving $0.95
//	current: (5 − 0.1) × 0.15 = $0.735; rows (10 − 5) × $1 = $5; total $5.735
//
// Harness (controller: 2 upgrades 1 ms, 2 WebSocket events 10 000 + 0 ms,
// 10 opDone 1 ms; entry 2 upgrades, 2 ms CPU; upstream 10 ms CPU), per op:
//
//	DO req  = (14 − 2 + 2/20) / 10 = 1.21 → $0.1815
//	DO GB-s = (10 012 − 10 opDone) / 1000 × 0.128 / 10 = 0.1280256 → $1.60032
//	Worker req = 2 / 10 = 0.2 → $0.06; CPU (2 + 10) / 10 = 1.2 ms → $0.024
//	total $1.86582, the same for every approach here.
func TestCostModel(t *testing.T) {
	t.Parallel()
	p := DefaultPrices()
	controller := withEvents(role(RoleController, 14, 10_012, 0),
		map[string]int{"fetch": 2, EventHibernatableWebSocket: 2, EventWorkerRPC: 10},
		map[string]int64{"fetch": 2, EventHibernatableWebSocket: 10_000, EventWorkerRPC: 10})
	harness := []RoleFigures{controller, role(RoleEntry, 2, 2, 2), role(RoleUpstream, 10, 10_000, 10)}
	cells := []CellFigures{
		{Approach: "direct", DurationMs: 1000, Ops: 10, Roles: append([]RoleFigures{role(RoleOrigin, 10, 10_000, 20)}, harness...)},
		{Approach: "simple", DurationMs: 1000, Ops: 10, Roles: append([]RoleFigures{role(RoleOrigin, 20, 200, 20), role(RoleExecutor, 10, 10_500, 30)}, harness...)},
		{Approach: "current", DurationMs: 1000, Ops: 10, Roles: append([]RoleFigures{role(RoleOrigin, 20, 200, 20), role(RoleOrchestrator, 30, 300, 30), role(RoleExecutor, 10, 10_500, 30)}, harness...)},
	}
	costsWith := func(o CostOptions) []CellCost {
		var costs []CellCost
		for _, c := range cells {
			costs = append(costs, CostOf(c, complete, p, o))
		}
		CompareToDirect(costs)
		return costs
	}
	costs := costsWith(CostOptions{})

	d := costs[0]
	if !near(d.PerOp.DOGBs, 0.128) || !near(d.PerOp.DORequests, 1) || d.PerOp.WorkerCPUMs != 0 || d.PerOp.SQLiteRowsWritten != 0 || !d.Usable {
		t.Errorf("direct per op %+v", d.PerOp)
	}
	if !dollarsNear(*d.DollarsPerMillionOps, Dollars{DODuration: 1.60, DORequests: 0.15, Total: 1.75}) {
		t.Errorf("direct $ %+v", d.DollarsPerMillionOps)
	}
	if !near(*d.SavingsVsDirect, 0) || !near(*d.RatioToDirect, 1) {
		t.Errorf("direct vs itself %v %v", *d.SavingsVsDirect, *d.RatioToDirect)
	}
	if !dollarsNear(*d.Allowances.DollarsPerMillionOps, Dollars{DODuration: 1.10, DORequests: 0.135, Total: 1.235}) {
		t.Errorf("direct allowances $ %+v", d.Allowances.DollarsPerMillionOps)
	}

	s := costs[1]
	if !dollarsNear(*s.DollarsPerMillionOps, Dollars{DODuration: 0.032, DORequests: 0.30, WorkerCPU: 0.06, SQLiteRowsWritten: 4.00, Total: 4.392}) {
		t.Errorf("simple $ %+v", s.DollarsPerMillionOps)
	}
	if !near(s.PerOp.DOGBs, 0.00256) || !near(s.PerOp.WorkerCPUMs, 3) || s.PerOp.WorkerRequests != 0 || !s.RowsWrittenEstimated {
		t.Errorf("simple per op %+v", s.PerOp)
	}
	if !near(*s.SavingsVsDirect, -2.642) || !near(*s.SavingsFraction, -2.642/1.75) || !near(*s.RatioToDirect, 4.392/1.75) {
		t.Errorf("simple savings %v %v %v", *s.SavingsVsDirect, *s.SavingsFraction, *s.RatioToDirect)
	}
	if !dollarsNear(*s.Allowances.DollarsPerMillionOps, Dollars{DORequests: 0.285, Total: 0.285}) || !near(*s.Allowances.SavingsVsDirect, 0.95) {
		t.Errorf("simple allowances %+v saving %v", s.Allowances.DollarsPerMillionOps, *s.Allowances.SavingsVsDirect)
	}

	c := costs[2]
	if !dollarsNear(*c.DollarsPerMillionOps, Dollars{DODuration: 0.08, DORequests: 0.75, WorkerCPU: 0.06, SQLiteRowsWritten: 10, Total: 10.89}) || !near(*c.SavingsVsDirect, 1.75-10.89) {
		t.Errorf("current $ %+v saving %v", c.DollarsPerMillionOps, *c.SavingsVsDirect)
	}
	if !dollarsNear(*c.Allowances.DollarsPerMillionOps, Dollars{DORequests: 0.735, SQLiteRowsWritten: 5, Total: 5.735}) {
		t.Errorf("current allowances %+v", c.Allowances.DollarsPerMillionOps)
	}

	// The harness is measured apart and added only on request.
	wantHarness := CostComponents{DOGBs: 0.1280256, DORequests: 1.21, WorkerCPUMs: 1.2, WorkerRequests: 0.2}
	for _, x := range costs {
		if h := x.HarnessPerOp; !near(h.DOGBs, wantHarness.DOGBs) || !near(h.DORequests, wantHarness.DORequests) ||
			!near(h.WorkerCPUMs, wantHarness.WorkerCPUMs) || !near(h.WorkerRequests, wantHarness.WorkerRequests) || x.HarnessIncluded {
			t.Errorf("%s harness %+v", x.Approach, h)
		}
	}
	with := costsWith(CostOptions{IncludeHarness: true})
	for i, x := range with {
		if !x.HarnessIncluded || !near(x.DollarsPerMillionOps.Total, costs[i].DollarsPerMillionOps.Total+1.86582) {
			t.Errorf("%s with harness: %v, want %v + 1.86582", x.Approach, x.DollarsPerMillionOps.Total, costs[i].DollarsPerMillionOps.Total)
		}
	}
	// The same harness on both sides: savings at the margin do not change.
	if !near(*with[1].SavingsVsDirect, *costs[1].SavingsVsDirect) {
		t.Errorf("harness changed the margin saving: %v", *with[1].SavingsVsDirect)
	}
}

// WorkerPerOp is CostOf's Worker side, per op: the executor's CPU is the
// approach's own, the entry's and the upstream's are harness, and only the
// entry's invocations carry a request fee (the executor and the upstream
// are service-binding calls); for a source that cannot tell the calls apart
// the model counts no Worker request of any approach's own.
func TestWorkerPerOpFollowsTheModel(t *testing.T) {
	t.Parallel()
	f := CellFigures{Approach: "simple", DurationMs: 1000, Ops: 10, Roles: []RoleFigures{role(RoleOrigin, 20, 200, 20),
		role(RoleExecutor, 10, 10_500, 30), role(RoleEntry, 2, 2, 2), role(RoleUpstream, 10, 10_000, 10)}}
	own, harness, missing := WorkerPerOp(f)
	if own != (CostComponents{WorkerCPUMs: 3}) || !near(harness.WorkerCPUMs, 1.2) || !near(harness.WorkerRequests, 0.2) || len(missing) != 0 {
		t.Errorf("own %+v harness %+v missing %v", own, harness, missing)
	}
	c := CostOf(f, complete, DefaultPrices(), CostOptions{})
	if own.WorkerCPUMs != c.PerOp.WorkerCPUMs || own.WorkerRequests != c.PerOp.WorkerRequests || harness.WorkerRequests != c.HarnessPerOp.WorkerRequests {
		t.Errorf("WorkerPerOp %+v / %+v, CostOf %+v / %+v", own, harness, c.PerOp, c.HarnessPerOp)
	}
	f.Roles[1] = RoleFigures{Role: RoleExecutor, Count: 10}
	if _, _, missing := WorkerPerOp(f); len(missing) != 1 || missing[0] != "executor CPUTimeMs" {
		t.Errorf("executor without CPU: %v", missing)
	}
	for _, a := range append(ExampleApproaches, "custom") {
		if n := ModelWorkerRequests(a); n != 0 {
			t.Errorf("%s: %v Worker requests of its own per op, want 0 (service bindings)", a, n)
		}
	}
}

func TestCostModelIdleTail(t *testing.T) {
	// direct-timer: the same records as direct, plus 30 s of idle duration
	// per op: 30 × 0.128 = 3.84 GB-s → $48 per million ops at the margin.
	p := DefaultPrices()
	c := CostOf(CellFigures{Approach: "direct-timer", DurationMs: 1000, Ops: 10, Roles: []RoleFigures{role(RoleOrigin, 10, 10_000, 20)}}, complete, p, CostOptions{})
	if !near(c.PerOp.DOIdleGBs, 3.84) || !near(c.PerOp.DOGBs, 3.968) || !near(c.DollarsPerMillionOps.Total, 3.968*12.5+0.15) {
		t.Errorf("direct-timer %+v %+v", c.PerOp, c.DollarsPerMillionOps)
	}
}

func dollarsNear(a, b Dollars) bool {
	return near(a.DODuration, b.DODuration) && near(a.DORequests, b.DORequests) && near(a.WorkerCPU, b.WorkerCPU) &&
		near(a.WorkerRequests, b.WorkerRequests) && near(a.SQLiteRowsWritten, b.SQLiteRowsWritten) && near(a.Total, b.Total)
}

func TestCostModelMissingTiming(t *testing.T) {
	t.Parallel()
	p := DefaultPrices()
	// Origin: 4 records, 2 with WallTimeMs (100 + 300): scaled to mean 200
	// × 4 = 800 ms → 0.8 s × 0.128 / 4 ops = 0.0256 GB-s per op.
	partial := RoleFigures{Role: RoleOrigin, Count: 4, WallTimeMs: Timing{N: 2, Sum: 400, Mean: 200}}
	c := CostOf(CellFigures{Approach: "direct", DurationMs: 100, Ops: 4, Roles: []RoleFigures{partial}}, complete, p, CostOptions{})
	if !near(c.PerOp.DOGBs, 0.0256) || len(c.Missing) != 0 || !c.Usable {
		t.Errorf("partial timing: %+v", c)
	}
	// No WallTimeMs at all: named, the cell is not usable, and nothing is derived from it.
	none := RoleFigures{Role: RoleOrigin, Count: 4}
	costs := []CellCost{
		CostOf(CellFigures{Approach: "direct", DurationMs: 100, Ops: 4, Roles: []RoleFigures{none}}, complete, p, CostOptions{}),
		CostOf(CellFigures{Approach: "simple", DurationMs: 100, Ops: 4, Roles: []RoleFigures{role(RoleOrigin, 8, 80, 8)}}, complete, p, CostOptions{}),
		CostOf(CellFigures{Approach: "custom", DurationMs: 100, Ops: 4, Roles: []RoleFigures{role(RoleOrigin, 8, 80, 8)}}, complete, p, CostOptions{}),
	}
	CompareToDirect(costs)
	if len(costs[0].Missing) != 1 || costs[0].Missing[0] != "origin WallTimeMs" || costs[0].Usable || costs[0].DollarsPerMillionOps != nil || costs[1].SavingsVsDirect != nil {
		t.Errorf("no timing: %+v / %+v", costs[0], costs[1])
	}
	// An approach missing from rowsWrittenPerOp is costed with 0 rows, said so.
	if len(costs[2].Missing) != 1 || !strings.HasPrefix(costs[2].Missing[0], "rowsWrittenPerOp.custom") || !costs[2].Usable {
		t.Errorf("unknown approach: %+v", costs[2])
	}
	if z := CostOf(CellFigures{Approach: "direct", DurationMs: 100}, complete, p, CostOptions{}); len(z.Missing) != 1 || z.DollarsPerMillionOps != nil || z.Usable {
		t.Errorf("no ops: %+v", z)
	}
	// Harness timing matters only when the harness is included.
	noCPU := RoleFigures{Role: RoleUpstream, Count: 4}
	f := CellFigures{Approach: "direct", DurationMs: 100, Ops: 4, Roles: []RoleFigures{role(RoleOrigin, 4, 400, 4), noCPU}}
	if c := CostOf(f, complete, p, CostOptions{}); !c.Usable {
		t.Errorf("harness excluded: %+v", c)
	}
	if c := CostOf(f, complete, p, CostOptions{IncludeHarness: true}); c.Usable || len(c.Missing) != 1 {
		t.Errorf("harness included: %+v", c)
	}
}

func TestCompletenessGate(t *testing.T) {
	counts := func(matched, expected, failed int) []Count {
		return []Count{
			{Approach: "simple", DurationMs: 100, Role: RoleOrigin, Matched: matched / 2, Expected: expected / 2},
			{Approach: "simple", DurationMs: 100, Role: RoleExecutor, Matched: matched - matched/2 + failed, Expected: expected - expected/2, FromFailedBatches: failed},
			{Approach: "direct", DurationMs: 100, Role: RoleOrigin, Matched: 99, Expected: 1},
		}
	}
	tests := []struct {
		name   string
		counts []Count
		status string
		text   string
	}{
		{"none", counts(0, 36, 0), BillingNoData, "no billing data"},
		{"only failed batches", counts(0, 36, 5), BillingNoData, "no billing data"},
		{"a third", counts(12, 36, 0), BillingIncomplete, "incomplete: 12/36 records"},
		{"just below", counts(94, 100, 0), BillingIncomplete, "incomplete: 94/100 records"},
		{"threshold", counts(95, 100, 3), BillingComplete, "complete: 95/100 records"},
		{"extra records", counts(40, 36, 0), BillingComplete, "complete: 40/36 records"},
		{"unknown", []Count{{Approach: "simple", DurationMs: 100, Role: RoleAny, Matched: 7, Expected: ExpectedUnknown}}, BillingUnknown, "expectations unknown (7 records)"},
		{"no row", nil, BillingNoData, "no billing data"},
	}
	for _, tt := range tests {
		c := CompletenessOf(tt.counts, "simple", 100, DefaultMinMatched)
		if c.Status != tt.status || c.String() != tt.text {
			t.Errorf("%s: %+v %q", tt.name, c, c.String())
		}
	}
	// Only complete cells get dollars, savings and break-evens: with no
	// billing, no verdict.
	p := DefaultPrices()
	f := func(a string, d int) CellFigures {
		return CellFigures{Approach: a, DurationMs: d, Ops: 10, Roles: []RoleFigures{role(RoleOrigin, 10, int64(10*d), 10)}}
	}
	noData := Completeness{Expected: 36, Status: BillingNoData}
	costs := []CellCost{
		CostOf(f("direct", 100), noData, p, CostOptions{}), CostOf(f("simple", 100), noData, p, CostOptions{}),
		CostOf(f("direct", 1000), noData, p, CostOptions{}), CostOf(f("simple", 1000), noData, p, CostOptions{}),
	}
	CompareToDirect(costs)
	for _, c := range costs {
		if c.Usable || c.DollarsPerMillionOps != nil || c.Allowances.DollarsPerMillionOps != nil || c.SavingsVsDirect != nil || c.Allowances.SavingsVsDirect != nil {
			t.Errorf("no data, yet figures: %+v", c)
		}
	}
	m, a := BreakEvens(costs, p, CostOptions{})
	if len(m) != 0 || len(a) != 0 {
		t.Errorf("no data, yet break-evens: %+v %+v", m, a)
	}
	// One incomplete direct cell takes the verdict away from its duration only.
	costs[0] = CostOf(f("direct", 100), complete, p, CostOptions{})
	costs[1] = CostOf(f("simple", 100), complete, p, CostOptions{})
	costs[2] = CostOf(f("direct", 1000), Completeness{Matched: 12, Expected: 36, Status: BillingIncomplete}, p, CostOptions{})
	costs[3] = CostOf(f("simple", 1000), complete, p, CostOptions{})
	CompareToDirect(costs)
	if costs[1].SavingsVsDirect == nil || costs[3].SavingsVsDirect != nil || costs[3].DollarsPerMillionOps == nil {
		t.Errorf("partial: %+v / %+v", costs[1], costs[3])
	}
	if m, _ := BreakEvens(costs, p, CostOptions{}); len(m) != 1 || m[0].Kind != BreakEvenUndetermined {
		t.Errorf("one usable duration: %+v", m)
	}
}

// savingPoints builds quantity points whose margin saving under unitPrices
// is the given value: direct pays 1000 + s requests, the approach 1000.
func savingPoints(pts ...[2]float64) []QuantityPoint {
	var out []QuantityPoint
	for _, p := range pts {
		out = append(out, QuantityPoint{DurationMs: p[0], Direct: CostComponents{DORequests: 1000 + p[1]}, Op: CostComponents{DORequests: 1000}})
	}
	return out
}

func unitPrices() Prices {
	return Prices{DORequestsPerMillion: 1, DOMemoryGB: 0.128}
}

func TestBreakEven(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		pts       [][2]float64 // duration ms, saving $/M ops
		kind      string
		d         float64
		inRange   bool
		above     bool
		statement string
	}{
		// −0.1 at 500, +0.4 at 1000: 500 + 0.1 × 500 / 0.5 = 600.
		{"inside", [][2]float64{{100, -0.5}, {500, -0.1}, {1000, 0.4}}, BreakEvenInRange, 600, true, true,
			"simple breaks even with direct near 600ms (interpolated between 500ms and 1s): cheaper above it, dearer below"},
		// +0.5 at 100, −0.4 at 1000: 100 + 0.5 × 900 / 0.9 = 600, cheaper below.
		{"inside, reversed", [][2]float64{{1000, -0.4}, {100, 0.5}}, BreakEvenInRange, 600, true, false,
			"simple breaks even with direct near 600ms (interpolated between 100ms and 1s): cheaper below it, dearer above"},
		{"zero at a measured duration", [][2]float64{{100, -0.2}, {500, 0}, {1000, 0.3}}, BreakEvenInRange, 500, true, true,
			"simple costs the same as direct at 500ms (measured)"},
		// Slope (0.9 − 0.1) / 400 = 0.002 per ms; 100 − 0.1 / 0.002 = 50.
		{"below", [][2]float64{{100, 0.1}, {500, 0.9}}, BreakEvenBelow, 50, false, true,
			"simple is cheaper than direct at every measured duration (100ms–500ms); extrapolating the measured figures linearly (least-squares slope) it would break even near 50ms"},
		// Slope 0.1 / 400; 100 − 0.5 / 0.00025 = −1900 < 0: cheaper from 0 on.
		{"cheaper everywhere", [][2]float64{{100, 0.5}, {500, 0.6}, {1000, 0.7}}, BreakEvenAlwaysCheaper, 0, false, false,
			"simple is cheaper than direct at every measured duration (100ms–1s), and extrapolated down to 0ms"},
		// Slope 0.6 / 900; 1000 + 0.4 × 900 / 0.6 = 1600.
		{"above", [][2]float64{{100, -1.0}, {1000, -0.4}}, BreakEvenAbove, 1600, false, true,
			"simple costs more than direct at every measured duration (100ms–1s); extrapolating the measured figures linearly (least-squares slope) it would break even near 1.6s (within the 30s the executor path allows)"},
		// A noisy last cell: the least-squares slope of all three savings is
		// 40 / 406 666.67 per ms > 0 (the last two alone would say "never"):
		// 1000 + 0.9 / 9.836e-5 = 10 150 ms.
		{"least squares", [][2]float64{{100, -1.0}, {500, -0.8}, {1000, -0.9}}, BreakEvenAbove, 10150, false, true,
			"simple costs more than direct at every measured duration (100ms–1s); extrapolating the measured figures linearly (least-squares slope) it would break even near 10.15s"},
		// Widening gap: never.
		{"never", [][2]float64{{100, -0.5}, {1000, -0.6}}, BreakEvenNever, 0, false, false,
			"simple never breaks even with direct: it costs more at every measured duration (100ms–1s) and the gap does not close with longer durations"},
		{"never, flat", [][2]float64{{100, -0.5}, {1000, -0.5}}, BreakEvenNever, 0, false, false, "simple never breaks even"},
		// Slope 0.01 / 900; 1000 + 0.99 × 90 000 = 90 100 ms > 30 s.
		{"beyond the executor limit", [][2]float64{{100, -1.0}, {1000, -0.99}}, BreakEvenBeyondLimit, 0, false, false,
			"simple costs more than direct at every measured duration (100ms–1s); the gap narrows with longer durations but does not close within 30s"},
		{"one duration, dearer", [][2]float64{{1000, -0.3}}, BreakEvenUndetermined, 0, false, false,
			"simple costs more than direct at the only measured duration (1s); measure more durations to find a break-even"},
		{"one duration, cheaper", [][2]float64{{5000, 2}}, BreakEvenUndetermined, 0, false, false,
			"simple is cheaper than direct at the only measured duration (5s)"},
		// Noise: − + − +: first crossing 100 + 0.1 × 400 / 0.2 = 300.
		{"noisy", [][2]float64{{100, -0.1}, {500, 0.1}, {1000, -0.1}, {5000, 1}}, BreakEvenInRange, 300, true, true,
			"simple breaks even with direct near 300ms (interpolated between 100ms and 500ms): cheaper above it, dearer below; the saving changes sign 3 times"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := SolveBreakEven("simple", savingPoints(tt.pts...), unitPrices(), RegimeMargin, 0)
			if b.Kind != tt.kind || math.Abs(b.DurationMs-tt.d) > 0.02 || b.InRange != tt.inRange || b.CheaperAbove != tt.above || !strings.HasPrefix(b.Statement, tt.statement) || b.Regime != RegimeMargin {
				t.Errorf("got %+v\nwant kind %s d %v inRange %v above %v statement %q", b, tt.kind, tt.d, tt.inRange, tt.above, tt.statement)
			}
		})
	}
}

// Within allowances the saving bends where a usage crosses its included
// amount: direct's duration is free below 0.04 GB-s per op at 10 M ops a
// month (0.3125 s at 128 MB).
func TestBreakEvenAllowances(t *testing.T) {
	p := DefaultPrices()
	pt := func(d float64) QuantityPoint {
		return QuantityPoint{DurationMs: d,
			Direct: CostComponents{DOGBs: d / 1000 * 0.128, DORequests: 1},
			Op:     CostComponents{DORequests: 2, SQLiteRowsWritten: 4}}
	}
	pts := []QuantityPoint{pt(100), pt(500), pt(1000)}
	// Margin: 0.15 + 1.6 d = 0.30 + 4 → d = 4.15 / 1.6 = 2.59375 s, above the range.
	m := SolveBreakEven("simple", pts, p, RegimeMargin, DefaultMonthlyOps)
	if m.Kind != BreakEvenAbove || math.Abs(m.DurationMs-2593.75) > 0.02 {
		t.Errorf("margin %+v", m)
	}
	// Allowances: direct 0.135 + max(0, 1.6 d − 0.5); simple (2 − 0.1) × 0.15 = 0.285, rows free.
	// 1.6 d − 0.5 = 0.15 → d = 0.40625 s, inside 100ms–1s.
	a := SolveBreakEven("simple", pts, p, RegimeAllowances, DefaultMonthlyOps)
	if a.Kind != BreakEvenInRange || math.Abs(a.DurationMs-406.25) > 0.02 || !a.CheaperAbove {
		t.Errorf("allowances %+v", a)
	}
	// At 100 M ops a month the rows are billed again (4 − 0.5 per op).
	if b := SolveBreakEven("simple", pts, p, RegimeAllowances, 100e6); b.Kind != BreakEvenAbove {
		t.Errorf("100 M ops %+v", b)
	}
}

func TestFmtMs(t *testing.T) {
	t.Parallel()
	for ms, want := range map[float64]string{0: "0ms", 49.6: "50ms", 600: "600ms", 999.4: "999ms", 1000: "1s", 1600: "1.6s", 1234.5: "1.23s", 10_000: "10s", 90_100: "90.1s"} {
		if got := fmtMs(ms); got != want {
			t.Errorf("fmtMs(%v) = %q, want %q", ms, got, want)
		}
	}
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pricing.json")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadPrices(t *testing.T) {
	t.Parallel()
	path := writeFile(t, `{"doRequestsPerMillion": 0.2, "included": {"doGbs": 1}, "rowsWrittenPerOp": {"simple": 4, "custom": 3}}`)
	p, err := LoadPrices(path)
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultPrices()
	want.DORequestsPerMillion = 0.2
	want.Included.DOGBs = 1
	want.RowsWrittenPerOp["simple"] = 4
	want.RowsWrittenPerOp["custom"] = 3
	want.Source += "; overridden by " + path
	got, _ := json.Marshal(p)
	exp, _ := json.Marshal(want)
	if string(got) != string(exp) {
		t.Errorf("partial override:\n got %s\nwant %s", got, exp)
	}
	if d := DefaultPrices(); d.RowsWrittenPerOp["simple"] != 4 {
		t.Error("LoadPrices changed the defaults")
	}

	p, err = LoadPrices(writeFile(t, `{"date": "2027-01-01", "Source": "my contract"}`))
	if err != nil || p.Date != "2027-01-01" || p.Source != "my contract" {
		t.Errorf("date/source: %+v %v", p, err)
	}

	for body, msg := range map[string]string{
		`{"doRequestPerMillion": 0.2}`:            `unknown field "doRequestPerMillion"`,
		`{"included": {"bogus": 1}}`:              `unknown field "bogus"`,
		`{"doRequestsPerMillion": -1}`:            "doRequestsPerMillion must be a non-negative number",
		`{"doMemoryGb": 0}`:                       "doMemoryGb must be above 0",
		`{"rowsWrittenPerOp": {"simple": -2}}`:    "rowsWrittenPerOp.simple must be a non-negative number",
		`{"included": {"doGbs": -1e12}}`:          "included.doGbs must be a non-negative number",
		`{"included": {"sqliteRowsRead": -1}}`:    "included.sqliteRowsRead must be a non-negative number",
		`{"doDurationPerMillionGbs": 1e308}`:      "doDurationPerMillionGbs must be at most 1e+09",
		`{"rowsWrittenPerOp": {"simple": 1e300}}`: "rowsWrittenPerOp.simple must be at most 1e+09",
		`{"doRequestsPerMillion": "0.15"}`:        "cannot unmarshal string",
		`{"doRequestsPerMillion": 0.15} {"x": 1}`: "more than one JSON value",
		``:    "empty file",
		`[1]`: "cannot unmarshal array",
	} {
		path := writeFile(t, body)
		_, err := LoadPrices(path)
		if err == nil || !strings.Contains(err.Error(), msg) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: err = %v, want %q and the path", body, err, msg)
		}
	}
	if _, err := LoadPrices(filepath.Join(t.TempDir(), "none.json")); err == nil {
		t.Error("missing file: no error")
	}
	// NaN and infinities cannot be written in JSON, but a Prices built in
	// code (or read from a results file) is validated the same way,
	// allowances included.
	for _, bad := range []func(*Prices){
		func(p *Prices) { p.Included.DOGBs = math.NaN() },
		func(p *Prices) { p.Included.WorkersRequests = math.Inf(1) },
		func(p *Prices) { p.Included.DORequests = -1 },
		func(p *Prices) { p.DORequestsPerMillion = math.Inf(1) },
	} {
		p := DefaultPrices()
		bad(&p)
		if p.Validate() == nil {
			t.Errorf("accepted %+v", p)
		}
	}
	p = DefaultPrices()
	p.Included.DOGBs = 1e300 // "everything included" is allowed
	if err := p.Validate(); err != nil {
		t.Errorf("a huge allowance: %v", err)
	}
}

func TestDefaultPrices(t *testing.T) {
	t.Parallel()
	p := DefaultPrices()
	if p.Date != "2026-01-07" || !strings.Contains(p.Source, "developers.cloudflare.com") || p.Validate() != nil {
		t.Errorf("%+v", p)
	}
	// The Workers Paid plan's published prices and allowances (see DefaultPrices).
	if p.WorkersRequestsPerMillion != 0.30 || p.WorkersCPUPerMillionMs != 0.02 || p.DORequestsPerMillion != 0.15 ||
		p.DODurationPerMillionGBs != 12.50 || p.SQLiteRowsWrittenPerMillion != 1.00 || p.SQLiteRowsReadPerMillion != 0.001 ||
		p.DOMemoryGB != 0.128 || p.Included != (Included{10e6, 30e6, 1e6, 400_000, 50e6, 25e9}) {
		t.Errorf("%+v", p)
	}
}

// Every approach whose records are known has a rows-written estimate, so no
// cost of ours is ever "counted as 0"; the direct variants write nothing.
func TestDefaultPricesCoverEveryKnownApproach(t *testing.T) {
	rows := DefaultPrices().RowsWrittenPerOp
	for _, e := range []Expectations{LocalExpectations(), WorkersExpectations()} {
		for approach := range e {
			if _, ok := rows[approach]; !ok {
				t.Errorf("no rowsWrittenPerOp for %s", approach)
			}
		}
	}
	if rows["direct"] != 0 || rows["direct-timer"] != 0 {
		t.Errorf("direct %v, direct-timer %v", rows["direct"], rows["direct-timer"])
	}
}
