package ui

import (
	"io"
	"strings"
	"testing"

	"github.com/muesli/termenv"
)

// With colour the Charts tab draws braille lines in the approaches'
// colours; without, each approach has its own character. Both name every
// approach (in the tables' colours), mark the break-even and say EMULATED.
func TestChartsTabColourAndPlain(t *testing.T) {
	t.Parallel()
	m := resultsModelWithBilling(t, 80, 24, nil)
	rs := m.resultsScreen()
	plain := strings.Join(rs.chartsTab(80), "\n")

	st := newStyles(io.Discard, false)
	st.r.SetColorProfile(termenv.TrueColor)
	st.noColor = false
	c := *rs.c
	c.st = st
	rs.c = &c
	colour := strings.Join(rs.chartsTab(80), "\n")

	// The legend's colours are the tables'.
	for i, a := range rs.r.Plan.Approaches {
		name := rs.approachStyle(i).Render(a)
		if !strings.Contains(colour, name) || !strings.Contains(strings.Join(rs.costTab(80), "\n"), name) || !strings.Contains(strings.Join(rs.latency(80), "\n"), name) {
			t.Errorf("%s is not in its colour on the chart's legend and the tables", a)
		}
	}
	hasBraille := func(s string) bool {
		return strings.ContainsFunc(s, func(r rune) bool { return r > 0x2800 && r <= 0x28FF })
	}
	if !hasBraille(colour) || !strings.Contains(colour, "\x1b[") {
		t.Errorf("colour: no coloured braille:\n%s", colour)
	}
	if hasBraille(plain) || strings.Contains(plain, "\x1b[") {
		t.Errorf("plain: braille or colour:\n%s", plain)
	}
	for _, s := range []string{plain, colour} {
		for _, want := range append([]string{"break-even", "EMULATED", "Cost, $/M ops", "Median latency", string(runeBreakPoint)}, rs.r.Plan.Approaches...) {
			if !strings.Contains(s, want) {
				t.Errorf("no %q in:\n%s", want, s)
			}
		}
	}
}

// Cells without usable billing are listed under the cost chart, not drawn
// (here none is usable: no empty chart);
// durations spanning more than a decade are on a log axis.
func TestChartsTabMissingAndLogScale(t *testing.T) {
	t.Parallel()
	m := resultsModelWithBilling(t, 80, 24, func(i int) bool { return i%3 == 0 })
	rs := m.resultsScreen()
	out := strings.Join(rs.chartsTab(80), "\n")
	if !strings.Contains(out, "not on the chart (billing not usable)") || !strings.Contains(out, "nothing to draw") {
		t.Errorf("no list of the cells left off:\n%s", out)
	}
	if strings.Contains(out, "log scale") {
		t.Errorf("100ms–1s on a log scale:\n%s", out)
	}
	r := *rs.r
	r.Plan.DurationsMs = append(append([]int(nil), r.Plan.DurationsMs...), 2000) // no cells: a wider axis only
	rs.r = &r
	out = strings.Join(rs.chartsTab(80), "\n")
	if !strings.Contains(out, "(log scale)") {
		t.Errorf("100ms–2s: no log scale:\n%s", out)
	}
	for _, l := range strings.Split(out, "\n") {
		if width(l) > 80 {
			t.Errorf("line wider than 80: %q", l)
		}
	}
}
