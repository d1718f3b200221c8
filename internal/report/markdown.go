package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/pfx-tui/pfx-tui/internal/experiment"

	"github.com/pfx-tui/pfx-tui/internal/billing"
	"github.com/pfx-tui/pfx-tui/internal/stats"
)

// WriteMarkdown renders a page ready to paste into docs: what was run, the
// latency table, notes, and how the figures were computed.
func WriteMarkdown(w io.Writer, r *Results) error { return writeMarkdown(w, r, "") }

// writeMarkdown renders the page; path names the results file in the
// verdict's hints.
func writeMarkdown(w io.Writer, r *Results, path string) error {
	an := Analyze(r)
	var b strings.Builder
	fmt.Fprintf(&b, "## Proxy-fetch experiment %s\n\n", r.ID)
	src := "`" + r.Target.URL + "`"
	if r.Emulated {
		src = "the pfx-tui local target (**emulated** — not Cloudflare figures)"
	}
	fmt.Fprintf(&b, "Run on %s, %s UTC, status **%s**. %s × %s per cell, %s per approach, order `%s`.\n\n",
		src, r.CreatedAt.UTC().Format("2006-01-02 15:04"), r.Status, Count(r.Plan.Batches, "batch", "batches"), Count(r.Plan.Ops, "op", "ops"),
		Count(r.Plan.Warmup, "warmup op", "warmup ops"), r.Plan.Order)
	markdownVerdict(&b, BuildVerdict(r, path))
	fmt.Fprintln(&b, "### Latency per op (client-side)")
	fmt.Fprintln(&b)
	fmt.Fprintf(&b, "| duration | approach | n | mean ± σ | median | p95 | min … max | errors | vs %s |\n", an.Reference)
	fmt.Fprintln(&b, "|---|---|--:|--:|--:|--:|--:|--:|--:|")
	for _, d := range r.Plan.DurationsMs {
		for _, k := range r.cellConcurrency() {
			for _, approach := range r.Plan.Approaches {
				c, _ := an.CellAt(approach, d, k)
				a := approachLabel(approach, k)
				s := c.Summary
				if s.N == 0 {
					what := "—"
					if st := c.Status(); st != "" {
						what = st
					}
					fmt.Fprintf(&b, "| %s | %s | 0 | %s | — | — | — | %d | — |\n", experiment.FormatDuration(d), a, what, c.Errors)
					continue
				}
				fmt.Fprintf(&b, "| %s | %s | %d | %s ± %s | %s | %s | %s … %s | %d | %s |\n", experiment.FormatDuration(d), a, s.N,
					FormatMs(s.Mean), FormatMs(s.StdDev), FormatMs(s.Median)+WarnMark(c), FormatMs(s.P95), FormatMs(s.Min), FormatMs(s.Max), c.Errors, ratioText(c, an.Reference))
			}
		}
	}
	if r.Billing != nil {
		writeMarkdownBilling(&b, r)
	}
	writeMarkdownBilled(&b, r) // reconcile.go
	if notes := Notes(r, an); len(notes) > 0 {
		fmt.Fprintln(&b, "\n**Notes**")
		fmt.Fprintln(&b)
		for _, n := range notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
	}
	if len(r.Thresholds) > 0 {
		fmt.Fprintln(&b, "\n**Thresholds**")
		fmt.Fprintln(&b)
		for _, t := range r.Thresholds {
			mark := "✓"
			if !t.OK {
				mark = "✗"
			}
			fmt.Fprintf(&b, "- %s `%s` (%s)\n", mark, t.Expr, t.Actual)
		}
	}
	fmt.Fprintln(&b, "\n### Method")
	fmt.Fprintln(&b)
	fmt.Fprintf(&b, "- Latency is measured on the client: per-op samples are the gaps between consecutive `progress` frames of the WebSocket protocol; warmup ops are excluded.\n")
	fmt.Fprintf(&b, "- Percentiles: %s. Outliers by the MAD rule (hyperfine's threshold) are reported and kept.\n", stats.PercentileMethod)
	fmt.Fprintf(&b, "- Ratios are of means, with uncertainty propagated from the standard errors; `~` marks a difference the Mann–Whitney U test does not find significant at α = 0.05.\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// writeMarkdownBilling adds the billing table (matched/expected, wall and
// CPU per role) and the cost and break-even summary.
func writeMarkdownBilling(b *strings.Builder, r *Results) {
	bl := r.Billing
	m, e, _ := MatchedTotals(bl)
	fmt.Fprintln(b, "\n### Billing (Logpush)")
	fmt.Fprintln(b)
	src := "Cloudflare Logpush `workers_trace_events`"
	if r.Emulated || bl.Emulated {
		src = "the local target's Logpush emulator (**emulated** wall/CPU figures: they show the method, not Cloudflare's bill)"
	}
	state := "complete"
	if !bl.Complete {
		state = "**incomplete**"
	}
	fmt.Fprintf(b, "Records from %s: %d of %d expected matched (%s); %d duplicates, %d unattributed.\n\n", src, m, e, state, bl.Records.Duplicates, bl.Records.Unattributed)
	counts := map[string]string{}
	for _, c := range bl.Counts {
		me := fmt.Sprintf("%d/%s", c.Matched-c.FromFailedBatches, expectedText(c.Expected))
		if c.FromFailedBatches > 0 {
			me += fmt.Sprintf(" (+%d of failed batches)", c.FromFailedBatches)
		}
		counts[fmt.Sprintf("%s/%d/%s", c.Approach, c.DurationMs, c.Role)] = me
	}
	fmt.Fprintln(b, "| duration | approach | role | matched/expected | wall ms / op | CPU ms / op |")
	fmt.Fprintln(b, "|---|---|---|--:|--:|--:|")
	cells := append([]billing.CellFigures(nil), bl.Cells...)
	sortCells(cells, r.Plan)
	for _, c := range cells {
		for _, rf := range c.Roles {
			if billing.IsHarness(rf.Role) {
				continue
			}
			me := counts[fmt.Sprintf("%s/%d/%s", c.Approach, c.DurationMs, rf.Role)]
			if me == "" {
				me = fmt.Sprintf("%d/?", rf.Count)
			}
			per := func(sum int64) string {
				if c.Ops == 0 {
					return "—"
				}
				return fmt.Sprintf("%.1f", float64(sum)/float64(c.Ops))
			}
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s |\n", experiment.FormatDuration(c.DurationMs), c.Approach, rf.Role, me, per(rf.WallTimeMs.Sum), per(rf.CPUTimeMs.Sum))
		}
	}
	writeMarkdownCost(b, r, true, true)
}

// CostMarkdown is the markdown cost section (tables, break-even,
// assumptions; notes and warnings when withNotes) of a billed run; empty
// without billing.
func CostMarkdown(r *Results, withNotes bool) string {
	var b strings.Builder
	writeMarkdownCost(&b, r, withNotes, false)
	return strings.TrimLeft(b.String(), "\n")
}

func writeMarkdownCost(b *strings.Builder, r *Results, withNotes, heading bool) {
	bl := r.Billing
	if bl == nil || len(bl.Costs) == 0 {
		return
	}
	mdTable := func(header []string, rows [][]string) {
		fmt.Fprintf(b, "| %s |\n|---|---|%s\n", strings.Join(header, " | "), strings.Repeat("--:|", len(header)-2))
		for _, row := range rows {
			fmt.Fprintf(b, "| %s |\n", strings.Join(row, " | "))
		}
	}
	if heading {
		fmt.Fprintln(b, "\n### Cost per million ops")
		fmt.Fprintln(b)
	}
	for _, l := range CostHeadlines(r) {
		fmt.Fprintf(b, "%s.  \n", strings.ToUpper(l[:1])+l[1:])
	}
	fmt.Fprintln(b, "\nAt list prices (margin), by component:")
	fmt.Fprintln(b)
	mdTable(CostRows(r))
	fmt.Fprintf(b, "\n\\%s\n", RowsFootnote(bl))
	if !bl.Usable() {
		fmt.Fprintf(b, "\n**%s**\n", NoVerdict(bl))
	} else {
		fmt.Fprintf(b, "\nRegimes side by side: %s.\n\n", RegimeTitle(bl))
		mdTable(RegimeRows(r))
		fmt.Fprintln(b, "\n**Break-even**")
		fmt.Fprintln(b)
		for _, be := range bl.BreakEvens {
			fmt.Fprintf(b, "- margin: %s\n", be.Statement)
		}
		for _, be := range bl.AllowanceBreakEvens {
			fmt.Fprintf(b, "- allowances: %s\n", be.Statement)
		}
	}
	fmt.Fprintln(b, "\n**Assumptions**")
	fmt.Fprintln(b)
	for _, a := range bl.Assumptions {
		fmt.Fprintf(b, "- %s\n", a)
	}
	fmt.Fprintf(b, "- %s\n", LifecycleLine(r))
	if !withNotes {
		return
	}
	if len(bl.Notes) > 0 {
		fmt.Fprintln(b, "\n**Billing notes**")
		fmt.Fprintln(b)
		for _, n := range bl.Notes {
			fmt.Fprintf(b, "- %s\n", n)
		}
	}
	for _, w := range bl.Warnings {
		fmt.Fprintf(b, "- ⚠ %s\n", w)
	}
}
