package report

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/pfx-tui/pfx-tui/internal/analytics"
	"github.com/pfx-tui/pfx-tui/internal/billing"
	"github.com/pfx-tui/pfx-tui/internal/experiment"
)

// The billed truth: sections for Cloudflare's GraphQL Analytics figures
// (--billing analytics), their comparison with Logpush's logged wall time,
// and the cost computed from them. Registered after billingtext.go's
// sections (package files initialise in file-name order).
func init() {
	extraSections = append(extraSections, AnalyticsSection, BilledVsLoggedSection, BilledCostSection)
}

func analyticsLabel(r *Results) string {
	a := r.Analytics
	src := "from analytics (Cloudflare GraphQL Analytics: billed per-minute sums)"
	if r.Emulated || a.Emulated {
		src += " — EMULATED by the local target: shows the method, not Cloudflare's bill"
	}
	return src
}

// AnalyticsSection renders per cell what was billed, per op: Durable Object
// active time and GB-s, requests, SQLite rows, Worker CPU; empty without
// analytics.
func AnalyticsSection(r *Results) string {
	a := r.Analytics
	if a == nil {
		return ""
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "billing %s\n", analyticsLabel(r))
	m, e := a.RolesWithData()
	state := "settled"
	if !a.Complete {
		state = "INCOMPLETE — analytics lag a few minutes; refresh with: pfx-tui billing FILE --source analytics"
	}
	fmt.Fprintf(&sb, "%d of %d cell roles with data, %d rows, %s minutes %s … %s: %s\n", m, e, len(a.Rows), minuteText(a.MinuteMs),
		a.From.Format("15:04:05"), a.To.Format("15:04:05"), state)
	tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "duration\tapproach\tminutes\tDO active ms/op\tGB-s/op\tDO req/op\trows read/op\trows written/op\tWorker CPU ms/op\tWorker req/op")
	for _, c := range sortedBilled(a.Cells, r.Plan) {
		mins := fmt.Sprintf("%d (%d active)", c.Minutes, c.ActiveMinutes)
		if c.SharedMinutes > 0 {
			mins += fmt.Sprintf(" +%d shared", c.SharedMinutes)
		}
		w, _ := c.Role(analytics.RoleWorker)
		wcpu, wreq := "—", "—"
		if c.Ops > 0 {
			wcpu, wreq = fmt.Sprintf("%.3f", w.CPUTimeUs/1000/float64(c.Ops)), fmt.Sprintf("%.2f", w.Requests/float64(c.Ops))
		}
		p := c.PerOp
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.1f\t%.5f\t%.2f\t%.2f\t%.2f\t%s\t%s\n", experiment.FormatDuration(c.DurationMs), approachLabel(c.Approach, c.Concurrency), mins,
			p.DOActiveMs, p.DOGBs, p.DORequests, p.RowsRead, p.RowsWritten, wcpu, wreq)
	}
	tw.Flush()
	fmt.Fprintln(&sb, "DO figures: the approach's namespaces (origin, orchestrator); Worker: the whole script (executor, router, delay upstream)")
	if len(a.Namespaces) > 0 {
		var ns []string
		for _, n := range a.Namespaces {
			ns = append(ns, n.Class+"→"+n.Role)
		}
		fmt.Fprintf(&sb, "namespaces of %s: %s\n", a.ScriptName, strings.Join(ns, ", "))
	}
	for _, w := range a.Warnings {
		fmt.Fprintf(&sb, "  ! %s\n", w)
	}
	return sb.String()
}

func minuteText(ms int64) string {
	if ms == 60000 {
		return "1 min"
	}
	return experiment.FormatDuration(int(ms)) + " (emulated)"
}

func sortedBilled(cells []analytics.CellBilled, p PlanInfo) []analytics.CellBilled {
	out := append([]analytics.CellBilled(nil), cells...)
	rank := func(a string) int {
		for i, x := range p.Approaches {
			if x == a {
				return i
			}
		}
		return len(p.Approaches)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].DurationMs != out[j].DurationMs {
			return out[i].DurationMs < out[j].DurationMs
		}
		if out[i].Concurrency != out[j].Concurrency {
			return out[i].Concurrency < out[j].Concurrency
		}
		return rank(out[i].Approach) < rank(out[j].Approach)
	})
	return out
}

// Comparisons are the billed-vs-logged rows: stored ones, or computed now
// from both sections.
func Comparisons(r *Results) []analytics.Comparison {
	if r.Analytics == nil || r.Billing == nil {
		return nil
	}
	if len(r.Analytics.Comparisons) > 0 {
		return r.Analytics.Comparisons
	}
	return analytics.Reconcile(r.Billing, r.Analytics)
}

// BilledVsLoggedSection puts, per cell and Durable Object role, billed
// active time next to Σ WallTimeMs and their ratio, flagging a difference
// over 10 % with its likely causes; empty unless both sources were read.
func BilledVsLoggedSection(r *Results) string {
	cs := Comparisons(r)
	if len(cs) == 0 {
		return ""
	}
	var sb strings.Builder
	fmt.Fprintln(&sb, "billed vs logged — Durable Object active time (analytics) against Σ WallTimeMs of its invocations (Logpush)")
	tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "duration\tapproach\trole\tbilled active ms\tlogged wall Σ ms\tinvocations\tbilled/logged\t")
	var flagged []analytics.Comparison
	for _, c := range cs {
		ratio, mark := "—", ""
		if c.Ratio != nil {
			ratio = fmt.Sprintf("%.2f", *c.Ratio)
		}
		if c.Flagged {
			mark = fmt.Sprintf("⚠ %d", len(flagged)+1)
			flagged = append(flagged, c)
		}
		role := c.Role
		if billing.IsHarness(role) {
			role += "†"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.0f\t%.0f\t%d\t%s\t%s\n", experiment.FormatDuration(c.DurationMs), approachLabel(c.Approach, c.Concurrency), role, c.BilledActiveMs, c.LoggedWallMs, c.Invocations, ratio, mark)
	}
	tw.Flush()
	for i, c := range flagged {
		what := "billed with nothing logged"
		if c.Ratio != nil {
			what = fmt.Sprintf("billed %.2f× logged", *c.Ratio)
		}
		cell := experiment.Cell{Approach: c.Approach, DurationMs: c.DurationMs, Concurrency: c.Concurrency}
		fmt.Fprintf(&sb, "⚠ %d %s %s: %s (over ±%.0f %%); likely: %s\n", i+1, cell.Label(), c.Role, what,
			analytics.Tolerance*100, strings.Join(c.Causes, "; or "))
	}
	fmt.Fprintln(&sb, "billed active time counts an object once while it is active or cannot hibernate (timers included); Σ WallTimeMs adds every invocation, overlaps twice")
	return sb.String()
}

// PreferredCosts are the costs a verdict should use, and which source:
// billed figures (analytics) when they are complete, else Logpush's, else
// incomplete billed ones. The cost model and verdict take them from here.
func PreferredCosts(r *Results) (costs []billing.CellCost, source string, complete bool) {
	a, b := r.Analytics, r.Billing
	switch {
	case a != nil && a.Complete && len(a.Costs) > 0:
		return a.Costs, analytics.SourceAnalytics, true
	case b != nil && len(b.Costs) > 0:
		return b.Costs, billing.SourceLogpush, b.Complete
	case a != nil && len(a.Costs) > 0:
		return a.Costs, analytics.SourceAnalytics, false
	}
	return nil, "", false
}

// PreferredBreakEvens go with PreferredCosts.
func PreferredBreakEvens(r *Results) []billing.BreakEven {
	_, src, _ := PreferredCosts(r)
	switch {
	case src == analytics.SourceAnalytics:
		return r.Analytics.BreakEvens
	case src == billing.SourceLogpush:
		return r.Billing.BreakEvens
	}
	return nil
}

// BilledCostSection renders cost per million ops from billed figures, with
// savings against direct and the break-even; it says which source the
// verdict uses. Empty without analytics.
func BilledCostSection(r *Results) string {
	a := r.Analytics
	if a == nil || len(a.Costs) == 0 {
		return ""
	}
	var sb strings.Builder
	label := ""
	if r.Emulated || a.Emulated {
		label = " — from EMULATED billed figures"
	}
	o := a.CostOptions.WithDefaults()
	vol := billing.Human(o.MonthlyOps)
	harness := "harness excluded (--include-harness adds it)"
	if o.IncludeHarness {
		harness = "harness included (--include-harness)"
	}
	fmt.Fprintf(&sb, "cost per million ops from billed figures (analytics; USD, list prices of %s; allowances: within the plan's monthly allowances at %s ops/month, --monthly-ops; %s)%s\n", a.Prices.Date, vol, harness, label)
	tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "duration\tapproach\tDO duration\tDO requests\tWorker CPU\tWorker req\tSQLite rows\ttotal $/M ops\tvs direct\tallowances $/M ops\tWorker from")
	from := map[experiment.Cell]string{}
	for _, c := range a.Cells {
		from[c.Cell()] = c.WorkerFrom
	}
	costs := append([]billing.CellCost(nil), a.Costs...)
	sort.SliceStable(costs, func(i, j int) bool {
		if costs[i].DurationMs != costs[j].DurationMs {
			return costs[i].DurationMs < costs[j].DurationMs
		}
		return costs[i].Concurrency < costs[j].Concurrency
	})
	for _, c := range costs {
		d := c.DollarsPerMillionOps
		vs := "—"
		if c.SavingsFraction != nil && c.Approach != billing.ReferenceApproach {
			if *c.SavingsFraction >= 0 {
				vs = fmt.Sprintf("saves $%.2f (%.0f%%)", *c.SavingsVsDirect, *c.SavingsFraction*100)
			} else {
				vs = fmt.Sprintf("+$%.2f (+%.0f%%)", -*c.SavingsVsDirect, -*c.SavingsFraction*100)
			}
		}
		if len(c.Missing) > 0 {
			vs = "missing: " + strings.Join(c.Missing, ", ")
		}
		cell := experiment.Cell{Approach: c.Approach, DurationMs: c.DurationMs, Concurrency: c.Concurrency}
		if d == nil { // not usable: no dollar figure is derived
			fmt.Fprintf(tw, "%s\t%s\t—\t—\t—\t—\t—\t—\t%s\t—\t%s\n", experiment.FormatDuration(c.DurationMs), approachLabel(c.Approach, c.Concurrency), vs, from[cell])
			continue
		}
		al := "—"
		if x := c.Allowances.DollarsPerMillionOps; x != nil {
			al = Money(x.Total)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", experiment.FormatDuration(c.DurationMs), approachLabel(c.Approach, c.Concurrency), Money(d.DODuration), Money(d.DORequests),
			Money(d.WorkerCPU), Money(d.WorkerRequests), Money(d.SQLiteRowsWritten), Money(d.Total), vs, al, from[cell])
	}
	tw.Flush()
	for _, be := range a.BreakEvens {
		fmt.Fprintf(&sb, "break-even (billed): %s\n", be.Statement)
	}
	for _, be := range a.AllowanceBreakEvens {
		fmt.Fprintf(&sb, "break-even (billed, allowances at %s ops/month): %s\n", vol, be.Statement)
	}
	if b := r.Billing; b != nil && len(b.Costs) > 0 {
		fmt.Fprintln(&sb, "same cells from logged figures (Logpush, estimated rows) vs billed:")
		tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  duration\tapproach\tlogged $/M ops\tbilled $/M ops\tbilled − logged")
		for _, c := range costs {
			for _, l := range b.Costs {
				if l.Approach == c.Approach && l.DurationMs == c.DurationMs && l.Concurrency == c.Concurrency && l.DollarsPerMillionOps != nil && c.DollarsPerMillionOps != nil {
					fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", experiment.FormatDuration(c.DurationMs), approachLabel(c.Approach, c.Concurrency), Money(l.DollarsPerMillionOps.Total),
						Money(c.DollarsPerMillionOps.Total), signedMoney(c.DollarsPerMillionOps.Total-l.DollarsPerMillionOps.Total))
				}
			}
		}
		tw.Flush()
	}
	_, src, complete := PreferredCosts(r)
	why := "billed figures are complete"
	switch {
	case src == billing.SourceLogpush:
		why = "analytics have not settled; refresh with pfx-tui billing FILE --source analytics"
	case !complete:
		why = "the only cost figures there are, though incomplete"
	}
	fmt.Fprintf(&sb, "verdict source: %s (%s)\n", src, why)
	for _, n := range a.Notes {
		fmt.Fprintf(&sb, "  note: %s\n", n)
	}
	return sb.String()
}

func signedMoney(v float64) string {
	if math.Abs(v) < 0.0005 {
		return "$0.000"
	}
	if v > 0 {
		return "+" + Money(v)
	}
	return "−" + Money(-v)
}

// JoinSections puts non-empty sections one after another, a blank line apart.
func JoinSections(sections ...string) string {
	var out []string
	for _, s := range sections {
		if s = strings.TrimRight(s, "\n"); s != "" {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return ""
	}
	return strings.Join(out, "\n\n") + "\n"
}

// writeMarkdownBilled adds the analytics sections to the Markdown export,
// as preformatted text (their tables are wide).
func writeMarkdownBilled(b *strings.Builder, r *Results) {
	txt := JoinSections(AnalyticsSection(r), BilledVsLoggedSection(r), BilledCostSection(r))
	if txt == "" {
		return
	}
	fmt.Fprintf(b, "\n### Billed (GraphQL Analytics)\n\n```\n%s```\n", txt)
}
