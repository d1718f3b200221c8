package ui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pfx-tui/pfx-tui/internal/experiment"

	"github.com/pfx-tui/pfx-tui/internal/billing"
	"github.com/pfx-tui/pfx-tui/internal/report"
)

// The Cost and Billing tabs, laid out from report's structured rows
// (report.CostLines, report.BillingLines) with the same prose as the text
// report, wrapped to the terminal.

// notCollected is what the Cost and Billing tabs say for a run without
// billing.
func (m resultsModel) notCollected(w int) []string {
	st := m.c.st
	out := []string{st.Section.Render("Billing was not collected for this run.")}
	return append(out, hang(st.Subtle.Render("To cost it: "+m.v.Hint), w, "", "  ")...)
}

// costColumns are the Cost tab's per-duration table: the record counts
// (matched/expected), the total and the difference to direct always show;
// the Worker columns go first when the terminal is narrow, then DO
// requests. Columns firstPart to lastPart are the total's parts: when any
// is hidden the tab says so, lest the shown ones be read as the sum.
var costColumns = []column{
	{head: "approach"},
	{head: "records", short: "recs", right: true},
	{head: "DO duration", short: "DO dur", right: true, prio: 1},
	{head: "DO requests", short: "DO req", right: true, prio: 2},
	{head: "Worker CPU", short: "Wkr CPU", right: true, prio: 3},
	{head: "Worker req", short: "Wkr req", right: true, prio: 3},
	{head: "rows written*", short: "rows*", right: true, prio: 1},
	{head: "$/M ops", right: true},
	{head: "vs direct", right: true},
}

const firstPart, lastPart = 2, 6

// hiddenParts are the headers of the cost parts g leaves out.
func hiddenParts(g grid) []string {
	var out []string
	for i := firstPart; i <= lastPart; i++ {
		if !slices.Contains(g.show, i) {
			// One name, one line: "Wkr CPU" does not break.
			out = append(out, strings.ReplaceAll(g.cols[i].short, " ", string(nbsp)))
		}
	}
	return out
}

// recordsCell is a cell's matched/expected records ("8/24", "3/?"), its
// state said in the vs direct column when it is not complete.
func recordsCell(st *styles, l report.CostLine) string {
	c := l.Billing
	if c.Status == "" {
		return l.Records
	}
	s := fmt.Sprintf("%d/%s", c.Matched, expectedText(c.Expected))
	if c.Status != billing.BillingComplete {
		s = st.Warn.Render(s)
	}
	return s
}

func (m resultsModel) costTab(w int) []string {
	st := m.c.st
	r := m.r
	b := r.Billing
	if b == nil || len(b.Costs) == 0 {
		return m.notCollected(w)
	}
	var out []string
	if !b.Usable() {
		out = append(out, hang(st.Warn.Render(report.NoVerdict(b)), w, "", "  ")...)
		out = append(out, hang(st.Subtle.Render(m.v.Hint), w, "", "  ")...)
		out = append(out, "")
	}
	lines := report.CostLines(r)
	byDuration := map[int][][]string{}
	usable := false
	var order []int
	for _, l := range lines {
		name := "  " + m.approachName(l.Approach)
		if l.Cheapest {
			name = st.Good.Render("◆ ") + m.approachName(l.Approach)
		}
		row := []string{name, recordsCell(st, l)}
		if !l.Usable {
			// The counts are in their column and "—" says there is no
			// figure: the note needs only the state ("incomplete").
			reason := l.Reason
			if l.Billing.Status != "" && l.Billing.Status != billing.BillingComplete {
				reason = l.Billing.Status
			}
			row = append(row, "—", "—", "—", "—", "—", "—", st.Warn.Render(reason))
		} else {
			usable = true
			d := l.Margin
			row = append(row, report.Money(d.DODuration), report.Money(d.DORequests), report.Money(d.WorkerCPU), report.Money(d.WorkerRequests),
				report.Money(d.SQLiteRowsWritten), st.Title.Render(report.Money(d.Total)), l.VsDirect)
		}
		if _, ok := byDuration[l.DurationMs]; !ok {
			order = append(order, l.DurationMs)
		}
		byDuration[l.DurationMs] = append(byDuration[l.DurationMs], row)
	}
	var rowsets [][][]string
	for _, d := range order {
		rowsets = append(rowsets, byDuration[d])
	}
	g := newGrid(costColumns, w, w < shortHeadersWidth, rowsets...)
	hidden := hiddenParts(g)
	if !usable {
		hidden = nil // no figures, no sum to misread
	}
	for i, d := range order {
		if i > 0 {
			out = append(out, "")
		}
		title := " · at list prices, $ per million ops"
		if len(hidden) > 0 {
			title += fmt.Sprintf(" · %d part%s hidden", len(hidden), plural(len(hidden), "", "s"))
		}
		out = append(out, hang(st.Section.Render(experiment.FormatDuration(d))+st.Subtle.Render(title), w, "", "  ")...)
		out = append(out, g.render(st, rowsets[i])...)
	}
	if len(hidden) > 0 {
		out = append(out, hang(st.Warn.Render(fmt.Sprintf("+ %d cost part%s hidden at this width: %s; $/M ops includes them (a wider window shows them)",
			len(hidden), plural(len(hidden), "", "s"), strings.Join(hidden, ", "))), w, "", "  ")...)
	}
	out = append(out, hang(st.Subtle.Render(report.RowsFootnote(b)), w, "", "  ")...)
	out = append(out, hang(st.Subtle.Render("◆ cheapest at its duration (only when every approach there is costed)"), w, "", "  ")...)

	if b.Usable() {
		o := b.CostOptions.WithDefaults()
		out = append(out, "")
		out = append(out, hang(st.Section.Render("Within the monthly allowances")+st.Subtle.Render(" · "+billing.Human(o.MonthlyOps)+" ops/month, $ per million ops"), w, "", "  ")...)
		cols := []column{{head: "duration"}, {head: "approach"}, {head: "$/M ops", right: true}, {head: "vs direct", right: true}}
		var rows [][]string
		for _, l := range lines {
			row := []string{experiment.FormatDuration(l.DurationMs), l.Approach}
			if !l.Usable {
				rows = append(rows, append(row, "—", st.Warn.Render(l.Reason)))
				continue
			}
			rows = append(rows, append(row, report.Money(l.Allowances.Total), l.AllowancesVsDirect))
		}
		out = append(out, renderTable(st, cols, rows, w, false)...)

		out = append(out, "", st.Section.Render("Break-even"))
		for _, be := range b.BreakEvens {
			out = append(out, hang("at list prices: "+be.Statement, w, "- ", "  ")...)
		}
		for _, be := range b.AllowanceBreakEvens {
			out = append(out, hang("within the allowances: "+be.Statement, w, "- ", "  ")...)
		}
	}

	out = append(out, "", st.Section.Render("Prices and assumptions"))
	out = append(out, prose(report.CostHeadlines(r), w, "")...)
	out = append(out, prose(append(append([]string(nil), b.Assumptions...), report.LifecycleLine(r)), w, "- ")...)
	if len(b.Notes) > 0 {
		out = append(out, "", st.Section.Render("Billing notes"))
		out = append(out, prose(b.Notes, w, "- ")...)
	}
	// Billed figures (analytics), when that source was read.
	return append(out, preformatted(report.BilledCostSection(r), w)...)
}

// billingColumns are the Billing tab's table.
var billingColumns = []column{
	{head: "duration", short: "dur"},
	{head: "approach"},
	{head: "role"},
	{head: "matched/expected", short: "matched", right: true},
	{head: "of failed batches", short: "failed", right: true, prio: 2},
	{head: "wall Σ ms", short: "wall Σ", right: true, prio: 1},
	{head: "wall/rec", right: true, prio: 2},
	{head: "CPU Σ ms", short: "CPU Σ", right: true, prio: 2},
	{head: "CPU/rec", right: true, prio: 3},
	{head: "no timing", short: "no t.", right: true, prio: 3},
}

func (m resultsModel) billingTab(w int) []string {
	st := m.c.st
	r := m.r
	if r.Billing == nil {
		return m.notCollected(w)
	}
	out := prose(report.BillingHeadline(r), w, "")
	out = append(out, "")
	var rows [][]string
	for _, l := range report.BillingLines(r) {
		role := l.Role
		if l.Harness {
			role = st.Subtle.Render(role + "†")
		}
		matched := fmt.Sprintf("%d/?", l.Matched)
		if l.Counted {
			matched = fmt.Sprintf("%d/%s", l.Matched, expectedText(l.Expected))
			if l.Expected >= 0 && l.Matched >= l.Expected {
				matched = st.Good.Render(matched)
			}
		}
		failed := ""
		if l.FromFailed > 0 {
			failed = fmt.Sprintf("+%d", l.FromFailed)
		}
		rows = append(rows, []string{experiment.FormatDuration(l.DurationMs), l.Approach, role, matched, failed,
			fmt.Sprint(l.WallSumMs), fmt.Sprintf("%.1f", l.WallPerRecord), fmt.Sprint(l.CPUSumMs), fmt.Sprintf("%.2f", l.CPUPerRecord), fmt.Sprint(l.MissingTiming)})
	}
	out = append(out, renderTable(st, billingColumns, rows, w, w < shortHeadersWidth)...)
	out = append(out, prose(report.BillingFacts(r), w, "")...)
	return append(out, preformatted(report.JoinSections(report.AnalyticsSection(r), report.BilledVsLoggedSection(r)), w)...)
}

// preformatted shows a text-report section (the analytics tables) as it is:
// its columns cannot wrap, so a line wider than the terminal is cut and the
// viewport's horizontal room is all it gets. Empty in, nothing out.
func preformatted(s string, w int) []string {
	if s == "" {
		return nil
	}
	out := []string{""}
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		out = append(out, truncate(l, w))
	}
	return out
}

func expectedText(e int) string {
	if e < 0 {
		return "?"
	}
	return fmt.Sprint(e)
}
