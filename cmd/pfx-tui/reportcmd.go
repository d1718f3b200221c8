package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/headless"
	"github.com/pfx-tui/pfx-tui/internal/report"
)

func newReport(io IO) *cobra.Command {
	var format string
	var samples bool
	var thresholds []string
	var cost costFlags
	cmd := &cobra.Command{
		Use:   "report FILE [NEW_FILE]",
		Short: "Re-render a saved run, or compare two runs cell by cell with significance",
		Long: `report re-renders a results file (--format text|markdown|csv|json). Given two files it
compares them cell by cell: medians, the change, and whether it is significant (Mann–Whitney U).`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ts, err := parseThresholds(thresholds)
			if err != nil {
				return err
			}
			base, err := report.Load(args[0])
			if err != nil {
				return err
			}
			if err := cost.recost(cmd, base); err != nil {
				return err
			}
			if len(args) == 2 {
				next, err := report.Load(args[1])
				if err != nil {
					return err
				}
				if err := cost.recost(cmd, next); err != nil {
					return err
				}
				if format != "text" {
					return &config.UsageError{Flag: "format", Msg: "comparing two runs prints text only"}
				}
				if err := report.WriteCompare(io.Stdout, base, next); err != nil {
					return err
				}
				return gate(io.Stdout, next, ts)
			}
			if err := renderFormat(io.Stdout, base, format, samples); err != nil {
				return err
			}
			return gate(gateWriter(io, format), base, ts)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "text, markdown, csv or json")
	cmd.Flags().BoolVar(&samples, "samples", false, "csv: add one row per sample")
	cost.register(cmd.Flags())
	cmd.Flags().StringArrayVar(&thresholds, "threshold", nil, "CI gate, repeatable: e.g. simple.p95<1.2s, simple.ratio@1s<1.1, savings(simple,1s)>50%; exit 3 when one fails")
	return cmd
}

func renderFormat(w io.Writer, r *report.Results, format string, samples bool) error {
	switch format {
	case "text":
		return report.WriteText(w, r)
	case "markdown", "md":
		return report.WriteMarkdown(w, r)
	case "csv":
		return report.WriteCSV(w, r, samples)
	case "json":
		return report.WriteJSON(w, r)
	}
	return &config.UsageError{Flag: "format", Msg: fmt.Sprintf("%q is not one of text, markdown, csv, json", format)}
}

func parseThresholds(exprs []string) ([]report.Threshold, error) {
	var out []report.Threshold
	for _, e := range exprs {
		t, err := report.ParseThreshold(e)
		if err != nil {
			return nil, &config.UsageError{Flag: "threshold", Msg: err.Error()}
		}
		out = append(out, t)
	}
	return out, nil
}

// gateWriter keeps machine formats on stdout clean: the ✓/✗ block goes to
// stderr unless the report is text.
func gateWriter(io IO, format string) io.Writer {
	if format == "text" {
		return io.Stdout
	}
	return io.Stderr
}

// gate evaluates thresholds and turns a failure into exit code 3.
func gate(w io.Writer, r *report.Results, ts []report.Threshold) error {
	if len(ts) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	if !report.WriteThresholds(w, report.EvaluateThresholds(r, ts, costLookup(r))) {
		return exitError{headless.ExitThreshold}
	}
	return nil
}
