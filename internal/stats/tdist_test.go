package stats

import (
	"math"
	"testing"
)

func TestStudentTQuantileTable(t *testing.T) {
	t.Parallel()
	// Two-sided 95% critical values t(0.975, df) as printed in standard
	// t tables (e.g. NIST/SEMATECH e-Handbook 1.3.6.7.2), to 3 decimals.
	tests := []struct {
		df   float64
		want float64
	}{
		{1, 12.706},
		{2, 4.303},
		{4, 2.776},
		{7, 2.365},
		{9, 2.262},
		{29, 2.045},
		{100, 1.984},
		{1000, 1.962},
	}
	for _, tc := range tests {
		if got := StudentTQuantile(0.975, tc.df); !near(got, tc.want, 1e-3) {
			t.Errorf("t(0.975, %v) = %.6f, want %.3f", tc.df, got, tc.want)
		}
	}
}

func TestStudentTQuantileClosedForms(t *testing.T) {
	t.Parallel()
	// Closed forms of the t quantile (e.g. Wikipedia, "Student's
	// t-distribution", table of quantile functions; Hill 1970):
	//   df=1 (Cauchy): t = tan(π(p-½))
	//   df=2:          t = (2p-1)/√(2p(1-p))
	//   df=4:          α = 4p(1-p), q = cos(⅓·acos(√α))/√α, t = 2√(q-1)
	// For p = 0.975 these give 12.7062047362, 4.3026527297, 2.7764451052.
	df1 := func(p float64) float64 { return math.Tan(math.Pi * (p - 0.5)) }
	df2 := func(p float64) float64 { return (2*p - 1) / math.Sqrt(2*p*(1-p)) }
	df4 := func(p float64) float64 {
		a := 4 * p * (1 - p)
		q := math.Cos(math.Acos(math.Sqrt(a))/3) / math.Sqrt(a)
		return math.Copysign(2*math.Sqrt(q-1), p-0.5)
	}
	for _, p := range []float64{0.6, 0.9, 0.95, 0.975, 0.995, 0.9995, 0.1, 0.025} {
		for _, c := range []struct {
			df float64
			f  func(float64) float64
		}{{1, df1}, {2, df2}, {4, df4}} {
			want := c.f(p)
			if got := StudentTQuantile(p, c.df); !near(got, want, 1e-9*math.Max(1, math.Abs(want))) {
				t.Errorf("t(%v, %v) = %.12f, want %.12f", p, c.df, got, want)
			}
		}
	}
}

func TestStudentTQuantileConsistentAcrossRange(t *testing.T) {
	t.Parallel()
	// The exact inversion (df ≤ 1e4) and the Cornish–Fisher expansion are
	// independent methods; where both are accurate (large df) they must
	// agree, and the quantile must decrease monotonically towards z=1.95996.
	for _, df := range []float64{300, 1000, 5000, 10000} {
		exact := StudentTQuantile(0.975, df)
		cf := tQuantileCornishFisher(0.975, df)
		if !near(exact, cf, 1e-9) {
			t.Errorf("df=%v: exact %.12f vs Cornish–Fisher %.12f", df, exact, cf)
		}
	}
	prev := math.Inf(1)
	for df := 1.0; df <= 1000; df++ {
		q := StudentTQuantile(0.975, df)
		if !(q < prev) || q < 1.959963984540054 {
			t.Fatalf("t(0.975, %v) = %v not decreasing towards z (prev %v)", df, q, prev)
		}
		prev = q
	}
	if got := StudentTQuantile(0.975, 1e9); !near(got, 1.959963984540054, 1e-8) {
		t.Errorf("t(0.975, 1e9) = %v, want z = 1.959964", got)
	}
}

func TestStudentTQuantileEdges(t *testing.T) {
	t.Parallel()
	if got := StudentTQuantile(0.5, 3); got != 0 {
		t.Errorf("median = %v, want 0", got)
	}
	if got := StudentTQuantile(0.025, 9); !near(got, -StudentTQuantile(0.975, 9), 1e-12) {
		t.Errorf("symmetry broken: %v", got)
	}
	if !math.IsInf(StudentTQuantile(1, 3), 1) || !math.IsInf(StudentTQuantile(0, 3), -1) {
		t.Error("p=1/p=0 must give ±Inf")
	}
	if !math.IsNaN(StudentTQuantile(0.9, 0)) || !math.IsNaN(StudentTQuantile(math.NaN(), 3)) {
		t.Error("invalid df or p must give NaN")
	}
}

func TestRegIncBeta(t *testing.T) {
	t.Parallel()
	// I_x(1,1) = x; I_x(a,1) = x^a; I_x(1,b) = 1-(1-x)^b;
	// I_½(a,a) = ½ by symmetry.
	tests := []struct{ a, b, x, want float64 }{
		{1, 1, 0.3, 0.3},
		{3, 1, 0.5, 0.125},
		{1, 2, 0.5, 0.75},
		{2.5, 2.5, 0.5, 0.5},
		{50, 50, 0.5, 0.5},
		{0.5, 0.5, 0, 0},
		{0.5, 0.5, 1, 1},
	}
	for _, tc := range tests {
		if got := regIncBeta(tc.a, tc.b, tc.x); !near(got, tc.want, 1e-13) {
			t.Errorf("I_%v(%v,%v) = %.15f, want %v", tc.x, tc.a, tc.b, got, tc.want)
		}
	}
}
