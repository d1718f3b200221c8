package billing

import (
	"strings"
	"testing"

	"github.com/pfx-tui/pfx-tui/internal/runner"
)

func TestHuman(t *testing.T) {
	for x, want := range map[float64]string{10e6: "10 M", 30e6: "30 M", 1e6: "1 M", 400_000: "400,000", 25e9: "25 B", 999: "999", 1234567.5: "1,234,568", 1500: "1,500"} {
		if got := human(x); got != want {
			t.Errorf("human(%v) = %q, want %q", x, got, want)
		}
	}
}

// Report satisfies the threshold evaluator's lookup (report.CostLookup)
// without importing it: fractions, and in-range break-evens only.
func TestReportLookups(t *testing.T) {
	frac := 0.25
	r := Report{
		Costs:      []CellCost{{Approach: "simple", DurationMs: 1000, SavingsFraction: &frac}, {Approach: "current", DurationMs: 1000}},
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

// The rows-written note names the estimates of the run's approaches only.
func TestRowsNoteNamesTheRunsApproaches(t *testing.T) {
	note := func(c *Collector) string {
		for _, n := range c.Report().Notes {
			if strings.HasPrefix(n, "SQLite rows written per op") {
				return n
			}
		}
		return ""
	}
	batches := []runner.BatchResult{batch("n-000", "simple", 100, 2, 0, 1000), batch("n-001", "direct", 100, 2, 1000, 2000), batch("n-002", "simple", 500, 2, 2000, 3000)}
	if got := note(NewCollector(batches, Options{})); !strings.HasSuffix(got, "not measured: direct 0, simple 2") {
		t.Errorf("note %q", got)
	}
	p := DefaultPrices()
	p.RowsWrittenPerOp = map[string]float64{"current": 5}
	if got := note(NewCollector(batches, Options{Prices: &p})); !strings.HasSuffix(got, "not measured: none given (counted as 0)") {
		t.Errorf("note without estimates %q", got)
	}
}
