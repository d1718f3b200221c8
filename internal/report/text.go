package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/pfx-tui/pfx-tui/internal/runner"
	"github.com/pfx-tui/pfx-tui/internal/stats"
)

// FormatMs prints a latency in ms below 10 s, in seconds above.
func FormatMs(ms float64) string {
	switch {
	case ms >= 10000:
		return fmt.Sprintf("%.2f s", ms/1000)
	case ms >= 100:
		return fmt.Sprintf("%.1f ms", ms)
	default:
		return fmt.Sprintf("%.2f ms", ms)
	}
}

// Headline says what was run, where, and whether it is emulated.
func Headline(r *Results) string {
	where := r.Target.URL
	if r.Emulated {
		where = "local target — EMULATED, not Cloudflare figures"
	}
	status := ""
	if r.Status != StatusComplete {
		status = " [" + r.Status + "]"
	}
	return fmt.Sprintf("pfx-tui run %s%s: %d approaches × %d durations, %d batches × %d ops per cell (%s)",
		r.ID, status, len(r.Plan.Approaches), len(r.Plan.DurationsMs), r.Plan.Batches, r.Plan.Ops, where)
}

// WriteText renders the latency comparison: one table per duration.
func WriteText(w io.Writer, r *Results) error {
	an := Analyze(r)
	var b strings.Builder
	fmt.Fprintln(&b, Headline(r))
	if r.Error != "" {
		fmt.Fprintf(&b, "run error: %s\n", r.Error)
	}
	for _, d := range r.Plan.DurationsMs {
		fmt.Fprintf(&b, "\nduration %s — client-side latency per op\n", runner.FormatDuration(d))
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "approach\tn\tmean ± σ\tmedian\tp95\tmin … max\terrors\tvs %s\n", an.Reference)
		for _, a := range r.Plan.Approaches {
			c, _ := an.Cell(a, d)
			s := c.Summary
			errs := fmt.Sprint(c.Errors)
			if c.FailedBatches > 0 {
				errs += fmt.Sprintf(" (%d failed batch", c.FailedBatches)
				if c.FailedBatches > 1 {
					errs += "es"
				}
				errs += ")"
			}
			if s.N == 0 {
				fmt.Fprintf(tw, "%s\t0\t—\t—\t—\t—\t%s\t—\n", a, errs)
				continue
			}
			fmt.Fprintf(tw, "%s\t%d\t%s ± %s\t%s\t%s\t%s … %s\t%s\t%s\n", a, s.N,
				FormatMs(s.Mean), FormatMs(s.StdDev), FormatMs(s.Median), FormatMs(s.P95),
				FormatMs(s.Min), FormatMs(s.Max), errs, ratioText(c, an.Reference))
		}
		tw.Flush()
	}
	notes := failureNotes(r)
	notes = append(notes, an.Warnings...)
	for _, c := range an.Cells {
		if c.Granularity > 1 {
			notes = append(notes, fmt.Sprintf("%s @ %s: the server reports progress every %d ops, so a sample is the mean of %d ops", c.Approach, runner.FormatDuration(c.DurationMs), c.Granularity, c.Granularity))
		}
		if n := len(c.Summary.Outliers); n > 0 {
			notes = append(notes, fmt.Sprintf("%s @ %s: %d outlier(s) by the MAD rule (kept in every figure)", c.Approach, runner.FormatDuration(c.DurationMs), n))
		}
	}
	if len(notes) > 0 {
		fmt.Fprintln(&b, "\nnotes:")
		for _, n := range notes {
			fmt.Fprintf(&b, "  - %s\n", n)
		}
	}
	fmt.Fprintf(&b, "\nlatency: client-side, per op = gap between progress frames; warmup excluded; p95 by %s; \"~\" = not significantly different from %s (Mann–Whitney U, α = 0.05)\n", stats.PercentileMethod, an.Reference)
	_, err := io.WriteString(w, b.String())
	return err
}

func ratioText(c CellStats, ref string) string {
	if c.Ratio == 0 {
		return "—"
	}
	if c.Approach == ref {
		return "1.000"
	}
	mark := ""
	if c.P > 0 {
		mark = stats.Marker(c.P)
		if mark != "" {
			mark = " " + mark
		}
	}
	return fmt.Sprintf("%.3f ± %.3f%s", c.Ratio, c.RatioSigma, mark)
}

// failureNotes lists every batch that did not end cleanly and every distinct
// error message, so no error is silently dropped.
func failureNotes(r *Results) []string {
	var out []string
	for _, b := range r.Batches {
		if b.Status != runner.StatusOK {
			out = append(out, fmt.Sprintf("batch %s (%s @ %s): %s — %s", b.ID, b.Approach, runner.FormatDuration(b.DurationMs), b.Status, b.Failure))
		}
		for _, m := range b.ErrorMessages {
			out = append(out, fmt.Sprintf("batch %s (%s @ %s): %s", b.ID, b.Approach, runner.FormatDuration(b.DurationMs), m))
		}
		if b.Errors > len(b.ErrorMessages) && len(b.ErrorMessages) > 0 {
			out = append(out, fmt.Sprintf("batch %s: %d more errors not itemised by the server", b.ID, b.Errors-len(b.ErrorMessages)))
		}
	}
	return out
}
