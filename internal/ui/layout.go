package ui

import (
	"strings"
	"unicode"

	"github.com/charmbracelet/x/ansi"
)

// Every breakpoint of the console, in one place. Widths and heights are
// terminal cells (the heights below minHeight's count a screen's rows above
// the footer); screens ask these names, never a number of their own.
const (
	// minWidth × minHeight is the smallest terminal the screens are laid
	// out for; below it the console asks for a bigger window.
	minWidth  = 60
	minHeight = 20
	// Below compactHeight rows the screens drop their spacer lines and the
	// results drop the run's info line.
	compactHeight = 26
	// From tallHeight rows the setup screen shows every approach's
	// description under its row.
	tallHeight = 34
	// From roomyHeight rows the verdict strip gives the break-even within
	// the monthly allowances lines of its own; below, one terse line.
	roomyHeight = 28
	// The verdict strip takes at most 1/stripShare of the screen's rows.
	stripShare = 3
	// From alignedStripWidth columns the strip's duration labels line up
	// under "break-even".
	alignedStripWidth = 72
	// Below shortHeadersWidth columns tables use their short headers.
	shortHeadersWidth = 100
	// Tables leave colGap cells between columns.
	colGap = 2
	// The quit dialog is at most dialogWidth cells wide.
	dialogWidth = 56
)

// Small text helpers shared by the screens. Widths are display cells
// (ansi-aware), so styled strings and box-drawing characters measure right.

// width is s's width in cells.
func width(s string) int { return ansi.StringWidth(s) }

// truncate cuts s to w cells, marking the cut with "…" (for table cells and
// one-line labels, never for prose: prose wraps).
func truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if width(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// pad right-pads s with spaces to w cells (truncating when longer).
func pad(s string, w int) string {
	s = truncate(s, w)
	if n := w - width(s); n > 0 {
		s += strings.Repeat(" ", n)
	}
	return s
}

// padLeft right-aligns s in w cells.
func padLeft(s string, w int) string {
	s = truncate(s, w)
	if n := w - width(s); n > 0 {
		s = strings.Repeat(" ", n) + s
	}
	return s
}

// spread puts left and right on one line of w cells, right-aligned; when
// both do not fit, the right part is dropped before the left is cut.
func spread(left, right string, w int) string {
	lw, rw := width(left), width(right)
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

const (
	nbsp     = '\u00a0'
	nbHyphen = "\u2011"
)

// wrap breaks text into lines of at most w cells at spaces; a word longer
// than a line is broken, never cut short.
func wrap(text string, w int) []string { return hang(text, w, "", "") }

// hang wraps text into lines of at most w cells: the first line starts
// with first, the others with rest (a hanging indent when rest is blank).
// Newlines in text start new paragraphs with the same indent as rest.
// Lines break at spaces only — never inside a flag (--billing) or a file
// name at its hyphens — and a no-break space (nbsp) glues two words (it
// shows as a space).
func hang(text string, w int, first, rest string) []string {
	room := w - max(width(first), width(rest))
	if room < 1 {
		room = 1
	}
	var out []string
	for _, para := range strings.Split(text, "\n") {
		para = strings.Join(strings.FieldsFunc(para, func(r rune) bool { return unicode.IsSpace(r) && r != nbsp }), " ")
		// ansi.Wrap always breaks after a hyphen: it wraps a no-break
		// hyphen, of the same width, in its place.
		para = strings.ReplaceAll(para, "-", nbHyphen)
		wrapped := strings.NewReplacer(nbHyphen, "-", string(nbsp), " ").Replace(ansi.Wrap(para, room, ""))
		lines := strings.Split(wrapped, "\n")
		for _, l := range lines {
			prefix := rest
			if len(out) == 0 {
				prefix = first
			}
			out = append(out, strings.TrimRight(prefix+strings.TrimLeft(l, " "), " "))
		}
	}
	return out
}

// flow lays items out on lines of at most w cells, separated by sep: the
// first line starts with label, the others with as many spaces; an item is
// only broken (with the same indent) when it is wider than a whole line.
func flow(label string, items []string, sep string, w int) []string {
	indent := strings.Repeat(" ", width(label))
	var out []string
	line := label
	empty := true
	for _, it := range items {
		switch {
		case empty:
			line += it
		case width(line)+width(sep)+width(it) <= w:
			line += sep + it
		default:
			out = append(out, line)
			line = indent + it
		}
		empty = false
		if width(line) > w {
			// Only the item's own line is too long: wrap it in place.
			head := line[:len(line)-len(it)]
			wrapped := hang(it, w, head, indent)
			out = append(out, wrapped[:len(wrapped)-1]...)
			line = wrapped[len(wrapped)-1]
		}
	}
	return append(out, line)
}

// overlay draws box (lines) over body (lines) centred, keeping what is to
// the left and right of the box on each line it covers.
func overlay(body []string, box []string, w int) []string {
	bw := 0
	for _, l := range box {
		bw = max(bw, width(l))
	}
	top := max(0, (len(body)-len(box))/2)
	left := max(0, (w-bw)/2)
	out := append([]string(nil), body...)
	for i, l := range box {
		y := top + i
		if y >= len(out) {
			break
		}
		base := pad(out[y], w)
		out[y] = ansi.Truncate(base, left, "") + pad(l, bw) + ansi.TruncateLeft(base, left+bw, "")
	}
	return out
}

// joinLines is strings.Join(lines, "\n").
func joinLines(lines []string) string { return strings.Join(lines, "\n") }

// splitLines is strings.Split(s, "\n").
func splitLines(s string) []string { return strings.Split(s, "\n") }
