package billing

import (
	"encoding/json"
	"math"
	"testing"
)

// fuzzCell is a fixed cell with a record of every kind the cost model
// prices: DO wall time and requests, Worker CPU, harness.
func fuzzCell() (CellFigures, Completeness) {
	f := CellFigures{Approach: "simple", DurationMs: 100, Batches: 1, Ops: 10, Roles: []RoleFigures{
		{Role: RoleOrigin, Count: 20, WallTimeMs: Timing{N: 20, Sum: 2100, Mean: 105}},
		{Role: RoleExecutor, Count: 10, CPUTimeMs: Timing{N: 10, Sum: 15, Mean: 1.5}},
		{Role: RoleController, Count: 12, WallTimeMs: Timing{N: 12, Sum: 1200, Mean: 100}},
	}}
	return f, Completeness{Matched: 42, Expected: 42, Fraction: 1, Status: BillingComplete}
}

// FuzzDecodePrices: a --pricing file is either refused with an error or
// gives prices that validate and price a fixed cell, in both regimes and
// with or without the harness, to finite, non-negative dollars, the
// allowances regime never above the margin one (allowances only ever take
// units off the bill).
func FuzzDecodePrices(f *testing.F) {
	def, err := json.Marshal(DefaultPrices())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(def)
	f.Add([]byte(`{"doRequestsPerMillion": 0.15}`))
	f.Add([]byte(`{"rowsWrittenPerOp": {"simple": 3}}`))
	f.Add([]byte(`{"doRequestsPerMillion": -1}`))
	f.Add([]byte(`{"included": {"doGbs": -1e12}}`))
	f.Add([]byte(`{"included": {"workersCpuMs": 1e300}, "doDurationPerMillionGbs": 1e9, "doMemoryGb": 1e9}`))
	f.Add([]byte(`{"doDurationPerMillionGbs": 1e308}`))
	f.Add([]byte(`{"nope": 1}`))
	f.Add([]byte(`{} {}`))
	f.Add([]byte(``))
	cell, comp := fuzzCell()
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := decodePrices(data)
		if err != nil {
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("decodePrices accepted prices that do not validate: %v", err)
		}
		for _, harness := range []bool{false, true} {
			c := CostOf(cell, comp, p, CostOptions{IncludeHarness: harness})
			if !c.Usable || c.DollarsPerMillionOps == nil || c.Allowances.DollarsPerMillionOps == nil {
				t.Fatalf("accepted prices leave the fixed cell uncosted: %v", c.Missing)
			}
			m, a := *c.DollarsPerMillionOps, *c.Allowances.DollarsPerMillionOps
			for _, d := range []Dollars{m, a} {
				for _, x := range []float64{d.DODuration, d.DORequests, d.WorkerCPU, d.WorkerRequests, d.SQLiteRowsWritten, d.Total} {
					if x < 0 || math.IsNaN(x) || math.IsInf(x, 0) {
						t.Fatalf("accepted prices %s cost the fixed cell %+v", data, d)
					}
				}
			}
			if a.Total > m.Total*(1+1e-12) {
				t.Fatalf("accepted prices %s: allowances $%v above margin $%v", data, a.Total, m.Total)
			}
		}
	})
}
