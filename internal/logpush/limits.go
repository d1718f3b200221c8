package logpush

import (
	"errors"
	"fmt"
	"io"
)

// MaxObjectBytes caps what one object may decompress to. Cloudflare's
// max_upload_bytes (the uncompressed size of one Logpush object) is at most
// 1 GB, so a real object stays below this; anything larger is a gzip bomb or
// not a Logpush object, and reading stops there instead of spending
// minutes of CPU on it. Memory is bounded by MaxLineBytes whatever the size.
const MaxObjectBytes int64 = 2 << 30

// ErrObjectTooLarge is the error Next returns for an object that
// decompresses past the cap (errors.Is works on the returned error).
var ErrObjectTooLarge = errors.New("logpush: object decompresses past the cap")

// objectTooLargeError names the cap in the one line a user sees.
type objectTooLargeError struct{ limit int64 }

func (e *objectTooLargeError) Error() string {
	return fmt.Sprintf("logpush: object refused: it decompresses to more than %s (the cap per object; a gzip bomb or not a Logpush object)", byteSize(e.limit))
}

func (e *objectTooLargeError) Is(target error) bool { return target == ErrObjectTooLarge }

// SetMaxObjectBytes changes the cap on decompressed bytes (MaxObjectBytes
// by default) before the first Next; n <= 0 keeps the default.
func (r *Reader) SetMaxObjectBytes(n int64) {
	if n > 0 {
		r.maxObject = n
	}
}

// cappedReader fails once more than limit bytes have been read through it.
type cappedReader struct {
	src   io.Reader
	limit int64
	n     int64
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.n > c.limit {
		return 0, &objectTooLargeError{limit: c.limit}
	}
	if rest := c.limit + 1 - c.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := c.src.Read(p)
	c.n += int64(n)
	if c.n > c.limit {
		return n, &objectTooLargeError{limit: c.limit}
	}
	return n, err
}

// byteSize is n in the largest binary unit that divides it, else bytes.
func byteSize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
