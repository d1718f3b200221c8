package report

import (
	"fmt"
	"math"
	"sort"

	"github.com/pfx-tui/pfx-tui/internal/billing"
	"github.com/pfx-tui/pfx-tui/internal/experiment"
)

// Curves are what the charts draw, in the TUI and in the SVG files: cost
// per million ops and latency against the upstream duration, one line per
// approach. Only usable cells are on the cost chart; the others are listed
// in Missing. Front ends draw; they decide nothing about the figures.
type Curves struct {
	RunID     string
	Emulated  bool
	PriceDate string // the price table's date; empty without billing
	// Durations are the plan's durations (ms), ascending.
	Durations []float64
	// LogX: the durations span more than a decade, so the duration axis
	// is logarithmic.
	LogX bool
	// Cost is each approach's list-price total ($ per million ops) at its
	// usable cells, in plan order; nil without billing.
	Cost []Curve
	// Missing names the cells left off the cost chart and why.
	Missing []string
	// BreakEvens are the list-price break-evens that have a duration.
	BreakEvens []BreakMark
	// Latency is each approach's median (Y) and p95 (Hi), ms.
	Latency []Curve
}

// Curve is one approach's line.
type Curve struct {
	Approach string
	Points   []CurvePoint // measured, by duration
	// Extrapolated continues the line beyond the measured durations to a
	// break-even outside them: pairs of points, each a segment from the
	// nearest measured point; drawn dashed and labelled.
	Extrapolated []CurvePoint
}

// CurvePoint is one value at one duration; Hi is the p95 on latency curves.
type CurvePoint struct {
	DurationMs, Y, Hi float64
}

// BreakMark is a break-even to mark on the cost chart.
type BreakMark struct {
	Approach   string
	DurationMs float64
	Cost       float64 // $ per million ops there, on the approach's line

	Extrapolated bool // outside the measured durations
	Label        string
}

// text is "current ≈ 1.2s" (with "extrapolated" when it is).
func (b BreakMark) text() string {
	s := fmt.Sprintf("%s ≈ %s", b.Approach, billing.FormatMs(b.DurationMs))
	if b.Extrapolated {
		s += " (extrapolated)"
	}
	return s
}

// BuildCurves gathers the run's curves.
func BuildCurves(r *Results) Curves {
	c := Curves{RunID: r.ID, Emulated: r.Emulated}
	for _, d := range r.Plan.DurationsMs {
		c.Durations = append(c.Durations, float64(d))
	}
	sort.Float64s(c.Durations)
	if n := len(c.Durations); n > 1 && c.Durations[0] > 0 && c.Durations[n-1]/c.Durations[0] > 10 {
		c.LogX = true
	}
	an := Analyze(r)
	for _, a := range r.Plan.Approaches {
		lc := Curve{Approach: a}
		for _, d := range c.Durations {
			cs, ok := an.Cell(a, int(d))
			if !ok || cs.Summary.N == 0 {
				continue
			}
			lc.Points = append(lc.Points, CurvePoint{DurationMs: d, Y: cs.Summary.Median, Hi: cs.Summary.P95})
		}
		c.Latency = append(c.Latency, lc)
	}
	b := r.Billing
	if b == nil {
		return c
	}
	c.Emulated = c.Emulated || b.Emulated
	c.PriceDate = b.Prices.Date
	byApproach := map[string]*Curve{}
	for _, a := range r.Plan.Approaches {
		c.Cost = append(c.Cost, Curve{Approach: a})
	}
	for i := range c.Cost {
		byApproach[c.Cost[i].Approach] = &c.Cost[i]
	}
	for _, l := range CostLines(r) {
		cv := byApproach[l.Approach]
		if !l.Usable || cv == nil {
			c.Missing = append(c.Missing, fmt.Sprintf("%s %s: %s", experiment.FormatDuration(l.DurationMs), l.Approach, l.Reason))
			continue
		}
		cv.Points = append(cv.Points, CurvePoint{DurationMs: float64(l.DurationMs), Y: l.Margin.Total})
	}
	for i := range c.Cost {
		sort.Slice(c.Cost[i].Points, func(x, y int) bool { return c.Cost[i].Points[x].DurationMs < c.Cost[i].Points[y].DurationMs })
	}
	for _, be := range b.BreakEvens {
		if be.DurationMs <= 0 || !hasDuration(be.Kind) {
			continue
		}
		m := BreakMark{Approach: be.Approach, DurationMs: be.DurationMs, Extrapolated: !be.InRange}
		m.Label = m.text()
		if m.Extrapolated {
			for _, a := range []string{be.Approach, billing.ReferenceApproach} {
				if cv := byApproach[a]; cv != nil {
					extend(cv, be.DurationMs)
				}
			}
		}
		if cv := byApproach[be.Approach]; cv != nil {
			m.Cost = valueAt(*cv, be.DurationMs)
		}
		c.BreakEvens = append(c.BreakEvens, m)
	}
	return c
}

// valueAt is cv's value at d, interpolated between its points (measured
// and extrapolated).
func valueAt(cv Curve, d float64) float64 {
	pts := append(append([]CurvePoint(nil), cv.Points...), cv.Extrapolated...)
	sort.Slice(pts, func(i, j int) bool { return pts[i].DurationMs < pts[j].DurationMs })
	for i := 0; i+1 < len(pts); i++ {
		a, b := pts[i], pts[i+1]
		if d >= a.DurationMs && d <= b.DurationMs {
			if b.DurationMs == a.DurationMs {
				return a.Y
			}
			return a.Y + (b.Y-a.Y)*(d-a.DurationMs)/(b.DurationMs-a.DurationMs)
		}
	}
	if len(pts) > 0 {
		return pts[len(pts)-1].Y
	}
	return 0
}

func hasDuration(kind string) bool {
	return kind == billing.BreakEvenInRange || kind == billing.BreakEvenBelow || kind == billing.BreakEvenAbove
}

// extend continues cv from its nearest measured point to duration d along
// the least-squares slope of its measured totals (as the break-even is
// solved), never below zero.
func extend(cv *Curve, d float64) {
	n := len(cv.Points)
	if n < 2 {
		return
	}
	from := cv.Points[0]
	if d > cv.Points[n-1].DurationMs {
		from = cv.Points[n-1]
	} else if d >= from.DurationMs {
		return
	}
	for _, p := range cv.Extrapolated { // already reaches as far
		if (d > from.DurationMs && p.DurationMs >= d) || (d < from.DurationMs && p.DurationMs <= d) {
			return
		}
	}
	var mx, my float64
	for _, p := range cv.Points {
		mx += p.DurationMs
		my += p.Y
	}
	mx, my = mx/float64(n), my/float64(n)
	var num, den float64
	for _, p := range cv.Points {
		num += (p.DurationMs - mx) * (p.Y - my)
		den += (p.DurationMs - mx) * (p.DurationMs - mx)
	}
	slope := 0.0
	if den > 0 {
		slope = num / den
	}
	to := CurvePoint{DurationMs: d, Y: math.Max(0, from.Y+slope*(d-from.DurationMs))}
	if d < from.DurationMs {
		cv.Extrapolated = append([]CurvePoint{to, from}, cv.Extrapolated...)
	} else {
		cv.Extrapolated = append(cv.Extrapolated, from, to)
	}
}

// Caption is the charts' caption: run, price table, emulated.
func (c Curves) Caption() string {
	s := "run " + c.RunID
	if c.PriceDate != "" {
		s += " · list prices of " + c.PriceDate
	}
	if c.Emulated {
		s += " · EMULATED (local target, not Cloudflare)"
	}
	return s
}
