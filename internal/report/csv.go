package report

import (
	"encoding/csv"
	"io"
	"strconv"
)

// WriteCSV writes one row per cell; with samples, one row per sample after
// them (kind = "sample"), so one file loads into a spreadsheet or pandas.
func WriteCSV(w io.Writer, r *Results, samples bool) error {
	an := Analyze(r)
	cw := csv.NewWriter(w)
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', 3, 64) }
	header := []string{"kind", "run", "emulated", "approach", "duration_ms", "n", "mean_ms", "stddev_ms", "median_ms", "p90_ms", "p95_ms", "p99_ms", "min_ms", "max_ms", "errors", "failed_batches", "outliers", "ratio", "ratio_sigma", "p_value", "batch", "op", "sample_ms", "ops_covered", "compare_level", "warning"}
	if err := cw.Write(header); err != nil {
		return err
	}
	em := strconv.FormatBool(r.Emulated)
	for _, c := range an.Cells {
		s := c.Summary
		row := []string{"cell", r.ID, em, c.Approach, strconv.Itoa(c.DurationMs), strconv.Itoa(s.N), f(s.Mean), f(s.StdDev), f(s.Median), f(s.P90), f(s.P95), f(s.P99), f(s.Min), f(s.Max),
			strconv.Itoa(c.Errors), strconv.Itoa(c.FailedBatches), strconv.Itoa(len(s.Outliers)), f(c.Ratio), f(c.RatioSigma), strconv.FormatFloat(c.P, 'g', 6, 64), "", "", "", "", c.CompareLevel, cellWarning(c)}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	if samples {
		for _, b := range r.Batches {
			if b.Warmup {
				continue
			}
			for _, s := range b.Samples {
				row := make([]string, len(header))
				row[0], row[1], row[2], row[3], row[4] = "sample", r.ID, em, b.Approach, strconv.Itoa(b.DurationMs)
				row[20], row[21], row[22], row[23] = b.ID, strconv.Itoa(s.Op), f(s.Ms), strconv.Itoa(s.Ops)
				if err := cw.Write(row); err != nil {
					return err
				}
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// cellWarning is what a reader of the cell row must know: no figures, or a
// median below the labelled delay.
func cellWarning(c CellStats) string {
	if st := c.Status(); st != "" {
		return st
	}
	return c.Warning
}
