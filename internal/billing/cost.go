package billing

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ReferenceApproach is the baseline every saving and break-even is
// measured against: the origin DO fetching for itself.
const ReferenceApproach = "direct"

// CostComponents are the billable quantities per op.
type CostComponents struct {
	// DOGBs is Σ WallTimeMs of DO roles (origin, orchestrator) / 1000 ×
	// DOMemoryGB, per op. It over-counts when requests overlap on one DO.
	DOGBs float64 `json:"doGbs"`
	// DORequests counts DO invocations (alarms included) per op.
	DORequests float64 `json:"doRequests"`
	// WorkerCPUMs is Σ CPUTimeMs of executor records per op; Workers are
	// not billed for wall time.
	WorkerCPUMs       float64 `json:"workerCpuMs"`
	WorkerRequests    float64 `json:"workerRequests"`
	SQLiteRowsWritten float64 `json:"sqliteRowsWritten"`
}

// Dollars are US dollars per million ops, by component: marginal list
// prices, before the monthly included allowances.
type Dollars struct {
	DODuration        float64 `json:"doDuration"`
	DORequests        float64 `json:"doRequests"`
	WorkerCPU         float64 `json:"workerCpu"`
	WorkerRequests    float64 `json:"workerRequests"`
	SQLiteRowsWritten float64 `json:"sqliteRowsWritten"`
	Total             float64 `json:"total"`
}

// CellCost is what one cell's approach costs, per op and per million ops,
// and how that compares with direct at the same duration.
type CellCost struct {
	Approach             string         `json:"approach"`
	DurationMs           int            `json:"durationMs"`
	Ops                  int            `json:"ops"`
	PerOp                CostComponents `json:"perOp"`
	DollarsPerMillionOps Dollars        `json:"dollarsPerMillionOps"`
	// RowsWrittenEstimated: rows written come from Prices.RowsWrittenPerOp,
	// not from the records (always true today; kept explicit for readers).
	RowsWrittenEstimated bool `json:"rowsWrittenEstimated"`
	// SavingsVsDirect is direct's total minus this one's, in dollars per
	// million ops: positive means this approach is cheaper.
	SavingsVsDirect *float64 `json:"savingsVsDirectPerMillionOps,omitempty"`
	// SavingsFraction is SavingsVsDirect / direct's total (0.25 = 25 %
	// cheaper); RatioToDirect is this total / direct's.
	SavingsFraction *float64 `json:"savingsFraction,omitempty"`
	RatioToDirect   *float64 `json:"ratioToDirect,omitempty"`
	// Missing names figures that could not be computed (no timing fields):
	// the totals then understate the cost and no saving is derived.
	Missing []string `json:"missing,omitempty"`
}

// CostOf applies the price table to one cell's figures. Harness roles are
// left out. Timing sums are scaled up by count/N when some records lack the
// field (mean × count), and named in Missing when none has it.
func CostOf(f CellFigures, p Prices) CellCost {
	c := CellCost{Approach: f.Approach, DurationMs: f.DurationMs, Ops: f.Ops, RowsWrittenEstimated: true}
	if f.Ops <= 0 {
		c.Missing = append(c.Missing, "ops (no op finished)")
		return c
	}
	ops := float64(f.Ops)
	var doWallMs, doReq, cpuMs, wReq float64
	for _, r := range f.Roles {
		switch {
		case isDORole(r.Role):
			doReq += float64(r.Count)
			if r.Count > 0 && r.WallTimeMs.N == 0 {
				c.Missing = append(c.Missing, r.Role+" WallTimeMs")
			}
			doWallMs += scaled(r.WallTimeMs, r.Count)
		case r.Role == RoleExecutor:
			wReq += float64(r.Count)
			if r.Count > 0 && r.CPUTimeMs.N == 0 {
				c.Missing = append(c.Missing, r.Role+" CPUTimeMs")
			}
			cpuMs += scaled(r.CPUTimeMs, r.Count)
		}
	}
	rows, ok := p.RowsWrittenPerOp[f.Approach]
	if !ok {
		c.Missing = append(c.Missing, "rowsWrittenPerOp."+f.Approach+" (counted as 0)")
	}
	c.PerOp = CostComponents{
		DOGBs:             doWallMs / 1000 * p.DOMemoryGB / ops,
		DORequests:        doReq / ops,
		WorkerCPUMs:       cpuMs / ops,
		WorkerRequests:    wReq / ops,
		SQLiteRowsWritten: rows,
	}
	// Per op × 1e6 ops × (price per 1e6 units) = per-op quantity × price.
	d := Dollars{
		DODuration:        c.PerOp.DOGBs * p.DODurationPerMillionGBs,
		DORequests:        c.PerOp.DORequests * p.DORequestsPerMillion,
		WorkerCPU:         c.PerOp.WorkerCPUMs * p.WorkersCPUPerMillionMs,
		WorkerRequests:    c.PerOp.WorkerRequests * p.WorkersRequestsPerMillion,
		SQLiteRowsWritten: c.PerOp.SQLiteRowsWritten * p.SQLiteRowsWrittenPerMillion,
	}
	d.Total = d.DODuration + d.DORequests + d.WorkerCPU + d.WorkerRequests + d.SQLiteRowsWritten
	c.DollarsPerMillionOps = d
	return c
}

func scaled(t Timing, count int) float64 {
	if t.N == 0 {
		return 0
	}
	if t.N == count {
		return float64(t.Sum)
	}
	return t.Mean * float64(count)
}

// timingComplete: a missing rows entry still leaves the timing figures
// usable for comparison (it is an estimate anyway).
func (c CellCost) timingComplete() bool {
	for _, m := range c.Missing {
		if !strings.HasPrefix(m, "rowsWrittenPerOp.") {
			return false
		}
	}
	return c.Ops > 0
}

// CompareToDirect fills the savings fields of every cell that has a direct
// cell at the same duration with usable figures.
func CompareToDirect(costs []CellCost) {
	ref := map[int]CellCost{}
	for _, c := range costs {
		if c.Approach == ReferenceApproach && c.timingComplete() {
			ref[c.DurationMs] = c
		}
	}
	for i := range costs {
		c := &costs[i]
		r, ok := ref[c.DurationMs]
		if !ok || !c.timingComplete() {
			continue
		}
		s := r.DollarsPerMillionOps.Total - c.DollarsPerMillionOps.Total
		c.SavingsVsDirect = &s
		if r.DollarsPerMillionOps.Total > 0 {
			frac := s / r.DollarsPerMillionOps.Total
			ratio := c.DollarsPerMillionOps.Total / r.DollarsPerMillionOps.Total
			c.SavingsFraction, c.RatioToDirect = &frac, &ratio
		}
	}
}

// Break-even kinds: where (if anywhere) an approach starts to pay.
const (
	// BreakEvenInRange: the saving changes sign between two measured
	// durations (or is zero at one); DurationMs is interpolated.
	BreakEvenInRange = "in-range"
	// BreakEvenBelow: cheaper at every measured duration; a linear
	// extrapolation puts the break-even below the range, at DurationMs.
	BreakEvenBelow = "below-range"
	// BreakEvenAbove: dearer at every measured duration; a linear
	// extrapolation puts it above the range, at DurationMs.
	BreakEvenAbove = "above-range"
	// BreakEvenAlwaysCheaper / BreakEvenNeverCheaper: no sane extrapolation.
	BreakEvenAlwaysCheaper = "always-cheaper"
	BreakEvenNeverCheaper  = "never-cheaper"
)

// maxExtrapolation bounds how far past the longest measured duration an
// extrapolated break-even is still stated (a multiple of it).
const maxExtrapolation = 10

// BreakEven is the upstream duration from which an approach costs the same
// as direct: the headline answer to "when does proxying pay?".
type BreakEven struct {
	Approach string `json:"approach"`
	// DurationMs is meaningful for the in-range, below-range and
	// above-range kinds; 0 otherwise.
	DurationMs float64 `json:"durationMs"`
	InRange    bool    `json:"inRange"`
	Kind       string  `json:"kind"`
	// CheaperAbove says on which side of DurationMs the approach is the
	// cheaper one (true: for longer upstream durations); false when there
	// is no DurationMs.
	CheaperAbove bool   `json:"cheaperAbove"`
	Statement    string `json:"statement"`
}

type savingPoint struct {
	d, s float64
}

// BreakEvens finds each approach's break-even against direct from the
// savings CompareToDirect filled in, approaches in their order in costs.
func BreakEvens(costs []CellCost) []BreakEven {
	var order []string
	points := map[string][]savingPoint{}
	for _, c := range costs {
		if c.Approach == ReferenceApproach || c.SavingsVsDirect == nil {
			continue
		}
		if _, ok := points[c.Approach]; !ok {
			order = append(order, c.Approach)
		}
		points[c.Approach] = append(points[c.Approach], savingPoint{float64(c.DurationMs), *c.SavingsVsDirect})
	}
	out := []BreakEven{}
	for _, a := range order {
		out = append(out, breakEven(a, points[a]))
	}
	return out
}

func breakEven(approach string, pts []savingPoint) BreakEven {
	sortPoints(pts)
	be := BreakEven{Approach: approach}
	first, last := pts[0], pts[len(pts)-1]
	rng := "(" + fmtMs(first.d) + "–" + fmtMs(last.d) + ")"
	every := "every measured duration " + rng
	if len(pts) == 1 {
		rng = "(" + fmtMs(first.d) + ")"
		every = "the only measured duration " + rng
	}
	changes := 0
	found := -1
	for i := 0; i+1 < len(pts); i++ {
		if sign(pts[i].s) != sign(pts[i+1].s) && sign(pts[i].s) != 0 && sign(pts[i+1].s) != 0 {
			changes++
			if found < 0 {
				found = i
			}
		}
	}
	// An exact zero at a measured duration is a break-even there.
	for i, p := range pts {
		if p.s == 0 && (found < 0 || i <= found) {
			be.Kind, be.InRange, be.DurationMs = BreakEvenInRange, true, p.d
			be.CheaperAbove = i+1 < len(pts) && pts[i+1].s > 0 || i > 0 && pts[i-1].s < 0
			be.Statement = fmt.Sprintf("%s costs the same as %s at %s (measured)", approach, ReferenceApproach, fmtMs(p.d))
			return be
		}
	}
	if found >= 0 {
		a, b := pts[found], pts[found+1]
		d := a.d + (0-a.s)*(b.d-a.d)/(b.s-a.s)
		be.Kind, be.InRange, be.DurationMs = BreakEvenInRange, true, d
		be.CheaperAbove = b.s > 0
		side := "cheaper above it, dearer below"
		if !be.CheaperAbove {
			side = "cheaper below it, dearer above"
		}
		be.Statement = fmt.Sprintf("%s breaks even with %s near %s (interpolated between %s and %s): %s",
			approach, ReferenceApproach, fmtMs(d), fmtMs(a.d), fmtMs(b.d), side)
		if changes > 1 {
			be.Statement += fmt.Sprintf("; the saving changes sign %d times across the range, so the figures are noisy", changes)
		}
		return be
	}
	if first.s > 0 { // cheaper everywhere
		be.Kind = BreakEvenAlwaysCheaper
		be.Statement = fmt.Sprintf("%s is cheaper than %s at %s", approach, ReferenceApproach, every)
		if len(pts) >= 2 {
			p, q := pts[0], pts[1]
			if slope := (q.s - p.s) / (q.d - p.d); slope > 0 {
				if d := p.d - p.s/slope; d >= 0 {
					be.Kind, be.DurationMs, be.CheaperAbove = BreakEvenBelow, d, true
					be.Statement += fmt.Sprintf("; extrapolating linearly it would break even near %s", fmtMs(d))
				}
			}
		}
		return be
	}
	be.Kind = BreakEvenNeverCheaper
	be.Statement = fmt.Sprintf("%s costs more than %s at %s", approach, ReferenceApproach, every)
	if len(pts) >= 2 {
		p, q := pts[len(pts)-2], pts[len(pts)-1]
		if slope := (q.s - p.s) / (q.d - p.d); slope > 0 {
			d := q.d - q.s/slope
			if d <= maxExtrapolation*q.d {
				be.Kind, be.DurationMs, be.CheaperAbove = BreakEvenAbove, d, true
				be.Statement += fmt.Sprintf("; extrapolating linearly it would break even near %s", fmtMs(d))
				return be
			}
		}
		be.Statement += "; no break-even in sight: the gap does not close within " + fmtMs(maxExtrapolation*q.d)
		return be
	}
	be.Statement += "; measure more durations to find a break-even"
	return be
}

func sortPoints(pts []savingPoint) {
	for i := 1; i < len(pts); i++ {
		for j := i; j > 0 && pts[j].d < pts[j-1].d; j-- {
			pts[j], pts[j-1] = pts[j-1], pts[j]
		}
	}
}

func sign(x float64) int {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

// fmtMs prints a duration the way the plan's flags read: 230ms, 1s, 1.25s
// (seconds keep at most two decimals).
func fmtMs(ms float64) string {
	r := math.Round(ms)
	if r < 1000 {
		return strconv.FormatFloat(r, 'f', 0, 64) + "ms"
	}
	return strconv.FormatFloat(math.Round(ms/10)/100, 'f', -1, 64) + "s"
}
