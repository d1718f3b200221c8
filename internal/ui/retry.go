package ui

import (
	"fmt"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
)

// retrying records a failed attempt the runner runs again (--retries): it
// is logged with its cause, its ops join the run's total (the retry runs
// them again), and it counts neither as a finished batch nor as a failed
// one: the retry's outcome does.
func (m *runModel) retrying(res experiment.BatchResult, err error) {
	if m.cur != nil && m.cur.Index == res.Index {
		m.opsDone += max(0, res.Ops-m.curOps)
		m.cur = nil
	}
	m.totalOps += res.Ops
	at := res.EndedAt
	if at.IsZero() {
		at = m.at
	}
	msg := res.Failure
	if err != nil {
		msg = err.Error()
	}
	m.addLog(at, fmt.Sprintf("↻ %s %s: %s; running it again", specName(res.BatchSpec), res.Status, msg), true)
}
