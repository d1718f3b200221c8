package stats

import (
	"slices"
	"testing"
)

// The vectors and expected outlier counts below are those of hyperfine's
// own tests (sharkdp/hyperfine, src/outlier_detection.rs,
// test_detect_outliers and test_detect_outliers_if_mad_becomes_0, checked at
// commit 327d5f4d9107141929f67f062bf9ef59f98b7399). hyperfine asserts only
// counts; the indices are added here from the arithmetic in the comments.
// Score = |x - median| / MAD, outlier when > 14.826.
func TestOutliersHyperfineVectors(t *testing.T) {
	t.Parallel()
	normal := []float64{
		2.33269488, 1.42195907, -0.57527698, -0.31293437, 2.2948158,
		0.75813273, -1.0712388, -0.96394741, -1.15897446, 1.10976285,
	}
	tests := []struct {
		name string
		xs   []float64
		want []int
	}{
		// "Should not detect outliers in small samples".
		{"empty", nil, []int{}},
		// median 50, MAD 0 → ε; the only deviation is 0.
		{"single", []float64{50}, []int{}},
		// median 500, deviations 500, 500 → MAD 500, scores 1, 1.
		{"two far apart", []float64{1000, 0}, []int{}},
		// "Should not detect outliers in low-variance samples":
		// median 0, deviations .2 0 .2 → MAD .2, scores 1 0 1.
		{"low variance", []float64{-0.2, 0.0, 0.2}, []int{}},
		// "Should detect a single outlier": median (0+0.2)/2 = 0.1,
		// deviations .3 .1 .1 3.9 → MAD (.1+.3)/2 = 0.2; 3.9/0.2 = 19.5.
		{"one of four", []float64{-0.2, 0.0, 0.2, 4.0}, []int{3}},
		// median 0.30, deviations .2 0 .01 .01 0 → MAD .01; .2/.01 = 20.
		{"one of five", []float64{0.5, 0.30, 0.29, 0.31, 0.30}, []int{0}},
		// "no outliers in sample drawn from normal distribution":
		// median (0.75813273 + -0.31293437)/2 = 0.22259918, MAD =
		// 1.19295324; the largest score is 2.1101/1.1930 = 1.77.
		{"normal sample", normal, []int{}},
		// "two outliers that were manually added": median unchanged
		// 0.22259918, MAD = 1.246598935; 20 scores 15.87 (> 14.826, just)
		// and -500 scores 401.3.
		{"normal plus two", append(slices.Clone(normal), 20.0, -500.0), []int{10, 11}},
		// test_detect_outliers_if_mad_becomes_0 (see
		// https://stats.stackexchange.com/q/339932): median 10, deviations
		// seven 0s and 90 → MAD 0, replaced by ε; 90/ε is huge.
		{"MAD=0, one", []float64{10, 10, 10, 10, 10, 10, 10, 100}, []int{7}},
		// nine values, deviations 0×7, 90, 90 → MAD (5th) = 0.
		{"MAD=0, two", []float64{10, 10, 10, 10, 10, 10, 10, 100, 100}, []int{7, 8}},
	}
	for _, tc := range tests {
		got := Outliers(tc.xs)
		if got == nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s: Outliers(%v) = %#v, want %#v", tc.name, tc.xs, got, tc.want)
		}
	}
}

func TestOutliersMADZero(t *testing.T) {
	t.Parallel()
	// All equal: MAD = 0 and every deviation is 0 → no outliers, no
	// division by zero.
	if got := Outliers([]float64{3, 3, 3, 3}); len(got) != 0 {
		t.Errorf("all equal: %v", got)
	}
	// MAD = 0 with a tiny but real deviation: hyperfine semantics make any
	// value different from the majority an outlier (threshold 14.826·ε ≈
	// 3.3e-15), here 5.001 and 4.5 among five 5s.
	xs := []float64{5, 5, 5.001, 5, 5, 4.5, 5}
	if got := Outliers(xs); !slices.Equal(got, []int{2, 5}) {
		t.Errorf("MAD=0: Outliers(%v) = %v, want [2 5]", xs, got)
	}
	// Summarize still yields finite, JSON-safe numbers.
	s := Summarize(xs)
	if !slices.Equal(s.Outliers, []int{2, 5}) || s.Median != 5 {
		t.Errorf("Summarize MAD=0: %+v", s)
	}
}

func TestOutliersDoesNotModifyInput(t *testing.T) {
	t.Parallel()
	xs := []float64{3, 1, 2, 100}
	Outliers(xs)
	if !slices.Equal(xs, []float64{3, 1, 2, 100}) {
		t.Errorf("input modified: %v", xs)
	}
}
