package logpush

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// fieldsOf is the scan's view of a line, as a comparable string.
func fieldsOf(f *Fields) string {
	s := fmt.Sprintf("script=%q ep=%q ev=%q ts=%d", f.ScriptName, f.Entrypoint, f.EventType, f.EventTimestampMs)
	if f.HasWall {
		s += fmt.Sprintf(" wall=%d", f.WallTimeMs)
	}
	if f.HasCPU {
		s += fmt.Sprintf(" cpu=%d", f.CPUTimeMs)
	}
	return s
}

func TestScanLineRules(t *testing.T) {
	tests := []struct {
		name, line string
		reason     Reason
		field      string // badType: the field named
		want       string // record: fieldsOf
	}{
		{name: "minimal", line: `{}`, want: `script="" ep="" ev="" ts=0`},
		{name: "typical", line: `{"CPUTimeMs":3,"Entrypoint":"OriginDO","EventTimestampMs":17,"EventType":"fetch","ScriptName":"pfx","WallTimeMs":90}`,
			want: `script="pfx" ep="OriginDO" ev="fetch" ts=17 wall=90 cpu=3`},
		{name: "absent names are empty", line: `{"WallTimeMs":1}`, want: `script="" ep="" ev="" ts=0 wall=1`},
		{name: "null entrypoint is absent", line: `{"ScriptName":"s","Entrypoint":null}`, want: `script="s" ep="" ev="" ts=0`},
		{name: "null timing is missing", line: `{"WallTimeMs":null,"CPUTimeMs":null}`, want: `script="" ep="" ev="" ts=0`},
		{name: "null after a value clears it", line: `{"WallTimeMs":5,"WallTimeMs":null}`, want: `script="" ep="" ev="" ts=0`},
		{name: "null entrypoint keeps an earlier value", line: `{"Entrypoint":"A","Entrypoint":null}`, want: `script="" ep="A" ev="" ts=0`},
		{name: "last repeated key wins", line: `{"scriptname":"a","ScriptName":"b"}`, want: `script="b" ep="" ev="" ts=0`},
		{name: "keys fold as encoding/json folds", line: `{"ſcriptName":"long s","walltimemſ":4,"ENTRYPOINT":"E"}`,
			want: `script="long s" ep="E" ev="" ts=0 wall=4`},
		{name: "escaped key and value", line: `{"Script\u004eame":"a\"b\u00e9","EventType":"\ud83d\ude00"}`,
			want: `script="a\"bé" ep="" ev="😀" ts=0`},
		{name: "invalid UTF-8 becomes U+FFFD", line: "{\"ScriptName\":\"a\xffb\"}", want: "script=\"a\ufffdb\" ep=\"\" ev=\"\" ts=0"},
		{name: "whitespace and CR", line: " {\t\"ScriptName\" : \"s\" ,\"WallTimeMs\":\r-0 }\r", want: `script="s" ep="" ev="" ts=0 wall=0`},
		{name: "int64 bounds", line: `{"WallTimeMs":9223372036854775807,"CPUTimeMs":-9223372036854775808}`,
			want: `script="" ep="" ev="" ts=0 wall=9223372036854775807 cpu=-9223372036854775808`},
		{name: "timestamp as RFC 3339", line: `{"EventTimestampMs":"2026-11-26T10:15:00.123Z"}`, want: `script="" ep="" ev="" ts=1795688100123`},
		{name: "timestamp as float", line: `{"EventTimestampMs":1.7956881e12}`, want: `script="" ep="" ev="" ts=1795688100000`},
		{name: "ScriptName inside Logs is not the field", line: `{"Logs":[{"Message":["\"ScriptName\":\"x\""],"ScriptName":"y"}],"ScriptName":"z"}`,
			want: `script="z" ep="" ev="" ts=0`},
		{name: "unknown fields of any type", line: `{"ScriptName":"s","Logs":5,"Event":[],"Extra":{"a":[1,{"b":null}]}}`, want: `script="s" ep="" ev="" ts=0`},

		{name: "null script name", line: `{"ScriptName":null}`, reason: ReasonBadType, field: "ScriptName"},
		{name: "numeric script name", line: `{"ScriptName":1}`, reason: ReasonBadType, field: "ScriptName"},
		{name: "null event type", line: `{"ScriptName":"s","EventType":null}`, reason: ReasonBadType, field: "EventType"},
		{name: "event type object", line: `{"eventtype":{}}`, reason: ReasonBadType, field: "EventType"},
		{name: "entrypoint bool", line: `{"Entrypoint":false}`, reason: ReasonBadType, field: "Entrypoint"},
		{name: "wall time string", line: `{"WallTimeMs":"12"}`, reason: ReasonBadType, field: "WallTimeMs"},
		{name: "wall time float", line: `{"WallTimeMs":12.0}`, reason: ReasonBadType, field: "WallTimeMs"},
		{name: "cpu time exponent", line: `{"CPUTimeMs":1e2}`, reason: ReasonBadType, field: "CPUTimeMs"},
		{name: "cpu time overflow", line: `{"CPUTimeMs":9223372036854775808}`, reason: ReasonBadType, field: "CPUTimeMs"},
		{name: "timestamp bool", line: `{"EventTimestampMs":true}`, reason: ReasonBadType, field: "EventTimestampMs"},
		{name: "first bad field named", line: `{"WallTimeMs":"x","ScriptName":null}`, reason: ReasonBadType, field: "WallTimeMs"},

		{name: "empty", line: ``, reason: ReasonMalformed},
		{name: "array", line: `[]`, reason: ReasonMalformed},
		{name: "cut", line: `{"ScriptName":"s"`, reason: ReasonMalformed},
		{name: "bad type then bad syntax is malformed", line: `{"ScriptName":null,}`, reason: ReasonMalformed},
		{name: "garbage inside Logs", line: `{"ScriptName":"s","Logs":[1,,2]}`, reason: ReasonMalformed},
		{name: "control character in a string", line: "{\"Logs\":\"a\tb\"}", reason: ReasonMalformed},
		{name: "bad escape", line: `{"Logs":"\x"}`, reason: ReasonMalformed},
		{name: "leading zero", line: `{"Logs":01}`, reason: ReasonMalformed},
		{name: "trailing garbage", line: `{}x`, reason: ReasonMalformed},
		{name: "too deep", line: `{"a":` + strings.Repeat("[", maxNestingDepth) + strings.Repeat("]", maxNestingDepth) + `}`, reason: ReasonMalformed},
		{name: "deepest allowed", line: `{"a":` + strings.Repeat("[", maxNestingDepth-1) + strings.Repeat("]", maxNestingDepth-1) + `}`,
			want: `script="" ep="" ev="" ts=0`},
	}
	var sc lineScanner
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f Fields
			reason, field := sc.scan([]byte(tt.line), &f)
			if reason != tt.reason || field != tt.field {
				t.Fatalf("scan = %q %q, want %q %q", reason, field, tt.reason, tt.field)
			}
			if reason == "" && fieldsOf(&f) != tt.want {
				t.Fatalf("fields %s\n      want %s", fieldsOf(&f), tt.want)
			}
			// The malformed rule is json.Valid's.
			isObject := json.Valid([]byte(tt.line)) && bytes.HasPrefix(bytes.TrimLeft([]byte(tt.line), " \t\r\n"), []byte("{"))
			if isObject != (reason != ReasonMalformed) {
				t.Errorf("json.Valid object %v, reason %q", isObject, reason)
			}
			// DecodeLine applies the same rules.
			rec, err := DecodeLine([]byte(tt.line))
			switch {
			case tt.reason == "" && err != nil && !strings.Contains(tt.name, "unknown fields"):
				t.Errorf("DecodeLine: %v", err)
			case tt.reason == ReasonBadType:
				var de *DecodeError
				if !errors.As(err, &de) || de.Reason != ReasonBadType || de.Field != tt.field {
					t.Errorf("DecodeLine: %v, want badType in %s", err, tt.field)
				}
			case tt.reason == ReasonMalformed && !errors.Is(err, ErrMalformed):
				t.Errorf("DecodeLine: %v, want malformed", err)
			case tt.reason == "" && err == nil:
				if got := fieldsOf(recordFields(rec)); got != tt.want {
					t.Errorf("DecodeLine fields %s, want %s", got, tt.want)
				}
			}
		})
	}
}

// recordFields is the scan's view of a decoded record.
func recordFields(r Record) *Fields {
	f := &Fields{ScriptName: []byte(r.ScriptName), Entrypoint: []byte(r.Entrypoint), EventType: []byte(r.EventType), EventTimestampMs: r.EventTimestampMs}
	if r.WallTimeMs != nil {
		f.WallTimeMs, f.HasWall = *r.WallTimeMs, true
	}
	if r.CPUTimeMs != nil {
		f.CPUTimeMs, f.HasCPU = *r.CPUTimeMs, true
	}
	return f
}

// FuzzScanLine: the general scanner classifies every line as json.Valid and
// DecodeLine do, and reads the same fields as encoding/json.
func FuzzScanLine(f *testing.F) {
	for _, s := range []string{
		`{"CPUTimeMs":5,"WallTimeMs":120,"EventTimestampMs":1795688100000,"ScriptName":"pfx","Entrypoint":"OriginDO","EventType":"fetch","Outcome":"ok","Logs":[{"Level":"log","Message":["pfx","b1",1],"TimestampMs":1}]}`,
		`{"walltimems":"abc"}`, `{"ScriptName":null}`, `{"Entrypoint":null}`, `{"EventTimestampMs":"2026-11-26T10:15:00Z"}`,
		`{"EventTimestampMs":1.0e3}`, `[1]`, `{`, ``, `{"Logs":[{"Message":[1e400,"\ud800",{"a":{"b":[]}}]}]}`,
		"{\"ScriptName\":\"\xff\"}", `{"ſcriptname":"x","K":1}`, `{"Script\u004eame":"\u0000"}`, `{"WallTimeMs":-0,"CPUTimeMs":0}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		var sc lineScanner
		var fl Fields
		reason, field := sc.general(line, &fl)
		isObject := json.Valid(line) && bytes.HasPrefix(bytes.TrimLeft(line, " \t\r\n"), []byte("{"))
		if isObject != (reason != ReasonMalformed) {
			t.Fatalf("reason %q but json.Valid object = %v", reason, isObject)
		}
		rec, err := DecodeLine(line)
		switch reason {
		case ReasonMalformed:
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("DecodeLine: %v, want malformed", err)
			}
		case ReasonBadType:
			var de *DecodeError
			if !errors.As(err, &de) || de.Reason != ReasonBadType || de.Field != field {
				t.Fatalf("DecodeLine: %v, want badType in %s", err, field)
			}
		default:
			if errors.Is(err, ErrMalformed) {
				t.Fatalf("DecodeLine: %v", err)
			}
			// A field only DecodeLine checks may still fail it; otherwise
			// both read the same values.
			if err == nil && fieldsOf(recordFields(rec)) != fieldsOf(&fl) {
				t.Fatalf("scanner %s\nDecodeLine %s", fieldsOf(&fl), fieldsOf(recordFields(rec)))
			}
		}
	})
}
