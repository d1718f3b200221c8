// Package billing attributes Logpush records to batches and roles and turns
// them into dollars with a dated price table. It is pure: no network, no UI.
//
// Attribution is exact when an invocation logged the batch tag
// (console.log("pfx", batchId, op)); otherwise a record belongs to the batch
// whose time window (± a guard for clock skew) holds it, among batches whose
// approach can produce the record's role. Warnings are phrased as things the
// user can do: update the Logpush job's field_names, enable "logpush": true,
// map an unknown class with --role, and so on.
package billing

import (
	"fmt"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
)

// Roles an invocation can play in the experiment, derived from Entrypoint.
const (
	RoleController   = "controller"
	RoleOrigin       = "origin"
	RoleOrchestrator = "orchestrator"
	RoleExecutor     = "executor"
	RoleUpstream     = "upstream"
	// RoleEntry is the default fetch handler (empty Entrypoint) that routes
	// requests; like controller and upstream it is harness, not approach cost.
	RoleEntry   = "entry"
	RoleUnknown = "unknown"
	// RoleAny labels the single Count row of a cell whose approach has
	// unknown expectations and no records yet.
	RoleAny = "any"
)

// Count is matched vs expected records for one cell and role.
type Count struct {
	Approach   string `json:"approach"`
	DurationMs int    `json:"durationMs"`
	// Concurrency: the cell's ops in flight (0: no such dimension).
	Concurrency int    `json:"concurrency,omitempty"`
	Role        string `json:"role"`
	Matched     int    `json:"matched"`
	// Expected is ExpectedUnknown (-1) when the approach's record pattern is
	// not known; such rows never hold up Complete.
	Expected int `json:"expected"`
	// FromFailedBatches is the part of Matched that came from batches that
	// did not finish (error, timeout, dropped, interrupted): how far they got
	// is unknown, so their records are counted but not expected.
	FromFailedBatches int `json:"fromFailedBatches,omitempty"`
}

// Short reports whether records are still missing for this row.
func (c Count) Short() bool {
	return c.Expected >= 0 && c.Matched-c.FromFailedBatches < c.Expected
}

// Shortfall sums, over the counts with an expectation, the records
// matched (outside failed batches, at most the expected number) and the
// records expected, and names the short ones ("simple 500ms executor (3 of
// 5)"), at most n of them and then how many more ("" when none is short).
func (p Progress) Shortfall(n int) (got, want int, short string) {
	var names []string
	for _, c := range p.Counts {
		if c.Expected < 0 {
			continue
		}
		got += min(c.Matched-c.FromFailedBatches, c.Expected)
		want += c.Expected
		if c.Short() {
			names = append(names, fmt.Sprintf("%s %s %s (%d of %d)", c.Approach, experiment.FormatDuration(c.DurationMs), c.Role, c.Matched-c.FromFailedBatches, c.Expected))
		}
	}
	return got, want, listSome(names, n)
}

// Progress is how far attribution has got; the poller reports it after
// every poll and stops when Complete.
type Progress struct {
	// RecordsRead counts every valid record read, duplicates included.
	RecordsRead int     `json:"recordsRead"`
	Counts      []Count `json:"counts"`
	// Complete is true when every expected record has been matched. With
	// only unknown expectations nothing says the data is in, so it stays
	// false and polling runs to its deadline.
	Complete bool `json:"complete"`
	// Warnings are things the user can act on (see package doc).
	Warnings []string `json:"warnings,omitempty"`

	// ScriptName is the filter in use ("" = any script).
	ScriptName string `json:"scriptName,omitempty"`
	// RecordsForScript counts unique records of the script (or attributed
	// to this run by tag): zero long after the run means Logpush is not
	// delivering this Worker's events.
	RecordsForScript int `json:"recordsForScript"`
	// Unattributed counts records of the script that belong to no batch.
	Unattributed int `json:"unattributed"`
	Duplicates   int `json:"duplicates"`
	// OtherScripts counts unattributed records by the script that wrote
	// them, to name the right script when the filter matches nothing.
	OtherScripts map[string]int `json:"otherScripts,omitempty"`
}
