//go:build !amd64 || purego

package logpush

var fastSkippers = map[string]func([]byte, int) (int, bool){"fast": skipBracketsFast}
