package logpush

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Reason says why a line was skipped. Scans report the two kinds apart
// because they point at different culprits: malformed lines at the file
// (cut, corrupted, not NDJSON), badType lines at a schema change.
type Reason string

const (
	// ReasonMalformed marks a line that is not a JSON object at all.
	ReasonMalformed Reason = "malformed"
	// ReasonBadType marks a JSON object whose known field has the wrong
	// type, e.g. "WallTimeMs":"abc" or "Logs":5.
	ReasonBadType Reason = "badType"
)

// Sentinels for errors.Is, so callers can branch on the kind of a
// DecodeError without a type assertion.
var (
	ErrMalformed = errors.New("logpush: malformed line")
	ErrBadType   = errors.New("logpush: field of the wrong type")
)

// DecodeError is what DecodeLine returns, so that a reader can count a
// skipped line under its Reason and still show the detail to a human.
type DecodeError struct {
	Reason Reason
	// Field is the dotted path of the offending field for ReasonBadType
	// when encoding/json reports it ("WallTimeMs", "Logs.Message").
	Field string
	Err   error
}

// Error names the reason first, as the counters do.
func (e *DecodeError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("logpush: %s line: field %s: %v", e.Reason, e.Field, e.Err)
	}
	return fmt.Sprintf("logpush: %s line: %v", e.Reason, e.Err)
}

// Unwrap exposes the underlying encoding/json error.
func (e *DecodeError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrMalformed) and errors.Is(err, ErrBadType) work.
func (e *DecodeError) Is(target error) bool {
	switch target {
	case ErrMalformed:
		return e.Reason == ReasonMalformed
	case ErrBadType:
		return e.Reason == ReasonBadType
	}
	return false
}

// DecodeLine decodes one NDJSON line of a workers_trace_events file. A
// line that is not exactly one JSON object (json.Valid) is malformed. A
// line is badType when ScriptName, EventType, Entrypoint, WallTimeMs,
// CPUTimeMs or EventTimestampMs has the wrong type (the scanners' rules,
// see Fields: a null ScriptName or EventType included), or when any other
// field does (Logs, Event, …). It is lenient where Cloudflare's output has
// varied (field-name case, the type of EventTimestampMs, unknown extra
// fields) and strict where a wrong type would silently corrupt billing
// figures (WallTimeMs:"abc" is an error, not a zero). Numbers inside
// Log.Message are kept as json.Number so that the record re-encodes exactly
// (see Deduper.Seen).
func DecodeLine(line []byte) (Record, error) {
	var rec Record
	if err := decodeObject(line, &rec); err != nil {
		return Record{}, err
	}
	return rec, nil
}

// UnmarshalJSON applies DecodeLine's rules wherever a Record is decoded
// (saved captures, tests), not only in Reader.
func (r *Record) UnmarshalJSON(data []byte) error {
	if string(bytes.TrimSpace(data)) == "null" {
		return nil
	}
	return decodeObject(data, r)
}

// decodeObject decodes data into rec, which may already hold values (as
// json.Unmarshal does with present fields overwriting).
func decodeObject(data []byte, rec *Record) error {
	var sc lineScanner
	var f Fields
	if reason, field := sc.scan(data, &f); reason != "" {
		return lineError(data, reason, field)
	}
	return decodeValid(data, rec)
}

// lineError describes why the scanners skipped a line.
func lineError(data []byte, reason Reason, field string) error {
	if reason == ReasonBadType && json.Valid(data) {
		return &DecodeError{Reason: ReasonBadType, Field: field, Err: errors.New("cannot use the value as " + fieldWants[field])}
	}
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && t[0] != '{' && json.Valid(data) {
		return &DecodeError{Reason: ReasonMalformed, Err: errors.New("not a JSON object")}
	}
	// Decode again only to get encoding/json's positioned message.
	var raw json.RawMessage
	err := json.Unmarshal(data, &raw)
	if err == nil {
		err = errors.New("invalid JSON")
	}
	return &DecodeError{Reason: ReasonMalformed, Err: err}
}

// fieldWants names what the scanners accept for each field they check.
var fieldWants = map[string]string{
	"ScriptName":       "a string",
	"EventType":        "a string",
	"Entrypoint":       "a string",
	"WallTimeMs":       "an int64",
	"CPUTimeMs":        "an int64",
	"EventTimestampMs": "epoch milliseconds",
}

// decodeValid decodes every field of a line the scanners accepted, with
// encoding/json; a field they do not check (Logs, Event, …) may still have
// the wrong type.
func decodeValid(data []byte, rec *Record) error {
	w := wireRecord{plainRecord: plainRecord(*rec), EventTimestampMs: eventTimestamp(rec.EventTimestampMs)}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&w); err != nil {
		// The syntax was checked, so whatever fails now is a value that
		// does not fit its field.
		de := &DecodeError{Reason: ReasonBadType, Err: err}
		var te *json.UnmarshalTypeError
		var ts *timestampError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &se):
			de.Reason = ReasonMalformed // not reached: the scanners validate
		case errors.As(err, &ts):
			de.Field = "EventTimestampMs"
			de.Err = ts
		case errors.As(err, &te):
			// Field is a path through wireRecord's embedded struct.
			de.Field = strings.TrimPrefix(te.Field, "plainRecord.")
			de.Err = &typeError{value: te.Value, want: te.Type.String(), err: te}
		}
		return de
	}
	*rec = Record(w.plainRecord)
	rec.EventTimestampMs = int64(w.EventTimestampMs)
	return nil
}

// typeError restates a json.UnmarshalTypeError without the names of this
// file's internal types.
type typeError struct {
	value, want string
	err         error
}

func (e *typeError) Error() string { return "cannot use JSON " + e.value + " as " + e.want }
func (e *typeError) Unwrap() error { return e.err }

// plainRecord has Record's fields without its methods, so decoding it does
// not recurse into Record.UnmarshalJSON.
type plainRecord Record

// wireRecord shadows EventTimestampMs with a type that accepts the several
// encodings seen in the wild; encoding/json picks the shallower field.
type wireRecord struct {
	plainRecord
	EventTimestampMs eventTimestamp `json:"EventTimestampMs"`
}

// eventTimestamp is epoch milliseconds decoded from an integer, a float
// with an integral value, a numeric string or an RFC 3339 string.
type eventTimestamp int64

type timestampError struct{ value string }

func (e *timestampError) Error() string {
	v := e.value
	if len(v) > 64 {
		v = v[:64] + "…"
	}
	return "cannot use " + v + " as epoch milliseconds"
}

func (t *eventTimestamp) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return &timestampError{value: "empty value"}
	}
	switch c := b[0]; {
	case string(b) == "null":
		return nil
	case c == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return &timestampError{value: string(b)}
		}
		if s == "" { // as good as absent
			return nil
		}
		if ms, ok := parseNumericMs(s); ok {
			*t = eventTimestamp(ms)
			return nil
		}
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return &timestampError{value: string(b)}
		}
		*t = eventTimestamp(tm.UnixMilli())
		return nil
	case c == '-' || (c >= '0' && c <= '9'):
		if ms, ok := parseNumericMs(string(b)); ok {
			*t = eventTimestamp(ms)
			return nil
		}
	}
	return &timestampError{value: string(b)}
}

// parseNumericMs accepts a JSON number that is an integer, or a float whose
// value is integral and fits in int64 (1.7326161e12 is fine, 1.5 is not).
func parseNumericMs(s string) (int64, bool) {
	if !isJSONNumber(s) {
		return 0, false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f) {
		return 0, false
	}
	// -2^63 is exact in float64; 2^63 is the first value out of range.
	if f < -9223372036854775808 || f >= 9223372036854775808 {
		return 0, false
	}
	return int64(f), true
}

// isJSONNumber reports whether s is exactly one JSON number, which keeps Go
// extensions of strconv ("+1", "0x1p4", "Inf", "1_000") out.
func isJSONNumber(s string) bool {
	if s == "" || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) {
		return false
	}
	return json.Valid([]byte(s))
}
