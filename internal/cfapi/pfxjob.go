package cfapi

import "encoding/json"

// The Logpush job pfx-tui bills from.
const (
	// DefaultJobName names the job `pfx-tui setup logpush` creates.
	DefaultJobName = "pfx-experiment-trace-events"
	// DefaultScript is the Worker workers/ deploys.
	DefaultScript = "pfx-experiment"
)

// RequiredFields are the workers_trace_events fields billing cannot do
// without: timing (CPUTimeMs, WallTimeMs; jobs created before 2025-04-09
// lack them until field_names are updated), the role (Entrypoint), the
// batch tag (Logs), the time window (EventTimestampMs), the event kind
// and the Worker.
var RequiredFields = []string{"CPUTimeMs", "WallTimeMs", "Entrypoint", "Logs", "EventTimestampMs", "EventType", "ScriptName"}

// RecommendedFields tell more apart: Event holds the request URL that
// separates the delay upstream from the router, Outcome flags failed
// invocations.
var RecommendedFields = []string{"Event", "Outcome"}

// JobFields are the field_names `pfx-tui setup logpush` sets: every
// workers_trace_events field (docs/cloudflare.md).
var JobFields = []string{
	"CPUTimeMs", "WallTimeMs", "Entrypoint", "Logs", "EventType",
	"EventTimestampMs", "ScriptName", "Outcome", "Exceptions",
	"ScriptVersion", "DispatchNamespace", "ScriptTags", "Event",
}

// ScriptFilter is a Logpush filter that keeps one Worker's events.
func ScriptFilter(script string) string {
	v, _ := json.Marshal(script)
	return `{"where":{"key":"ScriptName","operator":"eq","value":` + string(v) + `}}`
}
