package stats

import "math"

// OutlierThreshold is the modified Z-score above which a sample is an
// outlier, the same constant hyperfine uses (src/outlier_detection.rs):
// 1.4826 converts the MAD into a consistent estimator of σ for normal data
// and 10 is the number of such σ. It is deliberately loose: benchmark
// timings are skewed and only gross disturbances should be flagged.
const OutlierThreshold = 1.4826 * 10.0

// Outliers returns the indices (ascending, into xs) of the samples whose
// modified Z-score |x - median| / MAD exceeds OutlierThreshold, where MAD is
// the median of |x - median|. This re-implements hyperfine's rule (note
// that, like hyperfine, the score is not multiplied by 0.6745; the 1.4826
// factor lives in the threshold instead), so pfx-tui flags exactly the
// samples hyperfine would.
//
// MAD = 0 (at least half of the samples equal the median): hyperfine then
// divides by f64::EPSILON (2^-52) instead of 0, and so do we: every sample
// farther than OutlierThreshold·ε ≈ 3.3e-15 from the median is an outlier,
// i.e. in practice every sample that differs from the majority value, and
// samples equal to the median never are. There is no division by zero and
// the scores themselves are never exposed.
//
// Outliers are only reported; nothing is dropped. The result is never nil
// (empty when there are no outliers or xs is empty).
func Outliers(xs []float64) []int {
	out := []int{}
	if len(xs) == 0 {
		return out
	}
	med := median(xs)
	dev := make([]float64, len(xs))
	for i, x := range xs {
		dev[i] = math.Abs(x - med)
	}
	mad := median(dev)
	if !(mad > 0) {
		mad = epsilon
	}
	for i, d := range dev {
		// Divide like hyperfine rather than compare d with threshold·MAD,
		// so that borderline cases round identically. d/ε can only
		// overflow to +Inf for d > 4e292, and that score is internal.
		if d/mad > OutlierThreshold {
			out = append(out, i)
		}
	}
	return out
}

// epsilon is the float64 machine epsilon (Rust's f64::EPSILON), 2^-52.
const epsilon = 0x1p-52
