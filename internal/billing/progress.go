// Package billing attributes Logpush records to batches and roles and turns
// them into dollars with a dated price table. It is pure: no network, no UI.
package billing

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
)

// Count is matched vs expected records for one cell and role.
type Count struct {
	Approach   string `json:"approach"`
	DurationMs int    `json:"durationMs"`
	Role       string `json:"role"`
	Matched    int    `json:"matched"`
	Expected   int    `json:"expected"`
}

// Progress is how far attribution has got; the poller reports it after
// every poll and stops when Complete.
type Progress struct {
	RecordsRead int     `json:"recordsRead"`
	Counts      []Count `json:"counts"`
	// Complete is true when every expected record has been matched.
	Complete bool `json:"complete"`
	// Warnings are things the user can act on (see package doc).
	Warnings []string `json:"warnings,omitempty"`
}
