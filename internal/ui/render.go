package ui

import (
	"math"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Small text helpers shared by the screens. Widths are display cells
// (ansi-aware), so styled strings and box-drawing characters measure right.

// truncate cuts s to w cells, marking the cut with "…".
func truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// pad right-pads s with spaces to w cells (truncating when longer).
func pad(s string, w int) string {
	s = truncate(s, w)
	if n := w - ansi.StringWidth(s); n > 0 {
		s += strings.Repeat(" ", n)
	}
	return s
}

// padLeft right-aligns s in w cells.
func padLeft(s string, w int) string {
	s = truncate(s, w)
	if n := w - ansi.StringWidth(s); n > 0 {
		s = strings.Repeat(" ", n) + s
	}
	return s
}

// spread puts left and right on one line of w cells, right-aligned; when
// both do not fit, the right part is dropped before the left is cut.
func spread(left, right string, w int) string {
	lw, rw := ansi.StringWidth(left), ansi.StringWidth(right)
	if lw+1+rw > w {
		return truncate(left, w)
	}
	return left + strings.Repeat(" ", w-lw-rw) + right
}

// fit makes s exactly h lines of at most w cells: long lines are cut, the
// tail is dropped, short output is padded with empty lines. Trailing spaces
// are trimmed so that golden files stay readable.
func fit(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		lines[i] = strings.TrimRight(truncate(l, w), " ")
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// columns joins blocks side by side, each padded to its width.
func columns(widths []int, blocks ...[]string) []string {
	n := 0
	for _, b := range blocks {
		n = max(n, len(b))
	}
	out := make([]string, n)
	for i := range n {
		var sb strings.Builder
		for j, b := range blocks {
			cell := ""
			if i < len(b) {
				cell = b[i]
			}
			if j < len(blocks)-1 {
				cell = pad(cell, widths[j])
			} else {
				cell = truncate(cell, widths[j])
			}
			sb.WriteString(cell)
		}
		out[i] = sb.String()
	}
	return out
}

// wrap breaks text into lines of at most w cells at spaces.
func wrap(text string, w int) []string {
	if w < 1 {
		return nil
	}
	var out []string
	for _, para := range strings.Split(text, "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			switch {
			case line == "":
				line = word
			case ansi.StringWidth(line)+1+ansi.StringWidth(word) <= w:
				line += " " + word
			default:
				out = append(out, truncate(line, w))
				line = word
			}
		}
		out = append(out, truncate(line, w))
	}
	return out
}

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
