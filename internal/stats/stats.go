// Package stats computes the descriptive and comparative statistics that
// pfx-tui reports for every benchmark cell: mean ± sample standard deviation,
// median and tail percentiles, confidence intervals, MAD outliers, ratios
// between approaches and a rank-sum significance test.
//
// All samples are float64 durations in milliseconds, but nothing here depends
// on the unit. Every function is pure (no I/O, no global state), never
// modifies its input, and never returns NaN or ±Inf for finite input, because
// the results are written to JSON, which cannot encode those values. Inputs
// are assumed finite; NaN or ±Inf samples are the caller's bug.
//
// The style follows hyperfine (outlier rule, first-run warning) and benchstat
// (the "~" marker for differences that are not significant).
package stats

import (
	"math"
	"slices"
)

// PercentileMethod names the percentile definition used by [Percentile] and
// [Summarize], so that JSON results state how p90/p95/p99 were computed and
// can be reproduced with other tools (numpy.percentile's default, R's type 7).
const PercentileMethod = "linear interpolation between closest ranks (R-7, numpy default)"

// Interval is a two-sided confidence interval. It is a struct rather than a
// pair so that the JSON says, next to the bounds, whether the interval is
// meaningful and what coverage it actually has.
type Interval struct {
	// Lo and Hi are the bounds, Lo <= Hi.
	Lo float64 `json:"lo"`
	Hi float64 `json:"hi"`
	// Coverage is the confidence level the bounds achieve: 0.95 for the
	// Student-t mean interval, the exact binomial coverage (>= 0.95) for
	// the order-statistic median interval. When Defined is false it is the
	// coverage of the fallback bounds (0 for the degenerate mean interval,
	// 1-2^(1-n) for the median fallback [min, max]).
	Coverage float64 `json:"coverage"`
	// Defined is false when the sample is too small for the method (n < 2
	// for the mean, n < 6 for the median); the bounds are then a fallback
	// that must not be read as a 95% interval. The zero Interval is
	// undefined.
	Defined bool `json:"defined"`
}

// Summary is the per-cell statistics block embedded in result files. All
// durations are in the unit of the input (milliseconds in pfx-tui).
type Summary struct {
	// N is the number of samples (warm-up runs must already be excluded).
	N int `json:"n"`
	// Mean is the arithmetic mean.
	Mean float64 `json:"mean"`
	// StdDev is the sample standard deviation (denominator n-1); 0 when n < 2.
	StdDev float64 `json:"stdDev"`
	// Median equals Percentile(sorted, 0.5).
	Median float64 `json:"median"`
	// P90, P95 and P99 are percentiles computed with PercentileMethod.
	P90 float64 `json:"p90"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	// Min and Max are the extreme samples.
	Min float64 `json:"min"`
	Max float64 `json:"max"`
	// MeanCI95 is the Student-t 95% two-sided interval of the mean:
	// mean ± t(0.975, n-1)·s/√n. For n < 2 it is [mean, mean], undefined.
	MeanCI95 Interval `json:"meanCI95"`
	// MedianCI95 is the distribution-free order-statistic interval of the
	// median [x(j), x(n+1-j)] with binomial coverage >= 95%, see
	// MedianCIRanks. For n < 6 no such ranks exist; it is then
	// [min, max], undefined.
	MedianCI95 Interval `json:"medianCI95"`
	// Outliers are indices into the input slice (input order, ascending) of
	// the samples flagged by the MAD rule of Outliers. They are reported,
	// never removed: every other field includes them. Never null in JSON.
	Outliers []int `json:"outliers"`
}

// Summarize computes the Summary of xs (which it does not modify). Empty
// input gives a Summary whose numeric fields are all zero, N = 0, both
// intervals undefined and an empty (non-nil) Outliers slice, so the JSON
// contains no NaN.
func Summarize(xs []float64) Summary {
	n := len(xs)
	if n == 0 {
		return Summary{Outliers: []int{}}
	}
	sorted := slices.Clone(xs)
	slices.Sort(sorted)

	mean := meanOf(xs)
	sd := stdDevOf(xs, mean)

	s := Summary{
		N:        n,
		Mean:     mean,
		StdDev:   sd,
		Median:   Percentile(sorted, 0.5),
		P90:      Percentile(sorted, 0.90),
		P95:      Percentile(sorted, 0.95),
		P99:      Percentile(sorted, 0.99),
		Min:      sorted[0],
		Max:      sorted[n-1],
		Outliers: Outliers(xs),
	}

	// Mean CI.
	if n >= 2 {
		half := StudentTQuantile(0.975, float64(n-1)) * sd / math.Sqrt(float64(n))
		s.MeanCI95 = Interval{Lo: mean - half, Hi: mean + half, Coverage: 0.95, Defined: true}
	} else {
		s.MeanCI95 = Interval{Lo: mean, Hi: mean}
	}

	// Median CI.
	if lo, hi, cov, ok := MedianCIRanks(n); ok {
		s.MedianCI95 = Interval{Lo: sorted[lo-1], Hi: sorted[hi-1], Coverage: cov, Defined: true}
	} else {
		s.MedianCI95 = Interval{Lo: sorted[0], Hi: sorted[n-1], Coverage: cov}
	}
	return s
}

// Percentile returns the p-quantile (p in [0, 1]) of an ascending-sorted
// sample using R-7 (see PercentileMethod): with h = (n-1)·p, it interpolates
// linearly between sorted[floor(h)] and sorted[floor(h)+1]. It is exported so
// that other packages report percentiles consistently with Summary. p outside
// [0, 1] (or NaN) is clamped; an empty slice gives 0. The caller must sort.
func Percentile(sorted []float64, p float64) float64 {
	n := len(sorted)
	switch {
	case n == 0:
		return 0
	case !(p > 0): // also catches NaN
		return sorted[0]
	case p >= 1:
		return sorted[n-1]
	}
	h := float64(n-1) * p
	lo := int(math.Floor(h))
	if lo >= n-1 {
		return sorted[n-1]
	}
	frac := h - float64(lo)
	return sorted[lo] + frac*(sorted[lo+1]-sorted[lo])
}

func meanOf(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	var sum float64
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}

// stdDevOf is the two-pass sample standard deviation (n-1), 0 for n < 2.
func stdDevOf(xs []float64, mean float64) float64 {
	if len(xs) < 2 {
		return 0
	}
	var ss float64
	for _, x := range xs {
		d := x - mean
		ss += d * d
	}
	return math.Sqrt(ss / float64(len(xs)-1))
}

// median of an unsorted sample (copying it), 0 for empty input.
func median(xs []float64) float64 {
	sorted := slices.Clone(xs)
	slices.Sort(sorted)
	return Percentile(sorted, 0.5)
}
