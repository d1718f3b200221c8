package ui

import (
	"fmt"
	"math"
	"strings"

	"github.com/NimbleMarkets/ntcharts/canvas"
	"github.com/NimbleMarkets/ntcharts/canvas/graph"
	"github.com/NimbleMarkets/ntcharts/linechart"
	"github.com/charmbracelet/lipgloss"

	"github.com/pfx-tui/pfx-tui/internal/report"
)

// The Charts tab: cost per million ops and median latency against the
// upstream duration, one line per approach (ntcharts line charts), from
// report.BuildCurves, the curves the SVG charts draw. With colour the
// lines are braille in each approach's colour; without, each approach
// draws with its own character, so no line relies on colour alone.

// approachRunes mark each approach's line when colour is off, by its
// position in the plan.
var approachRunes = []rune{'•', '+', 'x', 'o', '#', '%'}

// Chart marks.
const (
	runeExtrapolated = '·'
	runeBreakEven    = '┊'
	runeBreakPoint   = '▲'
	runeWhisker      = '╎'
)

// approachStyle is approach i's colour (by its place in the plan), the
// SVG charts' hue, on the charts' lines and the tables' approach names.
func (m resultsModel) approachStyle(i int) lipgloss.Style {
	c := report.ApproachColors[i%len(report.ApproachColors)]
	light := fmt.Sprintf("#%02X%02X%02X", c.R, c.G, c.B)
	return m.c.st.r.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: light, Dark: approachDark[i%len(approachDark)]})
}

// approachDark are ApproachColors lightened for a dark terminal.
var approachDark = []string{"#9D8CFF", "#3DDC97", "#FF6B81", "#FFB547", "#6CB6FF", "#A0A0A0"}

// approachName is approach a in its colour, for the tables and the
// legends; plain without colour.
func (m resultsModel) approachName(a string) string {
	for i, x := range m.r.Plan.Approaches {
		if x == a {
			return m.approachStyle(i).Render(a)
		}
	}
	return a
}

// approachMark is how approach i's line looks in the legend.
func (m resultsModel) approachMark(i int) string {
	if m.c.st.noColor {
		return string(approachRunes[i%len(approachRunes)])
	}
	return m.approachStyle(i).Render("━━")
}

// extrapolatedMark is how an extrapolated segment looks in the legend.
func (m resultsModel) extrapolatedMark() string {
	if m.c.st.noColor {
		return strings.Repeat(string(runeExtrapolated), 3)
	}
	return "⠒ ⠒"
}

// chartsTab lays out the cost chart (when the run has billing) and the
// latency chart; both fit the screen from 120×40, else the cost chart
// fills the view and latency is below it.
func (m resultsModel) chartsTab(w int) []string {
	st := m.c.st
	c := report.BuildCurves(m.r)
	ch := m.contentHeight()
	var out []string
	emulated := ""
	if c.Emulated {
		emulated = " " + st.Emulated.Render("EMULATED")
	}
	hasCost := m.r.Billing != nil && len(m.r.Billing.Costs) > 0
	costExtra := 2 + len(c.BreakEvens) + min(len(c.Missing), 1)
	latExtra := 2
	h := max(6, ch-costExtra)
	if !hasCost {
		h = max(6, ch-latExtra)
	} else if ch >= 2*(10+costExtra) {
		h = (ch - costExtra - latExtra - 1) / 2
	}
	h = min(h, 24)
	xs := chartXAxis(c, true)
	if hasCost {
		title := st.Section.Render("Cost, $/M ops") + st.Subtle.Render(" · list prices of "+c.PriceDate+" · by upstream duration"+xs.scaleNote()) + emulated
		out = append(out, hang(title, w, "", "  ")...)
		if costed(c) {
			out = append(out, m.costChart(c, xs, w, h)...)
			out = append(out, hang(m.legend(c, true), w, "", "  ")...)
		} else {
			out = append(out, hang(st.Warn.Render("No cell has usable billing: nothing to draw."), w, "", "  ")...)
		}
		for _, be := range c.BreakEvens {
			out = append(out, hang(string(runeBreakPoint)+" break-even: "+be.Label, w, "", "  ")...)
		}
		if len(c.Missing) > 0 {
			out = append(out, hang(st.Warn.Render("not on the chart (billing not usable): "+strings.Join(c.Missing, "; ")), w, "", "  ")...)
		}
		out = append(out, "")
	} else {
		out = append(out, hang(st.Subtle.Render("No cost chart: billing was not collected for this run."), w, "", "  ")...)
	}
	title := st.Section.Render("Median latency per op") + st.Subtle.Render(fmt.Sprintf(" · %c up to p95 · by upstream duration%s", runeWhisker, xs.scaleNote())) + emulated
	out = append(out, hang(title, w, "", "  ")...)
	out = append(out, m.latencyChart(c, chartXAxis(c, false), w, h)...)
	out = append(out, hang(m.legend(c, false), w, "", "  ")...)
	return out
}

// costed: some cell is on the cost chart.
func costed(c report.Curves) bool {
	for _, cv := range c.Cost {
		if len(cv.Points) > 0 {
			return true
		}
	}
	return false
}

// legend names the approaches with their marks, then the chart's marks.
func (m resultsModel) legend(c report.Curves, cost bool) string {
	st := m.c.st
	var parts []string
	for i, a := range m.r.Plan.Approaches {
		parts = append(parts, m.approachMark(i)+" "+m.approachName(a))
	}
	if cost {
		if len(c.BreakEvens) > 0 {
			parts = append(parts, st.Subtle.Render(string(runeBreakEven)+string(runeBreakPoint)+" break-even"))
		}
		for _, cv := range c.Cost {
			if len(cv.Extrapolated) > 0 {
				parts = append(parts, st.Subtle.Render(m.extrapolatedMark()+" extrapolated"))
				break
			}
		}
	}
	return strings.Join(parts, "  ")
}

// xAxis maps durations to the chart's x: log10 on a log scale.
type xAxis struct {
	log      bool
	min, max float64 // in chart units
}

func (a xAxis) at(ms float64) float64 {
	if a.log {
		return math.Log10(math.Max(ms, 1))
	}
	return ms
}

func (a xAxis) ms(x float64) float64 {
	if a.log {
		return math.Pow(10, x)
	}
	return x
}

func (a xAxis) scaleNote() string {
	if a.log {
		return " (log scale)"
	}
	return ""
}

// chartXAxis spans the durations, and with breakEvens any break-even
// beyond them.
func chartXAxis(c report.Curves, breakEvens bool) xAxis {
	a := xAxis{log: c.LogX}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, d := range c.Durations {
		lo, hi = math.Min(lo, d), math.Max(hi, d)
	}
	for _, be := range c.BreakEvens {
		if breakEvens {
			lo, hi = math.Min(lo, be.DurationMs), math.Max(hi, be.DurationMs)
		}
	}
	if math.IsInf(lo, 0) {
		lo, hi = 0, 1
	}
	a.min, a.max = a.at(lo), a.at(hi)
	if a.max <= a.min {
		a.max = a.min + 1
	}
	return a
}

// newChart is an ntcharts line chart of w×h cells with duration labels
// under the x axis.
func (m resultsModel) newChart(xs xAxis, w, h int, maxY float64, yLabel func(float64) string) linechart.Model {
	st := m.c.st
	xLabel := func(_ int, v float64) string { return axisMs(xs.ms(v)) }
	ch := linechart.New(w, h, xs.min, xs.max, 0, maxY,
		linechart.WithXYSteps(max(8, w/8), max(2, h/4)),
		linechart.WithXLabelFormatter(xLabel),
		linechart.WithYLabelFormatter(func(_ int, v float64) string { return yLabel(v) }),
		linechart.WithStyles(st.Rule, st.Subtle, st.r.NewStyle()))
	ch.DrawXYAxisAndLabel()
	return ch
}

// drawCurve draws one approach's measured line and its extrapolated
// segments: braille, dashed, with colour; without, the approach's
// character, and dots.
func (m resultsModel) drawCurve(ch *linechart.Model, xs xAxis, i int, cv report.Curve) {
	s := m.approachStyle(i)
	plain := m.c.st.noColor
	mark := approachRunes[i%len(approachRunes)]
	pt := func(p report.CurvePoint) canvas.Float64Point {
		return canvas.Float64Point{X: xs.at(p.DurationMs), Y: p.Y}
	}
	for k := 0; k+1 < len(cv.Extrapolated); k += 2 {
		a, b := cv.Extrapolated[k], cv.Extrapolated[k+1]
		const n = 16 // straight in linear duration, also on a log axis
		for j := 0; j < n; j++ {
			p0, p1 := pt(lerp(a, b, float64(j)/n)), pt(lerp(a, b, float64(j+1)/n))
			switch {
			case plain:
				ch.DrawRuneLineWithStyle(p0, p1, runeExtrapolated, s)
			case j%2 == 0:
				ch.DrawBrailleLineWithStyle(p0, p1, s)
			}
		}
	}
	for k := 0; k+1 < len(cv.Points); k++ {
		if plain {
			ch.DrawRuneLineWithStyle(pt(cv.Points[k]), pt(cv.Points[k+1]), mark, s)
		} else {
			ch.DrawBrailleLineWithStyle(pt(cv.Points[k]), pt(cv.Points[k+1]), s)
		}
	}
	if len(cv.Points) == 1 {
		ch.DrawRuneWithStyle(pt(cv.Points[0]), mark, s)
	}
}

// axisMs is a short duration for an axis label: 250ms, 1.9s, 12s.
func axisMs(ms float64) string {
	switch {
	case ms < 1000:
		return fmt.Sprintf("%.0fms", math.Round(ms))
	case ms < 10000:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", ms/1000), ".0") + "s"
	}
	return fmt.Sprintf("%.0fs", ms/1000)
}

func lerp(a, b report.CurvePoint, f float64) report.CurvePoint {
	return report.CurvePoint{DurationMs: a.DurationMs + f*(b.DurationMs-a.DurationMs), Y: a.Y + f*(b.Y-a.Y)}
}

// cellAt is the canvas cell a data point falls in, as ntcharts places
// runes, or with braille as it places braille dots (a finer grid whose
// cells can differ by one).
func cellAt(ch *linechart.Model, f canvas.Float64Point, braille bool) canvas.Point {
	if braille {
		g := graph.NewBrailleGrid(ch.GraphWidth(), ch.GraphHeight(), ch.MinX(), ch.MaxX(), ch.MinY(), ch.MaxY()).GridPoint(f)
		return canvas.Point{X: ch.Origin().X + 1 + g.X/2, Y: g.Y / 4}
	}
	p := canvas.CanvasPointFromFloat64Point(ch.Origin(), ch.ScaleFloat64Point(f))
	p.X++
	p.Y--
	return p
}

// setRune puts r at p, over anything but the axes.
func setRune(ch *linechart.Model, p canvas.Point, r rune, s lipgloss.Style) {
	if p.X > ch.Origin().X && p.Y < ch.Origin().Y {
		ch.Canvas.SetCell(p, canvas.NewCellWithStyle(r, s))
	}
}

func (m resultsModel) costChart(c report.Curves, xs xAxis, w, h int) []string {
	top := 0.0
	for _, cv := range c.Cost {
		for _, p := range append(append([]report.CurvePoint(nil), cv.Points...), cv.Extrapolated...) {
			top = math.Max(top, p.Y)
		}
	}
	if top == 0 {
		top = 1
	}
	ch := m.newChart(xs, w, h, top*1.1, func(v float64) string { return fmt.Sprintf("$%.2f", v) })
	for i, cv := range c.Cost {
		m.drawCurve(&ch, xs, i, cv)
	}
	sub := m.c.st.Subtle
	braille := !m.c.st.noColor
	for _, be := range c.BreakEvens {
		at := cellAt(&ch, canvas.Float64Point{X: xs.at(be.DurationMs), Y: be.Cost}, braille)
		for y := 0; y < ch.Origin().Y; y++ {
			p := canvas.Point{X: at.X, Y: y}
			if ch.Canvas.Cell(p).Rune == 0 {
				ch.Canvas.SetCell(p, canvas.NewCellWithStyle(runeBreakEven, sub))
			}
		}
		setRune(&ch, at, runeBreakPoint, m.c.st.Title)
	}
	return strings.Split(ch.View(), "\n")
}

func (m resultsModel) latencyChart(c report.Curves, xs xAxis, w, h int) []string {
	top := 0.0
	for _, cv := range c.Latency {
		for _, p := range cv.Points {
			top = math.Max(top, math.Max(p.Y, p.Hi))
		}
	}
	if top == 0 {
		top = 1
	}
	ch := m.newChart(xs, w, h, top*1.1, axisMs)
	for i, cv := range c.Latency {
		m.drawCurve(&ch, xs, i, cv)
	}
	// Whiskers up to p95 where they rise above the median's cell.
	for i, cv := range c.Latency {
		for _, p := range cv.Points {
			lo := cellAt(&ch, canvas.Float64Point{X: xs.at(p.DurationMs), Y: p.Y}, !m.c.st.noColor)
			hi := cellAt(&ch, canvas.Float64Point{X: xs.at(p.DurationMs), Y: p.Hi}, !m.c.st.noColor)
			for y := hi.Y; y < lo.Y; y++ {
				q := canvas.Point{X: lo.X, Y: y}
				if ch.Canvas.Cell(q).Rune == 0 {
					ch.Canvas.SetCell(q, canvas.NewCellWithStyle(runeWhisker, m.approachStyle(i)))
				}
			}
		}
	}
	return strings.Split(ch.View(), "\n")
}
