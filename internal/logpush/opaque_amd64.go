//go:build !purego

package logpush

import (
	"math/bits"

	"golang.org/x/sys/cpu"
)

// bracketMasks64 flags the quotes, opening and closing brackets and
// backslashes among the 64 bytes at p (SSE2; see opaque_amd64.s).
//
//go:noescape
func bracketMasks64(p *byte) (quote, open, close, bslash uint64)

// skipBlocksAVX2 is skipBracketsSSE2's loop in assembly, with AVX2
// compares and a carry-less multiply for the prefix XOR (skip_amd64.s).
//
//go:noescape
func skipBlocksAVX2(p *byte, n, avail int) (j, depth int, inStr uint64, status int)

// useAVX2 says whether this CPU (and OS) has what skipBlocksAVX2 uses.
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasPCLMULQDQ

// skipBracketsFast is skipBracketsWords 64 bytes at a time: in one
// assembly call with AVX2 where the CPU has it, else with SSE2 compares
// (every amd64 has SSE2). A block may extend past the line into the rest
// of its buffer (up to cap); the bytes past the line are masked off.
func skipBracketsFast(b []byte, i int) (int, bool) {
	if !useAVX2 {
		return skipBracketsSSE2(b, i)
	}
	full := b[:cap(b)]
	j, depth, inStr, status := skipBlocksAVX2(&full[i], len(b)-i, len(full)-i)
	switch status {
	case 0:
		return i + j, true
	case 2:
		return i + j, false
	case 3:
		return len(b), false
	}
	return skipBracketsWordsFrom(b, i+j, depth, inStr)
}

// skipBracketsSSE2 is skipBracketsFast without AVX2.
func skipBracketsSSE2(b []byte, i int) (int, bool) {
	n := len(b)
	full := b[:cap(b)]
	depth := 0
	var inStr uint64
	j := i
	for j < n && j+64 <= len(full) {
		q, open, closing, bs := bracketMasks64(&full[j])
		if left := n - j; left < 64 {
			valid := uint64(1)<<left - 1
			q, open, closing, bs = q&valid, open&valid, closing&valid, bs&valid
		}
		if bs != 0 {
			return skipBracketsFrom(b, j, depth, inStr != 0)
		}
		p := q
		p ^= p << 1
		p ^= p << 2
		p ^= p << 4
		p ^= p << 8
		p ^= p << 16
		p ^= p << 32
		p ^= inStr
		for br := (open | closing) &^ p; br != 0; br &= br - 1 {
			k := bits.TrailingZeros64(br)
			if open>>k&1 != 0 {
				if depth++; 1+depth > maxNestingDepth {
					return j + k, false
				}
			} else if depth--; depth == 0 {
				return j + k + 1, true
			}
		}
		inStr = uint64(int64(p) >> 63)
		j += 64
	}
	if j >= n {
		return n, false
	}
	return skipBracketsWordsFrom(b, j, depth, inStr)
}
