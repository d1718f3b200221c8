package stats

import (
	"math"
	"slices"
)

// Alpha is the significance level of Significant and Marker (two-sided).
const Alpha = 0.05

// mwuExactMaxN is the largest size of each sample for which MannWhitneyU
// uses the exact null distribution (when there are no ties). C(40, 20) ≈
// 1.4e11 arrangements is still exact in int64 and the table has only
// n1·n2+1 ≤ 401 entries.
const mwuExactMaxN = 20

// RatioOfMeans returns r = a.Mean/b.Mean and its 1σ uncertainty, for
// "approach X is r× the reference" comparisons. The uncertainty is that of
// the ratio of the two means, so it is propagated from the standard errors
// of the means, sa = a.StdDev/√a.N and sb = b.StdDev/√b.N (not from the
// sample standard deviations, which describe single runs):
//
//	σ_r = |r|·√((sa/ma)² + (sb/mb)²) = √(sa² + r²·sb²) / |mb|
//
// (first-order propagation for independent a and b; the second form is used
// so that ma = 0 needs no special case). When b.Mean == 0 the ratio is
// undefined and (0, 0) is returned; callers should check b.Mean (or b.N)
// before displaying it.
func RatioOfMeans(a, b Summary) (ratio, sigma float64) {
	if b.Mean == 0 {
		return 0, 0
	}
	r := a.Mean / b.Mean
	sa := standardError(a)
	sb := standardError(b)
	return r, math.Sqrt(sa*sa+r*r*sb*sb) / math.Abs(b.Mean)
}

func standardError(s Summary) float64 {
	if s.N < 1 {
		return 0
	}
	return s.StdDev / math.Sqrt(float64(s.N))
}

// MannWhitneyU is the two-sided Mann–Whitney U (Wilcoxon rank-sum) test of
// whether a and b come from the same distribution, used (like benchstat)
// to decide whether a difference between two cells is real without
// assuming normal timings.
//
// u is the statistic of the first sample, U1 = R1 - n1(n1+1)/2 where R1 is
// the rank sum of a in the pooled sample with tied values given their
// average rank; it counts the pairs with a[i] > b[j] (ties count 1/2).
// This is the statistic scipy.stats.mannwhitneyu reports.
//
// p is computed
//   - exactly when there are no ties and both samples have at most 20
//     values: p = 2·P(U <= min(U1, U2)) under H0 (capped at 1), with the
//     null distribution of U obtained from the Gaussian binomial
//     coefficient [n1+n2 choose n1]_q;
//   - otherwise by the normal approximation with tie-corrected variance
//     σ² = n1·n2/12·((n+1) - Σ(t³-t)/(n(n-1))) and continuity correction:
//     z = (max(U1, U2) - n1·n2/2 - 1/2)/σ, p = 2·(1-Φ(z)), clipped to [0, 1].
//
// Both branches agree with scipy.stats.mannwhitneyu(method="exact" /
// "asymptotic"). If either sample is empty, or all values are tied, there is
// no evidence of a difference and p = 1.
func MannWhitneyU(a, b []float64) (u, p float64) {
	return mannWhitneyU(a, b, false)
}

func mannWhitneyU(a, b []float64, forceAsymptotic bool) (u, p float64) {
	n1, n2 := len(a), len(b)
	if n1 == 0 || n2 == 0 {
		return 0, 1
	}
	type obs struct {
		v     float64
		fromA bool
	}
	pooled := make([]obs, 0, n1+n2)
	for _, v := range a {
		pooled = append(pooled, obs{v, true})
	}
	for _, v := range b {
		pooled = append(pooled, obs{v, false})
	}
	slices.SortFunc(pooled, func(x, y obs) int {
		switch {
		case x.v < y.v:
			return -1
		case x.v > y.v:
			return 1
		}
		return 0
	})

	n := n1 + n2
	var r1, tieSum float64
	for i := 0; i < n; {
		j := i + 1
		for j < n && pooled[j].v == pooled[i].v {
			j++
		}
		// Positions i..j-1 (ranks i+1..j) share the average rank.
		avg := float64(i+1+j) / 2
		for k := i; k < j; k++ {
			if pooled[k].fromA {
				r1 += avg
			}
		}
		if t := float64(j - i); t > 1 {
			tieSum += t*t*t - t
		}
		i = j
	}

	f1, f2 := float64(n1), float64(n2)
	u1 := r1 - f1*(f1+1)/2
	u2 := f1*f2 - u1

	if !forceAsymptotic && tieSum == 0 && n1 <= mwuExactMaxN && n2 <= mwuExactMaxN {
		p = 2 * mwuExactCDF(n1, n2, int(math.Round(math.Min(u1, u2))))
		return u1, math.Min(p, 1)
	}

	nf := float64(n)
	variance := f1 * f2 / 12 * ((nf + 1) - tieSum/(nf*(nf-1)))
	if !(variance > 0) {
		return u1, 1 // every value tied: no information
	}
	z := (math.Max(u1, u2) - f1*f2/2 - 0.5) / math.Sqrt(variance)
	p = math.Erfc(z / math.Sqrt2) // = 2·(1-Φ(z))
	return u1, math.Max(0, math.Min(p, 1))
}

// mwuExactCDF returns P(U <= k) for the null distribution of U with sample
// sizes n1, n2 and no ties. The number of arrangements giving U = u is the
// coefficient of q^u in the Gaussian binomial coefficient
// [n1+n2 choose n1]_q = Π_{i=1..n1} (1 - q^(n2+i)) / (1 - q^i),
// which is built factor by factor; after step i the polynomial is
// [n2+i choose i]_q, so all intermediate coefficients are exact integers.
func mwuExactCDF(n1, n2, k int) float64 {
	if k < 0 {
		return 0
	}
	maxU := n1 * n2
	if k >= maxU {
		return 1
	}
	c := make([]int64, maxU+1)
	c[0] = 1
	deg := 0
	for i := 1; i <= n1; i++ {
		// Multiply by (1 - q^(n2+i)).
		m := n2 + i
		deg += n2
		for u := deg + i; u >= m; u-- { // deg+i = old degree + m
			if u <= maxU {
				c[u] -= c[u-m]
			}
		}
		// Divide by (1 - q^i): c[u] += c[u-i], ascending.
		for u := i; u <= maxU; u++ {
			c[u] += c[u-i]
		}
	}
	var total, below int64
	for u, v := range c {
		total += v
		if u <= k {
			below += v
		}
	}
	return float64(below) / float64(total)
}

// Significant reports whether a two-sided p-value rejects "no difference" at
// level Alpha (p < 0.05).
func Significant(p float64) bool {
	return p < Alpha
}

// Marker returns "~" when p is not significant and "" otherwise, the
// benchstat convention for marking a delta that may well be noise.
func Marker(p float64) string {
	if Significant(p) {
		return ""
	}
	return "~"
}
