// Package logpush reads Cloudflare Logpush workers_trace_events files: the
// record type, a streaming gzip+NDJSON reader, object-name parsing, duplicate
// detection and the summary behind `pfx-tui logs scan`. It is pure: no
// network, no UI.
package logpush

// Record is one workers_trace_events line: the 13 flat PascalCase fields
// Cloudflare writes. CPUTimeMs and WallTimeMs are pointers because Logpush
// jobs created before 2025-04-09 omit them until their field_names are
// updated; a nil value means "not recorded", not zero.
type Record struct {
	CPUTimeMs         *int64         `json:"CPUTimeMs,omitempty"`
	WallTimeMs        *int64         `json:"WallTimeMs,omitempty"`
	EventTimestampMs  int64          `json:"EventTimestampMs"`
	ScriptName        string         `json:"ScriptName"`
	Entrypoint        string         `json:"Entrypoint,omitempty"`
	EventType         string         `json:"EventType"`
	Outcome           string         `json:"Outcome"`
	DispatchNamespace string         `json:"DispatchNamespace,omitempty"`
	ScriptTags        []string       `json:"ScriptTags,omitempty"`
	ScriptVersion     *ScriptVersion `json:"ScriptVersion,omitempty"`
	Event             *Event         `json:"Event,omitempty"`
	Logs              []Log          `json:"Logs,omitempty"`
	Exceptions        []Exception    `json:"Exceptions,omitempty"`
}

// ScriptVersion identifies the deployed version that handled the event.
type ScriptVersion struct {
	ID      string `json:"ID,omitempty"`
	Tag     string `json:"Tag,omitempty"`
	Message string `json:"Message,omitempty"`
}

// Event is the trigger's detail; for fetch events it carries the request.
type Event struct {
	RayID    string    `json:"RayID,omitempty"`
	Request  *Request  `json:"Request,omitempty"`
	Response *Response `json:"Response,omitempty"`
}

// Request is the fetch event's request line.
type Request struct {
	URL    string `json:"URL,omitempty"`
	Method string `json:"Method,omitempty"`
}

// Response is the fetch event's response status.
type Response struct {
	Status int `json:"Status,omitempty"`
}

// Log is one console.* call made during the invocation. Message holds the
// call's arguments as decoded JSON values; DecodeLine gives numbers as
// json.Number (exact, and re-encoded as written), not float64.
type Log struct {
	Level       string `json:"Level"`
	Message     []any  `json:"Message"`
	TimestampMs int64  `json:"TimestampMs"`
}

// Exception is one uncaught exception of the invocation.
type Exception struct {
	Name        string `json:"Name"`
	Message     string `json:"Message"`
	TimestampMs int64  `json:"TimestampMs"`
}

// Int64 returns a pointer to v, for building records with timing fields.
func Int64(v int64) *int64 { return &v }
