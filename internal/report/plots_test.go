package report

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The SVG charts are well-formed XML, name every approach in the legend
// and carry the caption (run, price table, emulated); the Markdown links
// them.
func TestPlotsSVG(t *testing.T) {
	t.Parallel()
	r := withBilling(fixture("fix001", 0))
	dir := t.TempDir()
	var md bytes.Buffer
	if err := Render(&md, r, "markdown", RenderOptions{Plots: dir}); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.svg"))
	if len(files) != 2 {
		t.Fatalf("svg files = %v, want cost and latency", files)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text := svgText(t, b)
		for _, want := range append([]string{"run fix001", "EMULATED", "upstream duration (ms)"}, r.Plan.Approaches...) {
			if !strings.Contains(text, want) {
				t.Errorf("%s: no %q in its text: %q", filepath.Base(f), want, text)
			}
		}
		if strings.HasSuffix(f, "-cost.svg") && !strings.Contains(text, "list prices of "+r.Billing.Prices.Date) {
			t.Errorf("cost chart without the price table's date: %q", text)
		}
		if !strings.Contains(md.String(), "]("+filepath.ToSlash(f)+")") {
			t.Errorf("markdown does not link %s:\n%s", f, md.String())
		}
	}
}

// svgText checks b is well-formed XML and returns its character data.
func svgText(t *testing.T, b []byte) string {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	var text strings.Builder
	root := ""
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = tok.Name.Local
			}
		case xml.CharData:
			text.Write(tok)
			text.WriteByte(' ')
		}
	}
	if root != "svg" {
		t.Fatalf("root element %q, want svg", root)
	}
	return text.String()
}

// Only usable cells are costed on the chart; the others are listed; a
// matrix spanning more than a decade is drawn on a log scale.
func TestCurves(t *testing.T) {
	t.Parallel()
	r := withBillingKept(fixture("fix002", 0), func(i int) bool { return i%3 == 0 })
	c := BuildCurves(r)
	n := 0
	for _, cv := range c.Cost {
		n += len(cv.Points)
	}
	if n+len(c.Missing) != len(r.Plan.Approaches)*len(r.Plan.DurationsMs) {
		t.Errorf("%d points + %d missing, want every cell once: %+v", n, len(c.Missing), c)
	}
	if len(c.Missing) == 0 {
		t.Errorf("incomplete billing, nothing missing: %+v", c)
	}
	if c.LogX {
		t.Errorf("100ms–1s is one decade: no log scale")
	}
	r.Plan.DurationsMs = []int{100, 1001}
	if !BuildCurves(r).LogX {
		t.Errorf("more than a decade: want a log scale")
	}
}

// A break-even outside the measured durations is reached by extrapolated
// (dashed) segments, labelled as such.
func TestCurvesExtrapolated(t *testing.T) {
	t.Parallel()
	c := BuildCurves(withBilling(fixture("fix003", 0)))
	if len(c.BreakEvens) != 1 || !c.BreakEvens[0].Extrapolated || !strings.Contains(c.BreakEvens[0].Label, "extrapolated") {
		t.Fatalf("break-evens = %+v, want one extrapolated", c.BreakEvens)
	}
	be := c.BreakEvens[0]
	for _, cv := range c.Cost {
		if len(cv.Extrapolated) != 2 || cv.Extrapolated[1].DurationMs != be.DurationMs {
			t.Errorf("%s: extrapolated %+v, want one segment to %v", cv.Approach, cv.Extrapolated, be.DurationMs)
		}
	}
}

// A run none of whose cells has usable billing still gets a cost chart
// (empty, on a log axis here), and the Markdown lists every cell missing.
func TestPlotsNothingUsable(t *testing.T) {
	t.Parallel()
	r := withBillingKept(fixture("fix004", 0), func(i int) bool { return i%3 == 0 })
	r.Plan.DurationsMs = []int{100, 1000, 2000}
	dir := t.TempDir()
	var md bytes.Buffer
	if err := Render(&md, r, "markdown", RenderOptions{Plots: dir}); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.svg"))
	if len(files) != 2 {
		t.Fatalf("svg files = %v", files)
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		svgText(t, b)
	}
	if !strings.Contains(md.String(), "Not on the chart (billing not usable)") {
		t.Errorf("no list of the missing cells:\n%s", md.String())
	}
}
