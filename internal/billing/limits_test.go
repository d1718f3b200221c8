package billing

import (
	"bytes"
	"strings"
	"testing"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/logpush"
)

// A line over logpush.MaxLineBytes is refused, counted as TooLong (and
// malformed) and said in one warning naming the limit; the records around
// it still count.
func TestOverlongLineCountedAndWarned(t *testing.T) {
	t.Parallel()
	batches := []experiment.BatchResult{batch("r-000", "direct", 100, 2, 0, 1000)}
	c := NewCollector(batches, Options{ScriptName: "pfx"})
	r0 := tagged(rec("OriginDO", 100, 100, 2), "r-000", 0)
	long := `{"ScriptName":"pfx","Logs":[{"Message":["` + strings.Repeat("x", logpush.MaxLineBytes) + `"]}]}`
	if err := c.AddObject("20261126/a.log.gz", bytes.NewReader(gz(t, mustJSON(t, r0), long))); err != nil {
		t.Fatal(err)
	}
	r := c.Report()
	if r.Files.TooLong != 1 || r.Files.Malformed != 1 || r.Records.Read != 1 {
		t.Errorf("files %+v, records %+v", r.Files, r.Records)
	}
	n := 0
	for _, w := range r.Warnings {
		if strings.Contains(w, "over the 1 MiB limit per line") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("want one warning naming the limit: %q", r.Warnings)
	}
}
