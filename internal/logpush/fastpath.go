package logpush

import "encoding/binary"

// The fast path reads lines in the form Logpush writes them: the 13 fields
// in its fixed (alphabetical) order, no whitespace, no escapes in the
// fields read, integers for the numbers read. It compares each expected
// key as a literal instead of decoding and matching it, and it validates
// the values it does not read (Event, Logs, ScriptVersion, …) with the
// same validator as the general scanner, so that it accepts a line only
// when the general scanner would read it as the same record. On the first
// byte that does not fit (another order, an unknown or missing key,
// whitespace, an escape, a null, a wrong type, invalid JSON) it gives up
// and the general scanner reads the line from the start.

// fastKey is one member of the Logpush form.
type fastKey struct {
	lit      string // `"Key":`
	field    int
	optional bool // CPUTimeMs and WallTimeMs: absent in jobs created before they existed
}

var fastKeys = [...]fastKey{
	{`"CPUTimeMs":`, fieldCPUTimeMs, true},
	{`"DispatchNamespace":`, fieldOther, false},
	{`"Entrypoint":`, fieldEntrypoint, false},
	{`"Event":`, fieldOther, false},
	{`"EventTimestampMs":`, fieldEventTimestampMs, false},
	{`"EventType":`, fieldEventType, false},
	{`"Exceptions":`, fieldOther, false},
	{`"Logs":`, fieldOther, false},
	{`"Outcome":`, fieldOther, false},
	{`"ScriptName":`, fieldScriptName, false},
	{`"ScriptTags":`, fieldOther, false},
	{`"ScriptVersion":`, fieldOther, false},
	{`"WallTimeMs":`, fieldWallTimeMs, true},
}

// fast reads a line in Logpush's form into f and reports whether it could;
// false says nothing about the line, only that the general scanner must
// read it.
func (sc *lineScanner) fast(b []byte, f *Fields) bool {
	n := len(b)
	if n == 0 || b[0] != '{' {
		return false
	}
	*f = Fields{}
	sc.setLine(b)
	i, members := 1, 0
	for k := range fastKeys {
		key := &fastKeys[k]
		j := i
		if members > 0 {
			if j >= n || b[j] != ',' {
				if key.optional {
					continue
				}
				return false
			}
			j++
		}
		if !hasAt(b, j, key.lit) {
			if key.optional {
				continue
			}
			return false
		}
		j += len(key.lit)
		if j >= n {
			return false
		}
		var ok bool
		switch key.field {
		case fieldOther:
			j, ok = sc.skipOpaque(b, j)
		case fieldScriptName, fieldEntrypoint, fieldEventType:
			if b[j] != '"' {
				return false
			}
			start := j + 1
			var plain bool
			j, plain, ok = skipString(b, j)
			if !ok || !plain {
				return false
			}
			v := b[start : j-1]
			switch key.field {
			case fieldScriptName:
				f.ScriptName = v
			case fieldEntrypoint:
				f.Entrypoint = v
			default:
				f.EventType = v
			}
		default: // the three integers
			start := j
			if j, ok = skipNumber(b, j); !ok {
				return false
			}
			var x int64
			if x, ok = parseInt64(b[start:j]); !ok {
				return false
			}
			switch key.field {
			case fieldWallTimeMs:
				f.WallTimeMs, f.HasWall = x, true
			case fieldCPUTimeMs:
				f.CPUTimeMs, f.HasCPU = x, true
			default:
				f.EventTimestampMs = x
			}
		}
		if !ok {
			return false
		}
		i = j
		members++
	}
	if i >= n || b[i] != '}' {
		return false
	}
	return skipWS(b, i+1) == n
}

// hasAt reports whether lit is at b[i:], comparing eight bytes at a time
// (the keys are 8 to 20 bytes long).
func hasAt(b []byte, i int, lit string) bool {
	if i+len(lit) > len(b) {
		return false
	}
	b = b[i : i+len(lit)]
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b) != leUint64(lit) {
			return false
		}
		b, lit = b[8:], lit[8:]
	}
	return string(b) == lit
}

// leUint64 is binary.LittleEndian.Uint64 of a string's first 8 bytes.
func leUint64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
