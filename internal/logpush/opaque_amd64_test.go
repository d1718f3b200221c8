//go:build !purego

package logpush

// fastSkippers are the block skippers the tests hold to the byte loop:
// both are checked on a machine with AVX2, whichever skipBracketsFast
// chooses.
var fastSkippers = map[string]func([]byte, int) (int, bool){
	"fast": skipBracketsFast,
	"sse2": skipBracketsSSE2,
}
