package analytics

import (
	"testing"

	"github.com/pfx-tui/pfx-tui/internal/billing"
	"github.com/pfx-tui/pfx-tui/internal/experiment"
)

// Logpush's Worker figures replace analytics' only for a cell whose
// Logpush billing is complete, and are billing's own: CPU scaled up over
// the records that lack it (mean × count), no request fee for the
// executor (a service binding).
func TestLoggedWorkerOnlyFromCompleteLogpush(t *testing.T) {
	t.Parallel()
	rep := &billing.Report{
		Counts: []billing.Count{
			{Approach: "simple", DurationMs: 100, Role: billing.RoleExecutor, Matched: 10, Expected: 10},
			{Approach: "direct", DurationMs: 100, Role: billing.RoleOrigin, Matched: 10, Expected: 10},
			{Approach: "current", DurationMs: 100, Role: billing.RoleOrigin, Matched: 5, Expected: 20},
		},
		Cells: []billing.CellFigures{
			// 10 executor records, 5 with CPU (40 ms): billed as 80 ms over 10 ops.
			{Approach: "simple", DurationMs: 100, Ops: 10, Roles: []billing.RoleFigures{
				{Role: billing.RoleExecutor, Count: 10, CPUTimeMs: billing.Timing{N: 5, Sum: 40, Mean: 8}},
			}},
			{Approach: "direct", DurationMs: 100, Ops: 10, Roles: []billing.RoleFigures{
				{Role: billing.RoleOrigin, Count: 10, WallTimeMs: billing.Timing{N: 10, Sum: 1000, Mean: 100}},
			}},
			// Incomplete, and no executor record yet.
			{Approach: "current", DurationMs: 100, Ops: 10, Roles: []billing.RoleFigures{
				{Role: billing.RoleOrigin, Count: 5, WallTimeMs: billing.Timing{N: 5, Sum: 500, Mean: 100}},
			}},
		},
	}
	rep.Recost(billing.CostOptions{})
	lw := LoggedWorkerOf(rep)
	cell := func(a string, ms int) experiment.Cell { return experiment.Cell{Approach: a, DurationMs: ms} }
	if own, _, ok := lw(cell("simple", 100)); !ok || own.WorkerCPUMs != 8 || own.WorkerRequests != 0 {
		t.Errorf("simple: %+v ok %v, want billing's 8 ms (80 scaled over 10 ops), 0 requests", own, ok)
	}
	if own, _, ok := lw(cell("direct", 100)); !ok || own.WorkerCPUMs != 0 || own.WorkerRequests != 0 {
		t.Errorf("direct (no executor, complete): %+v %v", own, ok)
	}
	if _, _, ok := lw(cell("current", 100)); ok {
		t.Error("current's Logpush billing is incomplete: its Worker figures were taken")
	}
	if _, _, ok := lw(cell("simple", 500)); ok {
		t.Error("a cell Logpush does not have")
	}
	// A complete cell whose executor records carry no CPU at all.
	rep.Cells[0].Roles[0].CPUTimeMs = billing.Timing{}
	rep.Recost(billing.CostOptions{})
	if _, _, ok := LoggedWorkerOf(rep)(cell("simple", 100)); ok {
		t.Error("simple's executor CPU is missing: its Worker figures were taken")
	}
	if LoggedWorkerOf(nil) != nil {
		t.Error("no Logpush report, yet a LoggedWorker")
	}
}
