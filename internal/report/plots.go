package report

import (
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// SVG charts of the run's curves (gonum.org/v1/plot), written next to a
// Markdown report that links them.

// ApproachColors are the approaches' colours on every chart, by their
// position in the plan (the TUI uses the same hues, lighter on a dark
// terminal).
var ApproachColors = []color.RGBA{
	{0x5A, 0x3F, 0xD6, 0xff}, // accent violet
	{0x02, 0x7A, 0x48, 0xff}, // green
	{0xC6, 0x28, 0x28, 0xff}, // red
	{0xA1, 0x5C, 0x00, 0xff}, // amber
	{0x1F, 0x6F, 0xB5, 0xff}, // blue
	{0x6B, 0x6B, 0x6B, 0xff}, // grey
}

// Plot is one SVG chart written: its file and what it shows.
type Plot struct {
	Path, Title string
}

// plotSize is every chart's size.
const plotW, plotH = 7 * vg.Inch, 4.5 * vg.Inch

// WritePlots writes the run's charts into dir as SVG, named after the
// results file: latency always, cost when the run has billing.
func WritePlots(dir string, r *Results) ([]Plot, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	c := BuildCurves(r)
	stem := strings.TrimSuffix(FileName(r.CreatedAt, r.ID), ".json")
	var out []Plot
	if r.Billing != nil {
		p, err := costPlot(c)
		if err != nil {
			return nil, err
		}
		path := filepath.Join(dir, stem+"-cost.svg")
		if err := p.Save(plotW, plotH, path); err != nil {
			return nil, fmt.Errorf("plots: %w", err)
		}
		out = append(out, Plot{path, "Cost per million ops against upstream duration"})
	}
	p, err := latencyPlot(c)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, stem+"-latency.svg")
	if err := p.Save(plotW, plotH, path); err != nil {
		return nil, fmt.Errorf("plots: %w", err)
	}
	return append(out, Plot{path, "Median latency (p95 whiskers) against upstream duration"}), nil
}

// WritePlotsSection writes the Markdown section that links the charts;
// link turns a chart's path into the link's target.
func WritePlotsSection(w io.Writer, r *Results, plots []Plot, link func(string) string) error {
	c := BuildCurves(r)
	var b strings.Builder
	b.WriteString("\n## Charts\n\n")
	for _, p := range plots {
		fmt.Fprintf(&b, "![%s](%s)\n\n", p.Title, link(p.Path))
		fmt.Fprintf(&b, "*%s — %s.*\n\n", p.Title, c.Caption())
		if strings.HasSuffix(p.Path, "-cost.svg") {
			if len(c.Missing) > 0 {
				b.WriteString("Not on the chart (billing not usable):\n\n")
				for _, m := range c.Missing {
					fmt.Fprintf(&b, "- %s\n", m)
				}
				b.WriteString("\n")
			}
			if hasExtrapolated(c) {
				b.WriteString("Dashed: extrapolated beyond the measured durations (least-squares slope) to a break-even outside them.\n\n")
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func hasExtrapolated(c Curves) bool {
	for _, cv := range c.Cost {
		if len(cv.Extrapolated) > 0 {
			return true
		}
	}
	return false
}

func newPlot(c Curves, title, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title + "\n" + c.Caption()
	p.X.Label.Text = "upstream duration (ms)"
	if c.LogX {
		p.X.Label.Text += ", log scale"
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	p.Y.Label.Text = ylabel
	p.Y.Min, p.Y.Max = 0, 1 // data widen both ranges; an empty chart still has axes
	if n := len(c.Durations); n > 0 {
		p.X.Min, p.X.Max = c.Durations[0], c.Durations[n-1]
	}
	p.Legend.Top = true
	p.Legend.Left = true
	p.Add(plotter.NewGrid())
	return p
}

// approachLine is the i-th approach's line and points, in its colour.
func approachLine(i int, points []CurvePoint) (*plotter.Line, *plotter.Scatter, error) {
	l, pts, err := plotter.NewLinePoints(xys(points))
	if err != nil {
		return nil, nil, err
	}
	l.Color, pts.Color = colorOf(i), colorOf(i)
	l.Width = vg.Points(1.5)
	pts.Shape = draw.CircleGlyph{}
	return l, pts, nil
}

func xys(pts []CurvePoint) plotter.XYs {
	out := make(plotter.XYs, len(pts))
	for i, p := range pts {
		out[i] = plotter.XY{X: p.DurationMs, Y: p.Y}
	}
	return out
}

func colorOf(i int) color.RGBA { return ApproachColors[i%len(ApproachColors)] }

var dashes = []vg.Length{vg.Points(5), vg.Points(3)}

func costPlot(c Curves) (*plot.Plot, error) {
	// The price table's date is in the caption.
	p := newPlot(c, "Cost per million ops", "USD per million ops (list prices)")
	extrapolated := false
	for i, cv := range c.Cost {
		if len(cv.Points) == 0 {
			continue
		}
		l, pts, err := approachLine(i, cv.Points)
		if err != nil {
			return nil, err
		}
		p.Add(l, pts)
		p.Legend.Add(cv.Approach, l, pts)
		for k := 0; k+1 < len(cv.Extrapolated); k += 2 {
			e, err := plotter.NewLine(xys(subdivide(cv.Extrapolated[k], cv.Extrapolated[k+1])))
			if err != nil {
				return nil, err
			}
			e.Color, e.Width, e.Dashes = colorOf(i), vg.Points(1.2), dashes
			p.Add(e)
			extrapolated = true
		}
	}
	if extrapolated {
		e, _ := plotter.NewLine(plotter.XYs{{X: 1, Y: 0}})
		e.Color, e.Dashes = color.Gray{0x60}, dashes
		p.Legend.Add("extrapolated", e)
	}
	top := maxY(c.Cost)
	p.Y.Max = top * 1.3 // room for the legend
	for _, be := range c.BreakEvens {
		x := be.DurationMs
		line, err := plotter.NewLine(plotter.XYs{{X: x, Y: 0}, {X: x, Y: top * 1.1}})
		if err != nil {
			return nil, err
		}
		line.Color, line.Dashes = color.Gray{0x40}, []vg.Length{vg.Points(2), vg.Points(2)}
		mark, err := plotter.NewScatter(plotter.XYs{{X: x, Y: be.Cost}})
		if err != nil {
			return nil, err
		}
		mark.Shape, mark.Radius, mark.Color = draw.PyramidGlyph{}, vg.Points(4), color.Black
		lbl, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: x, Y: top * 1.1}}, Labels: []string{"break-even: " + be.Label + " "}})
		if err != nil {
			return nil, err
		}
		lbl.TextStyle[0].XAlign = text.XRight
		p.Add(line, mark, lbl)
	}
	return p, nil
}

// subdivide samples the straight (in linear duration) segment a–b, so that
// it keeps its shape on a log axis.
func subdivide(a, b CurvePoint) []CurvePoint {
	const n = 24
	out := make([]CurvePoint, 0, n+1)
	for i := 0; i <= n; i++ {
		f := float64(i) / n
		out = append(out, CurvePoint{DurationMs: a.DurationMs + f*(b.DurationMs-a.DurationMs), Y: a.Y + f*(b.Y-a.Y)})
	}
	return out
}

func maxY(cs []Curve) float64 {
	m := 0.0
	for _, cv := range cs {
		for _, p := range append(append([]CurvePoint(nil), cv.Points...), cv.Extrapolated...) {
			m = max(m, p.Y, p.Hi)
		}
	}
	if m == 0 {
		m = 1
	}
	return m
}

// whiskers are a latency curve's p95s above its medians.
type whiskers []CurvePoint

func (w whiskers) Len() int                    { return len(w) }
func (w whiskers) XY(i int) (float64, float64) { return w[i].DurationMs, w[i].Y }
func (w whiskers) YError(i int) (float64, float64) {
	return 0, max(0, w[i].Hi-w[i].Y)
}

func latencyPlot(c Curves) (*plot.Plot, error) {
	p := newPlot(c, "Median latency per op (whiskers: p95)", "latency per op (ms)")
	for i, cv := range c.Latency {
		if len(cv.Points) == 0 {
			continue
		}
		l, pts, err := approachLine(i, cv.Points)
		if err != nil {
			return nil, err
		}
		p.Y.Max = max(p.Y.Max, maxY(c.Latency)*1.3)
		eb, err := plotter.NewYErrorBars(whiskers(cv.Points))
		if err != nil {
			return nil, err
		}
		eb.Color = colorOf(i)
		p.Add(l, pts, eb)
		p.Legend.Add(cv.Approach, l, pts)
	}
	return p, nil
}
