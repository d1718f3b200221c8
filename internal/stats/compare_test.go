package stats

import (
	"math"
	"testing"
)

func TestRatioOfMeans(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		a, b       Summary
		r, sigma   float64
		arithmetic string
	}{
		{
			name: "propagated",
			a:    Summary{N: 4, Mean: 20, StdDev: 4},
			b:    Summary{N: 16, Mean: 10, StdDev: 2},
			r:    2, sigma: 0.2236067977,
			arithmetic: "sa = 4/√4 = 2, sb = 2/√16 = 0.5; σ = 2·√((2/20)² + (0.5/10)²) = 2·√0.0125",
		},
		{
			name: "no spread",
			a:    Summary{N: 10, Mean: 15, StdDev: 0},
			b:    Summary{N: 10, Mean: 10, StdDev: 0},
			r:    1.5, sigma: 0,
			arithmetic: "both standard errors are 0",
		},
		{
			name: "numerator mean zero",
			a:    Summary{N: 4, Mean: 0, StdDev: 4},
			b:    Summary{N: 16, Mean: 10, StdDev: 2},
			r:    0, sigma: 0.2,
			arithmetic: "σ = √(sa² + 0)/|mb| = 2/10",
		},
		{
			name: "reference mean zero",
			a:    Summary{N: 4, Mean: 20, StdDev: 4},
			b:    Summary{},
			r:    0, sigma: 0,
			arithmetic: "b.Mean == 0 → undefined, (0, 0)",
		},
	}
	for _, tc := range tests {
		r, s := RatioOfMeans(tc.a, tc.b)
		if !near(r, tc.r, 1e-9) || !near(s, tc.sigma, 1e-9) {
			t.Errorf("%s: RatioOfMeans = (%v, %v), want (%v, %v): %s", tc.name, r, s, tc.r, tc.sigma, tc.arithmetic)
		}
	}
}

func TestMannWhitneyU(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a, b []float64
		u, p float64
		why  string
	}{
		{
			// Complete separation, n1 = n2 = 3: C(6,3) = 20 equally likely
			// rank sets, only one gives U = 0 → P(U ≤ 0) = 1/20, two-sided
			// p = 2/20 = 0.1 (also scipy's exact result).
			name: "separated 3v3", a: []float64{1, 2, 3}, b: []float64{4, 5, 6},
			u: 0, p: 0.1,
		},
		{
			name: "separated 3v3 reversed", a: []float64{4, 5, 6}, b: []float64{1, 2, 3},
			u: 9, p: 0.1, why: "U1 = 9 = n1·n2; p uses min(U1, U2) = 0",
		},
		{
			// n1 = n2 = 4: C(8,4) = 70 → p = 2/70.
			name: "separated 4v4", a: []float64{1, 2, 3, 4}, b: []float64{10, 20, 30, 40},
			u: 0, p: 2.0 / 70,
		},
		{
			// scipy.stats.mannwhitneyu documentation example (from Shier
			// 2004): males vs females, method="exact" → U1 = 17.0,
			// p = 0.1111111111111111. By hand: pooled ranks of males
			// 16→3, 19→5, 22→7, 24→8, 29→9, R1 = 32, U1 = 32 - 15 = 17,
			// U2 = 20 - 17 = 3; #arrangements with U ≤ 3 (partitions of
			// 0,1,2,3 into ≤ 4 parts ≤ 5) = 1+1+2+3 = 7 of C(9,4) = 126,
			// p = 14/126 = 1/9.
			name: "scipy docs example", a: []float64{19, 22, 16, 29, 24}, b: []float64{20, 11, 17, 12},
			u: 17, p: 1.0 / 9,
		},
		{
			// Ties → normal approximation. Pooled sorted:
			// 1a 2a 2a 2b 3a 3b 4b 5b; ranks 1, (2+3+4)/3 = 3 ×3,
			// (5+6)/2 = 5.5 ×2, 7, 8. R1 = 1+3+3+5.5 = 12.5,
			// U1 = 12.5 - 10 = 2.5, U2 = 13.5, μ = 8.
			// Ties: t=3 and t=2 → Σ(t³-t) = 24 + 6 = 30, n = 8.
			// σ² = 16/12·(9 - 30/56) = 11.2857142857, σ = 3.3594217189.
			// z = (13.5 - 8 - 0.5)/σ = 1.4883513945,
			// p = 2·(1-Φ(z)) = 0.1366582477.
			name: "ties", a: []float64{1, 2, 2, 3}, b: []float64{2, 3, 4, 5},
			u: 2.5, p: 0.13665824773814753,
		},
		{
			// Every value tied: σ² = n1n2/12·(6 - 120/20) = 0 → p = 1.
			// R1 = 3·3 = 9, U1 = 9 - 6 = 3.
			name: "all tied", a: []float64{5, 5, 5}, b: []float64{5, 5},
			u: 3, p: 1,
		},
		{name: "empty a", a: nil, b: []float64{1, 2}, u: 0, p: 1},
		{name: "empty b", a: []float64{1}, b: nil, u: 0, p: 1},
	}
	for _, tc := range tests {
		u, p := MannWhitneyU(tc.a, tc.b)
		if !near(u, tc.u, 1e-12) || !near(p, tc.p, 1e-12) {
			t.Errorf("%s: MannWhitneyU = (%v, %.15f), want (%v, %.15f) %s", tc.name, u, p, tc.u, tc.p, tc.why)
		}
	}
}

func TestMannWhitneyUAsymptoticScipyDocs(t *testing.T) {
	t.Parallel()
	// scipy.stats.mannwhitneyu docs: same example with method="asymptotic"
	// → p = 0.11134688653314041 (z = (17 - 10 - 0.5)/√(20·10/12)).
	u, p := mannWhitneyU([]float64{19, 22, 16, 29, 24}, []float64{20, 11, 17, 12}, true)
	if u != 17 || !near(p, 0.11134688653314041, 1e-12) {
		t.Errorf("asymptotic = (%v, %.17f), want (17, 0.11134688653314041)", u, p)
	}
}

func TestMannWhitneyULargeSeparated(t *testing.T) {
	t.Parallel()
	// n1 = n2 = 25 > 20 → normal approximation. U1 = 0, μ = 312.5,
	// σ² = 625·51/12 = 2656.25, z = (625 - 312.5 - 0.5)/51.5388 = 6.0537,
	// p = 2·(1-Φ(6.0537)) ≈ 1.42e-9.
	a := make([]float64, 25)
	b := make([]float64, 25)
	for i := range a {
		a[i] = float64(i)
		b[i] = float64(100 + i)
	}
	u, p := MannWhitneyU(a, b)
	want := math.Erfc((625 - 312.5 - 0.5) / math.Sqrt(2656.25) / math.Sqrt2)
	if u != 0 || !near(p, want, 1e-15) || p > 2e-9 || p < 1e-9 {
		t.Errorf("got (%v, %v), want (0, %v)", u, p, want)
	}
	if !Significant(p) || Marker(p) != "" {
		t.Errorf("p=%v should be significant", p)
	}
}

func TestMWUExactMatchesEnumeration(t *testing.T) {
	t.Parallel()
	// Brute force: enumerate every choice of n1 ranks out of n1+n2 and
	// count U = Σranks - n1(n1+1)/2; compare the CDF to mwuExactCDF.
	for n1 := 1; n1 <= 6; n1++ {
		for n2 := 1; n2 <= 6; n2++ {
			n := n1 + n2
			counts := make([]int, n1*n2+1)
			total := 0
			for mask := 0; mask < 1<<n; mask++ {
				if popcount(mask) != n1 {
					continue
				}
				r := 0
				for i := range n {
					if mask&(1<<i) != 0 {
						r += i + 1
					}
				}
				counts[r-n1*(n1+1)/2]++
				total++
			}
			cum := 0
			for k := range counts {
				cum += counts[k]
				want := float64(cum) / float64(total)
				if got := mwuExactCDF(n1, n2, k); !near(got, want, 1e-15) {
					t.Fatalf("n1=%d n2=%d k=%d: %v, want %v", n1, n2, k, got, want)
				}
			}
		}
	}
}

func popcount(x int) int {
	c := 0
	for ; x != 0; x &= x - 1 {
		c++
	}
	return c
}

func TestMWUExactLargestTable(t *testing.T) {
	t.Parallel()
	// n1 = n2 = 20: the distribution is symmetric about 200 and the exact
	// tail is close to the normal approximation.
	for _, k := range []int{0, 50, 100, 150, 199} {
		lo := mwuExactCDF(20, 20, k)
		hi := 1 - mwuExactCDF(20, 20, 400-k-1) // P(U ≥ 400-k)
		if !near(lo, hi, 1e-12) {
			t.Errorf("k=%d: P(U≤k)=%v, P(U≥400-k)=%v", k, lo, hi)
		}
	}
	// Exact vs asymptotic p for a moderate effect, 20 v 20 without ties.
	a := make([]float64, 20)
	b := make([]float64, 20)
	for i := range a {
		a[i] = float64(2 * i)    // 0, 2, ..., 38
		b[i] = float64(2*i + 13) // 13, 15, ..., 51
	}
	_, pExact := MannWhitneyU(a, b)
	_, pNorm := mannWhitneyU(a, b, true)
	if pExact <= 0 || pExact >= 1 || math.Abs(pExact-pNorm) > 0.01 {
		t.Errorf("exact %v vs normal %v", pExact, pNorm)
	}
}

func TestSignificantAndMarker(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p      float64
		sig    bool
		marker string
	}{
		{0.001, true, ""},
		{0.0499, true, ""},
		{0.05, false, "~"},
		{0.1, false, "~"},
		{1, false, "~"},
	}
	for _, tc := range tests {
		if Significant(tc.p) != tc.sig || Marker(tc.p) != tc.marker {
			t.Errorf("p=%v: Significant=%v Marker=%q, want %v %q", tc.p, Significant(tc.p), Marker(tc.p), tc.sig, tc.marker)
		}
	}
}
