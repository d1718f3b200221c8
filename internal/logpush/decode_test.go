package logpush

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func TestDecodeLine(t *testing.T) {
	t.Parallel()
	full := `{"CPUTimeMs":5,"WallTimeMs":120,"EventTimestampMs":1795688100000,` +
		`"ScriptName":"pfx","Entrypoint":"OriginDO","EventType":"fetch","Outcome":"ok",` +
		`"DispatchNamespace":"ns","ScriptTags":["a","b"],"ScriptVersion":{"ID":"v1","Tag":"t","Message":"m"},` +
		`"Event":{"RayID":"8e1","Request":{"URL":"https://x/delay/100","Method":"GET"},"Response":{"Status":200}},` +
		`"Logs":[{"Level":"log","Message":["pfx","b1",3,true,null,{"k":[1.5]}],"TimestampMs":1795688100001}],` +
		`"Exceptions":[{"Name":"Error","Message":"boom","TimestampMs":1795688100002}]}`
	fullRec := Record{
		CPUTimeMs: Int64(5), WallTimeMs: Int64(120), EventTimestampMs: 1795688100000,
		ScriptName: "pfx", Entrypoint: "OriginDO", EventType: "fetch", Outcome: "ok",
		DispatchNamespace: "ns", ScriptTags: []string{"a", "b"},
		ScriptVersion: &ScriptVersion{ID: "v1", Tag: "t", Message: "m"},
		Event:         &Event{RayID: "8e1", Request: &Request{URL: "https://x/delay/100", Method: "GET"}, Response: &Response{Status: 200}},
		Logs: []Log{{Level: "log", TimestampMs: 1795688100001,
			Message: []any{"pfx", "b1", json.Number("3"), true, nil, map[string]any{"k": []any{json.Number("1.5")}}}}},
		Exceptions: []Exception{{Name: "Error", Message: "boom", TimestampMs: 1795688100002}},
	}
	tests := []struct {
		name   string
		line   string
		want   Record
		reason Reason // "" = no error
		field  string // expected DecodeError.Field when reason is badType
	}{
		{name: "all 13 fields", line: full, want: fullRec},
		{name: "minimal", line: `{}`, want: Record{}},
		{name: "surrounding whitespace and CR", line: " \t{\"ScriptName\":\"s\"}\r", want: Record{ScriptName: "s"}},
		{name: "lower-case names", line: `{"walltimems":7,"cputimems":2,"scriptname":"s","entrypoint":"E","eventtype":"alarm"}`,
			want: Record{WallTimeMs: Int64(7), CPUTimeMs: Int64(2), ScriptName: "s", Entrypoint: "E", EventType: "alarm"}},
		{name: "mixed-case names", line: `{"cputimeMS":1,"WALLTIMEMS":2,"event":{"request":{"url":"u"},"response":{"status":503}}}`,
			want: Record{CPUTimeMs: Int64(1), WallTimeMs: Int64(2), Event: &Event{Request: &Request{URL: "u"}, Response: &Response{Status: 503}}}},
		{name: "unknown fields ignored", line: `{"ScriptName":"s","Extra":{"deep":[1,2]},"Other":"x"}`, want: Record{ScriptName: "s"}},
		{name: "null timing is missing", line: `{"WallTimeMs":null,"CPUTimeMs":null}`, want: Record{}},
		{name: "zero timing is recorded", line: `{"WallTimeMs":0,"CPUTimeMs":0}`, want: Record{WallTimeMs: Int64(0), CPUTimeMs: Int64(0)}},
		{name: "message of arbitrary values", line: `{"Logs":[{"Message":[[],{},"",0,-1e3,false]}]}`,
			want: Record{Logs: []Log{{Message: []any{[]any{}, map[string]any{}, "", json.Number("0"), json.Number("-1e3"), false}}}}},
		{name: "big integer kept exact in message", line: `{"Logs":[{"Message":[9007199254740993]}]}`,
			want: Record{Logs: []Log{{Message: []any{json.Number("9007199254740993")}}}}},

		{name: "empty", line: ``, reason: ReasonMalformed},
		{name: "blank", line: `   `, reason: ReasonMalformed},
		{name: "cut object", line: `{"ScriptName":"s",`, reason: ReasonMalformed},
		{name: "array", line: `[{"ScriptName":"s"}]`, reason: ReasonMalformed},
		{name: "string", line: `"x"`, reason: ReasonMalformed},
		{name: "number", line: `42`, reason: ReasonMalformed},
		{name: "null", line: `null`, reason: ReasonMalformed},
		{name: "two objects", line: `{}{}`, reason: ReasonMalformed},
		{name: "trailing garbage", line: `{} x`, reason: ReasonMalformed},
		{name: "not JSON", line: `ScriptName=pfx`, reason: ReasonMalformed},

		{name: "wall time string", line: `{"WallTimeMs":"abc"}`, reason: ReasonBadType, field: "WallTimeMs"},
		{name: "wall time numeric string", line: `{"WallTimeMs":"12"}`, reason: ReasonBadType, field: "WallTimeMs"},
		{name: "cpu time float", line: `{"cputimems":1.5}`, reason: ReasonBadType, field: "CPUTimeMs"},
		{name: "logs number", line: `{"Logs":5}`, reason: ReasonBadType, field: "Logs"},
		{name: "log message string", line: `{"Logs":[{"Message":"x"}]}`, reason: ReasonBadType, field: "Logs.Message"},
		{name: "script name number", line: `{"ScriptName":1}`, reason: ReasonBadType, field: "ScriptName"},
		{name: "script tags of numbers", line: `{"ScriptTags":[1]}`, reason: ReasonBadType, field: "ScriptTags"},
		{name: "event array", line: `{"Event":[]}`, reason: ReasonBadType, field: "Event"},
		{name: "status string", line: `{"Event":{"Response":{"Status":"200"}}}`, reason: ReasonBadType, field: "Event.Response.Status"},
		{name: "exceptions object", line: `{"Exceptions":{}}`, reason: ReasonBadType, field: "Exceptions"},
		{name: "timestamp bool", line: `{"EventTimestampMs":true}`, reason: ReasonBadType, field: "EventTimestampMs"},
		{name: "timestamp bad string", line: `{"EventTimestampMs":"yesterday"}`, reason: ReasonBadType, field: "EventTimestampMs"},
		{name: "timestamp fraction", line: `{"EventTimestampMs":1.5}`, reason: ReasonBadType, field: "EventTimestampMs"},
		{name: "type error after good fields", line: `{"ScriptName":"s","WallTimeMs":{}}`, reason: ReasonBadType, field: "WallTimeMs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeLine([]byte(tt.line))
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("DecodeLine: %v", err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("DecodeLine =\n %#v\nwant\n %#v", got, tt.want)
				}
				return
			}
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v (%T), want *DecodeError", err, err)
			}
			if de.Reason != tt.reason {
				t.Fatalf("reason = %s, want %s (%v)", de.Reason, tt.reason, err)
			}
			if tt.field != "" && de.Field != tt.field {
				t.Errorf("field = %q, want %q (%v)", de.Field, tt.field, err)
			}
			wantSentinel := map[Reason]error{ReasonMalformed: ErrMalformed, ReasonBadType: ErrBadType}[tt.reason]
			if !errors.Is(err, wantSentinel) {
				t.Errorf("errors.Is(err, %v) = false", wantSentinel)
			}
			if !reflect.DeepEqual(got, Record{}) {
				t.Errorf("record on error = %#v, want zero", got)
			}
		})
	}
}

func TestDecodeLineEventTimestamp(t *testing.T) {
	t.Parallel()
	const ms = 1795688100123 // 2026-11-26T10:15:00.123Z
	tests := []struct {
		raw  string
		want int64
		ok   bool
	}{
		{`1795688100123`, ms, true},
		{`1795688100123.0`, ms, true},
		{`1.795688100123e12`, ms, true},
		{`-5`, -5, true},
		{`0`, 0, true},
		{`null`, 0, true},
		{`"1795688100123"`, ms, true},
		{`"1795688100123.000"`, ms, true},
		{`"2026-11-26T10:15:00.123Z"`, ms, true},
		{`"2026-11-26T10:15:00.123456789Z"`, ms, true},
		{`"2026-11-26T11:15:00.123+01:00"`, ms, true},
		{`"2026-11-26T10:15:00Z"`, ms - 123, true},
		{`""`, 0, true},
		{`1795688100123.5`, 0, false},
		{`1e19`, 0, false},
		{`-1e19`, 0, false},
		{`9223372036854775808`, 0, false},
		{`"+1"`, 0, false},
		{`"0x10p0"`, 0, false},
		{`"Inf"`, 0, false},
		{`" 1"`, 0, false},
		{`"2026-11-26 10:15:00"`, 0, false},
		{`"2026-11-26"`, 0, false},
		{`true`, 0, false},
		{`[]`, 0, false},
		{`{}`, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			got, err := DecodeLine([]byte(`{"eventTimestampMs":` + tt.raw + `}`))
			if !tt.ok {
				if !errors.Is(err, ErrBadType) {
					t.Fatalf("err = %v, want badType", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.EventTimestampMs != tt.want {
				t.Fatalf("EventTimestampMs = %d, want %d", got.EventTimestampMs, tt.want)
			}
		})
	}
}

func TestDecodeLineMaxInt64Timestamp(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]int64{
		`9223372036854775807`:      9223372036854775807,
		`-9223372036854775808`:     -9223372036854775808,
		`-9.223372036854775808e18`: -9223372036854775808,
	} {
		got, err := DecodeLine([]byte(`{"EventTimestampMs":` + raw + `}`))
		if err != nil || got.EventTimestampMs != want {
			t.Errorf("%s: got %d, %v; want %d", raw, got.EventTimestampMs, err, want)
		}
	}
}

// Record.UnmarshalJSON applies the same rules through encoding/json.
func TestRecordUnmarshalJSON(t *testing.T) {
	t.Parallel()
	var recs []Record
	err := json.Unmarshal([]byte(`[{"scriptname":"a","EventTimestampMs":"2026-11-26T10:15:00Z"},null,{"WallTimeMs":3}]`), &recs)
	if err != nil {
		t.Fatal(err)
	}
	want := []Record{{ScriptName: "a", EventTimestampMs: 1795688100000}, {}, {WallTimeMs: Int64(3)}}
	if !reflect.DeepEqual(recs, want) {
		t.Fatalf("got %#v, want %#v", recs, want)
	}
	var r Record
	if err := json.Unmarshal([]byte(`{"WallTimeMs":"x"}`), &r); !errors.Is(err, ErrBadType) {
		t.Fatalf("err = %v, want badType", err)
	}
	// Present fields overwrite, absent ones stay, as with encoding/json.
	r = Record{ScriptName: "keep", EventTimestampMs: 9}
	if err := json.Unmarshal([]byte(`{"Outcome":"ok"}`), &r); err != nil {
		t.Fatal(err)
	}
	if r.ScriptName != "keep" || r.EventTimestampMs != 9 || r.Outcome != "ok" {
		t.Fatalf("merge: got %#v", r)
	}
}

func FuzzDecodeLine(f *testing.F) {
	for _, s := range []string{
		`{"CPUTimeMs":5,"WallTimeMs":120,"EventTimestampMs":1795688100000,"ScriptName":"pfx","Entrypoint":"OriginDO","EventType":"fetch","Outcome":"ok","Logs":[{"Level":"log","Message":["pfx","b1",1],"TimestampMs":1}]}`,
		`{"walltimems":"abc"}`, `{"Logs":5}`, `{"EventTimestampMs":"2026-11-26T10:15:00Z"}`,
		`{"EventTimestampMs":1.0e3}`, `[1]`, `{`, ``, `{"Event":{"Response":{"Status":1}}}`,
		`{"Logs":[{"Message":[1e400,"\ud800",{"a":{"b":[]}}]}]}`, "{\"ScriptName\":\"\xff\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		rec, err := DecodeLine(line)
		isObject := json.Valid(line) && bytes.HasPrefix(bytes.TrimLeft(line, " \t\r\n"), []byte("{"))
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %v is %T, want *DecodeError", err, err)
			}
			want := ReasonMalformed
			if isObject {
				want = ReasonBadType
			}
			if de.Reason != want {
				t.Fatalf("reason %s, want %s: %v", de.Reason, want, err)
			}
			_ = de.Error()
			return
		}
		if !isObject {
			t.Fatalf("decoded %q, which is not a JSON object", line)
		}
		// The canonical encoding must decode to itself: this is what
		// Deduper.Seen relies on for records without a line.
		canon, err := json.Marshal(rec)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		again, err := DecodeLine(canon)
		if err != nil {
			t.Fatalf("re-decode %s: %v", canon, err)
		}
		canon2, err := json.Marshal(again)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(canon, canon2) {
			t.Fatalf("canonical form not stable:\n%s\n%s", canon, canon2)
		}
	})
}
