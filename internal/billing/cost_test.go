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

// Hand-computed costs at 1 s, 10 ops per cell, DefaultPrices.
//
// direct: origin 10 records × 1000 ms wall.
//
//	DO GB-s/op  = 10 000 ms / 1000 × 0.128 GB / 10 ops = 0.128
//	            → 0.128 × $12.50 = $1.60 per million ops ($1.6e-6 per op)
//	DO req/op   = 10 / 10 = 1 → 1 × $0.15 = $0.15
//	rows        = 0
//	total       = $1.75 per million ops
//
// simple: origin 20 records × 10 ms, executor 10 records × 3 ms CPU.
//
//	DO GB-s/op  = 200 / 1000 × 0.128 / 10 = 0.00256 → × 12.50 = $0.032
//	DO req/op   = 2 → $0.30
//	CPU-ms/op   = 30 / 10 = 3 → 3 × $0.02 = $0.06
//	Worker req  = 1 → $0.30
//	rows        = 1 → $1.00
//	total       = 0.032 + 0.30 + 0.06 + 0.30 + 1.00 = $1.692
//	saving      = 1.75 − 1.692 = $0.058; fraction 0.058 / 1.75; ratio 1.692 / 1.75
//
// current: origin 20 × 10 ms, orchestrator 30 × 10 ms, executor 10 × 3 ms CPU.
//
//	DO GB-s/op  = 500 / 1000 × 0.128 / 10 = 0.0064 → $0.08
//	DO req/op   = 50 / 10 = 5 → $0.75
//	CPU, Worker req as simple → $0.06 + $0.30; rows 2 → $2.00
//	total       = 0.08 + 0.75 + 0.06 + 0.30 + 2.00 = $3.19; saving −$1.44
//
// Harness roles (controller with 10 s of wall, upstream) cost nothing.
func TestCostModel(t *testing.T) {
	p := DefaultPrices()
	// Rows per op fixed here so the hand computation above stays valid
	// whatever the defaults become.
	p.RowsWrittenPerOp = map[string]float64{"direct": 0, "simple": 1, "current": 2}
	harness := []RoleFigures{role(RoleController, 12, 10_000, 50), role(RoleUpstream, 10, 10_000, 10)}
	cells := []CellFigures{
		{Approach: "direct", DurationMs: 1000, Ops: 10, Roles: append([]RoleFigures{role(RoleOrigin, 10, 10_000, 20)}, harness...)},
		{Approach: "simple", DurationMs: 1000, Ops: 10, Roles: append([]RoleFigures{role(RoleOrigin, 20, 200, 20), role(RoleExecutor, 10, 10_500, 30)}, harness...)},
		{Approach: "current", DurationMs: 1000, Ops: 10, Roles: append([]RoleFigures{role(RoleOrigin, 20, 200, 20), role(RoleOrchestrator, 30, 300, 30), role(RoleExecutor, 10, 10_500, 30)}, harness...)},
	}
	var costs []CellCost
	for _, c := range cells {
		costs = append(costs, CostOf(c, p))
	}
	CompareToDirect(costs)

	d := costs[0]
	if !near(d.PerOp.DOGBs, 0.128) || !near(d.PerOp.DORequests, 1) || d.PerOp.WorkerCPUMs != 0 || d.PerOp.SQLiteRowsWritten != 0 {
		t.Errorf("direct per op %+v", d.PerOp)
	}
	if !near(d.DollarsPerMillionOps.DODuration, 1.60) || !near(d.DollarsPerMillionOps.DORequests, 0.15) || !near(d.DollarsPerMillionOps.Total, 1.75) {
		t.Errorf("direct $ %+v", d.DollarsPerMillionOps)
	}
	if !near(*d.SavingsVsDirect, 0) || !near(*d.RatioToDirect, 1) {
		t.Errorf("direct vs itself %v %v", *d.SavingsVsDirect, *d.RatioToDirect)
	}

	s := costs[1]
	want := Dollars{DODuration: 0.032, DORequests: 0.30, WorkerCPU: 0.06, WorkerRequests: 0.30, SQLiteRowsWritten: 1.00, Total: 1.692}
	if !dollarsNear(s.DollarsPerMillionOps, want) {
		t.Errorf("simple $ %+v, want %+v", s.DollarsPerMillionOps, want)
	}
	if !near(s.PerOp.DOGBs, 0.00256) || !near(s.PerOp.WorkerCPUMs, 3) || !near(s.PerOp.WorkerRequests, 1) || !s.RowsWrittenEstimated {
		t.Errorf("simple per op %+v", s.PerOp)
	}
	if !near(*s.SavingsVsDirect, 0.058) || !near(*s.SavingsFraction, 0.058/1.75) || !near(*s.RatioToDirect, 1.692/1.75) {
		t.Errorf("simple savings %v %v %v", *s.SavingsVsDirect, *s.SavingsFraction, *s.RatioToDirect)
	}

	c := costs[2]
	want = Dollars{DODuration: 0.08, DORequests: 0.75, WorkerCPU: 0.06, WorkerRequests: 0.30, SQLiteRowsWritten: 2.00, Total: 3.19}
	if !dollarsNear(c.DollarsPerMillionOps, want) || !near(*c.SavingsVsDirect, -1.44) {
		t.Errorf("current $ %+v saving %v", c.DollarsPerMillionOps, *c.SavingsVsDirect)
	}
}

func dollarsNear(a, b Dollars) bool {
	return near(a.DODuration, b.DODuration) && near(a.DORequests, b.DORequests) && near(a.WorkerCPU, b.WorkerCPU) &&
		near(a.WorkerRequests, b.WorkerRequests) && near(a.SQLiteRowsWritten, b.SQLiteRowsWritten) && near(a.Total, b.Total)
}

func TestCostModelMissingTiming(t *testing.T) {
	p := DefaultPrices()
	// Origin: 4 records, 2 with WallTimeMs (100 + 300): scaled to mean 200
	// × 4 = 800 ms → 0.8 s × 0.128 / 4 ops = 0.0256 GB-s per op.
	partial := RoleFigures{Role: RoleOrigin, Count: 4, WallTimeMs: Timing{N: 2, Sum: 400, Mean: 200}}
	c := CostOf(CellFigures{Approach: "direct", DurationMs: 100, Ops: 4, Roles: []RoleFigures{partial}}, p)
	if !near(c.PerOp.DOGBs, 0.0256) || len(c.Missing) != 0 {
		t.Errorf("partial timing: %+v", c)
	}
	// No WallTimeMs at all: named, and no saving derived from it.
	none := RoleFigures{Role: RoleOrigin, Count: 4}
	costs := []CellCost{
		CostOf(CellFigures{Approach: "direct", DurationMs: 100, Ops: 4, Roles: []RoleFigures{none}}, p),
		CostOf(CellFigures{Approach: "simple", DurationMs: 100, Ops: 4, Roles: []RoleFigures{role(RoleOrigin, 8, 80, 8)}}, p),
		CostOf(CellFigures{Approach: "other", DurationMs: 100, Ops: 4, Roles: []RoleFigures{role(RoleOrigin, 8, 80, 8)}}, p),
	}
	CompareToDirect(costs)
	if len(costs[0].Missing) != 1 || costs[0].Missing[0] != "origin WallTimeMs" || costs[1].SavingsVsDirect != nil {
		t.Errorf("no timing: %+v / %+v", costs[0], costs[1])
	}
	// An approach missing from rowsWrittenPerOp is costed with 0 rows, said so.
	if len(costs[2].Missing) != 1 || !strings.HasPrefix(costs[2].Missing[0], "rowsWrittenPerOp.other") {
		t.Errorf("unknown approach: %+v", costs[2])
	}
	if z := CostOf(CellFigures{Approach: "direct", DurationMs: 100}, p); len(z.Missing) != 1 || z.DollarsPerMillionOps.Total != 0 {
		t.Errorf("no ops: %+v", z)
	}
}

func costsWithSavings(approach string, pts ...[2]float64) []CellCost {
	var out []CellCost
	for _, p := range pts {
		s := p[1]
		out = append(out, CellCost{Approach: approach, DurationMs: int(p[0]), Ops: 1, SavingsVsDirect: &s})
	}
	return out
}

func TestBreakEven(t *testing.T) {
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
			"simple is cheaper than direct at every measured duration (100ms–500ms); extrapolating linearly it would break even near 50ms"},
		// Slope 0.1 / 400; 100 − 0.5 / 0.00025 = −1900 < 0: no break-even.
		{"cheaper everywhere", [][2]float64{{100, 0.5}, {500, 0.6}, {1000, 0.7}}, BreakEvenAlwaysCheaper, 0, false, false,
			"simple is cheaper than direct at every measured duration (100ms–1s)"},
		// Slope 0.6 / 900; 1000 + 0.4 × 900 / 0.6 = 1600.
		{"above", [][2]float64{{100, -1.0}, {1000, -0.4}}, BreakEvenAbove, 1600, false, true,
			"simple costs more than direct at every measured duration (100ms–1s); extrapolating linearly it would break even near 1.6s"},
		// Widening gap: never.
		{"never", [][2]float64{{100, -0.5}, {1000, -0.6}}, BreakEvenNeverCheaper, 0, false, false,
			"simple costs more than direct at every measured duration (100ms–1s); no break-even in sight: the gap does not close within 10s"},
		// Slope 0.01 / 900; 1000 + 0.99 × 90 000 = 90 100 ms > 10 × 1 s: too far.
		{"too far to extrapolate", [][2]float64{{100, -1.0}, {1000, -0.99}}, BreakEvenNeverCheaper, 0, false, false,
			"simple costs more than direct at every measured duration (100ms–1s); no break-even in sight"},
		{"one duration, dearer", [][2]float64{{1000, -0.3}}, BreakEvenNeverCheaper, 0, false, false,
			"simple costs more than direct at the only measured duration (1s); measure more durations to find a break-even"},
		{"one duration, cheaper", [][2]float64{{5000, 2}}, BreakEvenAlwaysCheaper, 0, false, false,
			"simple is cheaper than direct at the only measured duration (5s)"},
		// Noise: − + − +: first crossing 100 + 0.1 × 400 / 0.2 = 300.
		{"noisy", [][2]float64{{100, -0.1}, {500, 0.1}, {1000, -0.1}, {5000, 1}}, BreakEvenInRange, 300, true, true,
			"simple breaks even with direct near 300ms (interpolated between 100ms and 500ms): cheaper above it, dearer below; the saving changes sign 3 times"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bes := BreakEvens(costsWithSavings("simple", tt.pts...))
			if len(bes) != 1 {
				t.Fatalf("%d break-evens", len(bes))
			}
			b := bes[0]
			if b.Kind != tt.kind || !near(b.DurationMs, tt.d) || b.InRange != tt.inRange || b.CheaperAbove != tt.above || !strings.HasPrefix(b.Statement, tt.statement) {
				t.Errorf("got %+v\nwant kind %s d %v inRange %v above %v statement %q", b, tt.kind, tt.d, tt.inRange, tt.above, tt.statement)
			}
		})
	}
	// direct itself and cells without a comparison are skipped.
	zero := 0.0
	costs := append(costsWithSavings("simple", [2]float64{100, 1}), CellCost{Approach: "direct", DurationMs: 100, SavingsVsDirect: &zero}, CellCost{Approach: "current", DurationMs: 100})
	if bes := BreakEvens(costs); len(bes) != 1 || bes[0].Approach != "simple" {
		t.Errorf("break-evens %+v", bes)
	}
}

func TestFmtMs(t *testing.T) {
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
	if d := DefaultPrices(); d.RowsWrittenPerOp["simple"] != 2 {
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
}

func TestDefaultPrices(t *testing.T) {
	p := DefaultPrices()
	if p.Date != "2026-01-07" || !strings.Contains(p.Source, "developers.cloudflare.com") || p.Validate() != nil {
		t.Errorf("%+v", p)
	}
	// The published figures (PricesSource).
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
