package billing

import (
	"testing"
)

func TestHuman(t *testing.T) {
	t.Parallel()
	for x, want := range map[float64]string{10e6: "10 M", 30e6: "30 M", 1e6: "1 M", 400_000: "400,000", 25e9: "25 B", 999: "999", 1234567.5: "1,234,568", 1500: "1,500"} {
		if got := human(x); got != want {
			t.Errorf("human(%v) = %q, want %q", x, got, want)
		}
	}
}

// Report satisfies the threshold evaluator's lookup (report.CostLookup)
// without importing it: fractions, and in-range break-evens only.
func TestReportLookups(t *testing.T) {
	t.Parallel()
	frac := 0.25
	r := Report{
		Costs:      []CellCost{{Approach: "simple", DurationMs: 1000, RegimeCost: RegimeCost{SavingsFraction: &frac}}, {Approach: "current", DurationMs: 1000}},
		BreakEvens: []BreakEven{{Approach: "simple", DurationMs: 600, InRange: true}, {Approach: "current", DurationMs: 1600, Kind: BreakEvenAbove}},
	}
	var lookup interface {
		Savings(string, int) (float64, bool)
		BreakEvenMs(string) (float64, bool)
	} = r
	if v, ok := lookup.Savings("simple", 1000); !ok || v != 0.25 {
		t.Errorf("savings %v %v", v, ok)
	}
	if _, ok := lookup.Savings("current", 1000); ok {
		t.Error("no comparison: no savings")
	}
	if v, ok := lookup.BreakEvenMs("simple"); !ok || v != 600 {
		t.Errorf("break-even %v %v", v, ok)
	}
	if _, ok := lookup.BreakEvenMs("current"); ok {
		t.Error("an extrapolation is not a measured break-even")
	}
}

// A report written by an older pfx-tui (no costModel, rows written of the
// old undercount) is re-derived with this model's rows; options apply.
func TestRecost(t *testing.T) {
	old := DefaultPrices()
	old.RowsWrittenPerOp = map[string]float64{"direct": 0, "simple": 2, "current": 5}
	cell := func(a string, d int, wall int64, roles ...RoleFigures) CellFigures {
		return CellFigures{Approach: a, DurationMs: d, Ops: 10, Roles: append([]RoleFigures{role(RoleOrigin, 10, wall, 10)}, roles...)}
	}
	counts := func(a string, d int) []Count {
		return []Count{{Approach: a, DurationMs: d, Role: RoleOrigin, Matched: 10, Expected: 10}}
	}
	r := Report{Prices: old,
		Cells:  []CellFigures{cell("direct", 1000, 10_000), cell("simple", 1000, 100, role(RoleController, 2, 10_000, 0))},
		Counts: append(counts("direct", 1000), counts("simple", 1000)...)}
	r.Recost(CostOptions{})
	if r.CostModel != CostModelVersion || r.Prices.RowsWrittenPerOp["simple"] != 4 || r.CostOptions.MonthlyOps != DefaultMonthlyOps || r.CostOptions.MinMatched != DefaultMinMatched {
		t.Errorf("recost: model %q rows %v options %+v", r.CostModel, r.Prices.RowsWrittenPerOp, r.CostOptions)
	}
	if len(r.Costs) != 2 || !r.Usable() || r.Costs[1].DollarsPerMillionOps.SQLiteRowsWritten != 4 || len(r.BreakEvens) != 1 || len(r.AllowanceBreakEvens) != 1 || len(r.Assumptions) == 0 {
		t.Errorf("recost: %+v", r)
	}
	// A current-model report keeps its (overridden) rows.
	r.Prices.RowsWrittenPerOp["simple"] = 7
	r.Recost(CostOptions{IncludeHarness: true, MonthlyOps: 1e6})
	if s := r.Costs[1]; s.PerOp.SQLiteRowsWritten != 7 || !s.HarnessIncluded || r.CostOptions.MonthlyOps != 1e6 {
		t.Errorf("recost with options: %+v", s)
	}
	// Nothing matched: no cost is usable.
	r.Counts = nil
	r.Recost(CostOptions{})
	if r.Usable() || len(r.BreakEvens) != 0 {
		t.Errorf("no counts: %+v", r.Costs)
	}
}
