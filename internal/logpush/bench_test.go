package logpush

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// benchObject builds a gzip NDJSON object of n realistic records.
func benchObject(b *testing.B, n int) (gz []byte, raw int) {
	b.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	cw := &countWriter{w: zw}
	enc := json.NewEncoder(cw)
	for i := 0; i < n; i++ {
		rec := Record{CPUTimeMs: Int64(int64(i % 7)), WallTimeMs: Int64(int64(100 + i%900)), EventTimestampMs: 1795000000000 + int64(i),
			ScriptName: "pfx-experiment", Entrypoint: "OriginDO", EventType: "fetch", Outcome: "ok", ScriptTags: []string{},
			Event: &Event{RayID: fmt.Sprintf("%016x", i), Request: &Request{URL: "https://pfx.example.workers.dev/delay/100?batch=ab12cd-003&op=4", Method: "GET"}, Response: &Response{Status: 200}},
			Logs:  []Log{{Level: "log", Message: []any{"pfx", "ab12cd-003", i % 30}, TimestampMs: 1795000000000 + int64(i)}}}
		if err := enc.Encode(rec); err != nil {
			b.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes(), cw.n
}

type countWriter struct {
	w io.Writer
	n int
}

func (c *countWriter) Write(p []byte) (int, error) { c.n += len(p); return c.w.Write(p) }

// BenchmarkReader measures streaming throughput and the peak live heap while
// reading: the reader must not hold the file, so peak-heap-MB stays far
// below the uncompressed size (raw-MB) whatever the file size.
func BenchmarkReader(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		gz, raw := benchObject(b, n)
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			b.SetBytes(int64(raw))
			b.ReportAllocs()
			var peak uint64
			var ms runtime.MemStats
			for i := 0; i < b.N; i++ {
				runtime.GC()
				runtime.ReadMemStats(&ms)
				base := ms.HeapAlloc
				r := NewReader(bytes.NewReader(gz), true)
				count := 0
				for {
					_, err := r.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					count++
					if count%5000 == 0 {
						runtime.ReadMemStats(&ms)
						if ms.HeapAlloc > base && ms.HeapAlloc-base > peak {
							peak = ms.HeapAlloc - base
						}
					}
				}
				if count != n {
					b.Fatalf("read %d records, want %d", count, n)
				}
			}
			b.ReportMetric(float64(raw)/(1<<20), "raw-MB")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
		})
	}
}

// generatedLines is a generated data set's lines, decompressed.
func generatedLines(b *testing.B, n int) (lines [][]byte, raw int) {
	b.Helper()
	dir := b.TempDir()
	st, err := Generate(dir, GenOptions{Records: n, Files: 1, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, st.Files[0]))
	if err != nil {
		b.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	all, err := io.ReadAll(zr)
	if err != nil {
		b.Fatal(err)
	}
	return bytes.Split(bytes.TrimSuffix(all, []byte("\n")), []byte("\n")), len(all)
}

// BenchmarkScanLine measures the per-line work of logs scan on generated
// lines held in memory (no decompression): each scanner alone, and the
// hash that de-duplication adds.
func BenchmarkScanLine(b *testing.B) {
	lines, raw := generatedLines(b, 20000)
	run := func(name string, fn func(sc *lineScanner, line []byte, f *Fields)) {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(raw))
			sc := lineScanner{memo: new(templateMemo)}
			var f Fields
			for b.Loop() {
				for _, l := range lines {
					fn(&sc, l, &f)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(lines)), "ns/line")
		})
	}
	run("general", func(sc *lineScanner, l []byte, f *Fields) { sc.general(l, f) })
	run("fast", func(sc *lineScanner, l []byte, f *Fields) { sc.fast(l, f) })
	run("hash", func(sc *lineScanner, l []byte, f *Fields) { HashLine(l) })
	run("validate", func(sc *lineScanner, l []byte, f *Fields) { sc.skipValue(l, 0) })
}

func BenchmarkSkipBrackets(b *testing.B) {
	line := []byte(`{"Event":{"RayID":"62aa0c13b95dd4c7","Request":{"URL":"https://pfx-experiment.pfx-lab.workers.dev/do/OriginDO?batch=ab12cd-000&op=33","Method":"GET"},"Response":{"Status":200}},"X":1}` + strings.Repeat(" ", 200))
	line = line[:len(line)-200]
	skippers := map[string]func([]byte, int) (int, bool){"bytes": skipBrackets, "words": skipBracketsWords}
	for name, fn := range fastSkippers {
		skippers[name] = fn
	}
	for name, fn := range skippers {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, ok := fn(line, 9); !ok {
					b.Fatal("not skipped")
				}
			}
		})
	}
}

func BenchmarkHashLine(b *testing.B) {
	line := bytes.Repeat([]byte("x"), 517)
	b.SetBytes(517)
	for b.Loop() {
		HashLine(line)
	}
}
