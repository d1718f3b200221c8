package ui

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/lipgloss/table"
)

// column is one column of a table: its header, a shorter one for narrow
// terminals, whether it holds numbers (right-aligned) and its priority: 0
// always shows; when a table is too wide the highest priority goes first
// (the rightmost of equals), so what matters most stays on screen.
type column struct {
	head, short string
	right       bool
	prio        int
	min         int // width to keep even when the cells are narrower
}

// grid is the layout of one or more tables that share their columns (the
// Latency tab's tables, one per duration, line up): which columns show,
// how wide, under which headers.
type grid struct {
	cols   []column
	show   []int // indices into cols
	widths []int // content width of each shown column
	short  bool  // short headers
}

// newGrid fits cols into w cells for every row of rowsets: full headers
// if everything fits, else short ones (always when short is set), then
// columns dropped by priority, then the widest columns narrowed (their
// cells end in "…") as a last resort.
func newGrid(cols []column, w int, short bool, rowsets ...[][]string) grid {
	content := make([]int, len(cols)) // the widest cell
	for _, rows := range rowsets {
		for _, row := range rows {
			for i := range cols {
				if i < len(row) {
					content[i] = max(content[i], width(row[i]))
				}
			}
		}
	}
	natural := make([]int, len(cols))
	for i, c := range cols {
		natural[i] = max(content[i], c.min)
	}
	colW := func(i int, short bool) int {
		h := cols[i].head
		if short && cols[i].short != "" {
			h = cols[i].short
		}
		return max(natural[i], width(h))
	}
	total := func(show []int, short bool) int {
		t := colGap * max(0, len(show)-1)
		for _, i := range show {
			t += colW(i, short)
		}
		return t
	}
	g := grid{cols: cols, short: short}
	for i := range cols {
		g.show = append(g.show, i)
	}
	if total(g.show, false) > w {
		g.short = true
	}
	for total(g.show, g.short) > w {
		drop := -1
		for k, i := range g.show {
			if cols[i].prio > 0 && (drop < 0 || cols[i].prio >= cols[g.show[drop]].prio) {
				drop = k
			}
		}
		if drop < 0 {
			break
		}
		g.show = append(g.show[:drop:drop], g.show[drop+1:]...)
	}
	if total(g.show, g.short) > w {
		copy(natural, content) // minimum widths are the first to give way
	}
	for _, i := range g.show {
		g.widths = append(g.widths, colW(i, g.short))
	}
	for colGap*max(0, len(g.show)-1)+sumInts(g.widths) > w {
		widest := -1
		for k, cw := range g.widths {
			if cw > 4 && (widest < 0 || cw > g.widths[widest]) {
				widest = k
			}
		}
		if widest < 0 {
			break
		}
		g.widths[widest]--
	}
	return g
}

func sumInts(xs []int) int {
	t := 0
	for _, x := range xs {
		t += x
	}
	return t
}

// render draws rows (cells in cols order) as a table: bold headers over a
// rule, no other borders, numbers right-aligned.
func (g grid) render(st *styles, rows [][]string) []string {
	headers := make([]string, len(g.show))
	for k, i := range g.show {
		headers[k] = g.cols[i].head
		if g.short && g.cols[i].short != "" {
			headers[k] = g.cols[i].short
		}
	}
	t := table.New().Border(lipgloss.NormalBorder()).BorderStyle(st.Rule).
		BorderTop(false).BorderBottom(false).BorderLeft(false).BorderRight(false).
		BorderColumn(false).BorderRow(false).BorderHeader(true).Wrap(false).
		Headers(headers...)
	for _, row := range rows {
		cells := make([]string, len(g.show))
		for k, i := range g.show {
			if i < len(row) {
				cells[k] = row[i]
			}
		}
		t.Row(cells...)
	}
	// The table's width is the columns' (with their gaps): lipgloss/table
	// would otherwise widen columns to a width of its own guessing.
	t.Width(sumInts(g.widths) + colGap*max(0, len(g.widths)-1))
	t.StyleFunc(func(row, col int) lipgloss.Style {
		s := st.r.NewStyle()
		cw := g.widths[col]
		if col > 0 {
			s = s.PaddingLeft(colGap)
			cw += colGap
		}
		s = s.Width(cw)
		if g.cols[g.show[col]].right {
			s = s.Align(lipgloss.Right)
		}
		if row == table.HeaderRow {
			return s.Inherit(st.Header)
		}
		return s
	})
	lines := strings.Split(t.Render(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return lines
}

// renderTable lays out and draws one table in w cells.
func renderTable(st *styles, cols []column, rows [][]string, w int, short bool) []string {
	return newGrid(cols, w, short, rows).render(st, rows)
}
