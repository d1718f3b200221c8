package ui

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/report"
	"github.com/pfx-tui/pfx-tui/internal/stats"
)

// Result tabs.
const (
	tabLatency = iota
	tabBilling
	tabCost
	tabDetails
	tabCharts
	tabCount
)

var tabNames = [tabCount]string{"Latency", "Billing", "Cost", "Details", "Charts"}

// resultsModel is the results screen: the verdict strip, then the tabs,
// each in a bubbles/viewport of its own.
type resultsModel struct {
	c    *common
	w, h int

	r    *report.Results
	an   report.Analysis
	v    report.Verdict
	path string

	tabs tabs
	vp   [tabCount]viewport.Model
	sel  int // Details: the selected cell

	exporting   bool
	exportPaths []string
	exportErr   string
	notes       []string // e.g. why billing is missing
}

// newResults analyses r once; r must no longer be written by anyone. The
// screen opens on Cost when the run has billing, else on Latency.
func newResults(c *common, r *report.Results, path string, notes []string) resultsModel {
	m := resultsModel{c: c, r: r, an: report.Analyze(r), v: report.BuildVerdict(r, path), path: path, notes: notes,
		tabs: tabs{names: tabNames[:]}}
	if r.Billing != nil {
		m.tabs.active = tabCost
	}
	for i := range m.vp {
		m.vp[i] = viewport.New(0, 0)
	}
	return m
}

func (m resultsModel) SetSize(w, h int) screen {
	m.w, m.h = w, h
	if m.r == nil {
		return m
	}
	ch := m.contentHeight()
	for t := range m.vp {
		m.vp[t].Width, m.vp[t].Height = w, ch
		m.vp[t].SetContent(joinLines(m.content(t, w)))
	}
	return m
}

func (m resultsModel) KeyMap() help.KeyMap { return m.c.keys.resultsHelp(m.tabs.active == tabDetails) }

func (m resultsModel) Update(msg tea.Msg) (screen, tea.Cmd) {
	switch msg := msg.(type) {
	case exportedMsg:
		m.exporting = false
		m.exportPaths = msg.paths
		m.exportErr = ""
		if msg.err != nil {
			m.exportErr = msg.err.Error()
		}
		return m.SetSize(m.w, m.h), nil
	case tea.KeyMsg:
		if len(m.exportPaths) > 0 || m.exportErr != "" {
			// The export's message stays until the next key: it would
			// otherwise take the tabs' lines for good.
			m.exportPaths, m.exportErr = nil, ""
			m = m.SetSize(m.w, m.h).(resultsModel)
		}
		k := m.c.keys
		vp := &m.vp[m.tabs.active]
		details := m.tabs.active == tabDetails
		for i, b := range k.Tab {
			if key.Matches(msg, b) {
				m.tabs.active = i
				return m, nil
			}
		}
		switch {
		case key.Matches(msg, k.PrevTab):
			m.tabs = m.tabs.prev()
		case key.Matches(msg, k.NextTab):
			m.tabs = m.tabs.next()
		case key.Matches(msg, k.Up) && details:
			m.sel = max(0, m.sel-1)
			return m.SetSize(m.w, m.h), nil
		case key.Matches(msg, k.Down) && details:
			m.sel = max(0, min(len(m.an.Cells)-1, m.sel+1))
			return m.SetSize(m.w, m.h), nil
		case key.Matches(msg, k.Up):
			vp.ScrollUp(1)
		case key.Matches(msg, k.Down):
			vp.ScrollDown(1)
		case key.Matches(msg, k.PageUp):
			vp.PageUp()
		case key.Matches(msg, k.PageDown):
			vp.PageDown()
		case key.Matches(msg, k.Top):
			vp.GotoTop()
		case key.Matches(msg, k.Bottom):
			vp.GotoBottom()
		case key.Matches(msg, k.Export):
			if !m.exporting {
				m.exporting = true
				return m.SetSize(m.w, m.h), func() tea.Msg { return exportMsg{} }
			}
		}
	}
	return m, nil
}

// compact: no rule under the tabs.
func (m resultsModel) compact() bool { return m.h < compactHeight }

// strip is the verdict strip at the screen's size.
func (m resultsModel) strip() []string {
	return verdictStrip(m.c, m.v, m.w, max(3, m.h/stripShare), m.h >= roomyHeight)
}

// top is everything above the tab content: header, run info, the verdict
// strip, the tabs (with the scroll position) and a rule.
func (m resultsModel) top() []string {
	st := m.c.st
	r := m.r
	lines := []string{m.c.header("results", m.c.targetTag(), m.w)}
	{
		status := r.Status
		switch r.Status {
		case report.StatusComplete:
			status = st.Good.Render(status)
		case report.StatusInterrupted:
			status = st.Warn.Render(status)
		default:
			status = st.Bad.Render(status)
		}
		info := fmt.Sprintf("run %s %s · %d × %d cells", r.ID, status, len(r.Plan.Approaches), len(r.Plan.DurationsMs))
		if plan := fmt.Sprintf(" · %d batch%s × %d ops per cell", r.Plan.Batches, plural(r.Plan.Batches, "", "es"), r.Plan.Ops); width(info+plan) <= m.w {
			info += plan
		}
		lines = append(lines, spread(info, st.Subtle.Render(m.path), m.w))
	}
	lines = append(lines, m.strip()...)
	lines = append(lines, m.tabs.view(st, m.w, m.scrollHint()))
	if !m.compact() {
		lines = append(lines, st.Rule.Render(strings.Repeat("─", m.w)))
	}
	return lines
}

// scrollHint says where the viewport is when its tab does not fit.
// On the Details tab it is the list of cells that scrolls.
func (m resultsModel) scrollHint() string {
	vp := m.vp[m.tabs.active]
	first, total := vp.YOffset, vp.TotalLineCount()
	if m.tabs.active == tabDetails {
		first, total = m.detailsFirst(vp.Height), len(m.an.Cells)
	}
	if total <= vp.Height || vp.Height <= 0 {
		return ""
	}
	last := min(total, first+vp.Height)
	arrow := "↕"
	switch {
	case first == 0:
		arrow = "↓"
	case last == total:
		arrow = "↑"
	}
	return m.c.st.Subtle.Render(fmt.Sprintf("%s %d–%d/%d", arrow, first+1, last, total))
}

// detailsFirst is the first cell the Details tab lists in h lines: the
// list scrolls to keep the selected cell in view.
func (m resultsModel) detailsFirst(h int) int {
	sel := max(0, min(m.sel, len(m.an.Cells)-1))
	if sel >= h {
		return sel - h + 1
	}
	return 0
}

// bottomLines are the status lines under the tab content.
func (m resultsModel) bottomLines() []string {
	st := m.c.st
	var out []string
	switch {
	case m.exporting:
		out = append(out, st.Subtle.Render("exporting…"))
	case m.exportErr != "":
		out = append(out, hang(st.Bad.Render("✗ export: "+m.exportErr), m.w, "", "  ")...)
	case len(m.exportPaths) > 0:
		// One common stem in one folder: say it once, then the extensions.
		stem := strings.TrimSuffix(report.FileName(m.r.CreatedAt, m.r.ID), ".json")
		var exts []string
		for _, p := range m.exportPaths {
			exts = append(exts, strings.TrimPrefix(filepath.Base(p), stem))
		}
		text := st.Good.Render("✓ exported ") + stem + " " + strings.Join(exts, " ") + st.Good.Render(" to "+filepath.Dir(m.exportPaths[0])+string(filepath.Separator))
		out = append(out, hang(text, m.w, "", "  ")...)
	}
	for _, n := range m.notes {
		out = append(out, hang(st.Warn.Render(n), m.w, "", "  ")...)
	}
	return out
}

func (m resultsModel) contentHeight() int {
	return max(1, m.h-len(m.top())-len(m.bottomLines()))
}

func (m resultsModel) View() string {
	lines := m.top()
	lines = append(lines, m.vp[m.tabs.active].View())
	lines = append(lines, m.bottomLines()...)
	return fit(joinLines(lines), m.w, m.h)
}

// content is one tab's full text, as lines of at most w cells.
func (m resultsModel) content(tab, w int) []string {
	switch tab {
	case tabLatency:
		return m.latency(w)
	case tabBilling:
		return m.billingTab(w)
	case tabCost:
		return m.costTab(w)
	case tabCharts:
		return m.chartsTab(w)
	}
	return m.details(w)
}

// prose wraps paragraphs of notes with a hanging indent after the bullet.
func prose(lines []string, w int, bullet string) []string {
	var out []string
	indent := strings.Repeat(" ", width(bullet))
	for _, l := range lines {
		out = append(out, hang(l, w, bullet, indent)...)
	}
	return out
}

// latency is one comparison table per duration (the tables share their
// column widths), then the notes.
func (m resultsModel) latency(w int) []string {
	st := m.c.st
	an := m.an
	var out []string
	if m.r.Error != "" {
		out = append(out, hang(st.Bad.Render("run error: "+m.r.Error), w, "", "  ")...)
		out = append(out, "")
	}
	cols := []column{
		{head: "approach"},
		{head: "n", right: true, prio: 2},
		{head: "median", right: true},
		{head: "p95", right: true, prio: 1},
		{head: "mean ± σ", right: true, prio: 3},
		{head: "p99", right: true, prio: 4},
		{head: "min … max", right: true, prio: 4},
		{head: "errors", short: "err", right: true, prio: 2},
		{head: "vs " + an.Reference, right: true},
	}
	failed := false
	rowsets := make([][][]string, len(m.r.Plan.DurationsMs))
	for i, d := range m.r.Plan.DurationsMs {
		// Every cell of the duration: each approach, at each concurrency
		// when the plan has that dimension.
		for _, c := range an.Cells {
			if c.DurationMs != d {
				continue
			}
			a := report.ApproachLabel(c.Approach, c.Concurrency)
			s := c.Summary
			what := "—" // a cell without latency says why: no successful op, not offered …
			if x := c.Status(); x != "" {
				what = x
			}
			name := m.approachName(a)
			row := []string{name, fmt.Sprint(s.N), what, "—", "—", "—", "—"}
			if s.N > 0 {
				row = []string{name, fmt.Sprint(s.N), report.FormatMs(s.Median) + report.WarnMark(c), report.FormatMs(s.P95), meanSigma(s), report.FormatMs(s.P99),
					report.FormatMs(s.Min) + " … " + report.FormatMs(s.Max)}
			}
			errs := fmt.Sprint(c.Errors)
			if c.FailedBatches > 0 {
				errs += "*"
				failed = true
			}
			rowsets[i] = append(rowsets[i], append(row, errs, ratioText(c, an.Reference)))
		}
	}
	g := newGrid(cols, w, false, rowsets...)
	for i, d := range m.r.Plan.DurationsMs {
		if i > 0 {
			out = append(out, "")
		}
		out = append(out, hang(st.Section.Render(experiment.FormatDuration(d))+st.Subtle.Render(" · client-side latency per op"), w, "", "  ")...)
		out = append(out, g.render(st, rowsets[i])...)
	}
	// The same notes as the text report: failures, warnings, granularity, outliers.
	if notes := report.Notes(m.r, an); len(notes) > 0 {
		out = append(out, "", st.Section.Render("Notes"))
		out = append(out, prose(notes, w, "- ")...)
	}
	out = append(out, "")
	legend := fmt.Sprintf("Per op = gap between progress frames, warmup excluded. vs %s = ratio of means ± propagated σ; \"~\" = not significantly different (Mann–Whitney U, α = 0.05).", an.Reference)
	if failed {
		legend += " errors* = includes ops lost in a failed batch."
	}
	out = append(out, hang(st.Subtle.Render(legend), w, "", "")...)
	if m.r.Emulated {
		out = append(out, hang(st.Emulated.Render("EMULATED: measured against the embedded local target, not Cloudflare."), w, "", "")...)
	}
	return out
}

// meanSigma is "102.6 ± 0.71 ms": the unit once, for narrow tables.
func meanSigma(s stats.Summary) string {
	mean, sigma := report.FormatMs(s.Mean), report.FormatMs(s.StdDev)
	mu, mok := strings.CutSuffix(mean, " ms")
	su, sok := strings.CutSuffix(sigma, " ms")
	if mok && sok {
		return mu + " ± " + su + " ms"
	}
	return mean + " ± " + sigma
}

// ratioText is the "vs reference" column: ratio ± σ, "~" when the
// difference is not significant.
func ratioText(c report.CellStats, ref string) string {
	switch {
	case c.Ratio == 0:
		return "—"
	case c.Approach == ref:
		return "1.000"
	}
	mark := ""
	if c.P > 0 {
		if mk := stats.Marker(c.P); mk != "" {
			mark = " " + mk
		}
	}
	// Three decimals unless σ would print as 0.000.
	prec := 3
	if c.RatioSigma < 0.0005 {
		prec = 4
	}
	return fmt.Sprintf("%.*f ± %.*f%s", prec, c.Ratio, prec, c.RatioSigma, mark)
}

// details is the selected cell's raw figures and histogram, next to the
// list of cells.
func (m resultsModel) details(w int) []string {
	st := m.c.st
	cells := m.an.Cells
	if len(cells) == 0 {
		return []string{st.Subtle.Render("no cells")}
	}
	sel := max(0, min(m.sel, len(cells)-1))
	listW := 6
	for _, c := range cells {
		listW = max(listW, len(cellName(c.Approach, c.DurationMs))+4)
	}
	listW = min(listW, w/3)
	h := m.contentHeight()
	var list []string
	first := m.detailsFirst(h)
	for i := first; i < len(cells) && len(list) < h; i++ {
		c := cells[i]
		name := cellName(c.Approach, c.DurationMs)
		if i == sel {
			list = append(list, st.Selected.Render(pad("› "+name, listW)))
		} else {
			list = append(list, "  "+name)
		}
	}

	c := cells[sel]
	s := c.Summary
	rw := w - listW - 2
	var right []string
	right = append(right, st.Title.Render(cellName(c.Approach, c.DurationMs)))
	kv := func(k, v string) { right = append(right, hang(v, rw, pad(k, 13), strings.Repeat(" ", 13))...) }
	kv("n", fmt.Sprintf("%d sample%s · %d batch%s, %d failed", s.N, plural(s.N, "", "s"), c.Batches, plural(c.Batches, "", "es"), c.FailedBatches))
	kv("errors", fmt.Sprint(c.Errors))
	if s.N > 0 {
		kv("mean ± σ", meanSigma(s))
		med := report.FormatMs(s.Median)
		if s.MedianCI95.Defined {
			med += st.Subtle.Render(fmt.Sprintf("  (95%% CI %s … %s)", report.FormatMs(s.MedianCI95.Lo), report.FormatMs(s.MedianCI95.Hi)))
		}
		kv("median", med)
		kv("p90 p95 p99", report.FormatMs(s.P90)+"  "+report.FormatMs(s.P95)+"  "+report.FormatMs(s.P99))
		kv("min … max", report.FormatMs(s.Min)+" … "+report.FormatMs(s.Max))
		kv("outliers", fmt.Sprintf("%d (MAD rule, kept)", len(s.Outliers)))
		if c.Approach != m.an.Reference && c.Ratio != 0 {
			ratio := ratioText(c, m.an.Reference) + " vs " + m.an.Reference
			if c.P > 0 {
				ratio += st.Subtle.Render(fmt.Sprintf("  (p = %.3g)", c.P))
			}
			kv("ratio", ratio)
		}
		if c.Granularity > 1 {
			kv("granularity", fmt.Sprintf("a sample is the mean of %d ops", c.Granularity))
		}
		if c.CompareLevel == report.BatchMeanLevel {
			kv("compared", "by batch means (the reference's samples cover other op counts)")
		}
		if c.Warning != "" {
			right = append(right, hang(st.Bad.Render("⚠ "+c.Warning), rw, "", "  ")...)
		}
		room := h - len(right) - 2
		if room >= 2 {
			right = append(right, "", st.Section.Render("histogram"))
			bins := histogram(c.Samples, min(room-1, 12))
			peak := 0
			for _, b := range bins {
				peak = max(peak, b.n)
			}
			for _, b := range bins {
				label := padLeft(report.FormatMs(b.lo), 10) + " "
				barW := max(1, min(50, rw-len(label)-6))
				n := int(float64(b.n) / float64(peak) * float64(barW))
				if b.n > 0 {
					n = max(1, n)
				}
				right = append(right, label+st.Focused.Render(strings.Repeat("█", n))+fmt.Sprintf(" %d", b.n))
			}
		}
	} else {
		what := "no samples in this cell"
		if x := c.Status(); x != "" {
			what = x
		}
		right = append(right, "", st.Subtle.Render(what))
	}
	return columns([]int{listW + 2, rw}, list, right)
}
