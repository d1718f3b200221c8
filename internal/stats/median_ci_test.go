package stats

import (
	"math"
	"testing"
)

func TestMedianCIRanks(t *testing.T) {
	t.Parallel()
	// Coverage of [x(j), x(n+1-j)] is 1 - 2·P(Bin(n,½) ≤ j-1); j is the
	// largest value keeping coverage ≥ 0.95, i.e. P(B ≤ j-1) ≤ 0.025.
	tests := []struct {
		n        int
		lo, hi   int
		coverage float64
		ok       bool
		why      string
	}{
		{0, 0, 0, 0, false, "no data"},
		{1, 1, 1, 0, false, "[min,max] = the single value covers 1-2^0 = 0"},
		{5, 1, 5, 0.9375, false, "P(B≤0) = 1/32 = 0.03125 > 0.025; [min,max] covers 30/32"},
		{6, 1, 6, 0.96875, true, "P(B≤0) = 1/64 ≤ 0.025 < P(B≤1) = 7/64; covers 62/64"},
		{8, 1, 8, 0.9921875, true, "P(B≤0) = 1/256, P(B≤1) = 9/256 = 0.035 > 0.025"},
		// n=10: C(10,k) = 1, 10, 45. P(B≤1) = 11/1024 = 0.0107 ≤ 0.025,
		// P(B≤2) = 56/1024 = 0.0547 > 0.025 → j-1 = 1, ranks 2 and 9;
		// coverage 1 - 22/1024 = 0.978515625.
		{10, 2, 9, 1 - 22.0/1024, true, "n=10"},
		// n=20: C(20,k) = 1, 20, 190, 1140, 4845, 15504, 38760.
		// P(B≤5) = 21700/2^20 = 0.02069 ≤ 0.025, P(B≤6) = 60460/2^20 =
		// 0.0577 > 0.025 → ranks 6 and 15; coverage 1 - 43400/1048576
		// = 0.9586105347.
		{20, 6, 15, 1 - 43400.0/1048576, true, "n=20"},
		// n=100 → ranks 40 and 61 (the usual textbook table value),
		// coverage 0.9648; n=1000 → 469 and 532. Both computed
		// independently with exact integer binomials (Python math.comb).
		{100, 40, 61, 0.9647997997822952, true, "n=100"},
		{1000, 469, 532, 0.9537088026395019, true, "n=1000"},
	}
	for _, tc := range tests {
		lo, hi, cov, ok := MedianCIRanks(tc.n)
		if lo != tc.lo || hi != tc.hi || ok != tc.ok || !near(cov, tc.coverage, 1e-9) {
			t.Errorf("MedianCIRanks(%d) = (%d, %d, %.10f, %v), want (%d, %d, %.10f, %v): %s",
				tc.n, lo, hi, cov, ok, tc.lo, tc.hi, tc.coverage, tc.ok, tc.why)
		}
	}
}

func TestMedianCIRanksHugeN(t *testing.T) {
	t.Parallel()
	// For large n the ranks approach n/2 ∓ 1.96·√n/2.
	n := 1_000_000
	lo, hi, cov, ok := MedianCIRanks(n)
	want := float64(n)/2 - 1.959964*math.Sqrt(float64(n))/2
	if !ok || math.Abs(float64(lo)-want) > 2 || hi != n+1-lo || cov < 0.95 || cov > 0.951 {
		t.Errorf("MedianCIRanks(1e6) = (%d, %d, %v, %v), want lo ≈ %.0f", lo, hi, cov, ok, want)
	}
}

func TestMedianCIRanksCoverageAlwaysAtLeast95(t *testing.T) {
	t.Parallel()
	for n := 6; n <= 2000; n++ {
		lo, hi, cov, ok := MedianCIRanks(n)
		if !ok || cov < 0.95 || lo < 1 || hi != n+1-lo {
			t.Fatalf("n=%d: (%d, %d, %v, %v)", n, lo, hi, cov, ok)
		}
	}
}
