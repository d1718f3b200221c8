package stats

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
)

func near(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol
}

func TestPercentileR7(t *testing.T) {
	t.Parallel()
	// sorted = [10 20 30 40], n = 4, h = (n-1)·p = 3p.
	sorted := []float64{10, 20, 30, 40}
	tests := []struct {
		p, want float64
		why     string
	}{
		{0, 10, "h=0 → x[0]"},
		{0.25, 17.5, "h=0.75 → 10 + 0.75·(20-10)"},
		{0.5, 25, "h=1.5 → 20 + 0.5·10"},
		{0.9, 37, "h=2.7 → 30 + 0.7·10"},
		{1, 40, "h=3 → x[3]"},
		{-0.5, 10, "clamped to 0"},
		{1.5, 40, "clamped to 1"},
		{math.NaN(), 10, "NaN treated as 0"},
	}
	for _, tc := range tests {
		if got := Percentile(sorted, tc.p); !near(got, tc.want, 1e-12) {
			t.Errorf("Percentile(p=%v) = %v, want %v (%s)", tc.p, got, tc.want, tc.why)
		}
	}
	if got := Percentile(nil, 0.5); got != 0 {
		t.Errorf("Percentile(nil) = %v, want 0", got)
	}
	if got := Percentile([]float64{7}, 0.99); got != 7 {
		t.Errorf("Percentile([7], .99) = %v, want 7", got)
	}
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		xs   []float64
		want Summary
	}{
		{
			// n=8, Σx = 40 → mean 5.
			// Σ(x-5)² = 9+1+1+1+0+0+4+16 = 32 → s² = 32/7 → s = 2.1380899353.
			// median: h = 7·0.5 = 3.5 → 4 + 0.5·(5-4) = 4.5
			// p90: h = 6.3 → 7 + 0.3·(9-7) = 7.6; p95: h = 6.65 → 8.3;
			// p99: h = 6.93 → 8.86.
			// mean CI: t(0.975,7) = 2.3646242510, s/√8 = 0.7559289460,
			// half = 1.7874879183 → [3.2125120817, 6.7874879183].
			// median CI: Bin(8,½): P(B≤0) = 1/256 ≤ 0.025 < P(B≤1) = 9/256,
			// so ranks 1 and 8 = [2, 9], coverage 1-2/256 = 0.9921875.
			// outliers: |x-4.5| = 2.5 .5 .5 .5 .5 .5 2.5 4.5, MAD = 0.5,
			// max score 4.5/0.5 = 9 < 14.826 → none.
			name: "classic eight",
			xs:   []float64{2, 4, 4, 4, 5, 5, 7, 9},
			want: Summary{
				N: 8, Mean: 5, StdDev: 2.1380899353, Median: 4.5,
				P90: 7.6, P95: 8.3, P99: 8.86, Min: 2, Max: 9,
				MeanCI95:   Interval{Lo: 3.2125120817, Hi: 6.7874879183, Coverage: 0.95, Defined: true},
				MedianCI95: Interval{Lo: 2, Hi: 9, Coverage: 0.9921875, Defined: true},
				Outliers:   []int{},
			},
		},
		{
			// Unsorted input, n=5: mean 3, Σ(x-3)² = 4+1+0+1+4 = 10,
			// s² = 10/4 = 2.5 → s = 1.5811388301. median 3 (h=2);
			// p90: h = 3.6 → 4.6; p95: h = 3.8 → 4.8; p99: h = 3.96 → 4.96.
			// mean CI: t(0.975,4) = 2.7764451052 · s/√5 (= √0.5 =
			// 0.7071067812) = 1.9632431613.
			// median CI: n = 5 < 6, [min,max] covers only 1-2/32 = 0.9375:
			// undefined.
			name: "five unsorted",
			xs:   []float64{5, 1, 4, 2, 3},
			want: Summary{
				N: 5, Mean: 3, StdDev: 1.5811388301, Median: 3,
				P90: 4.6, P95: 4.8, P99: 4.96, Min: 1, Max: 5,
				MeanCI95:   Interval{Lo: 3 - 1.9632431613, Hi: 3 + 1.9632431613, Coverage: 0.95, Defined: true},
				MedianCI95: Interval{Lo: 1, Hi: 5, Coverage: 0.9375},
				Outliers:   []int{},
			},
		},
		{
			// n=1: no spread, both intervals degenerate and undefined.
			name: "single",
			xs:   []float64{42},
			want: Summary{
				N: 1, Mean: 42, Median: 42, P90: 42, P95: 42, P99: 42, Min: 42, Max: 42,
				MeanCI95:   Interval{Lo: 42, Hi: 42},
				MedianCI95: Interval{Lo: 42, Hi: 42},
				Outliers:   []int{},
			},
		},
		{
			// n=10, values 1..9 and 100. mean = (45+100)/10 = 14.5.
			// Σ_{1..9}(x-14.5)² = Σx² - 2·14.5·Σx + 9·14.5²
			//                   = 285 - 1305 + 1892.25 = 872.25,
			// plus (100-14.5)² = 7310.25 → 8182.5; s² = 8182.5/9 =
			// 909.1666667, s = 30.1523907.
			// sorted: 1..9,100; median h = 4.5 → 5.5; p90: h = 8.1 → 9 +
			// 0.1·91 = 18.1; p95: h = 8.55 → 9 + 0.55·91 = 59.05;
			// p99: h = 8.91 → 9 + 0.91·91 = 91.81.
			// |x-5.5| = 4.5 3.5 2.5 1.5 .5 .5 1.5 2.5 3.5 94.5; sorted the
			// middle two are 2.5, 2.5 → MAD = 2.5; 94.5/2.5 = 37.8 > 14.826
			// → index 9 is an outlier (the others score ≤ 1.8).
			// median CI (n=10): ranks 2 and 9 → [2, 9], coverage 1-22/1024.
			// mean CI: t(0.975,9) = 2.2621571628 · s/√10 (= 9.5350232)
			// = 21.5697209.
			name: "one outlier",
			xs:   []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 100},
			want: Summary{
				N: 10, Mean: 14.5, StdDev: 30.1523907, Median: 5.5,
				P90: 18.1, P95: 59.05, P99: 91.81, Min: 1, Max: 100,
				MeanCI95:   Interval{Lo: 14.5 - 21.5697209, Hi: 14.5 + 21.5697209, Coverage: 0.95, Defined: true},
				MedianCI95: Interval{Lo: 2, Hi: 9, Coverage: 1 - 22.0/1024, Defined: true},
				Outliers:   []int{9},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := slices.Clone(tc.xs)
			got := Summarize(in)
			if !slices.Equal(in, tc.xs) {
				t.Fatalf("Summarize modified its input: %v", in)
			}
			checkSummary(t, got, tc.want, 1e-6)
		})
	}
}

func checkSummary(t *testing.T, got, want Summary, tol float64) {
	t.Helper()
	if got.N != want.N {
		t.Errorf("N = %d, want %d", got.N, want.N)
	}
	fields := []struct {
		name      string
		got, want float64
	}{
		{"Mean", got.Mean, want.Mean},
		{"StdDev", got.StdDev, want.StdDev},
		{"Median", got.Median, want.Median},
		{"P90", got.P90, want.P90},
		{"P95", got.P95, want.P95},
		{"P99", got.P99, want.P99},
		{"Min", got.Min, want.Min},
		{"Max", got.Max, want.Max},
		{"MeanCI95.Lo", got.MeanCI95.Lo, want.MeanCI95.Lo},
		{"MeanCI95.Hi", got.MeanCI95.Hi, want.MeanCI95.Hi},
		{"MeanCI95.Coverage", got.MeanCI95.Coverage, want.MeanCI95.Coverage},
		{"MedianCI95.Lo", got.MedianCI95.Lo, want.MedianCI95.Lo},
		{"MedianCI95.Hi", got.MedianCI95.Hi, want.MedianCI95.Hi},
		{"MedianCI95.Coverage", got.MedianCI95.Coverage, want.MedianCI95.Coverage},
	}
	for _, f := range fields {
		if !near(f.got, f.want, tol) {
			t.Errorf("%s = %.10g, want %.10g", f.name, f.got, f.want)
		}
	}
	if got.MeanCI95.Defined != want.MeanCI95.Defined {
		t.Errorf("MeanCI95.Defined = %v, want %v", got.MeanCI95.Defined, want.MeanCI95.Defined)
	}
	if got.MedianCI95.Defined != want.MedianCI95.Defined {
		t.Errorf("MedianCI95.Defined = %v, want %v", got.MedianCI95.Defined, want.MedianCI95.Defined)
	}
	if got.Outliers == nil || !slices.Equal(got.Outliers, want.Outliers) {
		t.Errorf("Outliers = %#v, want %#v", got.Outliers, want.Outliers)
	}
}

func TestSummarizeEmptyIsZeroAndJSONSafe(t *testing.T) {
	t.Parallel()
	s := Summarize(nil)
	checkSummary(t, s, Summary{Outliers: []int{}}, 0)
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatalf("json.Marshal(empty Summary): %v", err)
	}
	got := string(b)
	for _, key := range []string{`"n":0`, `"mean":0`, `"stdDev":0`, `"median":0`,
		`"p90":0`, `"p95":0`, `"p99":0`, `"min":0`, `"max":0`,
		`"meanCI95":{"lo":0,"hi":0,"coverage":0,"defined":false}`,
		`"medianCI95":{"lo":0,"hi":0,"coverage":0,"defined":false}`,
		`"outliers":[]`} {
		if !strings.Contains(got, key) {
			t.Errorf("JSON %s lacks %s", got, key)
		}
	}
}

func TestSummarizeNoNaNForAnySize(t *testing.T) {
	t.Parallel()
	// json.Marshal fails on NaN/Inf, so marshalling proves their absence.
	for n := 0; n <= 40; n++ {
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = float64((i*7)%5) + 1
		}
		for _, in := range [][]float64{xs, make([]float64, n)} { // also all-equal zeros
			if _, err := json.Marshal(Summarize(in)); err != nil {
				t.Fatalf("n=%d: %v", n, err)
			}
		}
	}
}

func TestSummarizeLargeN(t *testing.T) {
	t.Parallel()
	// 200000 samples: exercises the Cornish–Fisher branch boundary (df >
	// 1e4) and the O(√n) binomial walk of MedianCIRanks.
	xs := make([]float64, 200000)
	for i := range xs {
		xs[i] = float64(i % 1000)
	}
	s := Summarize(xs)
	if !s.MeanCI95.Defined || !s.MedianCI95.Defined {
		t.Fatalf("intervals undefined for large n: %+v %+v", s.MeanCI95, s.MedianCI95)
	}
	if s.MedianCI95.Lo > s.Median || s.MedianCI95.Hi < s.Median {
		t.Errorf("median %v outside its CI %+v", s.Median, s.MedianCI95)
	}
	if _, err := json.Marshal(s); err != nil {
		t.Fatal(err)
	}
}
