package ui

import (
	"math"
	"strings"
)

// Small charts drawn with block characters.

var sparkRunes = []rune("▁▂▃▄▅▆▇█")

// sparkline draws the last w values with block characters, scaled from the
// smallest to the largest value shown.
func sparkline(xs []float64, w int) string {
	if w <= 0 || len(xs) == 0 {
		return ""
	}
	if len(xs) > w {
		xs = xs[len(xs)-w:]
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range xs {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	var b strings.Builder
	for _, x := range xs {
		i := 0
		if hi > lo {
			i = int(math.Round((x - lo) / (hi - lo) * float64(len(sparkRunes)-1)))
		}
		b.WriteRune(sparkRunes[i])
	}
	return b.String()
}

// bar draws a fraction as w cells of █ and ░ (for small inline meters where
// a full bubbles/progress bar would be too wide).
func bar(frac float64, w int) string {
	if w <= 0 {
		return ""
	}
	frac = math.Max(0, math.Min(1, frac))
	full := int(math.Round(frac * float64(w)))
	return strings.Repeat("█", full) + strings.Repeat("░", w-full)
}

// histBin is one bar of a histogram.
type histBin struct {
	lo, hi float64
	n      int
}

// histogram counts xs into at most bins equal-width bins from min to max.
func histogram(xs []float64, bins int) []histBin {
	if len(xs) == 0 || bins < 1 {
		return nil
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range xs {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	if hi == lo {
		return []histBin{{lo, hi, len(xs)}}
	}
	bins = min(bins, len(xs))
	width := (hi - lo) / float64(bins)
	out := make([]histBin, bins)
	for i := range out {
		out[i].lo = lo + float64(i)*width
		out[i].hi = lo + float64(i+1)*width
	}
	for _, x := range xs {
		i := min(int((x-lo)/width), bins-1)
		out[i].n++
	}
	return out
}
