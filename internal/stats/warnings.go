package stats

import (
	"fmt"
	"math"
)

// MinSamples is the total sample count below which Warnings reports
// "too few samples": with fewer than 10 values the percentiles p90..p99 are
// interpolated from the top one or two samples and the intervals are wide.
const MinSamples = 10

// SlowFirstBatchRatio is the relative excess (25%) the first batch's median
// must exceed, over the median of the other batches' medians, before
// Warnings reports a slow first batch. See Warnings for the full rule.
const SlowFirstBatchRatio = 0.25

// Warnings returns human-readable warnings about the quality of a cell's
// measurements, given its samples grouped by batch in execution order
// (warm-up excluded). It is the counterpart of hyperfine's warnings and
// returns nil when there is nothing to warn about. Rules:
//
//   - Too few samples: total n < MinSamples (10) across all batches. The
//     message states n.
//   - Slow first batch, the analogue of hyperfine's "first benchmarking run
//     was significantly slower" (cold caches, JIT, connection set-up): let
//     m1 be the median of the first batch, m2..mk the medians of the other
//     non-empty batches, M their median and s their sample standard
//     deviation (0 if there is only one). The warning fires when
//     m1 > M + max(0.25·M, 2·s), i.e. the first batch is both more than 25%
//     slower (practically relevant) and more than two batch-to-batch
//     standard deviations slower (beyond ordinary noise between batches).
//     Requiring both avoids nagging about a 3% slowdown when the batches
//     happen to agree closely, and about noisy batches. It needs a
//     non-empty first batch and at least one other non-empty batch.
//
// Per-sample outliers are not repeated here; they are in Summary.Outliers.
func Warnings(batches [][]float64) []string {
	var warns []string

	total := 0
	for _, b := range batches {
		total += len(b)
	}
	if total < MinSamples {
		warns = append(warns, fmt.Sprintf(
			"too few samples: n=%d (fewer than %d); the statistics, especially p90/p95/p99 and the confidence intervals, are unreliable",
			total, MinSamples))
	}

	if len(batches) >= 2 && len(batches[0]) > 0 {
		var rest []float64
		for _, b := range batches[1:] {
			if len(b) > 0 {
				rest = append(rest, median(b))
			}
		}
		if len(rest) > 0 {
			m1 := median(batches[0])
			m := median(rest)
			s := stdDevOf(rest, meanOf(rest))
			if m1 > m+math.Max(SlowFirstBatchRatio*m, 2*s) {
				rel := ""
				if m > 0 {
					rel = fmt.Sprintf(" (%.2f×)", m1/m)
				}
				warns = append(warns, fmt.Sprintf(
					"slow first batch: its median %.3g ms is more than 25%% and more than 2σ above the median %.3g ms of the other %d batch(es) (σ of their medians %.3g ms)%s; caches or connections may not have been warm — consider more warm-up",
					m1, m, len(rest), s, rel))
			}
		}
	}
	return warns
}
