package logpush

import (
	"encoding/binary"
	"math/bits"
)

// Values the scanners do not read (Event, Logs, ScriptVersion, unknown
// members, and wrong-typed arrays or objects in the fields they read) are
// skipped by structure, not by grammar: a bracketed value must close its
// brackets outside strings (strings end at an unescaped quote; the kind of
// bracket is not matched) within the nesting limit. Strings and scalars
// (numbers, true, false, null) are validated in full. So a line whose Logs
// hold "[1,,2]" is still a record for `logs scan`; DecodeLine, which
// decodes Logs, counts it malformed.

// skipOpaque skips the value at b[i] as described above and returns the
// index after it.
func (sc *lineScanner) skipOpaque(b []byte, i int) (int, bool) {
	switch b[i] {
	case '{', '[':
		c := b[i]
		if i+1 < len(b) && b[i+1] == c+2 { // "[]" or "{}": ']' is '[' + 2, '}' is '{' + 2
			return i + 2, true
		}
		return skipBracketsFast(b, i)
	case '"':
		return skipStr(b, i)
	}
	return sc.skipValue(b, i)
}

// skipBrackets is the byte-at-a-time bracket skipper: b[i] is '{' or '['.
func skipBrackets(b []byte, i int) (int, bool) { return skipBracketsFrom(b, i, 0, false) }

// skipBracketsFrom goes on byte by byte from b[j] at the given depth and
// string state; the word and block skippers end with it, and hand it a
// value from the first word or block with a backslash on.
func skipBracketsFrom(b []byte, j, depth int, inStr bool) (int, bool) {
	for ; j < len(b); j++ {
		c := b[j]
		if inStr {
			switch c {
			case '\\':
				j++
			case '"':
				inStr = false
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
		case '{', '[':
			if depth++; 1+depth > maxNestingDepth {
				return j, false
			}
		case '}', ']':
			if depth--; depth == 0 {
				return j + 1, true
			}
		}
	}
	return len(b), false
}

// skipBracketsWords is skipBrackets eight bytes at a time. Without
// backslashes every quote starts or ends a string, so a prefix XOR of the
// quote flags tells the bytes inside strings, and only the brackets
// outside them are looked at one by one; from a word with a backslash (an
// escape, rare in Logpush lines) on, the byte loop takes over.
func skipBracketsWords(b []byte, i int) (int, bool) {
	return skipBracketsWordsFrom(b, i, 0, 0)
}

// skipBracketsWordsFrom goes on from b[j] at the given depth and string
// state (inStr all ones inside a string).
func skipBracketsWordsFrom(b []byte, j, depth int, inStr uint64) (int, bool) {
	const (
		m7   = 0x7F7F7F7F7F7F7F7F
		bit5 = 0x2020202020202020
	)
	eq := func(x, c uint64) uint64 { // 0x80 in each byte of x equal to c's
		t := x ^ c
		return ^((t&m7 + m7) | t | m7)
	}
	for ; j+8 <= len(b); j += 8 {
		x := binary.LittleEndian.Uint64(b[j:])
		if eq(x, '\\'*lo8) != 0 {
			return skipBracketsFrom(b, j, depth, inStr != 0)
		}
		q := eq(x, '"'*lo8)
		y := x | bit5 // '[' and '{' both become '{', ']' and '}' both '}'
		open, closing := eq(y, '{'*lo8), eq(y, '}'*lo8)
		// Inside-string state of each byte: XOR of the quote flags of the
		// bytes up to it, and of the words before.
		p := (q >> 7) * 0xFF
		p ^= p << 8
		p ^= p << 16
		p ^= p << 32
		p ^= inStr
		for br := (open | closing) &^ p; br != 0; br &= br - 1 {
			k := bits.TrailingZeros64(br) >> 3
			if open>>(8*k)&0x80 != 0 {
				if depth++; 1+depth > maxNestingDepth {
					return j + k, false
				}
			} else if depth--; depth == 0 {
				return j + k + 1, true
			}
		}
		inStr = uint64(int64(p) >> 63)
	}
	return skipBracketsFrom(b, j, depth, inStr != 0)
}
