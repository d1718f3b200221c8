package cfapi

import (
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DatasetWorkersTraceEvents is the Logpush dataset of Workers invocations.
const DatasetWorkersTraceEvents = "workers_trace_events"

// LogpushJob is a job as the API returns it. Absent and null fields stay
// zero.
type LogpushJob struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Dataset string `json:"dataset"`
	Kind    string `json:"kind"`
	Enabled bool   `json:"enabled"`
	// Destination may hold the R2 keys Logpush writes with: it prints masked.
	Destination Destination `json:"destination_conf"`
	// LogpullOptions is the legacy form of the options,
	// "fields=A,B&sample=0.1&timestamps=rfc3339"; OutputOptions replaces it.
	LogpullOptions string          `json:"logpull_options"`
	OutputOptions  json.RawMessage `json:"output_options"`
	Filter         string          `json:"filter"`
	Frequency      string          `json:"frequency"`
	// LastComplete is when logs were last pushed successfully (empty: never).
	LastComplete string `json:"last_complete"`
	// LastError is when the job last failed; set means it is failing now.
	LastError    string `json:"last_error"`
	ErrorMessage string `json:"error_message"`
}

// OutputOptions are the fields of output_options pfx-tui reads.
type OutputOptions struct {
	FieldNames      []string `json:"field_names"`
	OutputType      string   `json:"output_type"`
	SampleRate      *float64 `json:"sample_rate"`
	TimestampFormat string   `json:"timestamp_format"`
	RecordTemplate  string   `json:"record_template"`
	RecordPrefix    *string  `json:"record_prefix"`
}

// Output decodes output_options; ok is false when the job has none.
func (j LogpushJob) Output() (OutputOptions, bool) {
	var o OutputOptions
	raw := strings.TrimSpace(string(j.OutputOptions))
	if raw == "" || raw == "null" {
		return o, false
	}
	if json.Unmarshal(j.OutputOptions, &o) != nil {
		return o, false
	}
	return o, true
}

// OutputMap is output_options as a map, to update it keeping the keys
// pfx-tui does not know; empty when the job has none.
func (j LogpushJob) OutputMap() map[string]any {
	m := map[string]any{}
	if len(j.OutputOptions) > 0 {
		_ = json.Unmarshal(j.OutputOptions, &m)
		if m == nil {
			m = map[string]any{}
		}
	}
	return m
}

// logpull parses the legacy logpull_options query.
func (j LogpushJob) logpull() url.Values {
	v, _ := url.ParseQuery(strings.TrimPrefix(strings.TrimSpace(j.LogpullOptions), "?"))
	return v
}

// Fields are the field names the job pushes and where they were read:
// output_options.field_names, which replaces the legacy logpull_options
// "fields=" when set, else logpull_options.
func (j LogpushJob) Fields() (fields []string, from string) {
	if o, ok := j.Output(); ok && len(o.FieldNames) > 0 {
		return o.FieldNames, "output_options.field_names"
	}
	if f := j.logpull().Get("fields"); f != "" {
		for _, x := range strings.Split(f, ",") {
			if x = strings.TrimSpace(x); x != "" {
				fields = append(fields, x)
			}
		}
		return fields, "logpull_options"
	}
	return nil, ""
}

// SampleRate is the share of events pushed (1 = all).
func (j LogpushJob) SampleRate() float64 {
	if o, ok := j.Output(); ok && o.SampleRate != nil {
		return *o.SampleRate
	}
	if s := j.logpull().Get("sample"); s != "" {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
	}
	return 1
}

// MissingFields lists the names of want that the job does not push.
func (j LogpushJob) MissingFields(want []string) []string {
	have, _ := j.Fields()
	var miss []string
	for _, f := range want {
		if !slices.Contains(have, f) {
			miss = append(miss, f)
		}
	}
	return miss
}

// LastCompleteTime parses last_complete; ok is false when it is empty.
func (j LogpushJob) LastCompleteTime() (time.Time, bool) { return parseTime(j.LastComplete) }

// LastErrorTime parses last_error.
func (j LogpushJob) LastErrorTime() (time.Time, bool) { return parseTime(j.LastError) }

func parseTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC3339Nano, time.RFC3339, "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// JobRequest is the body of a create or update. Only set fields are sent
// (an update changes just those). Its JSON encoding masks the
// destination's keys, for --dry-run; the request itself carries them.
type JobRequest struct {
	Name          string         `json:"name,omitempty"`
	Dataset       string         `json:"dataset,omitempty"`
	Enabled       *bool          `json:"enabled,omitempty"`
	Destination   Destination    `json:"destination_conf,omitempty"`
	OutputOptions map[string]any `json:"output_options,omitempty"`
	Filter        string         `json:"filter,omitempty"`
}

// wire is the body as sent, keys included.
func (r JobRequest) wire() map[string]any {
	m := map[string]any{}
	if r.Name != "" {
		m["name"] = r.Name
	}
	if r.Dataset != "" {
		m["dataset"] = r.Dataset
	}
	if r.Enabled != nil {
		m["enabled"] = *r.Enabled
	}
	if r.Destination != "" {
		m["destination_conf"] = r.Destination.Reveal()
	}
	if r.OutputOptions != nil {
		m["output_options"] = r.OutputOptions
	}
	if r.Filter != "" {
		m["filter"] = r.Filter
	}
	return m
}

// Bool returns a pointer to v, for JobRequest.Enabled.
func Bool(v bool) *bool { return &v }
