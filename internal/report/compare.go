package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/pfx-tui/pfx-tui/internal/experiment"

	"github.com/pfx-tui/pfx-tui/internal/stats"
)

// CellDelta is one cell compared across two runs, benchstat style.
type CellDelta struct {
	Approach   string  `json:"approach"`
	DurationMs int     `json:"durationMs"`
	Base       float64 `json:"baseMedianMs"`
	New        float64 `json:"newMedianMs"`
	BaseN      int     `json:"baseN"`
	NewN       int     `json:"newN"`
	DeltaPct   float64 `json:"deltaPct"` // (new − base) / base of the medians
	P          float64 `json:"p"`        // Mann–Whitney U, two-sided
	// Significant is false when the difference could be noise (α = 0.05).
	Significant bool `json:"significant"`
	// CompareLevel is "batch-mean" when the two runs' samples cover
	// different numbers of ops, so P compares per-batch means.
	CompareLevel string `json:"compareLevel,omitempty"`
	// Concurrency: the cell's ops in flight (0: no such dimension).
	Concurrency int `json:"concurrency,omitempty"`
}

// Compare matches the cells both runs measured.
func Compare(base, next *Results) []CellDelta {
	ab, an := Analyze(base), Analyze(next)
	var out []CellDelta
	for _, c := range an.Cells {
		b, ok := ab.CellAt(c.Approach, c.DurationMs, c.Concurrency)
		if !ok {
			continue
		}
		d := CellDelta{Approach: c.Approach, DurationMs: c.DurationMs, Concurrency: c.Concurrency, Base: b.Summary.Median, New: c.Summary.Median, BaseN: b.Summary.N, NewN: c.Summary.N, P: 1}
		if b.Summary.N > 0 && c.Summary.N > 0 {
			if b.Summary.Median != 0 {
				d.DeltaPct = (c.Summary.Median - b.Summary.Median) / b.Summary.Median * 100
			}
			if b.Granularity != c.Granularity && len(b.BatchMeans) > 0 && len(c.BatchMeans) > 0 {
				d.CompareLevel = BatchMeanLevel
				_, d.P = stats.MannWhitneyU(b.BatchMeans, c.BatchMeans)
			} else {
				_, d.P = stats.MannWhitneyU(b.Samples, c.Samples)
			}
			d.Significant = stats.Significant(d.P)
		}
		out = append(out, d)
	}
	return out
}

// WriteCompare renders the comparison: median base → new, the change, and
// "~" where the change is not significant.
func WriteCompare(w io.Writer, base, next *Results) error {
	deltas := Compare(base, next)
	var b strings.Builder
	fmt.Fprintf(&b, "base: %s (%s)\nnew:  %s (%s)\n", base.ID, sourceLabel(base), next.ID, sourceLabel(next))
	if base.Emulated != next.Emulated {
		fmt.Fprintln(&b, "warning: one run is emulated and the other is not; the comparison mixes targets")
	}
	if w := LocationWarning(base, next); w != "" {
		fmt.Fprintln(&b, "warning: "+w)
	}
	fmt.Fprintln(&b)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "duration\tapproach\tbase median\tnew median\tchange\tp\tn (base/new)")
	for _, d := range deltas {
		change := "~"
		if d.BaseN == 0 || d.NewN == 0 {
			change = "no samples"
		} else if d.Significant {
			change = fmt.Sprintf("%+.1f%%", d.DeltaPct)
		} else {
			change = fmt.Sprintf("~ (%+.1f%%)", d.DeltaPct)
		}
		if d.CompareLevel == BatchMeanLevel {
			change += " †"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d/%d\n", experiment.FormatDuration(d.DurationMs), approachLabel(d.Approach, d.Concurrency), FormatMs(d.Base), FormatMs(d.New), change, FormatP(d.P), d.BaseN, d.NewN)
	}
	tw.Flush()
	for _, d := range deltas {
		if d.CompareLevel == BatchMeanLevel {
			fmt.Fprintln(&b, "†: the runs' samples cover different numbers of ops (per op against batch means), so p compares batch means")
			break
		}
	}
	if len(deltas) == 0 {
		fmt.Fprintln(&b, "the two runs have no cell in common")
	}
	if only := onlyIn(base, next); len(only) > 0 {
		fmt.Fprintf(&b, "only in base (not compared): %s\n", strings.Join(only, ", "))
	}
	if only := onlyIn(next, base); len(only) > 0 {
		fmt.Fprintf(&b, "only in new (not compared): %s\n", strings.Join(only, ", "))
	}
	fmt.Fprintln(&b, "\n\"~\": no significant difference (Mann–Whitney U, α = 0.05); change = difference of medians")
	_, err := io.WriteString(w, b.String())
	return err
}

func sourceLabel(r *Results) string {
	if r.Emulated {
		return "local target, emulated"
	}
	return r.Target.URL
}

// onlyIn lists the cells a measured that b did not, so none is silently left out.
func onlyIn(a, b *Results) []string {
	var out []string
	bCells := map[string]bool{}
	for _, d := range b.Plan.DurationsMs {
		for _, ap := range b.Plan.Approaches {
			bCells[fmt.Sprintf("%s@%d", ap, d)] = true
		}
	}
	for _, d := range a.Plan.DurationsMs {
		for _, ap := range a.Plan.Approaches {
			if !bCells[fmt.Sprintf("%s@%d", ap, d)] {
				out = append(out, ap+" @ "+experiment.FormatDuration(d))
			}
		}
	}
	return out
}

// FormatP prints a p-value without claiming p = 0.
func FormatP(p float64) string {
	if p < 0.001 {
		return "p<0.001"
	}
	return fmt.Sprintf("p=%.3f", p)
}

// Comparison is two runs compared cell by cell, the machine form of
// WriteCompare.
type Comparison struct {
	Base       string      `json:"base"`
	New        string      `json:"new"`
	MixedEmu   bool        `json:"mixedEmulated,omitempty"` // one run emulated, the other not
	Cells      []CellDelta `json:"cells"`
	OnlyInBase []string    `json:"onlyInBase,omitempty"`
	OnlyInNew  []string    `json:"onlyInNew,omitempty"`
	// LocationWarning: the runs' controllers ran in different places.
	LocationWarning string  `json:"locationWarning,omitempty"`
	Alpha           float64 `json:"alpha"`
	Test            string  `json:"test"`
}

// CompareRuns builds the comparison.
func CompareRuns(base, next *Results) Comparison {
	return Comparison{Base: base.ID, New: next.ID, MixedEmu: base.Emulated != next.Emulated, Cells: Compare(base, next),
		OnlyInBase: onlyIn(base, next), OnlyInNew: onlyIn(next, base), LocationWarning: LocationWarning(base, next), Alpha: 0.05, Test: "Mann–Whitney U, two-sided, on per-op samples"}
}

// RenderCompare writes the comparison in format (text, markdown, csv, json).
func RenderCompare(w io.Writer, base, next *Results, format string) error {
	c := CompareRuns(base, next)
	change := func(d CellDelta) string {
		switch {
		case d.BaseN == 0 || d.NewN == 0:
			return "no samples"
		case d.Significant:
			return fmt.Sprintf("%+.1f%%", d.DeltaPct)
		}
		return fmt.Sprintf("~ (%+.1f%%)", d.DeltaPct)
	}
	switch format {
	case "", "text":
		return WriteCompare(w, base, next)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(c)
	case "csv":
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"duration_ms", "approach", "base_median_ms", "new_median_ms", "delta_pct", "p_value", "significant", "base_n", "new_n"})
		for _, d := range c.Cells {
			_ = cw.Write([]string{strconv.Itoa(d.DurationMs), d.Approach, fullFloat(d.Base), fullFloat(d.New), fullFloat(d.DeltaPct),
				fullFloat(d.P), strconv.FormatBool(d.Significant), strconv.Itoa(d.BaseN), strconv.Itoa(d.NewN)})
		}
		cw.Flush()
		return cw.Error()
	case "markdown", "md":
		var b strings.Builder
		fmt.Fprintf(&b, "## Comparison: %s → %s\n\n", base.ID, next.ID)
		if c.MixedEmu {
			fmt.Fprintln(&b, "> **Warning:** one run is emulated and the other is not; the comparison mixes targets.")
			fmt.Fprintln(&b)
		}
		if c.LocationWarning != "" {
			fmt.Fprintln(&b, "> **Warning:** "+c.LocationWarning+".")
			fmt.Fprintln(&b)
		}
		fmt.Fprintln(&b, "| duration | approach | base median | new median | change | p | n (base/new) |")
		fmt.Fprintln(&b, "|---|---|--:|--:|--:|--:|--:|")
		for _, d := range c.Cells {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %d/%d |\n", experiment.FormatDuration(d.DurationMs), d.Approach,
				FormatMs(d.Base), FormatMs(d.New), change(d), FormatP(d.P), d.BaseN, d.NewN)
		}
		if len(c.OnlyInBase) > 0 {
			fmt.Fprintf(&b, "\nOnly in base (not compared): %s\n", strings.Join(c.OnlyInBase, ", "))
		}
		if len(c.OnlyInNew) > 0 {
			fmt.Fprintf(&b, "\nOnly in new (not compared): %s\n", strings.Join(c.OnlyInNew, ", "))
		}
		fmt.Fprintln(&b, "\n`~`: no significant difference (Mann–Whitney U, α = 0.05); change = difference of medians.")
		_, err := io.WriteString(w, b.String())
		return err
	}
	return CheckFormat(format)
}

// fullFloat writes a float at full precision for machine formats.
func fullFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
