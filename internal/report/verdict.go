package report

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pfx-tui/pfx-tui/internal/experiment"

	"github.com/pfx-tui/pfx-tui/internal/billing"
	"github.com/pfx-tui/pfx-tui/internal/stats"
)

// What a run can answer.
const (
	// VerdictCost: billing is complete enough for at least one cell; the
	// cheapest approach per duration and the break-evens are known (a
	// duration with an unusable cell says so instead).
	VerdictCost = "cost"
	// VerdictNoBilling: billing was not collected; only latency answers.
	VerdictNoBilling = "no-billing"
	// VerdictIncomplete: billing is attached but no cell is complete
	// enough, so there is no cost verdict at all.
	VerdictIncomplete = "incomplete"
)

// Verdict is the answer a run gives, built once as data and rendered by
// every front end (the TUI's strip above the results, the text and
// Markdown reports): per duration the cheapest approach and by how much
// the others cost more, where each proxied approach breaks even, or, with
// no usable billing, the fastest approach and why there is no cost answer.
// A verdict is never drawn from incomplete data.
type Verdict struct {
	Kind     string
	Emulated bool
	// Durations (VerdictCost) compare the approaches' totals at list
	// prices, one per measured duration with cost cells.
	Durations []DurationVerdict
	// BreakEvens are at list prices (the margin regime),
	// AllowanceBreakEvens within the monthly allowances at MonthlyOps.
	BreakEvens, AllowanceBreakEvens []BreakEvenVerdict
	MonthlyOps                      float64
	// Fastest is the latency answer per duration, for every kind.
	Fastest []FastestVerdict
	// Reason says why there is no cost verdict (kinds other than cost);
	// Hint how to get one. Matched and Expected count the billing records
	// of an incomplete verdict, MinMatched the share a cell needs.
	Reason, Hint      string
	Matched, Expected int
	MinMatched        float64
}

// DurationVerdict is one duration's cost answer at list prices.
type DurationVerdict struct {
	DurationMs int
	// Cheapest and PerMillion ($ per million ops) are empty when an
	// approach measured at this duration has no usable billing: Missing
	// then names each with its state, and nothing is compared.
	Cheapest   string
	PerMillion float64
	// Others cost more (or the same) than Cheapest, cheapest first.
	Others  []CostDelta
	Missing []string
}

// CostDelta is an approach's cost above the cheapest, in $ per million ops.
type CostDelta struct {
	Approach   string
	PerMillion float64
	Delta      float64
}

// DeltaText is "+$4.03".
func (d CostDelta) DeltaText() string { return fmt.Sprintf("+$%.2f", d.Delta) }

// BreakEvenVerdict is where a proxied approach starts (or stops) paying
// against direct, in one regime.
type BreakEvenVerdict struct {
	Approach string
	Kind     string // billing.BreakEven kinds
	// DurationMs is set for the in-range, below-range and above-range kinds.
	DurationMs   float64
	CheaperAbove bool
	Extrapolated bool
	// Short is the answer in a few words ("cheaper above ≈2.62s
	// (extrapolated)"); Statement is billing's full sentence.
	Short, Statement string
}

// FastestVerdict is one duration's latency answer: the approach with the
// lowest median, and how much slower the others are.
type FastestVerdict struct {
	DurationMs int
	Approach   string
	MedianMs   float64
	Others     []LatencyDelta
}

// LatencyDelta is an approach's median above the fastest's; Significant
// says whether the Mann–Whitney U test tells the two apart (α = 0.05).
type LatencyDelta struct {
	Approach    string
	DeltaMs     float64
	Significant bool
}

// Text is "+1.7 ms", or "+0.4 ms ~" when not significant.
func (d LatencyDelta) Text() string {
	s := "+" + FormatMs(d.DeltaMs)
	if !d.Significant {
		s += " ~"
	}
	return s
}

// BuildVerdict derives the verdict of r; path names its results file in
// the hint of how to collect billing later ("" for FILE).
func BuildVerdict(r *Results, path string) Verdict {
	v := Verdict{Emulated: r.Emulated || r.Billing != nil && r.Billing.Emulated, Fastest: fastest(r)}
	b := r.Billing
	switch {
	case b == nil || len(b.Costs) == 0:
		v.Kind, v.Reason = VerdictNoBilling, "cost not collected"
		v.Hint = billingHint(r, path)
		return v
	case !b.Usable():
		v.Kind = VerdictIncomplete
		m, e, _ := MatchedTotals(b)
		o := b.CostOptions.WithDefaults()
		v.Matched, v.Expected, v.MinMatched = m, e, o.MinMatched
		v.Reason = fmt.Sprintf("billing incomplete: %d of %d expected records matched (a cell needs ≥ %.0f%%)", m, e, o.MinMatched*100)
		if m == 0 {
			v.Reason = fmt.Sprintf("no billing data: none of the %d expected records matched", e)
		}
		v.Hint = r.RefreshHint(path)
		return v
	}
	v.Kind = VerdictCost
	v.MonthlyOps = b.CostOptions.WithDefaults().MonthlyOps
	lines := CostLines(r)
	for _, d := range r.Plan.DurationsMs {
		dv, ok := durationVerdict(lines, d)
		if ok {
			v.Durations = append(v.Durations, dv)
		}
	}
	for _, be := range b.BreakEvens {
		v.BreakEvens = append(v.BreakEvens, breakEvenVerdict(be))
	}
	for _, be := range b.AllowanceBreakEvens {
		v.AllowanceBreakEvens = append(v.AllowanceBreakEvens, breakEvenVerdict(be))
	}
	return v
}

func billingHint(r *Results, path string) string {
	switch {
	case r.Target.Kind == experiment.TargetWrangler:
		return "wrangler dev's local workerd reports no wall or CPU time"
	case r.Target.Embedded:
		return "rerun with billing on to cost it"
	case path == "":
		path = "FILE"
	}
	return "pfx-tui billing " + path
}

func durationVerdict(lines []CostLine, d int) (DurationVerdict, bool) {
	dv := DurationVerdict{DurationMs: d}
	var usable []CostLine
	n := 0
	for _, l := range lines {
		if l.DurationMs != d {
			continue
		}
		n++
		if !l.Usable {
			dv.Missing = append(dv.Missing, l.Approach+" "+strings.TrimPrefix(l.Reason, "no figures: "))
			continue
		}
		usable = append(usable, l)
	}
	if n == 0 {
		return dv, false
	}
	if len(dv.Missing) > 0 {
		return dv, true
	}
	sort.SliceStable(usable, func(i, j int) bool { return usable[i].Margin.Total < usable[j].Margin.Total })
	dv.Cheapest, dv.PerMillion = usable[0].Approach, usable[0].Margin.Total
	for _, l := range usable[1:] {
		dv.Others = append(dv.Others, CostDelta{Approach: l.Approach, PerMillion: l.Margin.Total, Delta: l.Margin.Total - dv.PerMillion})
	}
	return dv, true
}

func breakEvenVerdict(be billing.BreakEven) BreakEvenVerdict {
	v := BreakEvenVerdict{Approach: approachLabel(be.Approach, be.Concurrency), Kind: be.Kind, DurationMs: be.DurationMs, CheaperAbove: be.CheaperAbove, Statement: be.Statement}
	side := "above"
	if !be.CheaperAbove {
		side = "below"
	}
	at := billing.FormatMs(be.DurationMs)
	switch be.Kind {
	case billing.BreakEvenInRange:
		v.Short = "cheaper " + side + " " + at
		if strings.Contains(be.Statement, "interpolated") {
			v.Short = "cheaper " + side + " ≈" + at
		}
	case billing.BreakEvenAbove, billing.BreakEvenBelow:
		v.Extrapolated = true
		v.Short = "cheaper " + side + " ≈" + at + " (extrapolated)"
	case billing.BreakEvenAlwaysCheaper:
		v.Short = "cheaper at every duration"
	case billing.BreakEvenNever:
		v.Short = "never cheaper"
	case billing.BreakEvenBeyondLimit:
		v.Short = "not cheaper within " + billing.FormatMs(billing.ExecutorLimitMs)
	default:
		v.Short = "measure more durations"
	}
	return v
}

// fastest finds each duration's lowest median.
func fastest(r *Results) []FastestVerdict {
	an := Analyze(r)
	var out []FastestVerdict
	for _, d := range r.Plan.DurationsMs {
		var cells []CellStats
		for _, a := range r.Plan.Approaches {
			if c, ok := an.Cell(a, d); ok && c.Summary.N > 0 {
				cells = append(cells, c)
			}
		}
		if len(cells) == 0 {
			continue
		}
		sort.SliceStable(cells, func(i, j int) bool { return cells[i].Summary.Median < cells[j].Summary.Median })
		f := FastestVerdict{DurationMs: d, Approach: cells[0].Approach, MedianMs: cells[0].Summary.Median}
		for _, c := range cells[1:] {
			_, p := stats.MannWhitneyU(c.Samples, cells[0].Samples)
			f.Others = append(f.Others, LatencyDelta{Approach: c.Approach, DeltaMs: c.Summary.Median - f.MedianMs, Significant: stats.Significant(p)})
		}
		out = append(out, f)
	}
	return out
}

// Title is the verdict's heading: what is compared, or why nothing is.
func (v Verdict) Title() string {
	switch v.Kind {
	case VerdictCost:
		return "cheapest per duration at list prices, $ per million ops"
	case VerdictIncomplete:
		return "no verdict: " + v.Reason + "; " + v.Hint
	}
	return "fastest by median; " + v.Reason + ": " + v.Hint
}

// emulatedNote is how the text renderers flag emulated figures.
func (v Verdict) emulatedNote(emph string) string {
	if !v.Emulated {
		return ""
	}
	if v.Kind == VerdictCost {
		return " (" + emph + " figures: the method, not Cloudflare's bill)"
	}
	return " (" + emph + ")"
}

// CostText is one duration's cost answer: "direct $0.310; simple +$4.03,
// current +$10.44", or "no verdict: simple incomplete: 12/27 records".
func (d DurationVerdict) CostText() string {
	if d.Cheapest == "" {
		return "no verdict: " + strings.Join(d.Missing, "; ")
	}
	s := d.Cheapest + " " + Money(d.PerMillion)
	var others []string
	for _, o := range d.Others {
		others = append(others, o.Approach+" "+o.DeltaText())
	}
	if len(others) > 0 {
		s += "; " + strings.Join(others, ", ")
	}
	return s
}

// LatencyText is one duration's latency answer: "direct 101.2 ms; simple
// +2.0 ms".
func (f FastestVerdict) LatencyText() string {
	s := f.Approach + " " + FormatMs(f.MedianMs)
	var others []string
	for _, o := range f.Others {
		others = append(others, o.Approach+" "+o.Text())
	}
	if len(others) > 0 {
		s += "; " + strings.Join(others, ", ")
	}
	return s
}

// BreakEvenText lists break-evens: "simple cheaper above ≈2.62s
// (extrapolated); current never cheaper".
func BreakEvenText(bes []BreakEvenVerdict) string {
	var parts []string
	for _, be := range bes {
		parts = append(parts, be.Approach+" "+be.Short)
	}
	return strings.Join(parts, "; ")
}

// AllowancesLabel names the allowances regime with its volume.
func (v Verdict) AllowancesLabel() string {
	return "within allowances (" + billing.Human(v.MonthlyOps) + " ops/month)"
}

// TextLines render the verdict as the text report's first block.
func (v Verdict) TextLines() []string {
	title := "verdict: " + v.Title()
	if v.Kind == VerdictIncomplete {
		title = v.Title()
	}
	out := []string{title + v.emulatedNote("EMULATED")}
	w := 0
	for _, d := range v.Durations {
		w = max(w, len(experiment.FormatDuration(d.DurationMs)))
	}
	for _, f := range v.Fastest {
		w = max(w, len(experiment.FormatDuration(f.DurationMs)))
	}
	if v.Kind == VerdictCost {
		for _, d := range v.Durations {
			out = append(out, fmt.Sprintf("  %-*s  %s", w, experiment.FormatDuration(d.DurationMs), d.CostText()))
		}
		if len(v.BreakEvens) > 0 {
			out = append(out, "  break-even at list prices: "+BreakEvenText(v.BreakEvens))
			out = append(out, "  break-even "+v.AllowancesLabel()+": "+BreakEvenText(v.AllowanceBreakEvens))
		}
		return out
	}
	if v.Kind == VerdictIncomplete {
		out = append(out, "  fastest by median:")
	}
	for _, f := range v.Fastest {
		out = append(out, fmt.Sprintf("  %-*s  %s", w, experiment.FormatDuration(f.DurationMs), f.LatencyText()))
	}
	return out
}

// markdownVerdict writes the verdict as the Markdown report's first section.
func markdownVerdict(b *strings.Builder, v Verdict) {
	fmt.Fprintln(b, "### Verdict")
	fmt.Fprintln(b)
	head := strings.ToUpper(v.Title()[:1]) + v.Title()[1:]
	head += v.emulatedNote("**emulated**")
	fmt.Fprintf(b, "%s:\n\n", head)
	if v.Kind == VerdictCost {
		for _, d := range v.Durations {
			fmt.Fprintf(b, "- **%s**: %s\n", experiment.FormatDuration(d.DurationMs), d.CostText())
		}
		if len(v.BreakEvens) > 0 {
			fmt.Fprintf(b, "- **break-even** at list prices: %s\n", BreakEvenText(v.BreakEvens))
			fmt.Fprintf(b, "- **break-even** %s: %s\n", v.AllowancesLabel(), BreakEvenText(v.AllowanceBreakEvens))
		}
		fmt.Fprintln(b)
		return
	}
	if v.Kind == VerdictIncomplete {
		fmt.Fprintln(b, "Fastest by median:")
		fmt.Fprintln(b)
	}
	for _, f := range v.Fastest {
		fmt.Fprintf(b, "- **%s**: %s\n", experiment.FormatDuration(f.DurationMs), f.LatencyText())
	}
	fmt.Fprintln(b)
}
