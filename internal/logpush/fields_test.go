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
	t.Parallel()
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
		// Values the scan does not read are checked for structure only.
		{name: "garbage inside Logs", line: `{"ScriptName":"s","Logs":[1,,2]}`, want: `script="s" ep="" ev="" ts=0`},
		{name: "mismatched bracket kinds inside Event", line: `{"Event":{"a":[1}]}`, want: `script="" ep="" ev="" ts=0`},
		{name: "control character inside Logs", line: "{\"Logs\":[\"a\tb\"]}", want: `script="" ep="" ev="" ts=0`},
		{name: "unclosed Logs", line: `{"Logs":[{"a":"]"}`, reason: ReasonMalformed},
		{name: "unbalanced Logs", line: `{"Logs":[1]],"ScriptName":"s"}`, reason: ReasonMalformed},
		{name: "bracket in a string inside an unknown field", line: `{"X":["]","{"],"ScriptName":"s"}`, want: `script="s" ep="" ev="" ts=0`},
		{name: "escaped quote inside an unknown field", line: `{"X":["\"]\\"],"ScriptName":"s"}`, want: `script="s" ep="" ev="" ts=0`},
		// The scanners call it badType; readers check such a line's JSON
		// and count it malformed, as DecodeLine does.
		{name: "wrong-typed field holding garbage", line: `{"ScriptName":[1,,2]}`, reason: ReasonBadType, field: "ScriptName"},
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
			// Malformed for the scan implies not a JSON object; DecodeLine's
			// malformed is exactly json.Valid's.
			isObject := json.Valid([]byte(tt.line)) && bytes.HasPrefix(bytes.TrimLeft([]byte(tt.line), " \t\r\n"), []byte("{"))
			if isObject && reason == ReasonMalformed {
				t.Errorf("a JSON object scanned as malformed")
			}
			rec, err := DecodeLine([]byte(tt.line))
			if !isObject {
				if !errors.Is(err, ErrMalformed) {
					t.Errorf("DecodeLine: %v, want malformed", err)
				}
				return
			}
			// Otherwise DecodeLine applies the same rules.
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
		if isObject && reason == ReasonMalformed {
			t.Fatalf("a JSON object scanned as malformed")
		}
		rec, err := DecodeLine(line)
		if !isObject {
			// Broken JSON inside a value the scan skips by structure: the
			// scan may take the line, DecodeLine may not.
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("DecodeLine: %v, want malformed", err)
			}
			return
		}
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

// The word-at-a-time bracket skippers agree with the byte loop on every
// line, backslashes included (they hand those to it).
func TestSkipBracketsWords(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		`[]`, `{}`, `[1,2]x`, `{"a":"]"}`, `{"a":"}}}}}}}}"}]`, `[{"a":["x","y"]},{"b":{}}],"c":1}`,
		`["`, `[[[[[[[[[[`, `]`, `["a""b"]`, `[` + strings.Repeat(`"abcdefg[",`, 20) + `1]`,
		`[` + strings.Repeat(`[`, maxNestingDepth) + strings.Repeat(`]`, maxNestingDepth+1),
		`[` + strings.Repeat(`[`, maxNestingDepth-3) + strings.Repeat(`]`, maxNestingDepth-2),
		`["a\"]"]`, `["\\"]`, `[1],"x":"a\"b"`, `[` + strings.Repeat(`"abcdefg",`, 10) + `"\""]`,
	} {
		for pad := range 70 { // every alignment of the words and blocks
			b := []byte(strings.Repeat(" ", pad) + in)
			e1, ok1 := skipBrackets(b, pad)
			e2, ok2 := skipBracketsWords(b, pad)
			if e1 != e2 || ok1 != ok2 {
				t.Errorf("%q at %d: bytes %d %v, words %d %v", in, pad, e1, ok1, e2, ok2)
			}
			buf := append(b, strings.Repeat(`]}"`, 30)...)
			for name, fast := range fastSkippers {
				if e3, ok3 := fast(b, pad); e1 != e3 || ok1 != ok3 {
					t.Errorf("%q at %d: bytes %d %v, %s %d %v", in, pad, e1, ok1, name, e3, ok3)
				}
				// With the rest of a buffer after the line.
				if e4, ok4 := fast(buf[:len(b)], pad); e1 != e4 || ok1 != ok4 {
					t.Errorf("%q at %d in a buffer: bytes %d %v, %s %d %v", in, pad, e1, ok1, name, e4, ok4)
				}
			}
		}
	}
}

func FuzzSkipBrackets(f *testing.F) {
	for _, s := range []string{`[{"a":["x]","y"]},{"b":{}}],"c":1}`, `{"RayID":"8e1a","Request":{"URL":"https://x/{y}","Method":"GET"}}`, `["`, `[[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		b = append([]byte{'['}, b...)
		e1, ok1 := skipBrackets(b, 0)
		e2, ok2 := skipBracketsWords(b, 0)
		if e1 != e2 || ok1 != ok2 {
			t.Fatalf("%q: bytes %d %v, words %d %v", b, e1, ok1, e2, ok2)
		}
		buf := append(append([]byte(nil), b...), `]]}}""`...)
		for name, fast := range fastSkippers {
			e3, ok3 := fast(b, 0)
			e4, ok4 := fast(buf[:len(b)], 0)
			if e1 != e3 || ok1 != ok3 || e1 != e4 || ok1 != ok4 {
				t.Fatalf("%q: bytes %d %v, %s %d %v, in a buffer %d %v", b, e1, ok1, name, e3, ok3, e4, ok4)
			}
		}
	})
}
