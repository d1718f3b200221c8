package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/pfx-tui/pfx-tui/internal/runner"
	"github.com/pfx-tui/pfx-tui/internal/stats"
)

// WriteMarkdown renders a page ready to paste into docs: what was run, the
// latency table, notes, and how the figures were computed.
func WriteMarkdown(w io.Writer, r *Results) error {
	an := Analyze(r)
	var b strings.Builder
	fmt.Fprintf(&b, "## Proxy-fetch experiment %s\n\n", r.ID)
	src := "`" + r.Target.URL + "`"
	if r.Emulated {
		src = "the pfx-tui local target (**emulated** — not Cloudflare figures)"
	}
	fmt.Fprintf(&b, "Run on %s, %s UTC, status **%s**. %d batches × %d ops per cell, %d warmup ops per approach, order `%s`.\n\n",
		src, r.CreatedAt.UTC().Format("2006-01-02 15:04"), r.Status, r.Plan.Batches, r.Plan.Ops, r.Plan.Warmup, r.Plan.Order)
	fmt.Fprintln(&b, "### Latency per op (client-side)")
	fmt.Fprintln(&b)
	fmt.Fprintf(&b, "| duration | approach | n | mean ± σ | median | p95 | min … max | errors | vs %s |\n", an.Reference)
	fmt.Fprintln(&b, "|---|---|--:|--:|--:|--:|--:|--:|--:|")
	for _, d := range r.Plan.DurationsMs {
		for _, a := range r.Plan.Approaches {
			c, _ := an.Cell(a, d)
			s := c.Summary
			if s.N == 0 {
				fmt.Fprintf(&b, "| %s | %s | 0 | — | — | — | — | %d | — |\n", runner.FormatDuration(d), a, c.Errors)
				continue
			}
			fmt.Fprintf(&b, "| %s | %s | %d | %s ± %s | %s | %s | %s … %s | %d | %s |\n", runner.FormatDuration(d), a, s.N,
				FormatMs(s.Mean), FormatMs(s.StdDev), FormatMs(s.Median), FormatMs(s.P95), FormatMs(s.Min), FormatMs(s.Max), c.Errors, ratioText(c, an.Reference))
		}
	}
	if notes := Notes(r, an); len(notes) > 0 {
		fmt.Fprintln(&b, "\n**Notes**")
		fmt.Fprintln(&b)
		for _, n := range notes {
			fmt.Fprintf(&b, "- %s\n", n)
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
