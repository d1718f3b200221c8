package logpush

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The generator writes what scan reads: every line a record in Logpush's
// form, the promised duplicates and missing timing, and the same bytes for
// the same seed.
func TestGenerate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	st, err := Generate(dir, GenOptions{Records: 3000, Files: 4, Seed: 7, DupRate: 0.02, NoTimingRate: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Files) != 4 || st.Lines != 3000 || st.Duplicates == 0 || st.NoTiming == 0 {
		t.Fatalf("stats %+v", st)
	}
	s := NewScan(Filter{})
	for _, name := range st.Files {
		if _, err := ParseObjectKey(name); err != nil {
			t.Errorf("object key %s: %v", name, err)
		}
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.AddFile(name, bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
	}
	sum := s.Summary()
	if sum.Lines != 3000 || sum.Records+sum.Duplicates != 3000 || sum.Duplicates != st.Duplicates || sum.Skipped != (Skipped{}) {
		t.Errorf("summary %+v, generated %+v", sum, st)
	}
	if len(sum.Groups) != len(genRoles) {
		t.Errorf("%d groups, want %d", len(sum.Groups), len(genRoles))
	}
	dates := map[string]bool{}
	for _, name := range st.Files {
		dates[strings.Split(name, "/")[0]] = true
	}
	if len(dates) != 2 {
		t.Errorf("date folders %v, want 2", dates)
	}
	// Deterministic.
	dir2 := t.TempDir()
	st2, err := Generate(dir2, GenOptions{Records: 3000, Files: 4, Seed: 7, DupRate: 0.02, NoTimingRate: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range st2.Files {
		a, _ := os.ReadFile(filepath.Join(dir, st.Files[i]))
		b, _ := os.ReadFile(filepath.Join(dir2, name))
		if name != st.Files[i] || !bytes.Equal(a, b) {
			t.Errorf("file %d differs for the same seed", i)
		}
	}
}
