package main

import (
	"context"
	"os"

	"github.com/spf13/cobra"

	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/errext"
	"github.com/pfx-tui/pfx-tui/internal/report"
	"github.com/pfx-tui/pfx-tui/internal/ui"
)

func newCmdReport(ios IOStreams) *cobra.Command {
	var format, plots string
	var samples, tui, noColor bool
	var thresholds []string
	var cost costFlags
	cmd := &cobra.Command{
		Use:   "report FILE [NEW_FILE]",
		Short: "Re-render a saved run, or compare two runs cell by cell with significance",
		Long: `report re-renders a results file (--format text|markdown|csv|json). Given two files it
compares them cell by cell: medians, the change, and whether it is significant (Mann–Whitney U).
--tui opens one run on the TUI's results screen instead, as at the end of a run.`,
		Args: usageArgs(cobra.RangeArgs(1, 2)),
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
				if tui {
					return &errext.UsageError{Flag: "tui", Msg: "--tui opens one run; compare two with --format text, markdown, csv or json"}
				}
				next, err := report.Load(args[1])
				if err != nil {
					return err
				}
				if err := cost.recost(cmd, next); err != nil {
					return err
				}
				if err := formatFlag(format); err != nil {
					return err
				}
				if err := report.RenderCompare(ios.Stdout, base, next, format); err != nil {
					return err
				}
				// Gates apply to the new run; their block goes to stderr so
				// the comparison stays one document in every format.
				gateErr := gates(next, ts)
				if len(next.Thresholds) > 0 {
					report.WriteThresholds(ios.Stderr, next.Thresholds)
				}
				return gateErr
			}
			if tui {
				gateErr := gates(base, ts)
				if err := showTUI(cmd.Context(), ios, base, args[0], noColor); err != nil {
					return err
				}
				return gateErr
			}
			if err := formatFlag(format); err != nil {
				return err
			}
			if plots != "" && format != "markdown" && format != "md" {
				return &errext.UsageError{Flag: "plots", Msg: "SVG charts go with a Markdown report: add --format markdown"}
			}
			gateErr := gates(base, ts)
			if err := report.Render(ios.Stdout, base, format, report.RenderOptions{Samples: samples, Path: args[0], Plots: plots}); err != nil {
				return err
			}
			csvGates(ios, base, format)
			return gateErr
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "text, markdown, csv or json")
	cmd.Flags().StringVar(&plots, "plots", "", "with --format markdown: write SVG charts (cost, latency) into this folder and link them")
	cmd.Flags().BoolVar(&samples, "samples", false, "csv: add one row per sample")
	cmd.Flags().BoolVar(&tui, "tui", false, "open the run on the TUI's results screen: the verdict, the tabs, export (keys 1-5, e, q)")
	cmd.Flags().BoolVar(&noColor, "no-color", false, "with --tui: no colour (also NO_COLOR=1)")
	cost.register(cmd.Flags())
	cmd.Flags().StringArrayVar(&thresholds, "threshold", nil, "CI gate, repeatable: e.g. simple.p95<1.2s, simple.ratio@1s<1.1, savings(simple,1s)>50%; exit 3 when one fails")
	return cmd
}

// showTUI opens a saved run on the TUI's results screen.
func showTUI(ctx context.Context, ios IOStreams, r *report.Results, path string, noColor bool) error {
	opts := ui.Options{Input: ios.Stdin, Output: ios.Stdout, ErrOutput: ios.Stderr, NoColor: noColor || ios.Env[config.EnvNoColor] != ""}
	if f, ok := ios.Stdin.(*os.File); !ok || f == nil {
		opts.Input = nil
	}
	return ui.ShowResults(ctx, r, path, opts)
}

func parseThresholds(exprs []string) ([]report.Threshold, error) {
	var out []report.Threshold
	for _, e := range exprs {
		t, err := report.ParseThreshold(e)
		if err != nil {
			return nil, &errext.UsageError{Flag: "threshold", Msg: err.Error()}
		}
		out = append(out, t)
	}
	return out, nil
}

// gates evaluates the thresholds into r before it is rendered: the text and
// Markdown reports print the ✓/✗ block and the JSON keeps it. CSV has no
// place for it, so the block goes to stderr. A failed gate exits 3.
func gates(r *report.Results, ts []report.Threshold) error {
	if report.ApplyThresholds(r, ts) {
		return nil
	}
	return errext.Silent(errext.Threshold)
}

// csvGates prints the ✓/✗ block on stderr when the report is CSV.
func csvGates(ios IOStreams, r *report.Results, format string) {
	if format == "csv" && len(r.Thresholds) > 0 {
		report.WriteThresholds(ios.Stderr, r.Thresholds)
	}
}
