package logpush

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
)

// repeatReader yields b over and over, n bytes in all, without holding them.
type repeatReader struct {
	b   byte
	n   int64
	buf [32 << 10]byte
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	if r.buf[0] != r.b {
		for i := range r.buf {
			r.buf[i] = r.b
		}
	}
	n := min(int64(len(p)), r.n, int64(len(r.buf)))
	copy(p, r.buf[:n])
	r.n -= n
	return int(n), nil
}

// heapGrowth runs fn and returns how much the live heap grew, after GC.
func heapGrowth(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	if after.HeapAlloc < before.HeapAlloc {
		return 0
	}
	return after.HeapAlloc - before.HeapAlloc
}

// A 50 MB line is refused (counted as TooLong and Malformed) while the
// records around it are read, and memory stays near MaxLineBytes.
// Not parallel: it measures the heap, which other tests' garbage would
// inflate (sequential tests run before the parallel ones resume).
func TestReaderFiftyMBLine(t *testing.T) {
	src := io.MultiReader(strings.NewReader(recA+"\n"), &repeatReader{b: 'x', n: 50 << 20}, strings.NewReader("\n"+recB+"\n"))
	var got []string
	var peak runtime.MemStats
	rd := NewReader(src, false)
	grew := heapGrowth(func() {
		var err error
		got, err = readAll(t, rd)
		if err != nil {
			t.Error(err)
		}
		runtime.ReadMemStats(&peak)
	})
	if strings.Join(got, ",") != "a,b" {
		t.Errorf("records = %q, want a,b", got)
	}
	st := rd.Stats()
	if st.TooLong != 1 || st.Malformed != 1 || st.Lines != 3 {
		t.Errorf("stats = %+v, want the one long line counted as TooLong and Malformed", st)
	}
	if grew > 8<<20 {
		t.Errorf("heap grew by %d MB reading a 50 MB line, want a few MB at most", grew>>20)
	}
}

// bomb is n copies of a gzip member holding 1 MiB of zeros: 1 GiB of zeros
// for n = 1024 from about a megabyte, generated in a moment.
func bomb(t testing.TB, n int) []byte {
	var member bytes.Buffer
	zw, err := gzip.NewWriterLevel(&member, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return bytes.Repeat(member.Bytes(), n)
}

// A gzip bomb (1 GiB of zeros) is refused with one line naming the cap,
// after reading no more than the cap, in bounded memory. The cap is
// lowered to 64 MiB so the test stays fast under -race; the default is the
// same code path.
// Not parallel: it measures the heap (see TestReaderFiftyMBLine).
func TestReaderGzipBomb(t *testing.T) {
	data := bomb(t, 1024)
	if len(data) > 4<<20 {
		t.Fatalf("bomb is %d bytes, want about 1 MB", len(data))
	}
	rd := NewReader(bytes.NewReader(data), true)
	rd.SetMaxObjectBytes(64 << 20)
	var err error
	grew := heapGrowth(func() { _, err = readAll(t, rd) })
	if !errors.Is(err, ErrObjectTooLarge) {
		t.Fatalf("err = %v, want ErrObjectTooLarge", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "64 MiB") || strings.Contains(msg, "\n") || strings.Count(msg, "logpush:") != 1 {
		t.Errorf("message %q: want one line naming the 64 MiB cap", msg)
	}
	if _, err2 := rd.Next(); !errors.Is(err2, ErrObjectTooLarge) {
		t.Errorf("second Next = %v, want the same refusal", err2)
	}
	if grew > 8<<20 {
		t.Errorf("heap grew by %d MB, want a few MB at most", grew>>20)
	}
}

// An object exactly at the cap is read; one byte more is refused.
func TestReaderObjectCapBoundary(t *testing.T) {
	t.Parallel()
	body := recA + "\n" + recB + "\n"
	for _, tc := range []struct {
		limit int64
		ok    bool
	}{{int64(len(body)), true}, {int64(len(body)) - 1, false}} {
		rd := NewReader(bytes.NewReader(gz(t, body)), true)
		rd.SetMaxObjectBytes(tc.limit)
		_, err := readAll(t, rd)
		if (err == nil) != tc.ok {
			t.Errorf("limit %d: err = %v, want ok=%v", tc.limit, err, tc.ok)
		}
	}
	if s := byteSize(MaxObjectBytes); s != "2 GiB" {
		t.Errorf("default cap reads %q", s)
	}
}
