package analytics

import (
	"github.com/pfx-tui/pfx-tui/internal/billing"
	"github.com/pfx-tui/pfx-tui/internal/experiment"
)

// Tolerance is how far billed active time may stray from logged wall time
// before a comparison is flagged (0.10 = 10 %).
const Tolerance = 0.10

// Likely causes of a billed/logged difference, as reports print them.
const (
	CauseTimers  = "a pending timer or alarm kept the object from hibernating between invocations: billed as active time, never logged as an invocation"
	CauseShared  = "harness or another cell's activity in the same minute (shared minutes are left out, which can also lower the billed side)"
	CauseOverlap = "invocations overlapping on one object: Σ WallTimeMs counts the overlap once per invocation, billing counts the time once"
	CauseLag     = "analytics had not settled: minutes may still be missing or partial"
	CauseMissing = "Logpush records are missing (billing incomplete): the logged side is short"
)

// Comparison puts one cell role's billed active time (analytics) next to
// the Σ WallTimeMs of its invocations (Logpush).
type Comparison struct {
	Approach   string `json:"approach"`
	DurationMs int    `json:"durationMs"`
	// Concurrency: the cell's ops in flight (0: no such dimension).
	Concurrency    int     `json:"concurrency,omitempty"`
	Role           string  `json:"role"`
	BilledActiveMs float64 `json:"billedActiveMs"`
	LoggedWallMs   float64 `json:"loggedWallMs"`
	Invocations    int     `json:"invocations"`
	// Ratio is billed / logged; absent when nothing was logged.
	Ratio *float64 `json:"ratio,omitempty"`
	// Flagged: they differ by more than Tolerance and by more than the
	// logged side's rounding (1 ms per invocation); Causes say why,
	// likeliest first.
	Flagged bool     `json:"flagged,omitempty"`
	Causes  []string `json:"causes,omitempty"`
}

// loggedCell finds the Logpush figures of the same cell: approach,
// duration and concurrency (a run with --concurrency 1,4 has a cell for
// each K, and the billed side keeps them apart as well).
func loggedCell(logged *billing.Report, cell experiment.Cell) (billing.CellFigures, bool) {
	for _, f := range logged.Cells {
		if f.Approach == cell.Approach && f.DurationMs == cell.DurationMs && f.Concurrency == cell.Concurrency {
			return f, true
		}
	}
	return billing.CellFigures{}, false
}

// loggedComplete reports whether a Logpush report's billing of cell is
// complete: its cost line's, or the whole report's when it has no lines.
func loggedComplete(b *billing.Report, cell experiment.Cell) bool {
	for _, c := range b.Costs {
		if c.Approach == cell.Approach && c.DurationMs == cell.DurationMs && c.Concurrency == cell.Concurrency {
			return c.Billing.Status == billing.BillingComplete
		}
	}
	return b.Complete
}

// LoggedWorkerOf reads a cell's Worker quantities per op from a Logpush
// report by the cost model's rules (billing.WorkerPerOp: CPU scaled up
// over records that lack it, service-binding calls carry no request fee);
// not ok when the cell's Logpush billing is not complete, it has no logged
// op, or a Worker role's records lack CPUTimeMs altogether: the cost then
// takes analytics' script figures. A cell without executor records has no
// Worker cost of its own (direct). nil without a report.
func LoggedWorkerOf(b *billing.Report) LoggedWorker {
	if b == nil {
		return nil
	}
	return func(cell experiment.Cell) (own, harness billing.CostComponents, ok bool) {
		c, found := loggedCell(b, cell)
		if !found || c.Ops <= 0 || !loggedComplete(b, cell) {
			return own, harness, false
		}
		own, harness, missing := billing.WorkerPerOp(c)
		return own, harness, len(missing) == 0
	}
}

// Reconcile compares every measured cell's Durable Object roles (origin,
// orchestrator and the controller) across the two sources, cell by cell
// (approach, duration and concurrency). Either nil gives nothing.
func Reconcile(logged *billing.Report, billed *Report) []Comparison {
	if logged == nil || billed == nil {
		return nil
	}
	var out []Comparison
	for _, cell := range billed.Cells {
		lf, found := loggedCell(logged, cell.Cell())
		if !found {
			continue
		}
		for _, role := range []string{billing.RoleOrigin, billing.RoleOrchestrator, billing.RoleController} {
			b, bok := cell.Role(role)
			l, lok := lf.Role(role)
			if !bok && !lok {
				continue
			}
			cmp := Comparison{Approach: cell.Approach, DurationMs: cell.DurationMs, Concurrency: cell.Concurrency, Role: role,
				BilledActiveMs: b.ActiveMs(), LoggedWallMs: float64(l.WallTimeMs.Sum), Invocations: l.Count}
			if cmp.LoggedWallMs > 0 {
				r := cmp.BilledActiveMs / cmp.LoggedWallMs
				cmp.Ratio = &r
			}
			cmp.Flagged, cmp.Causes = judge(cmp, cell, billed.Complete, logged.Complete)
			out = append(out, cmp)
		}
	}
	return out
}

// roundingMs is how far one invocation's logged WallTimeMs may be from its
// true wall time: Logpush records whole milliseconds.
const roundingMs = 1.0

// judge flags a difference over Tolerance (and over what the logged side's
// millisecond rounding can explain) and names its likely causes.
func judge(c Comparison, cell CellBilled, billedComplete, loggedComplete bool) (bool, []string) {
	diff := c.BilledActiveMs - c.LoggedWallMs
	if abs(diff) <= float64(c.Invocations)*roundingMs || c.Ratio != nil && abs(diff) <= Tolerance*c.LoggedWallMs {
		return false, nil
	}
	if diff > 0 {
		causes := []string{CauseTimers}
		if cell.SharedMinutes > 0 {
			causes = append(causes, CauseShared)
		}
		if !loggedComplete {
			causes = append(causes, CauseMissing)
		}
		return true, causes
	}
	causes := []string{CauseOverlap}
	if !billedComplete {
		causes = append(causes, CauseLag)
	}
	if cell.SharedMinutes > 0 {
		causes = append(causes, CauseShared)
	}
	return true, causes
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
