package report

import (
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
)

// Threshold is one CI gate, parsed from an expression such as
// "simple.p95<1.2s", "current.median@1s<=1.05s", "simple.ratio@500ms<1.1",
// "simple.errors<1" or "savings(simple,1s)>50%".
type Threshold struct {
	Expr       string  `json:"expr"`
	Func       string  `json:"func,omitempty"` // "" for approach.metric, else "savings" or "breakeven"
	Approach   string  `json:"approach"`
	Metric     string  `json:"metric,omitempty"` // mean median p90 p95 p99 min max errors ratio
	DurationMs int     `json:"durationMs"`       // -1: every measured duration
	Op         string  `json:"op"`
	Value      float64 `json:"value"` // ms for times, a fraction for %, a plain number otherwise
	Percent    bool    `json:"percent,omitempty"`
}

// ThresholdResult is a gate's outcome, with what was measured.
type ThresholdResult struct {
	Threshold
	OK     bool   `json:"ok"`
	Actual string `json:"actual"`
	Detail string `json:"detail,omitempty"`
}

// ApplyThresholds evaluates the gates on r and keeps their outcome in it
// (rendered by the text and Markdown reports, kept in the JSON); it reports
// whether every gate passed. No gates: true, and r is unchanged.
func ApplyThresholds(r *Results, ts []Threshold) bool {
	if len(ts) == 0 {
		return true
	}
	var costs CostLookup
	if r.Billing != nil {
		costs = r.Billing
	}
	r.Thresholds = EvaluateThresholds(r, ts, costs)
	for _, t := range r.Thresholds {
		if !t.OK {
			return false
		}
	}
	return true
}

// thresholdsSection is the ✓/✗ block of a text report.
func thresholdsSection(r *Results) string {
	if len(r.Thresholds) == 0 {
		return ""
	}
	var b strings.Builder
	WriteThresholds(&b, r.Thresholds)
	return b.String()
}

var (
	metricExpr = regexp.MustCompile(`^([A-Za-z0-9_-]+)\.([a-z0-9]+)(?:@([0-9.]+[a-z]*))?\s*(<=|>=|<|>)\s*([0-9.]+)\s*(ms|s|%)?$`)
	funcExpr   = regexp.MustCompile(`^(savings|breakeven)\(\s*([A-Za-z0-9_-]+)\s*(?:,\s*([0-9.]+[a-z]*)\s*)?\)\s*(<=|>=|<|>)\s*(-?[0-9.]+)\s*(ms|s|%)?$`)
	metrics    = map[string]bool{"mean": true, "median": true, "p90": true, "p95": true, "p99": true, "min": true, "max": true, "errors": true, "ratio": true}
)

// ParseThreshold reads one expression; errors say what form is expected.
func ParseThreshold(expr string) (Threshold, error) {
	e := strings.TrimSpace(expr)
	t := Threshold{Expr: e, DurationMs: -1}
	parseDur := func(s string) (int, error) {
		ds, err := experiment.ParseDurations(s)
		if err != nil || len(ds) != 1 {
			return 0, fmt.Errorf("threshold %q: bad duration %q", expr, s)
		}
		return int(ds[0] / time.Millisecond), nil
	}
	parseVal := func(num, unit string) error {
		v, err := strconv.ParseFloat(num, 64)
		if err != nil {
			return fmt.Errorf("threshold %q: bad number %q", expr, num)
		}
		switch unit {
		case "s":
			v *= 1000
		case "%":
			v /= 100
			t.Percent = true
		}
		t.Value = v
		return nil
	}
	if m := metricExpr.FindStringSubmatch(e); m != nil {
		t.Approach, t.Metric, t.Op = m[1], m[2], m[4]
		if !metrics[t.Metric] {
			return t, fmt.Errorf("threshold %q: unknown metric %q (want mean, median, p90, p95, p99, min, max, errors or ratio)", expr, t.Metric)
		}
		if m[3] != "" {
			d, err := parseDur(m[3])
			if err != nil {
				return t, err
			}
			t.DurationMs = d
		}
		return t, parseVal(m[5], m[6])
	}
	if m := funcExpr.FindStringSubmatch(e); m != nil {
		t.Func, t.Approach, t.Op = m[1], m[2], m[4]
		if m[3] != "" {
			d, err := parseDur(m[3])
			if err != nil {
				return t, err
			}
			t.DurationMs = d
		}
		if t.Func == "savings" && m[6] != "%" {
			return t, fmt.Errorf("threshold %q: savings are a percentage, e.g. savings(simple,1s)>50%%", expr)
		}
		return t, parseVal(m[5], m[6])
	}
	return t, fmt.Errorf("threshold %q: want APPROACH.METRIC[@DURATION]<OP>VALUE (e.g. simple.p95<1.2s) or savings(APPROACH,DURATION)>N%%", expr)
}

// CostLookup gives billing figures to the threshold evaluator: savings as a
// fraction vs the reference at a duration, and the break-even duration.
type CostLookup interface {
	Savings(approach string, durationMs int) (float64, bool)
	BreakEvenMs(approach string) (float64, bool)
}

// EvaluateThresholds checks every gate against the run. A gate on a cell
// with no samples fails: a CI gate must not pass on missing data.
func EvaluateThresholds(r *Results, ts []Threshold, costs CostLookup) []ThresholdResult {
	an := Analyze(r)
	var out []ThresholdResult
	for _, t := range ts {
		res := ThresholdResult{Threshold: t}
		durations := r.Plan.DurationsMs
		if t.DurationMs >= 0 {
			durations = []int{t.DurationMs}
		}
		switch t.Func {
		case "":
			res.OK = true
			var actuals []string
			for _, d := range durations {
				c, ok := an.Cell(t.Approach, d)
				if !ok || (c.Summary.N == 0 && t.Metric != "errors") {
					res.OK = false
					actuals = append(actuals, fmt.Sprintf("%s: no samples", experiment.FormatDuration(d)))
					continue
				}
				v := metricValue(c, t.Metric)
				pass := compare(v, t.Op, t.Value)
				res.OK = res.OK && pass
				mark := ""
				if !pass {
					mark = " ✗"
				}
				actuals = append(actuals, fmt.Sprintf("%s: %s%s", experiment.FormatDuration(d), formatMetric(t.Metric, v), mark))
			}
			res.Actual = strings.Join(actuals, ", ")
		case "savings":
			res.OK = true
			var actuals []string
			for _, d := range durations {
				v, ok := lookupSavings(costs, t.Approach, d)
				if !ok {
					res.OK = false
					actuals = append(actuals, fmt.Sprintf("%s: no billing data", experiment.FormatDuration(d)))
					continue
				}
				pass := compare(v, t.Op, t.Value)
				res.OK = res.OK && pass
				actuals = append(actuals, fmt.Sprintf("%s: %.1f%%", experiment.FormatDuration(d), v*100))
			}
			res.Actual = strings.Join(actuals, ", ")
		case "breakeven":
			if costs == nil {
				res.Actual = "no billing data"
				break
			}
			v, ok := costs.BreakEvenMs(t.Approach)
			if !ok {
				res.Actual = "no break-even in the measured range"
				break
			}
			res.OK = compare(v, t.Op, t.Value)
			res.Actual = FormatMs(v)
		}
		out = append(out, res)
	}
	return out
}

func lookupSavings(c CostLookup, a string, d int) (float64, bool) {
	if c == nil {
		return 0, false
	}
	return c.Savings(a, d)
}

func metricValue(c CellStats, m string) float64 {
	s := c.Summary
	switch m {
	case "mean":
		return s.Mean
	case "median":
		return s.Median
	case "p90":
		return s.P90
	case "p95":
		return s.P95
	case "p99":
		return s.P99
	case "min":
		return s.Min
	case "max":
		return s.Max
	case "errors":
		return float64(c.Errors)
	case "ratio":
		return c.Ratio
	}
	return 0
}

func formatMetric(m string, v float64) string {
	switch m {
	case "errors":
		return strconv.Itoa(int(v))
	case "ratio":
		return fmt.Sprintf("%.3f", v)
	}
	return FormatMs(v)
}

func compare(v float64, op string, limit float64) bool {
	switch op {
	case "<":
		return v < limit
	case "<=":
		return v <= limit
	case ">":
		return v > limit
	case ">=":
		return v >= limit
	}
	return false
}

// WriteThresholds prints the ✓/✗ block and reports whether all passed.
func WriteThresholds(w io.Writer, rs []ThresholdResult) bool {
	all := true
	fmt.Fprintln(w, "thresholds:")
	for _, r := range rs {
		mark := "✓"
		if !r.OK {
			mark, all = "✗", false
		}
		fmt.Fprintf(w, "  %s %s  (%s)\n", mark, r.Expr, r.Actual)
	}
	return all
}

// CheckThresholds refuses, before a run starts, gates that could never be
// evaluated: an approach or a duration the plan does not have.
func CheckThresholds(ts []Threshold, plan experiment.Plan) error {
	for _, t := range ts {
		if !slices.Contains(plan.Approaches, t.Approach) {
			return fmt.Errorf("threshold %q names %q, which is not in the plan (approaches: %s)", t.Expr, t.Approach, strings.Join(plan.Approaches, ", "))
		}
		if t.DurationMs >= 0 && !slices.Contains(plan.DurationsMs(), t.DurationMs) {
			var ds []string
			for _, d := range plan.DurationsMs() {
				ds = append(ds, experiment.FormatDuration(d))
			}
			return fmt.Errorf("threshold %q names %s, which is not in the plan (durations: %s)", t.Expr, experiment.FormatDuration(t.DurationMs), strings.Join(ds, ", "))
		}
	}
	return nil
}
