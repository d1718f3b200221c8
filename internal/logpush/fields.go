package logpush

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"unicode"
	"unicode/utf8"
)

// Fields is what `logs scan` needs of one line. The byte slices point into
// the line (or, for strings with escapes, into the scanner's buffers) and
// are valid until the next scan.
type Fields struct {
	ScriptName, Entrypoint, EventType []byte
	// WallTimeMs and CPUTimeMs are set when HasWall / HasCPU.
	WallTimeMs, CPUTimeMs int64
	HasWall, HasCPU       bool
	EventTimestampMs      int64

	// memoKey, when not 0, stands for the bytes of ScriptName, Entrypoint
	// and EventType: two lines read by one Reader with the same memoKey
	// have the same three (see templateMemo).
	memoKey uint64
}

// The line rules, shared by the fast path, the general scanner, Reader and
// DecodeLine, so that every reader of Logpush files counts a line alike:
//
//   - malformed: the line is not one JSON object: its top level (braces,
//     keys, colons, commas), its strings and scalars are checked against
//     JSON's grammar (as json.Valid; invalid UTF-8 is tolerated as
//     encoding/json tolerates it), and the arrays and objects inside it by
//     structure only (see opaque.go), within encoding/json's nesting limit;
//   - badType: ScriptName or EventType is present and not a string (null
//     included), Entrypoint is present and neither a string nor null,
//     WallTimeMs or CPUTimeMs is present and neither null nor an integer
//     that fits in int64, or EventTimestampMs is not epoch milliseconds
//     (see eventTimestamp);
//   - otherwise a record. Keys match case-insensitively as encoding/json
//     matches them; for a repeated key the last value wins.
//
// Readers that decode whole records (Reader.Next, DecodeLine: billing) then
// check the rest with encoding/json: broken JSON inside Logs or Event is
// malformed for them, and a wrong type in a field only they decode is
// badType. So billing may count more skipped lines than `logs scan`, never
// fewer, and its malformed lines are exactly json.Valid's.

// maxNestingDepth is encoding/json's limit: json.Valid rejects deeper
// input, so the scanners do too.
const maxNestingDepth = 10000

// lineScanner holds the reusable buffers of the scanners; one per
// goroutine.
type lineScanner struct {
	stack []byte        // open containers while skipping a value
	sbuf  [3][]byte     // decoded ScriptName, Entrypoint, EventType with escapes
	memo  *templateMemo // nil: the usual line is read without a memo (one-off scanners)
}

// field numbers of the members the scanners read.
const (
	fieldOther = iota
	fieldScriptName
	fieldEntrypoint
	fieldEventType
	fieldWallTimeMs
	fieldCPUTimeMs
	fieldEventTimestampMs
)

var fieldNames = [...]string{
	fieldScriptName:       "ScriptName",
	fieldEntrypoint:       "Entrypoint",
	fieldEventType:        "EventType",
	fieldWallTimeMs:       "WallTimeMs",
	fieldCPUTimeMs:        "CPUTimeMs",
	fieldEventTimestampMs: "EventTimestampMs",
}

// scan reads a line with the fast path when the line is in Logpush's own
// form, and with the general scanner otherwise. Both give the same result
// for every line (see FuzzFastPath).
func (sc *lineScanner) scan(line []byte, f *Fields) (Reason, string) {
	if sc.fast(line, f) {
		return "", ""
	}
	return sc.general(line, f)
}

// general scans any line: members in any order and case, whitespace,
// escapes, unknown members, repeated keys. It returns the Reason a line
// is skipped for ("" for a record) and, for badType, the first offending
// field.
func (sc *lineScanner) general(b []byte, f *Fields) (reason Reason, badField string) {
	*f = Fields{}
	n := len(b)
	i := skipWS(b, 0)
	if i >= n || b[i] != '{' {
		return ReasonMalformed, ""
	}
	i = skipWS(b, i+1)
	if i < n && b[i] == '}' {
		i++
	} else {
		for {
			if i >= n || b[i] != '"' {
				return ReasonMalformed, ""
			}
			kStart := i
			end, plain, ok := skipString(b, i)
			if !ok {
				return ReasonMalformed, ""
			}
			field := matchKey(b[kStart:end], plain)
			i = skipWS(b, end)
			if i >= n || b[i] != ':' {
				return ReasonMalformed, ""
			}
			i = skipWS(b, i+1)
			vStart := i
			if i >= n {
				return ReasonMalformed, ""
			}
			if i, ok = sc.skipOpaque(b, i); !ok {
				return ReasonMalformed, ""
			}
			if field != fieldOther && !sc.setField(f, field, b[vStart:i]) && badField == "" {
				badField = fieldNames[field]
			}
			i = skipWS(b, i)
			if i >= n {
				return ReasonMalformed, ""
			}
			if b[i] == ',' {
				i = skipWS(b, i+1)
				continue
			}
			if b[i] != '}' {
				return ReasonMalformed, ""
			}
			i++
			break
		}
	}
	if skipWS(b, i) != n {
		return ReasonMalformed, ""
	}
	if badField != "" {
		*f = Fields{}
		return ReasonBadType, badField
	}
	return "", ""
}

// setField stores a member's raw value v (valid JSON) in f, as
// encoding/json would decode it into Record; false means a wrong type.
func (sc *lineScanner) setField(f *Fields, field int, v []byte) bool {
	switch field {
	case fieldScriptName, fieldEntrypoint, fieldEventType:
		var dst *[]byte
		k := 0
		switch field {
		case fieldScriptName:
			dst = &f.ScriptName
		case fieldEntrypoint:
			dst, k = &f.Entrypoint, 1
		default:
			dst, k = &f.EventType, 2
		}
		if v[0] == 'n' {
			// null leaves a string as it was (encoding/json); only
			// Entrypoint may be null, the other two must be strings.
			return field == fieldEntrypoint
		}
		if v[0] != '"' {
			return false
		}
		*dst = sc.decodeString(v, k)
		return true
	case fieldWallTimeMs, fieldCPUTimeMs:
		val, has := &f.WallTimeMs, &f.HasWall
		if field == fieldCPUTimeMs {
			val, has = &f.CPUTimeMs, &f.HasCPU
		}
		if v[0] == 'n' { // null: not recorded
			*val, *has = 0, false
			return true
		}
		x, ok := parseInt64(v)
		if !ok {
			return false
		}
		*val, *has = x, true
		return true
	case fieldEventTimestampMs:
		if x, ok := parseInt64(v); ok {
			f.EventTimestampMs = x
			return true
		}
		t := eventTimestamp(f.EventTimestampMs)
		if t.UnmarshalJSON(v) != nil {
			return false
		}
		f.EventTimestampMs = int64(t)
		return true
	}
	return true
}

// decodeString returns the content of the JSON string literal v (quotes
// included, valid): v's own bytes when it has no escape and is valid
// UTF-8, else what encoding/json decodes it to, in buffer k.
func (sc *lineScanner) decodeString(v []byte, k int) []byte {
	s := v[1 : len(v)-1]
	if isPlainString(s) {
		return s
	}
	var str string
	if json.Unmarshal(v, &str) != nil {
		return s // not reached: v was validated
	}
	sc.sbuf[k] = append(sc.sbuf[k][:0], str...)
	return sc.sbuf[k]
}

// isPlainString: no escape and valid UTF-8, so the bytes are the value.
func isPlainString(s []byte) bool {
	ascii := true
	for _, c := range s {
		if c == '\\' {
			return false
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	return ascii || utf8.Valid(s)
}

// matchKey tells which field a member's key (a valid JSON string literal,
// quotes included) names, matching as encoding/json does: exactly, else
// after folding case the way encoding/json folds it.
func matchKey(k []byte, plain bool) int {
	k = k[1 : len(k)-1]
	if !plain {
		var s string
		if json.Unmarshal(append(append([]byte{'"'}, k...), '"'), &s) != nil {
			return fieldOther
		}
		k = []byte(s)
	}
	if len(k) < len("CPUTimeMs") || len(k) > len("EventTimestampMs") && !hasNonASCII(k) {
		return fieldOther
	}
	for field := fieldScriptName; field <= fieldEventTimestampMs; field++ {
		if string(k) == fieldNames[field] {
			return field
		}
	}
	if !hasNonASCII(k) {
		for field := fieldScriptName; field <= fieldEventTimestampMs; field++ {
			if equalFoldASCII(k, fieldNames[field]) {
				return field
			}
		}
		return fieldOther
	}
	folded := foldName(k)
	for field := fieldScriptName; field <= fieldEventTimestampMs; field++ {
		if string(folded) == string(foldName([]byte(fieldNames[field]))) {
			return field
		}
	}
	return fieldOther
}

func hasNonASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

func equalFoldASCII(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i, c := range b {
		d := s[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if 'a' <= d && d <= 'z' {
			d -= 'a' - 'A'
		}
		if c != d {
			return false
		}
	}
	return true
}

// foldName is encoding/json's key folding: upper case of lower case, rune
// by rune (so "ſ" folds to "S" and the Kelvin sign to "K").
func foldName(in []byte) []byte {
	out := make([]byte, 0, len(in))
	for i := 0; i < len(in); {
		if c := in[i]; c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			out = append(out, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(in[i:])
		out = utf8.AppendRune(out, unicode.ToUpper(unicode.ToLower(r)))
		i += n
	}
	return out
}

// parseInt64 parses v when it is a JSON integer literal that fits in int64,
// as encoding/json decodes a number into an int64 field.
func parseInt64(v []byte) (int64, bool) {
	neg := false
	d := v
	if len(d) > 0 && d[0] == '-' {
		neg, d = true, d[1:]
	}
	if len(d) == 0 || len(d) > 19 {
		return 0, false
	}
	var u uint64
	for _, c := range d {
		if c < '0' || c > '9' {
			return 0, false
		}
		u = u*10 + uint64(c-'0') // 19 digits fit in uint64
	}
	switch {
	case !neg && u <= 1<<63-1:
		return int64(u), true
	case neg && u <= 1<<63:
		return int64(-u), true
	}
	return 0, false
}

// JSON whitespace; '\n' cannot occur inside a line but is allowed as
// encoding/json allows it.
func skipWS(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

// skipString validates the string literal starting at b[i] == '"' and
// returns the index after its closing quote. plain reports that it has no
// escape and no byte ≥ 0x80.
func skipString(b []byte, i int) (end int, plain, ok bool) {
	plain = true
	i++
	n := len(b)
	for {
		// Eight bytes at a time while none is special (SWAR).
		for i+8 <= n {
			x := binary.LittleEndian.Uint64(b[i:])
			m := specialBytes(x)
			if m == 0 {
				if x&hi8 != 0 {
					plain = false
				}
				i += 8
				continue
			}
			// The lowest flagged byte is exact (higher ones may be
			// false positives of the borrow).
			k := bits.TrailingZeros64(m) >> 3
			if x&(1<<(8*k)-1)&hi8 != 0 {
				plain = false
			}
			i += k
			break
		}
		if i >= n {
			return i, false, false
		}
		c := b[i]
		switch {
		case c == '"':
			return i + 1, plain, true
		case c == '\\':
			plain = false
			if i+1 >= n {
				return i, false, false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > n || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) || !isHex(b[i+5]) {
					return i, false, false
				}
				i += 6
			default:
				return i, false, false
			}
		case c < 0x20:
			return i, false, false
		default:
			if c >= utf8.RuneSelf {
				plain = false
			}
			i++
		}
	}
}

// skipStr is skipString for strings whose content is not used (the
// values the scanners skip): the same validation, no plainness.
func skipStr(b []byte, i int) (int, bool) {
	i++
	n := len(b)
	for i+8 <= n {
		m := specialBytes(binary.LittleEndian.Uint64(b[i:]))
		if m == 0 {
			i += 8
			continue
		}
		i += bits.TrailingZeros64(m) >> 3
		if b[i] == '"' {
			return i + 1, true
		}
		break
	}
	end, _, ok := skipString(b, i-1)
	return end, ok
}

const (
	lo8 = 0x0101010101010101
	hi8 = 0x8080808080808080
)

// specialBytes flags (high bit of each byte) the bytes of x that end a run
// of plain string bytes: '"', '\\' and control characters.
func specialBytes(x uint64) uint64 {
	q := x ^ ('"' * lo8)
	e := x ^ ('\\' * lo8)
	return ((q-lo8)&^q | (e-lo8)&^e | (x-0x20*lo8)&^x) & hi8
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// skipNumber validates the number literal at b[i] and returns its end.
func skipNumber(b []byte, i int) (int, bool) {
	n := len(b)
	if b[i] == '-' {
		i++
	}
	switch {
	case i < n && b[i] == '0':
		i++
	case i < n && '1' <= b[i] && b[i] <= '9':
		i++
		for i < n && '0' <= b[i] && b[i] <= '9' {
			i++
		}
	default:
		return i, false
	}
	if i < n && b[i] == '.' {
		i++
		if i >= n || b[i] < '0' || b[i] > '9' {
			return i, false
		}
		for i < n && '0' <= b[i] && b[i] <= '9' {
			i++
		}
	}
	if i < n && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < n && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= n || b[i] < '0' || b[i] > '9' {
			return i, false
		}
		for i < n && '0' <= b[i] && b[i] <= '9' {
			i++
		}
	}
	return i, true
}

// skipValue validates the JSON value starting at b[i] (no leading
// whitespace) and returns the index after it. The top-level object the
// value sits in counts for one level of maxNestingDepth.
func (sc *lineScanner) skipValue(b []byte, i int) (int, bool) {
	stack := sc.stack[:0]
	defer sc.keepStack(&stack)
	n := len(b)
	var ok bool
	for {
		// A value starts at i.
		if i >= n {
			return i, false
		}
		switch c := b[i]; {
		case c == '"':
			if i, ok = skipStr(b, i); !ok {
				return i, false
			}
		case c == '{' || c == '[':
			if 2+len(stack) > maxNestingDepth {
				return i, false
			}
			i = skipWS(b, i+1)
			if c == '{' && i < n && b[i] == '}' || c == '[' && i < n && b[i] == ']' {
				i++
				break
			}
			stack = append(stack, c)
			if c == '{' {
				if i, ok = skipKey(b, i); !ok {
					return i, false
				}
			}
			continue
		case c == '-' || '0' <= c && c <= '9':
			if i, ok = skipNumber(b, i); !ok {
				return i, false
			}
		case c == 't':
			if !bytes.HasPrefix(b[i:], []byte("true")) {
				return i, false
			}
			i += 4
		case c == 'f':
			if !bytes.HasPrefix(b[i:], []byte("false")) {
				return i, false
			}
			i += 5
		case c == 'n':
			if !bytes.HasPrefix(b[i:], []byte("null")) {
				return i, false
			}
			i += 4
		default:
			return i, false
		}
		// A value ended at i: close containers until one goes on.
		for {
			if len(stack) == 0 {
				return i, true
			}
			i = skipWS(b, i)
			if i >= n {
				return i, false
			}
			top := stack[len(stack)-1]
			if b[i] == ',' {
				i = skipWS(b, i+1)
				if top == '{' {
					if i, ok = skipKey(b, i); !ok {
						return i, false
					}
				}
				break
			}
			if top == '{' && b[i] == '}' || top == '[' && b[i] == ']' {
				i++
				stack = stack[:len(stack)-1]
				continue
			}
			return i, false
		}
	}
}

func (sc *lineScanner) keepStack(s *[]byte) { sc.stack = (*s)[:0] }

// skipKey validates `"key" :` and the whitespace before the value.
func skipKey(b []byte, i int) (int, bool) {
	if i >= len(b) || b[i] != '"' {
		return i, false
	}
	i, ok := skipStr(b, i)
	if !ok {
		return i, false
	}
	i = skipWS(b, i)
	if i >= len(b) || b[i] != ':' {
		return i, false
	}
	return skipWS(b, i+1), true
}
