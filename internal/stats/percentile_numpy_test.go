package stats

import (
	"math"
	"testing"
)

// TestPercentileMatchesNumpy: numpy.percentile(x, q) with the default
// method "linear" (moved here from logpush, whose scan summary uses it).
func TestPercentileMatchesNumpy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		x    []float64
		p    float64
		want float64
	}{
		{[]float64{7}, 0.5, 7},
		{[]float64{7}, 0.95, 7},
		{[]float64{1, 2}, 0.5, 1.5},
		{[]float64{1, 2, 3, 4, 5}, 0.5, 3},
		{[]float64{1, 2, 3, 4, 5}, 0.95, 4.8},
		{[]float64{10, 20, 30, 40, 50, 60, 70, 80, 90, 100}, 0.95, 95.5},
		{[]float64{1, 1, 1, 100}, 0.5, 1},
		{[]float64{0, 100}, 0, 0},
		{[]float64{0, 100}, 1, 100},
	}
	for _, tt := range tests {
		if got := math.Round(Percentile(tt.x, tt.p)*1000) / 1000; got != tt.want {
			t.Errorf("Percentile(%v, %v) = %v, want %v", tt.x, tt.p, got, tt.want)
		}
	}
}
