package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/pfx-tui/pfx-tui/internal/billing"
	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/errext"
	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/report"
)

// costFlags choose what cost figures include; run, billing, report and cost
// share them.
type costFlags struct {
	includeHarness bool
	monthlyOps     float64
}

func (f *costFlags) register(fs *pflag.FlagSet) {
	fs.BoolVar(&f.includeHarness, "include-harness", false, "add the measurement harness (controller DO with its opDone calls, WebSocket entry, delay upstream) to every approach's cost")
	fs.Float64Var(&f.monthlyOps, "monthly-ops", billing.DefaultMonthlyOps, "monthly volume of the allowances regime (ops a month of this workload alone on a Workers Paid account)")
}

// options layers the flags the user set over base.
func (f *costFlags) options(cmd *cobra.Command, base billing.CostOptions) (billing.CostOptions, error) {
	fs := cmd.Flags()
	if config.Changed(fs, "include-harness") {
		base.IncludeHarness = f.includeHarness
	}
	if config.Changed(fs, "monthly-ops") {
		if !(f.monthlyOps >= 1) || f.monthlyOps > 1e15 {
			return base, &errext.UsageError{Flag: "monthly-ops", Msg: "must be a number of ops from 1 to 1e15, e.g. 10e6"}
		}
		base.MonthlyOps = f.monthlyOps
	}
	return base, nil
}

// recost re-derives a saved run's costs with this pfx-tui's model, under
// the file's cost options overridden by the flags the user set: the logged
// (Logpush) costs and the billed (analytics) ones alike.
func (f *costFlags) recost(cmd *cobra.Command, r *report.Results) error {
	if r.Billing != nil {
		o, err := f.options(cmd, r.Billing.CostOptions)
		if err != nil {
			return err
		}
		r.Billing.Recost(o)
	}
	if r.Analytics != nil {
		o, err := f.options(cmd, r.Analytics.CostOptions)
		if err != nil {
			return err
		}
		r.Analytics.Recost(o)
	}
	return nil
}

func newCmdCost(ios IOStreams) *cobra.Command {
	var cf costFlags
	var example, brief bool
	var format, durations, pricing string
	cmd := &cobra.Command{
		Use:   "cost (--example | FILE)",
		Short: "The cost model: its rows and requests per approach, example figures and break-even, or a saved run's costs",
		Long: `cost --example prints the cost model: rows written and requests per op of every approach as
counted from workers/src (each rule marked documented or assumed, with its Cloudflare page), the
cost per million ops at example upstream durations in both regimes (list prices at the margin,
and within the Workers Paid monthly allowances at --monthly-ops), and where proxying breaks even.
These are the figures README.md and docs/cloudflare.md quote.

cost FILE prints the cost section of a saved run, re-derived with this model.`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "markdown" && format != "md" {
				return &errext.UsageError{Flag: "format", Msg: fmt.Sprintf("%q is not one of text, markdown", format)}
			}
			md := format != "text"
			if example == (len(args) == 1) {
				return &errext.UsageError{Flag: "example", Msg: "give --example or a results FILE (one of them)"}
			}
			if !example {
				r, err := report.Load(args[0])
				if err != nil {
					return err
				}
				if r.Billing == nil {
					return fmt.Errorf("%s has no billing: nothing to cost (pfx-tui billing %s attaches it)", args[0], args[0])
				}
				if err := cf.recost(cmd, r); err != nil {
					return err
				}
				switch {
				case md:
					_, err = ios.Stdout.Write([]byte(report.CostMarkdown(r, !brief)))
				case brief:
					_, err = ios.Stdout.Write([]byte(report.CostSummary(r)))
				default:
					_, err = ios.Stdout.Write([]byte(report.CostSection(r)))
				}
				return err
			}
			p := billing.DefaultPrices()
			if pricing != "" {
				var err error
				if p, err = billing.LoadPrices(pricing); err != nil {
					return &errext.UsageError{Flag: "pricing", Msg: err.Error()}
				}
			}
			var ds []int
			if durations != "" {
				parsed, err := experiment.ParseDurations(durations)
				if err != nil {
					return &errext.UsageError{Flag: "durations", Msg: err.Error()}
				}
				for _, d := range parsed {
					ds = append(ds, int(d.Milliseconds()))
				}
			}
			o, err := cf.options(cmd, billing.CostOptions{})
			if err != nil {
				return err
			}
			res := billing.Example(ds, p, o)
			return writeExample(ios.Stdout, res, md, brief)
		},
	}
	fs := cmd.Flags()
	fs.BoolVar(&example, "example", false, "print the model and its example figures instead of a saved run's")
	fs.BoolVar(&brief, "brief", false, "only the figures, break-even and assumptions (no model tables, no notes)")
	fs.StringVar(&format, "format", "text", "text or markdown")
	fs.StringVar(&durations, "durations", "", "example: upstream durations (default 100ms,500ms,1s,5s,10s)")
	fs.StringVar(&pricing, "pricing", "", "example: JSON file overriding the dated price table")
	cf.register(fs)
	return cmd
}

// table writes a header and rows as a markdown table or aligned text.
func table(w io.Writer, md bool, header []string, rows [][]string) {
	if md {
		fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(header, " | "), strings.Repeat("---|", len(header)))
		for _, r := range rows {
			fmt.Fprintf(w, "| %s |\n", strings.Join(r, " | "))
		}
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	tw.Flush()
}

func heading(w io.Writer, md bool, s string) {
	if md {
		fmt.Fprintf(w, "\n**%s**\n\n", s)
		return
	}
	fmt.Fprintf(w, "\n%s\n", s)
}

func bullets(w io.Writer, md bool, lines []string) {
	for _, l := range lines {
		if md {
			fmt.Fprintf(w, "- %s\n", l)
		} else {
			fmt.Fprintf(w, "  - %s\n", l)
		}
	}
}

func usd(v float64) string { return fmt.Sprintf("$%.3f", v) }

func vsDirect(approach string, rc billing.RegimeCost) string {
	if approach == billing.ReferenceApproach || rc.SavingsVsDirect == nil {
		return "—"
	}
	if s := *rc.SavingsVsDirect; s < 0 {
		return fmt.Sprintf("+$%.2f", -s)
	}
	return fmt.Sprintf("saves $%.2f", *rc.SavingsVsDirect)
}

// writeExample prints the model and the example figures.
func writeExample(w io.Writer, res billing.ExampleResult, md, brief bool) error {
	p, o := res.Prices, res.Options
	vol := billing.Human(o.MonthlyOps)
	if !brief {
		writeModelTables(w, md, p)
	}
	heading(w, md, fmt.Sprintf("Example cost per million ops (USD, list prices of %s; allowances at %s ops/month)", p.Date, vol))
	var rows [][]string
	for _, c := range res.Cells {
		m, a := c.Margin.DollarsPerMillionOps, c.Allowances.DollarsPerMillionOps
		rows = append(rows, []string{experiment.FormatDuration(c.DurationMs), c.Approach,
			usd(m.DODuration), usd(m.DORequests), usd(m.WorkerCPU), usd(m.WorkerRequests), usd(m.SQLiteRowsWritten),
			usd(m.Total), vsDirect(c.Approach, c.Margin), usd(a.Total), vsDirect(c.Approach, c.Allowances)})
	}
	table(w, md, []string{"duration", "approach", "DO duration", "DO requests", "Worker CPU", "Worker req", "rows written", "margin $/M ops", "vs direct", "allowances $/M ops", "vs direct"}, rows)
	heading(w, md, "Example break-even against direct (upstream duration from which the approach is cheaper)")
	rows = nil
	for i, m := range res.Margin {
		rows = append(rows, []string{m.Approach, billing.ExampleBreakEvenText(m), billing.ExampleBreakEvenText(res.Allowances[i])})
	}
	table(w, md, []string{"approach", "margin (list prices)", "allowances (" + vol + " ops/month)"}, rows)
	heading(w, md, "Assumptions of the example")
	lines := []string{
		fmt.Sprintf("assumed, not measured: each Durable Object request is one invocation active %d ms besides any upstream wait; direct's origin also waits the whole upstream duration; the executor spends %d ms of CPU per op", billing.ExampleInvocationMs, billing.ExampleExecutorCPUMs),
	}
	for _, l := range billing.Assumptions(p, o, billing.ExampleApproaches)[1:] {
		if strings.HasPrefix(l, "extrapolation:") {
			l = fmt.Sprintf("break-even: solved on the example's quantities, which are exact (linear) in the upstream duration, over 0–%s: the executor fetches in waitUntil, at most 30 s after its response (%s)", billing.FormatMs(billing.ExecutorLimitMs), billing.PageWorkersLimits)
		}
		lines = append(lines, l)
	}
	if m, ok := billing.ModelOf("direct-timer"); ok {
		lines = append(lines, fmt.Sprintf("direct-timer: %g s of idle duration per op: %s", m.IdleTailMs/1000, m.IdleRule))
	}
	bullets(w, md, lines)
	return nil
}

// writeModelTables prints the rows and requests per op of every approach,
// each with its basis and rule.
func writeModelTables(w io.Writer, md bool, p billing.Prices) {
	models := billing.Model()
	heading(w, md, "Rows written per op (SQLite-backed storage), counted from workers/src")
	var rows [][]string
	for _, m := range models {
		if m.SameAs != "" || m.Approach == "rpctarget" {
			continue // the same calls as simple
		}
		if len(m.Writes) == 0 {
			rows = append(rows, []string{m.Approach, "—", "—", "no storage call", "0", "—"})
			continue
		}
		for _, x := range m.Writes {
			rows = append(rows, []string{m.Approach, x.Object, x.Where, "`" + x.Call + "`", fmt.Sprintf("%g", x.Rows), x.Basis})
		}
	}
	if !md {
		for _, r := range rows {
			r[3] = strings.Trim(r[3], "`")
		}
	}
	table(w, md, []string{"approach", "object", "method", "call", "rows", "basis"}, rows)
	if md {
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "proxyfetch and rpctarget make simple's storage calls.")

	heading(w, md, "Billed per op, by approach")
	rows = nil
	for _, m := range models {
		d, a := m.RowsWritten()
		do, wr, hdo, _ := m.Requests()
		idle := "—"
		if m.IdleTailMs > 0 {
			idle = billing.FormatMs(m.IdleTailMs)
		}
		rows = append(rows, []string{m.Approach, fmt.Sprintf("%g", p.RowsWrittenPerOp[m.Approach]), fmt.Sprintf("%g + %g", d, a),
			fmt.Sprintf("%g", do), fmt.Sprintf("%g", wr), fmt.Sprintf("%g", hdo), idle})
	}
	table(w, md, []string{"approach", "rows written", "documented + assumed", "DO requests", "Worker requests", "harness DO requests (opDone)", "idle tail"}, rows)

	heading(w, md, "Invocations per op and how each is billed")
	rows = nil
	for _, m := range models {
		if m.SameAs != "" {
			continue
		}
		for _, v := range m.Invocations {
			billed := []string{}
			if v.DORequests > 0 {
				billed = append(billed, fmt.Sprintf("%g DO request", v.DORequests))
			}
			if v.WorkerRequests > 0 {
				billed = append(billed, fmt.Sprintf("%g Worker request", v.WorkerRequests))
			}
			if len(billed) == 0 {
				billed = append(billed, "no request fee; CPU billed")
			}
			who := m.Approach
			if v.Harness {
				who += " (harness)"
			}
			rows = append(rows, []string{who, v.Call, strings.Join(billed, ", "), v.Basis})
		}
	}
	table(w, md, []string{"approach", "call", "billed as", "basis"}, rows)
	if md {
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "proxyfetch makes simple's calls. Per batch the harness adds 1 Worker request (the WebSocket upgrade), 1 DO request (the controller's upgrade) and 2 WebSocket events at 1/20 each.")

	heading(w, md, "Rules and their pages")
	type rule struct{ basis, text, page string }
	var rules []rule
	seen := map[string]bool{}
	add := func(basis, text, page string) {
		if !seen[text] {
			seen[text] = true
			rules = append(rules, rule{basis, text, page})
		}
	}
	for _, m := range models {
		for _, x := range m.Writes {
			add(x.Basis, x.Rule, x.Page)
		}
		for _, v := range m.Invocations {
			add(v.Basis, v.Rule, v.Page)
		}
	}
	var lines []string
	for _, r := range rules {
		l := r.basis + ": " + r.text
		if r.page != "" {
			l += " (" + r.page + ")"
		}
		lines = append(lines, l)
	}
	lines = append(lines, billing.LifecycleRules()...)
	slices.Sort(lines)
	bullets(w, md, lines)
}
