package stats

import (
	"strings"
	"testing"
)

func rep(v float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func TestWarnings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		batches [][]float64
		want    []string // substrings, one per expected warning, in order
	}{
		{"nothing", nil, []string{"too few samples: n=0"}},
		{"too few", [][]float64{{1, 2, 3}, {4, 5}}, []string{"too few samples: n=5"}},
		{"ten is enough", [][]float64{rep(10, 5), rep(10, 5)}, nil},
		{
			// m1 = 20; other medians 10, 10.5, 9.5 → M = 10, s = 0.5.
			// Threshold M + max(0.25·10, 2·0.5) = 12.5 < 20 → warn.
			name:    "slow first",
			batches: [][]float64{rep(20, 4), rep(10, 4), rep(10.5, 4), rep(9.5, 4)},
			want:    []string{"slow first batch"},
		},
		{
			// m1 = 11.2 is 12% above M = 10: < 25% → no warning even
			// though it is far beyond 2s = 1.
			name:    "first slightly slower",
			batches: [][]float64{rep(11.2, 4), rep(10, 4), rep(10.5, 4), rep(9.5, 4)},
		},
		{
			// medians 5, 10, 15 → M = 10, s = 5; threshold 10 +
			// max(2.5, 10) = 20; m1 = 13 is 30% slower but within the
			// batch-to-batch noise → no warning.
			name:    "noisy batches",
			batches: [][]float64{rep(13, 4), rep(5, 4), rep(10, 4), rep(15, 4)},
		},
		{
			// One other batch: s = 0, so only the 25% rule applies:
			// 12.6 > 12.5 → warn; 12.4 → no warning.
			name:    "two batches over",
			batches: [][]float64{rep(12.6, 5), rep(10, 5)},
			want:    []string{"slow first batch"},
		},
		{
			name:    "two batches under",
			batches: [][]float64{rep(12.4, 5), rep(10, 5)},
		},
		{
			// A single batch cannot be compared with anything.
			name:    "single batch",
			batches: [][]float64{{100, 10, 10, 10, 10, 10, 10, 10, 10, 10}},
		},
		{
			name:    "empty first batch",
			batches: [][]float64{{}, rep(10, 5), rep(10, 5)},
		},
		{
			// Both warnings; empty later batches are ignored.
			name:    "both",
			batches: [][]float64{{50, 50}, {}, {10, 10}},
			want:    []string{"too few samples: n=4", "slow first batch"},
		},
	}
	for _, tc := range tests {
		got := Warnings(tc.batches)
		if len(got) != len(tc.want) {
			t.Errorf("%s: Warnings = %q, want %d warning(s) %q", tc.name, got, len(tc.want), tc.want)
			continue
		}
		for i := range got {
			if !strings.Contains(got[i], tc.want[i]) {
				t.Errorf("%s: warning %d = %q, want it to contain %q", tc.name, i, got[i], tc.want[i])
			}
		}
	}
}
