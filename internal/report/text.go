package report

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/pfx-tui/pfx-tui/internal/experiment"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/lipgloss/table"

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
	switch {
	case r.Target.Kind == experiment.TargetWrangler:
		where = "wrangler dev, local workerd — EMULATED, not Cloudflare figures"
	case r.Emulated:
		where = "local target — EMULATED, not Cloudflare figures"
	}
	status := ""
	if r.Status != StatusComplete {
		status = " [" + r.Status + "]"
	}
	if loc := r.Target.Version.Location(); loc != "" {
		where += "; ran in " + loc
	}
	return fmt.Sprintf("pfx-tui run %s%s: %s × %s, %s × %s per cell (%s)",
		r.ID, status, Count(len(r.Plan.Approaches), "approach", "approaches"), Count(len(r.Plan.DurationsMs), "duration", "durations"),
		Count(r.Plan.Batches, "batch", "batches"), Count(r.Plan.Ops, "op", "ops"), where)
}

// Count writes "1 batch" / "2 batches".
func Count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// LatencyHeader is the latency table's header row.
func LatencyHeader(reference string) []string {
	return []string{"approach", "n", "mean ± σ", "median", "p95", "min … max", "errors", "vs " + reference}
}

// LatencyRows are the latency table's rows for one duration.
func LatencyRows(r *Results, an Analysis, durationMs int) [][]string {
	var rows [][]string
	for _, k := range r.cellConcurrency() {
		for _, approach := range r.Plan.Approaches {
			c, _ := an.CellAt(approach, durationMs, k)
			a := approachLabel(approach, k)
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
				what := "—"
				if st := c.Status(); st != "" {
					what = st
				}
				rows = append(rows, []string{a, "0", what, "—", "—", "—", errs, "—"})
				continue
			}
			rows = append(rows, []string{a, fmt.Sprint(s.N), FormatMs(s.Mean) + " ± " + FormatMs(s.StdDev), FormatMs(s.Median) + WarnMark(c), FormatMs(s.P95),
				FormatMs(s.Min) + " … " + FormatMs(s.Max), errs, ratioText(c, an.Reference)})
		}
	}
	return rows
}

// WarnMark flags a cell whose median is below its labelled delay (the
// note says why); "" otherwise.
func WarnMark(c CellStats) string {
	if c.Warning != "" {
		return " ⚠"
	}
	return ""
}

// WriteText renders the latency comparison, one plain table per duration
// (for pipes, files and golden tests).
func WriteText(w io.Writer, r *Results) error { return writeText(w, r, false, "") }

// WriteTextStyled is WriteText with bordered lipgloss tables, for a terminal.
func WriteTextStyled(w io.Writer, r *Results) error { return writeText(w, r, true, "") }

// writeText renders the report; path names the results file in the
// verdict's hints.
func writeText(w io.Writer, r *Results, styled bool, path string) error {
	an := Analyze(r)
	var b strings.Builder
	fmt.Fprintln(&b, Headline(r))
	fmt.Fprintln(&b)
	for _, l := range BuildVerdict(r, path).TextLines() {
		fmt.Fprintln(&b, l)
	}
	if r.Error != "" {
		fmt.Fprintf(&b, "run error: %s\n", r.Error)
	}
	for _, d := range r.Plan.DurationsMs {
		fmt.Fprintf(&b, "\nduration %s — client-side latency per op\n", experiment.FormatDuration(d))
		rows := LatencyRows(r, an, d)
		if styled {
			t := table.New().Border(lipgloss.RoundedBorder()).Headers(LatencyHeader(an.Reference)...).Rows(rows...).
				StyleFunc(func(row, col int) lipgloss.Style {
					st := lipgloss.NewStyle().Padding(0, 1)
					if row == table.HeaderRow {
						return st.Bold(true)
					}
					if col > 0 {
						return st.Align(lipgloss.Right)
					}
					return st
				})
			fmt.Fprintln(&b, t.Render())
			continue
		}
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(LatencyHeader(an.Reference), "\t"))
		for _, row := range rows {
			fmt.Fprintln(tw, strings.Join(row, "\t"))
		}
		tw.Flush()
	}
	for _, sec := range extraSections {
		if txt := sec(r); txt != "" {
			fmt.Fprintf(&b, "\n%s", txt)
		}
	}
	notes := Notes(r, an)
	if len(notes) > 0 {
		fmt.Fprintln(&b, "\nnotes:")
		for _, n := range notes {
			fmt.Fprintf(&b, "  - %s\n", n)
		}
	}
	fmt.Fprintf(&b, "\nlatency: client-side, per op = gap between progress frames; warmup excluded; p95 by %s; \"~\" = not significantly different from %s (Mann–Whitney U, α = 0.05)\n", stats.PercentileMethod, an.Reference)
	if txt := thresholdsSection(r); txt != "" {
		fmt.Fprintf(&b, "\n%s", txt)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// extraSections are further text sections (billing, cost) registered by
// the files that render them.
var extraSections []func(*Results) string

// Notes lists failures, error messages, statistical warnings, granularity
// and outliers: everything a reader must know to trust the table.
func Notes(r *Results, an Analysis) []string {
	notes := failureNotes(r)
	notes = append(notes, retryNotes(r)...)
	notes = append(notes, durationNotes(r)...)
	for _, c := range an.Cells {
		if c.Warning != "" {
			notes = append(notes, fmt.Sprintf("⚠ %s @ %s: %s", c.Approach, experiment.FormatDuration(c.DurationMs), c.Warning))
		}
	}
	if off := r.Target.ClockOffsetMs; off > 60000 || off < -60000 {
		notes = append(notes, fmt.Sprintf("the target's clock differs from this machine's by %.0f s (estimated at /version); billing attribution by time window corrects for it, but check both clocks", off/1000))
	}
	var few []string
	for _, w := range an.Warnings {
		// One line for every cell with too few samples, not one per cell.
		if i := strings.Index(w, ": too few samples: n="); i >= 0 {
			n := strings.TrimPrefix(w[i:], ": too few samples: ")
			if j := strings.IndexAny(n, " ;("); j >= 0 {
				n = n[:j]
			}
			few = append(few, w[:i]+" ("+n+")")
			continue
		}
		notes = append(notes, w)
	}
	if len(few) > 0 {
		notes = append(notes, fmt.Sprintf("too few samples (under %d per cell) for reliable p95/p99 and intervals: %s; raise --ops or --batches", stats.MinSamples, strings.Join(few, ", ")))
	}
	for _, b := range r.Batches {
		if b.SamplesApprox {
			notes = append(notes, fmt.Sprintf("batch %s (%s @ %s): %d ops failed and the server's frames do not say which samples they fall in, so some samples include failed ops' time", b.ID, b.Approach, experiment.FormatDuration(b.DurationMs), b.Errors))
		}
		if n := len(b.FailedSamples); n > 0 {
			notes = append(notes, fmt.Sprintf("batch %s (%s @ %s): %s covering failed ops only kept out of the latencies (failures are not latencies)", b.ID, b.Approach, experiment.FormatDuration(b.DurationMs), Count(n, "gap", "gaps")))
		}
		notes = append(notes, batchTrustNotes(b)...)
		if b.SamplesDropped > 0 {
			notes = append(notes, fmt.Sprintf("batch %s (%s @ %s): %d samples not kept: a cell keeps at most %d (statistics cover those kept)", b.ID, b.Approach, experiment.FormatDuration(b.DurationMs), b.SamplesDropped, experiment.MaxSamplesPerCell))
		}
	}
	for _, c := range an.Cells {
		switch {
		case c.Chained:
			notes = append(notes, fmt.Sprintf("%s @ %s: no progress frames (chained): one sample per batch = batch mean", c.Approach, experiment.FormatDuration(c.DurationMs)))
		case c.Granularity > 1:
			notes = append(notes, fmt.Sprintf("%s @ %s: the server reports progress every %d ops, so a sample is the mean of %d ops", c.Approach, experiment.FormatDuration(c.DurationMs), c.Granularity, c.Granularity))
		}
		if c.CompareLevel == BatchMeanLevel {
			notes = append(notes, fmt.Sprintf("%s @ %s: its samples and %s's cover different numbers of ops, so the ratio and significance against %s compare batch means (n = %d and %d batches)", c.Approach, experiment.FormatDuration(c.DurationMs), an.Reference, an.Reference, len(c.BatchMeans), refBatches(an, c.DurationMs)))
		}
		if n := len(c.Summary.Outliers); n > 0 {
			notes = append(notes, fmt.Sprintf("%s: %d outlier(s) by the MAD rule (kept in every figure)", c.Label(), n))
		}
	}
	return notes
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
	// Enough decimals that σ shows two significant digits (3 to 5).
	dec := 3
	for sig := c.RatioSigma; dec < 5 && sig > 0 && sig < 0.01/math.Pow(10, float64(dec-3)); dec++ {
	}
	return fmt.Sprintf("%.*f ± %.*f%s", dec, c.Ratio, dec, c.RatioSigma, mark)
}

// failureNotes lists every batch that did not end cleanly and every distinct
// error message, so no error is silently dropped.
func failureNotes(r *Results) []string {
	var out []string
	for _, b := range r.Batches {
		if b.Status == experiment.StatusInterrupted {
			out = append(out, fmt.Sprintf("batch %s (%s @ %s): interrupted by the user after %d of %d ops (the rest were not run; not counted as errors)", b.ID, b.Approach, experiment.FormatDuration(b.DurationMs), b.OpsSeen, b.Ops))
		} else if b.Status != experiment.StatusOK {
			out = append(out, fmt.Sprintf("batch %s (%s @ %s): %s — %s", b.ID, b.Approach, experiment.FormatDuration(b.DurationMs), b.Status, b.Failure))
		}
		for _, m := range b.ErrorMessages {
			out = append(out, fmt.Sprintf("batch %s (%s @ %s): %s", b.ID, b.Approach, experiment.FormatDuration(b.DurationMs), m))
		}
		if b.Errors > len(b.ErrorMessages) && len(b.ErrorMessages) > 0 {
			out = append(out, fmt.Sprintf("batch %s: %d more errors not itemised by the server", b.ID, b.Errors-len(b.ErrorMessages)))
		}
	}
	return out
}

// retryNotes say how many batches failed and were run again (--retries):
// their failed attempts are out of every statistic.
func retryNotes(r *Results) []string {
	n := 0
	for _, b := range r.Batches {
		if b.Retried {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	return []string{fmt.Sprintf("%s failed and ran again (--retries): the failed attempts stay in the results file, marked retried, but are out of every statistic; the statistics count the attempts that followed", Count(n, "batch attempt", "batch attempts"))}
}

func refBatches(an Analysis, durationMs int) int {
	c, _ := an.Cell(an.Reference, durationMs)
	return len(c.BatchMeans)
}

// durationNotes say where the plan's delays came from when the target did
// not take them batch by batch.
func durationNotes(r *Results) []string {
	d := ""
	if len(r.Plan.DurationsMs) == 1 {
		d = experiment.FormatDuration(r.Plan.DurationsMs[0])
	}
	switch r.Plan.DurationSource {
	case experiment.DurationsServerDefined:
		return []string{"durations: server-defined — the target does not honour durationMs (no such capability in its /version), so every op waited the delay it is configured with, unknown here"}
	case experiment.DurationsServerReported:
		return []string{fmt.Sprintf("durations: %s is the delay the target reports in /version; it does not take durationMs", d)}
	case experiment.DurationsAssumed:
		return []string{fmt.Sprintf("durations: %s is a label asserted with --assume-server-duration; the target does not take durationMs and did not confirm it", d)}
	}
	return nil
}

// batchTrustNotes say what a batch saw that was not its own and how long
// the client waited for it after giving up.
func batchTrustNotes(b experiment.BatchResult) []string {
	var out []string
	name := fmt.Sprintf("batch %s (%s @ %s)", b.ID, b.Approach, experiment.FormatDuration(b.DurationMs))
	if n := len(b.ForeignFrames); n > 0 {
		var what []string
		for _, f := range b.ForeignFrames {
			what = append(what, f.Type+": "+f.Why)
		}
		out = append(out, fmt.Sprintf("%s: %s not its own arrived and %s not credited (%s)", name, Count(n, "frame", "frames"), map[bool]string{true: "was", false: "were"}[n == 1], strings.Join(what, "; ")))
	}
	if d := b.Drain; d != nil {
		how := map[string]string{
			experiment.DrainEnded:  "until its end arrived",
			experiment.DrainQuiet:  "its remaining expected time, and it did not end",
			experiment.DrainClosed: "quietly after its socket closed",
		}[d.Outcome]
		line := fmt.Sprintf("%s: abandoned (%s) on a target that does not keep batches apart; waited %s %s before the next batch", name, b.Status, FormatMs(d.Ms), how)
		if d.Outcome != experiment.DrainEnded {
			// Its batch-complete may still come, to a later socket, and
			// nothing tells it from the next batch's own when mode and
			// count are the same.
			line += fmt.Sprintf("; a late end of it could be taken for the next %s batch of %d ops, which this target gives no way to tell apart", b.Approach, b.Ops)
		}
		out = append(out, line)
	}
	return out
}
