package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
)

// A batch whose samples were capped says so, with the cap, in the report.
func TestReportStatesTheSampleCap(t *testing.T) {
	t.Parallel()
	r := fixture("cap", 0)
	for i := range r.Batches {
		if !r.Batches[i].Warmup {
			r.Batches[i].SamplesDropped = 7
			break
		}
	}
	var buf bytes.Buffer
	if err := WriteText(&buf, r); err != nil {
		t.Fatal(err)
	}
	want := "7 samples not kept: a cell keeps at most 100000"
	if !strings.Contains(buf.String(), want) || experiment.MaxSamplesPerCell != 100000 {
		t.Errorf("report does not say %q:\n%s", want, buf.String())
	}
}
