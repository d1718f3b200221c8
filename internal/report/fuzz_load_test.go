package report

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad: any bytes given as a results file are either refused by Load
// with an error or load into Results that every format renders without
// panicking.
func FuzzLoad(f *testing.F) {
	// Small seeds: the fuzzer crawls on inputs of kilobytes (a whole
	// fixture), and these reach the same code.
	f.Add([]byte(`{"schemaVersion":1}`))
	f.Add([]byte(`{"schemaVersion":1,"batches":[{"status":"ok","samples":[{"ms":-1,"ops":0}]}]}`))
	f.Add([]byte(`{"schemaVersion":1,"status":"complete","plan":{"approaches":["direct","simple"],"durations":["10ms"],"batches":1,"ops":2},` +
		`"batches":[{"id":"x-000","approach":"direct","durationMs":10,"batch":1,"ops":2,"status":"ok","completed":2,"samples":[{"op":1,"ops":1,"ms":11},{"op":2,"ops":1,"ms":12}]},` +
		`{"id":"x-001","approach":"simple","durationMs":10,"batch":1,"ops":2,"status":"dropped","failure":"cut","retried":true,"samples":[{"op":1,"ops":1,"ms":30}]}]}`))
	f.Add([]byte(`not json`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "r.json")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		r, err := Load(path)
		if err != nil {
			return
		}
		for _, format := range Formats {
			_ = Render(io.Discard, r, format, RenderOptions{Samples: true, Path: path})
		}
	})
}
