package report

import (
	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/stats"
)

// CellStats is one approach × duration's latency statistics.
type CellStats struct {
	Approach   string        `json:"approach"`
	DurationMs int           `json:"durationMs"`
	Summary    stats.Summary `json:"latencyMs"`
	// Batches counts the cell's measured batches (warmup excluded) and
	// FailedBatches those that did not end with batch-complete.
	Batches       int `json:"batches"`
	FailedBatches int `json:"failedBatches"`
	// InterruptedBatches were stopped by the user; their unrun ops are
	// NotRun, not errors.
	InterruptedBatches int `json:"interruptedBatches,omitempty"`
	NotRun             int `json:"notRun,omitempty"`
	// Errors counts failed ops reported by the server plus ops lost in
	// failed batches (never reported as samples).
	Errors int `json:"errors"`
	// Granularity is the largest number of ops one sample covers (1 = per-op).
	Granularity int `json:"granularity"`
	// Ratio is the mean's ratio to the reference approach at this duration,
	// with propagated uncertainty; zero when there is no reference.
	Ratio      float64 `json:"ratio,omitempty"`
	RatioSigma float64 `json:"ratioSigma,omitempty"`
	// P is the Mann–Whitney U p-value against the reference (1 when not computed).
	P       float64   `json:"p,omitempty"`
	Samples []float64 `json:"-"`
}

// Analysis is the latency side of a run, by duration then approach.
type Analysis struct {
	Reference string      `json:"reference"`
	Cells     []CellStats `json:"cells"`
	Warnings  []string    `json:"warnings,omitempty"`
}

// Cell finds a cell's statistics.
func (a Analysis) Cell(approach string, durationMs int) (CellStats, bool) {
	for _, c := range a.Cells {
		if c.Approach == approach && c.DurationMs == durationMs {
			return c, true
		}
	}
	return CellStats{}, false
}

// Analyze computes per-cell statistics from the raw samples; warmup batches
// are excluded, every other sample is kept (outliers are reported, not
// dropped).
func Analyze(r *Results) Analysis {
	ref := r.Plan.Reference
	if ref == "" {
		ref = "direct"
	}
	an := Analysis{Reference: ref}
	perBatch := map[experiment.Cell][][]float64{}
	for _, d := range r.Plan.DurationsMs {
		for _, a := range r.Plan.Approaches {
			cs := CellStats{Approach: a, DurationMs: d, Granularity: 1}
			for _, b := range r.Batches {
				if b.Warmup || b.Approach != a || b.DurationMs != d {
					continue
				}
				cs.Batches++
				switch b.Status {
				case experiment.StatusOK:
				case experiment.StatusInterrupted:
					// The user stopped it: the ops it did not reach are not errors.
					cs.InterruptedBatches++
					cs.NotRun += b.Ops - b.OpsSeen
				default:
					cs.FailedBatches++
					// Ops the server never reported finishing are errors too.
					cs.Errors += b.Ops - b.OpsSeen
				}
				cs.Errors += b.Errors
				xs := b.PerOpMs()
				cs.Samples = append(cs.Samples, xs...)
				perBatch[experiment.Cell{Approach: a, DurationMs: d}] = append(perBatch[experiment.Cell{Approach: a, DurationMs: d}], xs)
				for _, s := range b.Samples {
					if s.Ops > cs.Granularity {
						cs.Granularity = s.Ops
					}
				}
			}
			cs.Summary = stats.Summarize(cs.Samples)
			an.Cells = append(an.Cells, cs)
		}
	}
	for i := range an.Cells {
		c := &an.Cells[i]
		refCell, ok := an.Cell(ref, c.DurationMs)
		if !ok || refCell.Summary.N == 0 || c.Summary.N == 0 {
			continue
		}
		c.Ratio, c.RatioSigma = stats.RatioOfMeans(c.Summary, refCell.Summary)
		if c.Approach != ref {
			_, c.P = stats.MannWhitneyU(c.Samples, refCell.Samples)
		}
	}
	for _, c := range an.Cells {
		for _, w := range stats.Warnings(perBatch[experiment.Cell{Approach: c.Approach, DurationMs: c.DurationMs}]) {
			an.Warnings = append(an.Warnings, c.Approach+" @ "+experiment.FormatDuration(c.DurationMs)+": "+w)
		}
	}
	return an
}
