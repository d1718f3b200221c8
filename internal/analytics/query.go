// Package analytics reads Cloudflare's GraphQL Analytics API: what a Durable
// Object was billed for (active time in GB-s, requests, SQLite rows) per
// minute, which Logpush does not record. It queries three datasets for a
// run's window, attributes their minute rows to the cells that owned those
// minutes (--order minute), and reconciles the billed figures with the
// logged ones (Σ WallTimeMs from Logpush).
//
// Field names were checked against public sources; docs/cloudflare.md says
// which and how. Fields not confirmed by Cloudflare's own documentation are
// requested as optional: when the API answers "unknown field", the client
// drops the field, retries, and the report names what is missing.
package analytics

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Datasets queried.
const (
	// DatasetPeriodic: per Durable Object namespace and minute, active time
	// (µs), CPU time and SQLite rows read/written. It has no scriptName
	// dimension, so rows are grouped by namespaceId and matched against the
	// experiment's namespaces.
	DatasetPeriodic = "durableObjectsPeriodicGroups"
	// DatasetDOInvocations: requests per namespace and minute. Adaptive
	// datasets are sampled
	// (https://developers.cloudflare.com/analytics/graphql-api/sampling/):
	// the sums are estimates when Cloudflare samples.
	DatasetDOInvocations = "durableObjectsInvocationsAdaptiveGroups"
	// DatasetWorkers: requests and CPU time of the Worker script per
	// minute; sampled like every Adaptive dataset.
	DatasetWorkers = "workersInvocationsAdaptive"
)

// Field names (see docs/cloudflare.md for where each was verified).
const (
	FieldMinute      = "datetimeMinute"
	FieldNamespaceID = "namespaceId"
	FieldScriptName  = "scriptName"
	FieldActiveTime  = "activeTime" // µs the object was active (billed as duration)
	FieldCPUTime     = "cpuTime"    // µs, periodic dataset
	FieldRowsRead    = "rowsRead"
	FieldRowsWritten = "rowsWritten"
	FieldRequests    = "requests"
	FieldCPUTimeUs   = "cpuTimeUs" // µs, workersInvocationsAdaptive
)

// RowLimit is the limit asked of every dataset; a result that long may be
// cut, which the report says and which leaves the cells uncosted. 10000 is
// assumed: Cloudflare's Limits page
// (https://developers.cloudflare.com/analytics/graphql-api/limits/) says
// each dataset has its own maximum number of records per query (the
// settings node's maxPageSize reports it) and states none for these
// datasets.
const RowLimit = 10000

// Query is one dataset's query for a time window: the dimensions rows are
// grouped by and the sums asked for. Optional sums may be dropped when the
// API does not know them.
type Query struct {
	Name       string // GraphQL operation name
	Dataset    string
	Dimensions []string
	Sums       []string
	Optional   []string
	// ScriptFilter filters by scriptName (workersInvocationsAdaptive).
	ScriptFilter bool
}

// Queries are the three dataset queries of a billing poll.
func Queries() []Query {
	return []Query{
		{Name: "PfxPeriodic", Dataset: DatasetPeriodic, Dimensions: []string{FieldMinute, FieldNamespaceID},
			Sums: []string{FieldActiveTime, FieldCPUTime, FieldRowsRead, FieldRowsWritten}, Optional: []string{FieldCPUTime, FieldRowsRead, FieldRowsWritten}},
		{Name: "PfxDORequests", Dataset: DatasetDOInvocations, Dimensions: []string{FieldMinute, FieldNamespaceID},
			Sums: []string{FieldRequests}},
		{Name: "PfxWorkers", Dataset: DatasetWorkers, Dimensions: []string{FieldMinute, FieldScriptName},
			Sums: []string{FieldRequests, FieldCPUTimeUs}, Optional: []string{FieldCPUTimeUs}, ScriptFilter: true},
	}
}

// Without is the query without one optional sum field; false when the
// field is not an optional one of this query.
func (q Query) Without(field string) (Query, bool) {
	if !slices.Contains(q.Optional, field) || !slices.Contains(q.Sums, field) {
		return q, false
	}
	out := q
	out.Sums = slices.DeleteFunc(slices.Clone(q.Sums), func(s string) bool { return s == field })
	return out, true
}

// Text is the GraphQL document. Times and the account are variables, so
// the document is the same for every run.
func (q Query) Text() string {
	var b strings.Builder
	vars := "$accountTag: string!, $from: Time!, $to: Time!"
	filter := FieldMinute + "_geq: $from, " + FieldMinute + "_leq: $to"
	if q.ScriptFilter {
		vars += ", $scriptName: string!"
		filter = FieldScriptName + ": $scriptName, " + filter
	}
	fmt.Fprintf(&b, "query %s(%s) {\n", q.Name, vars)
	b.WriteString("  viewer {\n    accounts(filter: {accountTag: $accountTag}) {\n")
	fmt.Fprintf(&b, "      %s(limit: %d, filter: {%s}, orderBy: [%s_ASC]) {\n", q.Dataset, RowLimit, filter, FieldMinute)
	fmt.Fprintf(&b, "        dimensions { %s }\n", strings.Join(q.Dimensions, " "))
	if len(q.Sums) > 0 {
		fmt.Fprintf(&b, "        sum { %s }\n", strings.Join(q.Sums, " "))
	}
	b.WriteString("      }\n    }\n  }\n}\n")
	return b.String()
}

// Variables are the query's variables for an account, a script and a
// window of whole minutes [from, to] (both bounds inclusive).
func (q Query) Variables(account, script string, from, to time.Time) map[string]any {
	v := map[string]any{
		"accountTag": account,
		"from":       FormatMinute(from),
		"to":         FormatMinute(to),
	}
	if q.ScriptFilter {
		v["scriptName"] = script
	}
	return v
}

// FormatMinute prints a minute as the API reads and writes datetimeMinute:
// RFC 3339 UTC (fractions only for the emulator's sub-second minutes).
func FormatMinute(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
