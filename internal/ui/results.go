package ui

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/pfx-tui/pfx-tui/internal/experiment"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/lipgloss/table"

	"github.com/pfx-tui/pfx-tui/internal/report"
	"github.com/pfx-tui/pfx-tui/internal/stats"
)

// billingText and costText render the Billing and Cost tabs from the
// results' billing section, with the same renderers as the text report.
// They are variables so tests can pin their output.
var (
	billingText = func(r *report.Results) string {
		return orNone(report.JoinSections(report.BillingSection(r), report.AnalyticsSection(r), report.BilledVsLoggedSection(r)))
	}
	costText = func(r *report.Results) string {
		return orNone(report.JoinSections(report.CostSection(r), report.BilledCostSection(r)))
	}
)

func orNone(s string) string {
	if s == "" {
		return "billing not collected for this run"
	}
	return s
}

// Result tabs.
const (
	tabLatency = iota
	tabBilling
	tabCost
	tabDetails
	tabCount
)

var tabNames = [tabCount]string{"Latency", "Billing", "Cost", "Details"}

// resultsModel is the results screen: comparison tables in tabs.
type resultsModel struct {
	c    *common
	w, h int

	r    *report.Results
	an   report.Analysis
	path string

	tab    int
	sel    int           // Details: the selected cell
	offset [tabCount]int // scroll position per tab

	exporting   bool
	exportPaths []string
	exportErr   string
	notes       []string // e.g. why billing is missing
}

// newResults analyses r once; r must no longer be written by anyone.
func newResults(c *common, r *report.Results, path string, notes []string) resultsModel {
	return resultsModel{c: c, r: r, an: report.Analyze(r), path: path, notes: notes}
}

func (m *resultsModel) SetSize(w, h int) {
	m.w, m.h = w, h
	if m.r == nil {
		return
	}
	for t := range m.offset {
		m.offset[t] = m.clampOffset(t, m.offset[t])
	}
}

func (m resultsModel) Update(msg tea.Msg) (resultsModel, tea.Cmd) {
	switch msg := msg.(type) {
	case exportedMsg:
		m.exporting = false
		m.exportPaths = msg.paths
		m.exportErr = ""
		if msg.err != nil {
			m.exportErr = msg.err.Error()
		}
	case tea.KeyMsg:
		k := m.c.keys
		switch {
		case key.Matches(msg, k.PrevTab):
			m.tab = (m.tab + tabCount - 1) % tabCount
		case key.Matches(msg, k.NextTab):
			m.tab = (m.tab + 1) % tabCount
		case key.Matches(msg, k.Up):
			if m.tab == tabDetails {
				m.sel = max(0, m.sel-1)
			} else {
				m.scroll(-1)
			}
		case key.Matches(msg, k.Down):
			if m.tab == tabDetails {
				m.sel = min(len(m.an.Cells)-1, m.sel+1)
			} else {
				m.scroll(+1)
			}
		case key.Matches(msg, k.PageUp):
			m.scroll(-m.contentHeight())
		case key.Matches(msg, k.PageDown):
			m.scroll(m.contentHeight())
		case key.Matches(msg, k.Export):
			if !m.exporting {
				m.exporting = true
				return m, func() tea.Msg { return exportMsg{} }
			}
		}
	}
	return m, nil
}

func (m *resultsModel) scroll(d int) {
	m.offset[m.tab] = m.clampOffset(m.tab, m.offset[m.tab]+d)
}

func (m resultsModel) clampOffset(tab, off int) int {
	if tab == tabDetails {
		return 0
	}
	n := len(m.content(tab, m.w))
	return max(0, min(off, n-m.contentHeight()))
}

// bottomLines are the status lines under the tab content.
func (m resultsModel) bottomLines() []string {
	st := m.c.st
	var out []string
	switch {
	case m.exporting:
		out = append(out, st.Subtle.Render("exporting…"))
	case m.exportErr != "":
		out = append(out, st.Bad.Render("✗ export: "+m.exportErr))
	case len(m.exportPaths) > 0:
		// One common stem in one folder: say it once, then the extensions.
		stem := strings.TrimSuffix(report.FileName(m.r.CreatedAt, m.r.ID), ".json")
		var exts []string
		for _, p := range m.exportPaths {
			exts = append(exts, strings.TrimPrefix(filepath.Base(p), stem))
		}
		out = append(out, st.Good.Render("✓ exported ")+stem+" "+strings.Join(exts, " ")+st.Good.Render(" to "+filepath.Dir(m.exportPaths[0])+string(filepath.Separator)))
	}
	for _, n := range m.notes {
		out = append(out, st.Warn.Render(n))
	}
	return out
}

func (m resultsModel) contentHeight() int {
	return max(1, m.h-4-len(m.bottomLines()))
}

func (m resultsModel) View() string {
	st := m.c.st
	w := m.w
	r := m.r
	var lines []string
	lines = append(lines, m.c.header("results", m.c.targetTag(), w))

	status := r.Status
	switch r.Status {
	case report.StatusComplete:
		status = st.Good.Render(status)
	case report.StatusInterrupted:
		status = st.Warn.Render(status)
	default:
		status = st.Bad.Render(status)
	}
	info := fmt.Sprintf("run %s %s · %d × %d cells · %d batch%s × %d ops per cell", r.ID, status,
		len(r.Plan.Approaches), len(r.Plan.DurationsMs), r.Plan.Batches, plural(r.Plan.Batches, "", "es"), r.Plan.Ops)
	lines = append(lines, spread(info, st.Subtle.Render(m.path), w))

	var tabs []string
	for i, name := range tabNames {
		if i == m.tab {
			tabs = append(tabs, st.TabOn.Render("[ "+name+" ]"))
		} else {
			tabs = append(tabs, st.TabOff.Render("  "+name+"  "))
		}
	}
	content := m.content(m.tab, w)
	ch := m.contentHeight()
	pos := ""
	if m.tab != tabDetails && len(content) > ch {
		off := m.offset[m.tab]
		pos = st.Subtle.Render(fmt.Sprintf("lines %d–%d of %d ↕", off+1, min(len(content), off+ch), len(content)))
	}
	lines = append(lines, spread(strings.Join(tabs, st.Subtle.Render("│")), pos, w))
	lines = append(lines, st.Rule.Render(strings.Repeat("─", w)))

	if m.tab != tabDetails {
		off := m.offset[m.tab]
		content = content[min(off, len(content)):]
	}
	if len(content) > ch {
		content = content[:ch]
	}
	lines = append(lines, content...)
	for len(lines) < 4+ch {
		lines = append(lines, "")
	}
	lines = append(lines, m.bottomLines()...)
	return fit(strings.Join(lines, "\n"), w, m.h)
}

// content is one tab's full text, as lines of at most w cells.
func (m resultsModel) content(tab, w int) []string {
	switch tab {
	case tabLatency:
		return m.latency(w)
	case tabBilling:
		return wrapBlock(billingText(m.r), w)
	case tabCost:
		return wrapBlock(costText(m.r), w)
	}
	return m.details(w)
}

// wrapBlock wraps prose but keeps preformatted lines (tables) as they are.
func wrapBlock(s string, w int) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		if strings.Contains(l, "  ") || strings.ContainsAny(l, "│|─") {
			out = append(out, truncate(l, w))
			continue
		}
		if l == "" {
			out = append(out, "")
			continue
		}
		out = append(out, wrap(l, w)...)
	}
	return out
}

// latency is one comparison table per duration, then the notes.
func (m resultsModel) latency(w int) []string {
	st := m.c.st
	an := m.an
	var out []string
	if m.r.Error != "" {
		out = append(out, wrapStyled(st.Bad, "run error: "+m.r.Error, w)...)
		out = append(out, "")
	}
	wide, narrow := w >= 110, w < 72
	for i, d := range m.r.Plan.DurationsMs {
		if i > 0 {
			out = append(out, "")
		}
		out = append(out, st.Section.Render(experiment.FormatDuration(d))+st.Subtle.Render(" — client-side latency per op"))
		headers := []string{"approach", "n", "median", "p95"}
		if !narrow {
			headers = append(headers, "mean ± σ")
		}
		if wide {
			headers = append(headers, "p99", "min … max")
		}
		headers = append(headers, "errors", "vs "+an.Reference)
		t := table.New().
			Border(lipgloss.NormalBorder()).BorderStyle(st.Rule).
			BorderTop(false).BorderBottom(false).BorderLeft(false).BorderRight(false).
			BorderColumn(false).BorderHeader(true).
			Headers(headers...).
			StyleFunc(func(row, col int) lipgloss.Style {
				s := st.r.NewStyle()
				if col < len(headers)-1 {
					s = s.PaddingRight(2)
				}
				if row == table.HeaderRow {
					return s.Inherit(st.Header)
				}
				return s
			})
		for _, a := range m.r.Plan.Approaches {
			c, _ := an.Cell(a, d)
			s := c.Summary
			row := []string{a, fmt.Sprint(s.N)}
			if s.N == 0 {
				what := "—"
				if st := c.Status(); st != "" {
					what = st
				}
				row = append(row, what, "—")
				if !narrow {
					row = append(row, "—")
				}
				if wide {
					row = append(row, "—", "—")
				}
			} else {
				row = append(row, report.FormatMs(s.Median)+report.WarnMark(c), report.FormatMs(s.P95))
				if !narrow {
					row = append(row, meanSigma(s))
				}
				if wide {
					row = append(row, report.FormatMs(s.P99), report.FormatMs(s.Min)+" … "+report.FormatMs(s.Max))
				}
			}
			errs := fmt.Sprint(c.Errors)
			if wide && c.FailedBatches > 0 {
				errs += fmt.Sprintf(" (%d failed batch%s)", c.FailedBatches, plural(c.FailedBatches, "", "es"))
			} else if c.FailedBatches > 0 {
				errs += "*"
			}
			row = append(row, errs, ratioText(c, an.Reference))
			t.Row(row...)
		}
		for _, l := range strings.Split(t.Render(), "\n") {
			out = append(out, truncate(strings.TrimRight(l, " "), w))
		}
	}
	// The same notes as the text report: failures, warnings, granularity, outliers.
	notes := report.Notes(m.r, an)
	if len(notes) > 0 {
		out = append(out, "", st.Section.Render("Notes"))
		for _, n := range notes {
			for i, l := range wrap(n, w-2) {
				if i == 0 {
					out = append(out, "- "+l)
				} else {
					out = append(out, "  "+l)
				}
			}
		}
	}
	out = append(out, "")
	legend := fmt.Sprintf("Per op = gap between progress frames, warmup excluded. vs %s = ratio of means ± propagated σ; \"~\" = not significantly different (Mann–Whitney U, α = 0.05).", an.Reference)
	if !wide {
		legend += " errors* = includes ops lost in a failed batch."
	}
	out = append(out, wrapStyled(st.Subtle, legend, w)...)
	if m.r.Emulated {
		out = append(out, wrapStyled(st.Emulated, "EMULATED: measured against the embedded local target, not Cloudflare.", w)...)
	}
	return out
}

func wrapStyled(s lipgloss.Style, text string, w int) []string {
	lines := wrap(text, w)
	for i, l := range lines {
		lines[i] = s.Render(l)
	}
	return lines
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
	first := 0
	if sel >= h {
		first = sel - h + 1
	}
	for i := first; i < len(cells) && len(list) < h; i++ {
		c := cells[i]
		name := cellName(c.Approach, c.DurationMs)
		if i == sel {
			list = append(list, st.Focused.Render("› "+name))
		} else {
			list = append(list, "  "+name)
		}
	}

	c := cells[sel]
	s := c.Summary
	rw := w - listW - 2
	var right []string
	right = append(right, st.Title.Render(cellName(c.Approach, c.DurationMs)))
	kv := func(k, v string) { right = append(right, pad(k, 13)+v) }
	kv("n", fmt.Sprintf("%d samples · %d batches, %d failed", s.N, c.Batches, c.FailedBatches))
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
			right = append(right, wrapStyled(st.Bad, "⚠ "+c.Warning, rw)...)
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
