package stats

import "math"

// MedianCIRanks returns the 1-based ranks lo and hi = n+1-lo of the
// distribution-free 95% confidence interval [x(lo), x(hi)] for the median of
// n samples, and its exact coverage. It is exported so that the ranks behind
// Summary.MedianCI95 can be shown or checked.
//
// Whatever the (continuous) distribution, the number of samples below the
// true median is Binomial(n, 1/2), so
//
//	P(x(j) <= median <= x(n+1-j)) = 1 - 2·P(Bin(n, 1/2) <= j-1).
//
// lo is the largest j whose coverage is still >= 0.95 (the narrowest
// symmetric interval). Even [min, max] (j = 1) covers only 1-2^(1-n), which
// is below 95% for n < 6: then ok is false, lo = 1, hi = n and coverage is
// that of [min, max] (0 for n <= 1).
func MedianCIRanks(n int) (lo, hi int, coverage float64, ok bool) {
	if n <= 0 {
		return 0, 0, 0, false
	}
	// Walk the lower tail of Bin(n, 1/2): cdf = P(B <= k). Start a few
	// standard deviations below the mean: the neglected mass there is
	// < 1e-15, irrelevant next to the 0.025 threshold, and it keeps the
	// loop O(√n) and free of underflow for huge n.
	const tail = 0.025
	nf := float64(n)
	start := 0
	if s := int(math.Floor(nf/2 - 9*math.Sqrt(nf)/2)); s > 0 {
		start = s
	}
	pmf := math.Exp(logBinom(n, start) - nf*math.Ln2)
	cdf := 0.0
	j := 0 // number of samples below lo: lo = j+1 once P(B <= j) is found.
	found := false
	for k := start; k <= n; k++ {
		if cdf+pmf > tail {
			// P(B <= k) exceeds the tail: the last admissible k is k-1,
			// i.e. lo-1 = k-1 → lo = k. k == 0 means not even [min, max]
			// reaches 95%.
			j = k
			found = k > 0
			break
		}
		cdf += pmf
		pmf = pmf * float64(n-k) / float64(k+1)
	}
	if !found {
		c := 1 - 2*math.Exp(-nf*math.Ln2) // 1 - 2·P(B <= 0) = 1 - 2^(1-n)
		if c < 0 {
			c = 0
		}
		return 1, n, c, false
	}
	lo = j
	hi = n + 1 - j
	// Coverage: 1 - 2·P(B <= lo-1); cdf holds exactly that sum.
	return lo, hi, 1 - 2*cdf, true
}

// logBinom is ln C(n, k).
func logBinom(n, k int) float64 {
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(k + 1))
	c, _ := math.Lgamma(float64(n - k + 1))
	return a - b - c
}
