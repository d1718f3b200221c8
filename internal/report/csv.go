package report

import (
	"encoding/csv"
	"io"
	"strconv"

	"github.com/pfx-tui/pfx-tui/internal/billing"
)

// WriteCSV writes one row per cell; with billing, one cost row per cell
// (kind = "cost": billing status, matched/expected and, only for cells
// whose billing is usable, dollars per million ops and savings against
// direct in both regimes); with samples, one row per sample after them
// (kind = "sample"), so one file loads into a spreadsheet or pandas.
func WriteCSV(w io.Writer, r *Results, samples bool) error {
	an := Analyze(r)
	cw := csv.NewWriter(w)
	f := fullFloat // machine format: full precision
	header := []string{"kind", "run", "emulated", "approach", "duration_ms", "n", "mean_ms", "stddev_ms", "median_ms", "p90_ms", "p95_ms", "p99_ms", "min_ms", "max_ms", "errors", "failed_batches", "outliers", "ratio", "ratio_sigma", "p_value", "batch", "op", "sample_ms", "ops_covered",
		"billing", "records_matched", "records_expected", "margin_usd_per_m_ops", "margin_saving_usd_per_m_ops", "allowances_usd_per_m_ops", "allowances_saving_usd_per_m_ops",
		"compare_level", "warning"}
	if err := cw.Write(header); err != nil {
		return err
	}
	em := strconv.FormatBool(r.Emulated)
	for _, c := range an.Cells {
		s := c.Summary
		// Empty, not 0, where there is no figure: a cell without samples has
		// no latency, and the reference is not compared with itself.
		stat := func(x float64) string {
			if s.N == 0 {
				return ""
			}
			return f(x)
		}
		ratio, sigma, p := stat(c.Ratio), stat(c.RatioSigma), stat(c.P)
		if c.Approach == an.Reference {
			sigma, p = "", ""
		}
		row := []string{"cell", r.ID, em, c.Approach, strconv.Itoa(c.DurationMs), strconv.Itoa(s.N), stat(s.Mean), stat(s.StdDev), stat(s.Median), stat(s.P90), stat(s.P95), stat(s.P99), stat(s.Min), stat(s.Max),
			strconv.Itoa(c.Errors), strconv.Itoa(c.FailedBatches), strconv.Itoa(len(s.Outliers)), ratio, sigma, p, "", "", "", "",
			"", "", "", "", "", "", "", c.CompareLevel, cellWarning(c)}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	if r.Billing != nil {
		opt := func(v *float64) string {
			if v == nil {
				return ""
			}
			return fullFloat(*v)
		}
		total := func(d *billing.Dollars) *float64 {
			if d == nil {
				return nil
			}
			return &d.Total
		}
		for _, c := range sortedCosts(r) {
			row := make([]string, len(header))
			row[0], row[1], row[2], row[3], row[4] = "cost", r.ID, em, c.Approach, strconv.Itoa(c.DurationMs)
			row[24], row[25], row[26] = c.Billing.Status, strconv.Itoa(c.Billing.Matched), strconv.Itoa(c.Billing.Expected)
			row[27], row[28] = opt(total(c.DollarsPerMillionOps)), opt(c.SavingsVsDirect)
			row[29], row[30] = opt(total(c.Allowances.DollarsPerMillionOps)), opt(c.Allowances.SavingsVsDirect)
			if err := cw.Write(row); err != nil {
				return err
			}
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
