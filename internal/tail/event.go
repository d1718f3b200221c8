package tail

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"

	"github.com/pfx-tui/pfx-tui/internal/logpush"
)

// Event is one message of a tail session as `wrangler tail --format json`
// prints it: the trace worker's JSON, whose field names are those of
// workers-types' TraceItem (scriptName, entrypoint, executionModel,
// eventTimestamp, wallTime, cpuTime, outcome, logs, exceptions, event, …).
// Numbers are json.Number: nothing promises they are integers.
type Event struct {
	Outcome           string          `json:"outcome"`
	ScriptName        string          `json:"scriptName"`
	Entrypoint        string          `json:"entrypoint"`
	ExecutionModel    string          `json:"executionModel"`
	DurableObjectID   string          `json:"durableObjectId"`
	DispatchNamespace string          `json:"dispatchNamespace"`
	ScriptTags        []string        `json:"scriptTags"`
	ScriptVersion     *ScriptVersion  `json:"scriptVersion"`
	EventTimestamp    json.Number     `json:"eventTimestamp"`
	WallTime          json.Number     `json:"wallTime"`
	CPUTime           json.Number     `json:"cpuTime"`
	Truncated         bool            `json:"truncated"`
	Logs              []Log           `json:"logs"`
	Exceptions        []Exception     `json:"exceptions"`
	Event             json.RawMessage `json:"event"`
}

// ScriptVersion is the deployed version that handled the event.
type ScriptVersion struct {
	ID      string `json:"id"`
	Tag     string `json:"tag"`
	Message string `json:"message"`
}

// Log is one console call: message holds its arguments.
type Log struct {
	Level     string          `json:"level"`
	Message   json.RawMessage `json:"message"`
	Timestamp json.Number     `json:"timestamp"`
}

// Exception is one uncaught exception; its message need not be a string.
type Exception struct {
	Name      string          `json:"name"`
	Message   json.RawMessage `json:"message"`
	Timestamp json.Number     `json:"timestamp"`
}

// eventInfo is the union of the trigger shapes the tail sends in "event";
// which keys are present says what kind of invocation it was.
type eventInfo struct {
	Request *struct {
		URL     string            `json:"url"`
		Method  string            `json:"method"`
		Headers map[string]string `json:"headers"`
	} `json:"request"`
	Response *struct {
		Status int `json:"status"`
	} `json:"response"`
	RPCMethod         *string         `json:"rpcMethod"`
	GetWebSocketEvent json.RawMessage `json:"getWebSocketEvent"`
	Cron              *string         `json:"cron"`
	ScheduledTime     json.RawMessage `json:"scheduledTime"`
	Queue             *string         `json:"queue"`
	MailFrom          *string         `json:"mailFrom"`
	ConsumedEvents    json.RawMessage `json:"consumedEvents"`
	// Message and Type make a TailInfo: a note about the tail session
	// itself, not an invocation.
	Message *string `json:"message"`
	Type    *string `json:"type"`
}

// Logpush EventType values for the tail's trigger shapes.
const (
	eventFetch     = "fetch"
	eventRPC       = "worker_rpc"
	eventWebSocket = "hibernatable_web_socket"
	eventScheduled = "scheduled"
	eventAlarm     = "alarm"
	eventQueue     = "queue"
	eventEmail     = "email"
	eventTail      = "tail"
)

func (e Event) info() (eventInfo, bool) {
	var info eventInfo
	raw := bytes.TrimSpace(e.Event)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return info, false
	}
	if json.Unmarshal(raw, &info) != nil {
		return info, false
	}
	return info, true
}

// isInfo reports whether the message is a TailInfo (about the session,
// e.g. sampling), not an invocation.
func (e Event) isInfo() bool {
	info, ok := e.info()
	return ok && info.Message != nil && info.Type != nil && info.eventType() == ""
}

// eventType names the trigger as Logpush's EventType does (fetch,
// worker_rpc, hibernatable_web_socket, alarm, scheduled, queue, email);
// "" when the tail said nothing about it.
func (info eventInfo) eventType() string {
	switch {
	case info.Request != nil:
		return eventFetch
	case info.RPCMethod != nil:
		return eventRPC
	case len(info.GetWebSocketEvent) > 0:
		return eventWebSocket
	case info.Cron != nil:
		return eventScheduled
	case len(info.ScheduledTime) > 0:
		return eventAlarm // a Durable Object alarm: scheduledTime without cron
	case info.Queue != nil:
		return eventQueue
	case info.MailFrom != nil:
		return eventEmail
	case len(info.ConsumedEvents) > 0:
		return eventTail
	}
	return ""
}

// Record maps the event onto the Logpush workers_trace_events record the
// billing collector attributes: eventTimestamp → EventTimestampMs, wallTime
// → WallTimeMs, cpuTime → CPUTimeMs (absent stays nil, "not recorded"),
// entrypoint → Entrypoint ("default", the default export, becomes "" as in
// Logpush), logs → Logs (so batch tags are found), the trigger's shape →
// EventType and Event.
func (e Event) Record() logpush.Record {
	rec := logpush.Record{
		EventTimestampMs:  numberMs(e.EventTimestamp),
		ScriptName:        e.ScriptName,
		Entrypoint:        e.Entrypoint,
		Outcome:           e.Outcome,
		DispatchNamespace: e.DispatchNamespace,
		ScriptTags:        e.ScriptTags,
	}
	if rec.Entrypoint == "default" {
		rec.Entrypoint = ""
	}
	if e.WallTime != "" {
		rec.WallTimeMs = logpush.Int64(numberMs(e.WallTime))
	}
	if e.CPUTime != "" {
		rec.CPUTimeMs = logpush.Int64(numberMs(e.CPUTime))
	}
	if v := e.ScriptVersion; v != nil && (v.ID != "" || v.Tag != "" || v.Message != "") {
		rec.ScriptVersion = &logpush.ScriptVersion{ID: v.ID, Tag: v.Tag, Message: v.Message}
	}
	if info, ok := e.info(); ok {
		rec.EventType = info.eventType()
		var ev logpush.Event
		if r := info.Request; r != nil {
			ev.Request = &logpush.Request{URL: r.URL, Method: strings.ToUpper(r.Method)}
			for k, v := range r.Headers {
				if strings.EqualFold(k, "cf-ray") {
					ev.RayID = v
				}
			}
		}
		if info.Response != nil && info.Response.Status != 0 {
			ev.Response = &logpush.Response{Status: info.Response.Status}
		}
		if ev.Request != nil || ev.Response != nil || ev.RayID != "" {
			rec.Event = &ev
		}
	}
	for _, l := range e.Logs {
		rec.Logs = append(rec.Logs, logpush.Log{Level: l.Level, Message: logMessage(l.Message), TimestampMs: numberMs(l.Timestamp)})
	}
	for _, x := range e.Exceptions {
		rec.Exceptions = append(rec.Exceptions, logpush.Exception{Name: x.Name, Message: text(x.Message), TimestampMs: numberMs(x.Timestamp)})
	}
	return rec
}

// numberMs reads a millisecond count; a fraction is dropped (Logpush's
// fields are whole milliseconds), a value that is no number is 0.
func numberMs(n json.Number) int64 {
	if n == "" {
		return 0
	}
	if i, err := n.Int64(); err == nil {
		return i
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > math.MaxInt64/2 {
		return 0
	}
	return int64(math.Floor(f))
}

// logMessage decodes a log's arguments as the Logpush reader does (numbers
// as json.Number), so batch tags parse the same; a message that is not an
// array becomes a one-argument call.
func logMessage(raw json.RawMessage) []any {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	var v any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if d.Decode(&v) != nil {
		return nil
	}
	if a, ok := v.([]any); ok {
		return a
	}
	return []any{v}
}

// text is a JSON value as a string: a string as itself, anything else as
// its JSON.
func text(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	if bytes.Equal(raw, []byte("null")) {
		return ""
	}
	return string(raw)
}
