package report

import (
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/stats"
)

// cellConcurrency is the run's concurrency dimension as cells carry it:
// the plan's K (and any other a batch ran at), or [0] (absent) unless some
// K > 1 was run.
func (r *Results) cellConcurrency() []int {
	seen := map[int]bool{}
	var ks []int
	add := func(k int) {
		if !seen[k] {
			seen[k] = true
			ks = append(ks, k)
		}
	}
	for _, k := range r.Plan.Concurrency {
		add(k)
	}
	for _, b := range r.Batches {
		if !b.Warmup {
			add(b.Concurrency)
		}
	}
	sort.Ints(ks)
	if len(ks) == 0 || ks[len(ks)-1] <= 1 {
		return []int{0}
	}
	return ks
}

// CellAt finds one cell at a concurrency (0 in a plan without the dimension).
func (a Analysis) CellAt(approach string, durationMs, concurrency int) (CellStats, bool) {
	for _, c := range a.Cells {
		if c.Approach == approach && c.DurationMs == durationMs && c.Concurrency == concurrency {
			return c, true
		}
	}
	return CellStats{}, false
}

// ApproachLabel names an approach at a concurrency as tables do: "direct",
// "direct ×4" (a plan with the dimension labels K = 1 too).
func ApproachLabel(approach string, concurrency int) string {
	return approachLabel(approach, concurrency)
}

func approachLabel(approach string, concurrency int) string {
	if concurrency > 0 {
		return fmt.Sprintf("%s ×%d", approach, concurrency)
	}
	return approach
}

// Label names the cell: "direct @ 500ms ×4".
func (c CellStats) Label() string {
	return experiment.Cell{Approach: c.Approach, DurationMs: c.DurationMs, Concurrency: c.Concurrency}.Label()
}

func init() { extraSections = append(extraSections, loadsSection) }

// LoadLine is one cell of a run with the concurrency dimension: its
// latency per op (the ops' own timings), its throughput, and the Durable
// Object duration billed per op (overlapping activity billed once).
type LoadLine struct {
	Cell experiment.Cell
	// Batches counted; MedianMs the median of the ops' own durations.
	Batches  int
	MedianMs float64
	// OpsPerSec and BatchMs are the means over the cell's ok batches.
	OpsPerSec, BatchMs float64
	// BilledDOMsPerOp is the origin's and orchestrator's billed duration
	// per op in ms (with a pending timer's modelled idle), -1 without
	// usable billing; VsDirect as the cost table says it.
	BilledDOMsPerOp float64
	DollarsPerM     float64
	VsDirect        string
	// ColdOps and ColdMedianMs: the cell's cold ops (the first on each
	// fresh object, --cold), kept out of MedianMs.
	ColdOps      int
	ColdMedianMs float64
}

// LoadLines are the run's cells by duration, concurrency and approach;
// nil when the plan has no concurrency dimension.
func LoadLines(r *Results) []LoadLine {
	ks := r.cellConcurrency()
	if len(ks) == 1 && ks[0] == 0 && r.Plan.Objects <= 1 && !r.Plan.Cold {
		return nil
	}
	an := Analyze(r)
	var out []LoadLine
	for _, d := range r.Plan.DurationsMs {
		for _, k := range ks {
			for _, a := range r.Plan.Approaches {
				cell := experiment.Cell{Approach: a, DurationMs: d, Concurrency: k}
				l := LoadLine{Cell: cell, BilledDOMsPerOp: -1}
				if cs, ok := an.CellAt(a, d, k); ok {
					l.Batches, l.MedianMs = cs.Batches, cs.Summary.Median
				}
				n := 0
				var cold []float64
				for _, b := range r.Batches {
					if b.Warmup || b.Cell() != cell || b.Status != experiment.StatusOK {
						continue
					}
					for _, s := range b.ColdSamples {
						cold = append(cold, s.PerOpMs())
					}
					n++
					l.OpsPerSec += b.OpsPerSec
					l.BatchMs += b.BatchMs
				}
				if n > 0 {
					l.OpsPerSec /= float64(n)
					l.BatchMs /= float64(n)
				}
				if len(cold) > 0 {
					l.ColdOps, l.ColdMedianMs = len(cold), stats.Summarize(cold).Median
				}
				if r.Billing != nil && r.Billing.Prices.DOMemoryGB > 0 {
					for _, c := range r.Billing.Costs {
						if c.Approach == a && c.DurationMs == d && c.Concurrency == k && c.Usable && c.DollarsPerMillionOps != nil {
							l.BilledDOMsPerOp = c.Billed().DOGBs / r.Billing.Prices.DOMemoryGB * 1000
							l.DollarsPerM = c.DollarsPerMillionOps.Total
							l.VsDirect = versusText(c, c.RegimeCost)
						}
					}
				}
				out = append(out, l)
			}
		}
	}
	return out
}

// loadsSection is the text report's concurrency section.
func loadsSection(r *Results) string {
	lines := LoadLines(r)
	if len(lines) == 0 {
		if n := r.Plan.ConcurrencyNote; n != "" {
			return "loads: " + n + "\n"
		}
		return ""
	}
	var b strings.Builder
	objects := "one origin object"
	if n := r.Plan.Objects; n > 1 {
		objects = fmt.Sprintf("%d origin objects per batch", n)
	}
	if r.Plan.Cold {
		objects += ", fresh for every batch (--cold)"
	}
	fmt.Fprintf(&b, "loads — ops in flight (--concurrency) against %s\n", objects)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "cell\tbatches\tper-op median\tcold op\tops/s\tbatch wall\tDO billed/op\t$/M ops (margin)\tvs direct")
	for _, l := range lines {
		billed, dollars, vs, cold := "—", "—", "—", "—"
		if l.BilledDOMsPerOp >= 0 {
			billed, dollars, vs = FormatMs(l.BilledDOMsPerOp), fmt.Sprintf("$%.3f", l.DollarsPerM), l.VsDirect
		}
		if l.ColdOps > 0 {
			cold = fmt.Sprintf("%s (n=%d)", FormatMs(l.ColdMedianMs), l.ColdOps)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%.2f\t%s\t%s\t%s\t%s\n", l.Cell.Label(), l.Batches, FormatMs(l.MedianMs), cold, l.OpsPerSec, FormatMs(l.BatchMs), billed, dollars, vs)
	}
	tw.Flush()
	fmt.Fprintln(&b, "per-op latency here (cold ops apart) is each op's own duration as the target measured it around its upstream call (op frames, when the target sends them; otherwise the gap between progress frames); ops/s is the client's throughput; DO billed/op is the origin's (and orchestrator's) billed duration per op, overlapping invocations of one object counted once")
	if n := r.Plan.ConcurrencyNote; n != "" {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	return b.String()
}

// LocationWarning says when two runs' controllers ran in different places
// (colo, country from /version), whose latencies need not compare; "" when
// they ran in the same place or either did not say.
func LocationWarning(base, next *Results) string {
	same, ok := experiment.SameLocation(base.Target.Version, next.Target.Version)
	if !ok || same {
		return ""
	}
	return fmt.Sprintf("the runs ran in different locations (base: %s; new: %s): network paths differ, so latencies may not compare", base.Target.Version.Location(), next.Target.Version.Location())
}
