//go:build !amd64 || purego

package logpush

func skipBracketsFast(b []byte, i int) (int, bool) { return skipBracketsWords(b, i) }
