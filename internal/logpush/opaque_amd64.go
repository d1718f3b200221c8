//go:build !purego

package logpush

import "math/bits"

// bracketMasks64 flags the quotes, opening and closing brackets and
// backslashes among the 64 bytes at p (SSE2; see opaque_amd64.s).
//
//go:noescape
func bracketMasks64(p *byte) (quote, open, close, bslash uint64)

// skipBracketsFast is skipBracketsWords 64 bytes at a time with SSE2
// compares. A block may extend past the line into the rest of its buffer
// (up to cap); the bytes past the line are masked off.
func skipBracketsFast(b []byte, i int) (int, bool) {
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
