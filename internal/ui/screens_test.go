package ui

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/localtarget"
	"github.com/pfx-tui/pfx-tui/internal/report"
)

// Tests of what users see: the answer without a key, toggles at every
// size, footers and dialogs that are never cut.

var allSizes = []struct{ w, h int }{{60, 20}, {80, 24}, {100, 30}, {120, 40}}

// At 80×24 and above — and at the smallest layout too — the results of a
// billed run show, without scrolling or any key, which approach is
// cheapest at each duration, by how much, the Cost table's $/M ops and vs
// direct columns, and the break-even.
func TestAnswerOnScreenWithoutAnyKey(t *testing.T) {
	t.Parallel()
	for _, sz := range allSizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			m := resultsModelWithBilling(t, sz.w, sz.h, nil)
			v := m.View()
			for _, want := range []string{"$/M ops", "vs direct", "break-even", "simple cheaper above ≈", "current cheaper above ≈", "EMULATED"} {
				if !strings.Contains(v, want) {
					t.Errorf("%q is not on screen:\n%s", want, v)
				}
			}
			for _, d := range m.results.Plan.DurationsMs {
				line := regexpLine(v, experiment.FormatDuration(d)+"  ◆ direct $")
				if line == "" || !strings.Contains(line, "simple +$") || !strings.Contains(v, "current +$") {
					t.Errorf("%s: the cheapest and the others' difference are not on screen:\n%s", experiment.FormatDuration(d), v)
				}
			}
			// The Cost tab's first table is whole: header, rule and a row
			// per approach.
			if !strings.Contains(v, "◆ direct ") || !strings.Contains(v, "+$10.49 (+3385%)") {
				t.Errorf("the first cost table is not whole:\n%s", v)
			}
		})
	}
}

// The strip never shows one pricing regime's break-even alone: at every
// size both the list price's and the allowances' (which can give the
// opposite answer) are on screen, each under its regime's label, with
// every duration's line kept.
func TestVerdictBreakEvenBothRegimes(t *testing.T) {
	t.Parallel()
	for _, sz := range allSizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			m := resultsModelWithBilling(t, sz.w, sz.h, nil)
			v := m.View()
			list := regexpLine(v, "current cheaper above ≈6.66s")
			if !strings.Contains(list, "break-even") || !strings.Contains(list, "list") {
				t.Errorf("the list price's break-even is not labelled as such: %q\n%s", list, v)
			}
			if !strings.Contains(v, "simple cheaper above ≈2.62s") {
				t.Errorf("simple's list price break-even is not on screen:\n%s", v)
			}
			allow := regexpLine(v, "≈3.81s")
			if !strings.Contains(allow, "allow") {
				t.Errorf("current's break-even in the allowances is not on screen, labelled: %q\n%s", allow, v)
			}
			if !strings.Contains(v, "≈406ms") {
				t.Errorf("simple's break-even in the allowances is not on screen:\n%s", v)
			}
			for _, d := range m.results.Plan.DurationsMs {
				if regexpLine(v, experiment.FormatDuration(d)+"  ◆ direct $") == "" {
					t.Errorf("%s's verdict line gave way:\n%s", experiment.FormatDuration(d), v)
				}
			}
		})
	}
}

// regexpLine is the first line of s containing sub, or "".
func regexpLine(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}

// Space and x toggle the approach under the cursor and a selects all or
// none, at every size — with the descriptions shown inline on tall
// terminals too.
func TestSetupTogglesAtEverySize(t *testing.T) {
	t.Parallel()
	for _, sz := range append(allSizes, struct{ w, h int }{120, 50}) {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			m, _ := newTestModel(t, sz.w, sz.h, Options{})
			approaches := func() []string {
				cfg, _ := m.setupScreen().config()
				return cfg.Approaches
			}
			m = keys(m, "space")
			all := len(localtarget.Patterns) // the optional variants are listed, unticked
			if got := approaches(); slices.Contains(got, "direct") || !strings.Contains(m.View(), fmt.Sprintf("Approaches (2 of %d)", all)) {
				t.Fatalf("space did not drop direct: %v\n%s", got, m.View())
			}
			m = keys(m, "down", "x")
			if got := approaches(); !slices.Equal(got, []string{"simple"}) {
				t.Fatalf("x did not drop current: %v", got)
			}
			m = keys(m, "x", "up", "space")
			if got := approaches(); len(got) != 3 {
				t.Fatalf("toggled back: %v", got)
			}
			m = keys(m, "a") // some selected: all
			if got := approaches(); len(got) != all {
				t.Fatalf("a with some selected: %v", got)
			}
			m = keys(m, "a") // all selected: none
			if got := approaches(); len(got) != 0 || !strings.Contains(m.View(), fmt.Sprintf("Approaches (0 of %d)", all)) {
				t.Fatalf("a with all selected: %v", got)
			}
			m = keys(m, "a")
			if got := approaches(); len(got) != all {
				t.Fatalf("a with none selected: %v", got)
			}
			// a on the durations panel: every preset, then none.
			m = keys(m, "tab", "a")
			cfg, _ := m.setupScreen().config()
			if len(cfg.Durations) != len(durationPresets) {
				t.Fatalf("a on durations: %v", cfg.Durations)
			}
		})
	}
}

// The selection bar marks the row under the cursor with › (the colour
// bar's stand-in without colour) and only that row.
func TestSetupSelectionBar(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t, 80, 24, Options{})
	m = keys(m, "down")
	v := m.View()
	if !strings.Contains(v, "\n› ✓ current") || strings.Count(v, "› ") != 2 { // and the header's
		t.Fatalf("selection bar:\n%s", v)
	}
	m = keys(m, "tab")
	if v := m.View(); !strings.Contains(v, "› ✓ 100ms") || strings.Count(v, "› ") != 2 {
		t.Fatalf("selection bar after tab:\n%s", v)
	}
}

// Every screen keeps "? help · q quit" at the right end of its last line;
// the quit dialog and the too-small notice are never cut.
func TestFooterDialogAndTooSmallAreWhole(t *testing.T) {
	t.Parallel()
	for _, sz := range allSizes {
		builds := map[string]Model{
			"setup":   func() Model { m, _ := newTestModel(t, sz.w, sz.h, Options{}); return m }(),
			"results": resultsModelWithBilling(t, sz.w, sz.h, nil),
			"billing": billingModelAt(t, sz.w, sz.h),
		}
		for name, m := range builds {
			lines := strings.Split(m.View(), "\n")
			if last := lines[len(lines)-1]; !strings.HasSuffix(last, "? help · q quit") {
				t.Errorf("%s at %dx%d: footer %q", name, sz.w, sz.h, last)
			}
		}
		m, clk := newTestModel(t, sz.w, sz.h, Options{})
		f := newFakeRun(testConfig())
		m = f.start(m, false)
		m = f.inflight(m, clk, 0, 1)
		v := keys(m, "q").View()
		var inside []string
		for _, l := range strings.Split(v, "\n") {
			if i, j := strings.Index(l, "│"), strings.LastIndex(l, "│"); i >= 0 && j > i {
				inside = append(inside, l[i+len("│"):j])
			}
		}
		flat := strings.Join(strings.Fields(strings.Join(inside, " ")), " ")
		if !strings.Contains(flat, "Quit? The run stops after the current op; finished batches stay in the results file.") || !strings.Contains(flat, "y quit · n keep going") {
			t.Errorf("quit dialog at %dx%d:\n%s", sz.w, sz.h, v)
		}
	}
	for _, sz := range []struct{ w, h int }{{59, 19}, {43, 12}, {30, 10}, {20, 8}} {
		m, _ := newTestModel(t, sz.w, sz.h, Options{})
		v := m.View()
		flat := strings.Join(strings.Fields(v), " ")
		if !strings.Contains(flat, "terminal too small") || !strings.Contains(flat, fmt.Sprintf("need 60×20, have %d×%d", sz.w, sz.h)) ||
			!strings.Contains(flat, "enlarge the window or press q to quit") || strings.Contains(v, "…") {
			t.Errorf("too small at %dx%d:\n%s", sz.w, sz.h, v)
		}
		for _, l := range strings.Split(v, "\n") {
			if width(l) > sz.w {
				t.Errorf("too small at %dx%d: %q is wider", sz.w, sz.h, l)
			}
		}
	}
}

// The results scroll in a viewport with the position beside the tabs, at
// the smallest size too.
func TestResultsScrollHintAtEverySize(t *testing.T) {
	t.Parallel()
	for _, sz := range allSizes {
		m := resultsModelWithBilling(t, sz.w, sz.h, nil)
		if v := m.View(); !strings.Contains(v, "↓ 1–") {
			t.Errorf("%dx%d: no scroll position:\n%s", sz.w, sz.h, v)
		}
		m = keys(m, "G")
		if v := m.View(); !strings.Contains(v, "↑ ") {
			t.Errorf("%dx%d: G did not reach the bottom:\n%s", sz.w, sz.h, v)
		}
	}
}

// The Cost tab's tables never let the shown cost parts pass for the
// whole: at a width that hides some, each table's title says how many and
// a footnote names them; at full width nothing is said hidden.
func TestCostTableSaysWhichPartsAreHidden(t *testing.T) {
	t.Parallel()
	parts := []string{"DO dur", "DO req", "Wkr CPU", "Wkr req", "rows*"}
	for _, sz := range allSizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			m := resultsModelWithBilling(t, sz.w, sz.h, nil)
			tab := strings.Join(m.resultsScreen().costTab(sz.w), "\n")
			head := regexpLine(tab, "approach ")
			var hidden []string
			for _, p := range parts {
				long := map[string]string{"DO dur": "DO duration", "DO req": "DO requests", "Wkr CPU": "Worker CPU", "Wkr req": "Worker req", "rows*": "rows written*"}[p]
				if !strings.Contains(head, p) && !strings.Contains(head, long) {
					hidden = append(hidden, p)
				}
			}
			if len(hidden) == 0 {
				if strings.Contains(tab, "hidden") {
					t.Errorf("nothing is hidden but the tab says so:\n%s", tab)
				}
				return
			}
			if sz.w == 60 && len(hidden) != 3 {
				t.Errorf("at 60 columns %v are hidden, want DO req, Wkr CPU, Wkr req", hidden)
			}
			title := regexpLine(m.View(), "100ms · at list prices")
			if !strings.Contains(title, fmt.Sprintf("%d part%s hidden", len(hidden), plural(len(hidden), "", "s"))) {
				t.Errorf("the first table's title does not say %d parts are hidden: %q\n%s", len(hidden), title, m.View())
			}
			if !strings.Contains(strings.Join(strings.Fields(tab), " "), strings.Join(hidden, ", ")) {
				t.Errorf("no footnote names the hidden parts %v:\n%s", hidden, tab)
			}
		})
	}
}

// Matched/expected records show for every cell at every size, even when
// a cell's wide "no figures" note would crowd the table (billing stopped
// early): the note gives way, the counts never.
func TestCostTableKeepsRecordCounts(t *testing.T) {
	t.Parallel()
	for _, sz := range allSizes {
		for _, tc := range []struct {
			name string
			keep func(int) bool
		}{{"complete", nil}, {"incomplete", func(i int) bool { return i%3 == 0 }}, {"partly", func(i int) bool { return i < 200 }}} {
			t.Run(fmt.Sprintf("%s/%dx%d", tc.name, sz.w, sz.h), func(t *testing.T) {
				m := resultsModelWithBilling(t, sz.w, sz.h, tc.keep)
				lines := m.resultsScreen().costTab(sz.w)
				rows, in := 0, false
				for _, l := range lines {
					switch {
					case strings.HasPrefix(l, "approach ") && strings.Contains(l, "$/M ops"):
						in = true
						continue
					case l == "" || strings.HasPrefix(l, "─"):
						in = in && l != ""
						continue
					case !in:
						continue
					}
					f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(l), "◆ "))
					if len(f) < 2 || !slices.Contains(m.results.Plan.Approaches, f[0]) {
						in = false
						continue
					}
					rows++
					if !regexp.MustCompile(`^\d+/(\d+|\?)$`).MatchString(f[1]) {
						t.Errorf("%s's row has no matched/expected records: %q", f[0], l)
					}
				}
				if want := len(m.results.Plan.Approaches) * len(m.results.Plan.DurationsMs); rows < want {
					t.Errorf("%d cost rows found, want %d:\n%s", rows, want, strings.Join(lines, "\n"))
				}
				if v := m.View(); !strings.Contains(regexpLine(v, "approach "), "rec") {
					t.Errorf("the records column is not on screen:\n%s", v)
				}
			})
		}
	}
}

// The Details tab's list of cells says where it is, as the other tabs'
// headers do, once it has more cells than lines.
func TestDetailsTabShowsScrollPosition(t *testing.T) {
	t.Parallel()
	m := keys(resultsModelWithBilling(t, 60, 20, nil), "4")
	if v := m.View(); strings.Contains(regexpLine(v, "4 Details"), "/9") {
		t.Errorf("all 9 cells fit, yet a scroll position shows:\n%s", v)
	}
	rs := m.resultsScreen()
	rs.an.Cells = append(append(rs.an.Cells[:len(rs.an.Cells):len(rs.an.Cells)], rs.an.Cells...), rs.an.Cells...)
	m.screens[screenResults] = rs.SetSize(60, 20)
	h := m.resultsScreen().vp[tabDetails].Height
	header := func() string { return regexpLine(m.View(), "4 Details") }
	if want := fmt.Sprintf("↓ 1–%d/27", h); !strings.Contains(header(), want) {
		t.Fatalf("the Details tab's header does not say %q:\n%s", want, m.View())
	}
	for range h {
		m = keys(m, "down")
	}
	if want := fmt.Sprintf("↕ 2–%d/27", h+1); !strings.Contains(header(), want) {
		t.Errorf("after %d downs the header does not say %q:\n%s", h, want, m.View())
	}
	for range 30 {
		m = keys(m, "down")
	}
	if want := fmt.Sprintf("↑ %d–27/27", 28-h); !strings.Contains(header(), want) {
		t.Errorf("at the last cell the header does not say %q:\n%s", want, m.View())
	}
}

// Prose wraps at spaces only: a flag or a file name with hyphens stays
// whole on one line (when it fits one).
func TestWrapKeepsFlagsAndFileNamesWhole(t *testing.T) {
	t.Parallel()
	texts := []string{
		"source: none — --billing none",
		"✓ exported 20260115T120000Z-a1b2c3 .md .csv .export.json -cost.svg -latency.svg to results/",
		"cost not collected: pfx-tui billing results/20260115T120000Z-a1b2c3.json",
	}
	for _, text := range texts {
		for w := 12; w <= 80; w++ {
			lines := hang(text, w, "    ", "  ")
			joined := " " + strings.Join(lines, " ") + " "
			for _, word := range strings.Fields(text) {
				if width(word) <= w-4 && !strings.Contains(joined, " "+word+" ") {
					t.Errorf("at %d cells %q is broken:\n%s", w, word, strings.Join(lines, "\n"))
				}
			}
			for _, l := range lines {
				if width(l) > w {
					t.Errorf("at %d cells a line is %d wide: %q", w, width(l), l)
				}
			}
		}
	}
	if got := hang("a b\u00a0c", 3, "", ""); !slices.Equal(got, []string{"a", "b c"}) {
		t.Errorf("a no-break space broke or stayed one: %q", got)
	}
}

// The export's message shows until the next key, then gives its lines
// back to the tab.
func TestExportMessageClearsOnNextKey(t *testing.T) {
	t.Parallel()
	m := resultsModelWithBilling(t, 60, 20, nil)
	m = keys(m, "e")
	base := "results/" + strings.TrimSuffix(report.FileName(t0, testRunID), ".json")
	m = send(m, exportedMsg{paths: []string{base + ".md", base + ".csv", base + ".export.json", base + "-cost.svg", base + "-latency.svg"}})
	if v := m.View(); !strings.Contains(v, "✓ exported") || !strings.Contains(v, "-latency.svg") {
		t.Fatalf("the export's message is not on screen:\n%s", v)
	}
	height := m.resultsScreen().vp[tabCost].Height
	m = keys(m, "down")
	if v := m.View(); strings.Contains(v, "exported") {
		t.Errorf("the export's message outlived the next key:\n%s", v)
	}
	if got := m.resultsScreen().vp[tabCost].Height; got <= height {
		t.Errorf("the tab did not get the message's lines back: %d lines, was %d", got, height)
	}
	if m.resultsScreen().vp[tabCost].YOffset != 1 {
		t.Errorf("the key that cleared the message was not acted on")
	}
}

// The run screen's header separates the EMULATED flag from the clocks at
// every size, as it separates the target from them.
func TestRunHeaderSeparatesFlagAndClocks(t *testing.T) {
	t.Parallel()
	for _, sz := range allSizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			m, clk := newTestModel(t, sz.w, sz.h, Options{})
			f := newFakeRun(testConfig())
			m = f.start(m, false)
			m = f.play(m, clk, 0, 3, -1, -1)
			head := strings.Split(m.View(), "\n")[0]
			if !strings.Contains(head, "EMULATED · elapsed ") || !strings.Contains(head, " · ETA ") {
				t.Errorf("header %q does not read \"EMULATED · elapsed … · ETA …\"", head)
			}
		})
	}
}

// With `?` open every key shows once — the full help does not repeat
// the footer's (c cancel run on the run screen, ? help, q quit).
func TestFullHelpShowsEveryKeyOnce(t *testing.T) {
	t.Parallel()
	for _, sz := range allSizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			m, clk := newTestModel(t, sz.w, sz.h, Options{})
			setup := keys(m, "?").View()
			f := newFakeRun(testConfig())
			m = f.start(m, false)
			m = f.play(m, clk, 0, 3, -1, -1)
			run := keys(m, "?").View()
			for _, c := range []struct{ view, desc string }{
				{run, "cancel run (keep results)"}, {run, "help"}, {run, "quit"}, {run, "interrupt"},
				{setup, "start"}, {setup, "toggle"}, {setup, "help"}, {setup, "quit"},
			} {
				if n := strings.Count(c.view, c.desc); n != 1 {
					t.Errorf("%q shows %d times:\n%s", c.desc, n, c.view)
				}
			}
		})
	}
}

// Setup marks the approaches the target leaves out unless named (its
// /patterns' optional ones), so "3 of 5" does not look like a bug.
func TestSetupMarksOptionalApproaches(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t, 120, 40, Options{})
	v := m.View()
	for _, p := range localtarget.Patterns {
		line := regexpLine(v, " "+p.Mode+"  ")
		if got := strings.Contains(line, "optional"); got != p.Optional {
			t.Errorf("%s: marked optional %v, want %v: %q", p.Mode, got, p.Optional, line)
		}
	}
	// Where the rows have no room, the title says how many are optional
	// and the hint under the cursor's says it is.
	m, _ = newTestModel(t, 80, 24, Options{})
	if v := m.View(); !strings.Contains(v, "Approaches (3 of 5) · 2 optional") {
		t.Errorf("the title does not count the optional approaches:\n%s", v)
	}
	m = keys(m, "down", "down", "down")
	if v := m.View(); !strings.Contains(v, "Optional: the target runs it only when named") {
		t.Errorf("the hint for direct-timer does not say it is optional:\n%s", v)
	}
}

// Where both regimes give the same break-even it is said once; where
// they differ both show, terse on a short screen.
func TestVerdictBreakEvenRegimesAgreeOrNot(t *testing.T) {
	t.Parallel()
	c := resultsModelWithBilling(t, 60, 20, nil).resultsScreen().c
	more := report.BreakEvenVerdict{Approach: "simple", Kind: "undetermined", Short: "measure more durations"}
	v := report.Verdict{Kind: report.VerdictCost, Durations: []report.DurationVerdict{{DurationMs: 100, Cheapest: "direct", PerMillion: 0.3}},
		BreakEvens: []report.BreakEvenVerdict{more}, AllowanceBreakEvens: []report.BreakEvenVerdict{more}}
	for _, roomy := range []bool{false, true} {
		got := strings.Join(verdictLines(c, v, 58, 6, roomy), "\n")
		if strings.Count(got, "measure more durations") != 1 || strings.Contains(got, "allow") {
			t.Errorf("roomy %v: the same answer in both regimes is not said once:\n%s", roomy, got)
		}
	}
	v.AllowanceBreakEvens = []report.BreakEvenVerdict{{Approach: "simple", Kind: "below-range", Short: "cheaper below ≈50ms (extrapolated)"}}
	got := strings.Join(verdictLines(c, v, 58, 6, false), "\n")
	if !strings.Contains(got, "measure more durations") || !strings.Contains(regexpLine(got, "simple <≈50ms"), "allow") {
		t.Errorf("differing regimes do not both show:\n%s", got)
	}
}
