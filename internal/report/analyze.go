package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/protocol"
	"github.com/pfx-tui/pfx-tui/internal/stats"
)

// CellStats is one approach × duration's latency statistics.
type CellStats struct {
	Approach   string `json:"approach"`
	DurationMs int    `json:"durationMs"`
	// Concurrency: ops in flight per batch (0: no such dimension).
	Concurrency int           `json:"concurrency,omitempty"`
	Summary     stats.Summary `json:"latencyMs"`
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
	P float64 `json:"p,omitempty"`
	// CompareLevel is "batch-mean" when this cell's samples and the
	// reference's cover different numbers of ops (granularity), so Ratio
	// and P compare per-batch means rather than samples.
	CompareLevel string `json:"compareLevel,omitempty"`
	// Chained: the server sent this cell no progress frames, so each
	// sample is one batch's mean.
	Chained bool `json:"chained,omitempty"`
	// NoSuccessfulOp: batches ran but no op succeeded (or none reported
	// one): the cell has no latency. NotOffered: the target refused the
	// approach ("Unknown mode").
	NoSuccessfulOp bool `json:"noSuccessfulOp,omitempty"`
	NotOffered     bool `json:"notOffered,omitempty"`
	// NoFigures says it in words for every renderer: Status().
	NoFigures string `json:"noFigures,omitempty"`
	// ImpossibleBatches ended sooner than their ops × the honoured delay
	// allow; their samples are kept out of every figure.
	ImpossibleBatches int `json:"impossibleBatches,omitempty"`
	// Warning is set when the median is below the cell's labelled delay:
	// an op cannot be faster than the upstream it waits for.
	Warning    string    `json:"warning,omitempty"`
	Samples    []float64 `json:"-"`
	BatchMeans []float64 `json:"-"` // per-batch mean per op, in run order
}

// Status is what to show instead of figures when the cell has none
// ("no successful op", "not offered by the target"), else "".
func (c CellStats) Status() string {
	switch {
	case c.Summary.N > 0:
		return ""
	case c.NotOffered:
		return "not offered by the target"
	case c.NoSuccessfulOp:
		return "no successful op"
	}
	return ""
}

// BatchMeanLevel is the compareLevel of cells compared by batch means.
const BatchMeanLevel = "batch-mean"

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
	notOffered := map[string]bool{}
	ran := map[string]bool{}
	for _, b := range r.Batches {
		ran[b.Approach] = true
	}
	for _, b := range r.Batches {
		if !b.NotOffered {
			continue
		}
		notOffered[b.Approach] = true
		// The refusal names what the target offers: approaches it lacks
		// were dropped from the plan without a batch of their own.
		if _, avail, ok := protocol.ParseUnknownMode(strings.TrimPrefix(b.Failure, "server error: ")); ok {
			for _, a := range r.Plan.Approaches {
				if !ran[a] && !slices.Contains(avail, a) {
					notOffered[a] = true
				}
			}
		}
	}
	for _, d := range r.Plan.DurationsMs {
		for _, k := range r.cellConcurrency() {
			for _, a := range r.Plan.Approaches {
				cs := CellStats{Approach: a, DurationMs: d, Concurrency: k, Granularity: 1, NotOffered: notOffered[a]}
				for _, b := range r.Batches {
					if b.Warmup || b.Approach != a || b.DurationMs != d || b.Concurrency != k {
						continue
					}
					cs.Batches++
					if b.Status == experiment.StatusImpossible {
						cs.ImpossibleBatches++
					}
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
					perBatch[b.Cell()] = append(perBatch[b.Cell()], xs)
					if m, ok := b.MeanPerOpMs(); ok {
						cs.BatchMeans = append(cs.BatchMeans, m)
					}
					if !b.Counts() {
						continue
					}
					cs.Chained = cs.Chained || (b.Chained && len(b.Samples) > 0)
					for _, s := range b.Samples {
						if s.Ops > cs.Granularity {
							cs.Granularity = s.Ops
						}
					}
				}
				cs.Summary = stats.Summarize(cs.Samples)
				cs.NoSuccessfulOp = cs.Summary.N == 0 && cs.Batches > 0
				cs.NoFigures = cs.Status()
				if d >= 0 && cs.Summary.N > 0 && cs.Summary.Median < float64(d) {
					cs.Warning = fmt.Sprintf("median %s is below the %s delay %s: the target did not apply that delay", FormatMs(cs.Summary.Median), experiment.FormatDuration(d), delayLabel(r.Plan.DurationSource))
				}
				an.Cells = append(an.Cells, cs)
			}
		}
	}
	for i := range an.Cells {
		c := &an.Cells[i]
		refCell, ok := an.CellAt(ref, c.DurationMs, c.Concurrency)
		if !ok || refCell.Summary.N == 0 || c.Summary.N == 0 {
			continue
		}
		if c.Granularity != refCell.Granularity && len(c.BatchMeans) > 0 && len(refCell.BatchMeans) > 0 {
			// Samples of different granularity (per op against batch means)
			// are not comparable one by one: compare the batches' means.
			c.CompareLevel = BatchMeanLevel
			c.Ratio, c.RatioSigma = stats.RatioOfMeans(stats.Summarize(c.BatchMeans), stats.Summarize(refCell.BatchMeans))
			_, c.P = stats.MannWhitneyU(c.BatchMeans, refCell.BatchMeans)
			continue
		}
		c.Ratio, c.RatioSigma = stats.RatioOfMeans(c.Summary, refCell.Summary)
		if c.Approach != ref {
			_, c.P = stats.MannWhitneyU(c.Samples, refCell.Samples)
		}
	}
	for _, c := range an.Cells {
		if c.Status() != "" {
			continue // the cell says why it has no figures
		}
		cell := experiment.Cell{Approach: c.Approach, DurationMs: c.DurationMs, Concurrency: c.Concurrency}
		for _, w := range stats.Warnings(perBatch[cell]) {
			an.Warnings = append(an.Warnings, cell.Label()+": "+w)
		}
	}
	return an
}

// delayLabel says whose word a labelled delay is.
func delayLabel(source string) string {
	switch source {
	case experiment.DurationsAssumed:
		return "(asserted with --assume-server-duration)"
	case experiment.DurationsServerReported:
		return "(reported by the target)"
	}
	return "(asked for with durationMs)"
}
