package report

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/pfx-tui/pfx-tui/internal/experiment"

	"github.com/pfx-tui/pfx-tui/internal/billing"
)

func init() { extraSections = append(extraSections, BillingSection, CostSection) }

// MatchedTotals sums matched and known-expected records over every count;
// records of batches that failed (which expect none) are left out of matched.
func MatchedTotals(b *billing.Report) (matched, expected int, unknown bool) {
	for _, c := range b.Counts {
		matched += c.Matched - c.FromFailedBatches
		if c.Expected >= 0 {
			expected += c.Expected
		} else {
			unknown = true
		}
	}
	return
}

func billingHeadline(r *Results) string {
	b := r.Billing
	m, e, unknown := MatchedTotals(b)
	src := "from " + b.Source
	if r.Emulated || b.Emulated {
		src += " — EMULATED by the local target: shows the method, not Cloudflare's bill"
	}
	state := "complete"
	if !b.Complete {
		state = "INCOMPLETE — figures cover the records matched so far; " + r.RefreshHint("")
	}
	exp := fmt.Sprint(e)
	if unknown {
		exp += " (+ approaches with unknown expectations)"
	}
	failed := 0
	for _, c := range b.Counts {
		failed += c.FromFailedBatches
	}
	extra := ""
	if failed > 0 {
		extra = fmt.Sprintf(" (+%d of failed batches)", failed)
	}
	return fmt.Sprintf("billing %s\nmatched %d of %s expected records%s: %s", src, m, exp, extra, state)
}

// BillingSection renders matched/expected and wall/CPU per cell and role;
// empty when the run has no billing.
func BillingSection(r *Results) string {
	b := r.Billing
	if b == nil {
		return ""
	}
	var sb strings.Builder
	fmt.Fprintln(&sb, billingHeadline(r))
	tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "duration\tapproach\trole\tmatched/expected\twall Σ ms\twall/rec\tCPU Σ ms\tCPU/rec\tno timing")
	for _, l := range BillingLines(r) {
		harness := ""
		if l.Harness {
			harness = "†"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s%s\t%s\t%d\t%.1f\t%d\t%.2f\t%d\n", experiment.FormatDuration(l.DurationMs), l.Approach, l.Role, harness, l.MatchedText(),
			l.WallSumMs, l.WallPerRecord, l.CPUSumMs, l.CPUPerRecord, l.MissingTiming)
	}
	tw.Flush()
	for _, l := range BillingFacts(r) {
		fmt.Fprintln(&sb, l)
	}
	return sb.String()
}

// BillingHeadline is the billing section's first lines: where the records
// come from, and how many matched of how many expected.
func BillingHeadline(r *Results) []string { return strings.Split(billingHeadline(r), "\n") }

// BillingFacts are the lines under the billing table: the harness mark,
// roles with no record at all, record and file counts, what reading
// billing cost, warnings and the emulator's CPU caveat.
func BillingFacts(r *Results) []string {
	b := r.Billing
	out := []string{"† harness (measurement infrastructure): not part of the approach's cost"}
	// Expected roles with no record at all are not in Cells: list them.
	for _, c := range b.Counts {
		if c.Matched == 0 && c.Expected > 0 {
			out = append(out, fmt.Sprintf("  missing: %s @ %s %s: 0 of %d records", c.Approach, experiment.FormatDuration(c.DurationMs), c.Role, c.Expected))
		}
	}
	rc := b.Records
	out = append(out, fmt.Sprintf("records: %d read, %d unique, %d duplicates, %d by tag, %d by time window (%d ambiguous), %d warmup, %d unattributed",
		rc.Read, rc.Unique, rc.Duplicates, rc.ByTag, rc.ByWindow, rc.Ambiguous, rc.Warmup, rc.Unattributed))
	fc := b.Files
	out = append(out, fmt.Sprintf("files: %d read, %d truncated, %d unreadable; lines: %d malformed, %d badType; %d records without timing",
		fc.Files, fc.Truncated, fc.ReadErrors, fc.Malformed, fc.BadType, fc.MissingTiming))
	if o := r.BillingOps; o != nil {
		what := fmt.Sprintf("$%.6f (%s)", o.CostUSD, o.Prices)
		if r.Target.Kind == experiment.TargetLocal {
			what = "on R2 that would be " + what + "; the emulator's S3 charges nothing"
		}
		out = append(out, fmt.Sprintf("reading billing took %s and %s: %s", Count(int(o.ClassA), "list request (Class A)", "list requests (Class A)"),
			Count(int(o.ClassB), "get request (Class B)", "get requests (Class B)"), what))
	}
	for _, w := range b.Warnings {
		out = append(out, "  ! "+w)
	}
	if r.Target.Kind == experiment.TargetLocal {
		out = append(out, "emulated CPU time is the Go handlers' active time, well under 1 ms per invocation, so Cloudflare's integer CPUTimeMs field rounds it to 0")
	}
	return out
}

func expectedText(e int) string {
	if e < 0 {
		return "?"
	}
	return fmt.Sprint(e)
}

func sortCells(cells []billing.CellFigures, p PlanInfo) {
	rank := func(a string) int {
		for i, x := range p.Approaches {
			if x == a {
				return i
			}
		}
		return len(p.Approaches)
	}
	sort.SliceStable(cells, func(i, j int) bool {
		if cells[i].DurationMs != cells[j].DurationMs {
			return cells[i].DurationMs < cells[j].DurationMs
		}
		if cells[i].Concurrency != cells[j].Concurrency {
			return cells[i].Concurrency < cells[j].Concurrency
		}
		return rank(cells[i].Approach) < rank(cells[j].Approach)
	})
}

// sortedCosts orders cost cells by duration, then the plan's approach order.
func sortedCosts(r *Results) []billing.CellCost {
	costs := append([]billing.CellCost(nil), r.Billing.Costs...)
	rank := func(a string) int {
		for i, x := range r.Plan.Approaches {
			if x == a {
				return i
			}
		}
		return len(r.Plan.Approaches)
	}
	sort.SliceStable(costs, func(i, j int) bool {
		if costs[i].DurationMs != costs[j].DurationMs {
			return costs[i].DurationMs < costs[j].DurationMs
		}
		if costs[i].Concurrency != costs[j].Concurrency {
			return costs[i].Concurrency < costs[j].Concurrency
		}
		return rank(costs[i].Approach) < rank(costs[j].Approach)
	})
	return costs
}

// recordsText is a cell's matched/expected, or why it has no figures.
func recordsText(c billing.CellCost) string {
	if c.Billing.Status == billing.BillingComplete {
		return fmt.Sprintf("%d/%d", c.Billing.Matched, c.Billing.Expected)
	}
	return c.Billing.String()
}

// versusText is a saving against direct: "saves $0.95 (77%)", "+$2.64 (+151%)".
func versusText(c billing.CellCost, rc billing.RegimeCost) string {
	if c.Approach == billing.ReferenceApproach || rc.SavingsVsDirect == nil {
		return "—"
	}
	s := *rc.SavingsVsDirect
	pct := ""
	if rc.SavingsFraction != nil {
		pct = fmt.Sprintf(" (%.0f%%)", *rc.SavingsFraction*100)
		if s < 0 {
			pct = fmt.Sprintf(" (+%.0f%%)", -*rc.SavingsFraction*100)
		}
	}
	if s >= 0 {
		return fmt.Sprintf("saves $%.2f%s", s, pct)
	}
	return fmt.Sprintf("+$%.2f%s", -s, pct)
}

// unusableText says why a cell has no figures.
func unusableText(c billing.CellCost) string {
	if len(c.Missing) > 0 && c.Billing.Status == billing.BillingComplete {
		return "no figures: missing " + strings.Join(c.Missing, ", ")
	}
	return "no figures: " + c.Billing.String()
}

// CostRows are the margin table's rows: dollars per million ops by
// component at list prices. A cell whose billing is not usable shows its
// record count and no figure.
func CostRows(r *Results) (header []string, rows [][]string) {
	header = []string{"duration", "approach", "records", "DO duration", "DO requests", "Worker CPU", "Worker req", "rows written*", "total $/M ops", "vs direct"}
	for _, l := range CostLines(r) {
		row := []string{experiment.FormatDuration(l.DurationMs), l.Approach, l.Records}
		if !l.Usable {
			rows = append(rows, append(row, "—", "—", "—", "—", "—", "—", l.Reason))
			continue
		}
		d := l.Margin
		rows = append(rows, append(row, Money(d.DODuration), Money(d.DORequests), Money(d.WorkerCPU), Money(d.WorkerRequests), Money(d.SQLiteRowsWritten), Money(d.Total), l.VsDirect))
	}
	return header, rows
}

// RegimeRows put the two regimes side by side: the total per million ops
// and the saving against direct at list prices (margin) and within the
// monthly allowances.
func RegimeRows(r *Results) (header []string, rows [][]string) {
	header = []string{"duration", "approach", "margin $/M ops", "vs direct", "allowances $/M ops", "vs direct"}
	for _, l := range CostLines(r) {
		row := []string{experiment.FormatDuration(l.DurationMs), l.Approach}
		if !l.Usable {
			rows = append(rows, append(row, "—", l.Reason, "—", "—"))
			continue
		}
		rows = append(rows, append(row, Money(l.Margin.Total), l.VsDirect, Money(l.Allowances.Total), l.AllowancesVsDirect))
	}
	return header, rows
}

// Money prints dollars per million ops as the cost tables do: $4.343.
func Money(v float64) string { return fmt.Sprintf("$%.3f", v) }

// CostHeadlines are the lines above the cost tables: prices, threshold,
// harness, regime volume.
func CostHeadlines(r *Results) []string {
	b := r.Billing
	o := b.CostOptions.WithDefaults()
	label := ""
	if r.Emulated || b.Emulated {
		label = " — from EMULATED wall/CPU figures"
	}
	harness := "harness excluded (--include-harness adds it)"
	if o.IncludeHarness {
		harness = "harness included (--include-harness)"
	}
	return []string{
		fmt.Sprintf("cost per million ops (USD, Workers Paid list prices of %s)%s", b.Prices.Date, label),
		fmt.Sprintf("a cell is costed only when ≥ %.0f%% of its expected Logpush records matched; %s", o.MinMatched*100, harness),
	}
}

func RegimeTitle(b *billing.Report) string {
	o := b.CostOptions.WithDefaults()
	return fmt.Sprintf("margin (list price for every unit) and allowances (within the plan's monthly allowances at %s ops/month, --monthly-ops)", billing.Human(o.MonthlyOps))
}

// RowsFootnote says where rows written per op come from.
func RowsFootnote(b *billing.Report) string {
	var parts []string
	for _, a := range approachesOf(b) {
		parts = append(parts, a+" "+billing.RowsBasis(a, b.Prices.RowsWrittenPerOp[a]))
	}
	return "* rows written per op counted from workers/src, not measured: " + strings.Join(parts, ", ")
}

func approachesOf(b *billing.Report) []string {
	var out []string
	for _, c := range b.Costs {
		if !slices.Contains(out, c.Approach) {
			out = append(out, c.Approach)
		}
	}
	return out
}

// NoVerdict is the line printed instead of savings and break-even when no
// cell's billing is usable.
func NoVerdict(b *billing.Report) string {
	o := b.CostOptions.WithDefaults()
	return fmt.Sprintf("no verdict: no cell's billing is complete enough (≥ %.0f%% of its expected records matched), so no cost, saving or break-even is derived", o.MinMatched*100)
}

// LifecycleLine states the target's compatibility date and the lifecycle
// rule it selects.
func LifecycleLine(r *Results) string {
	if r.Target.Runtime == nil {
		return "target lifecycle: compatibility date not recorded (results file of an older pfx-tui)"
	}
	return "target lifecycle: " + r.Target.Runtime.Describe()
}

// CostSection renders cost per million ops in both regimes, savings against
// direct, the break-even lines and the model's assumptions; empty when the
// run has no billing. Cells whose billing is not complete enough show no
// figure, and with no usable cell there is no verdict at all.
func CostSection(r *Results) string { return costSection(r, true) }

// CostSummary is CostSection without the billing notes.
func CostSummary(r *Results) string { return costSection(r, false) }

func costSection(r *Results, withNotes bool) string {
	b := r.Billing
	if b == nil || len(b.Costs) == 0 {
		return ""
	}
	var sb strings.Builder
	for _, l := range CostHeadlines(r) {
		fmt.Fprintln(&sb, l)
	}
	table := func(header []string, rows [][]string) {
		tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(header, "\t"))
		for _, row := range rows {
			fmt.Fprintln(tw, strings.Join(row, "\t"))
		}
		tw.Flush()
	}
	fmt.Fprintln(&sb, "\nat list prices (margin), by component")
	table(CostRows(r))
	fmt.Fprintln(&sb, RowsFootnote(b))
	if !b.Usable() {
		fmt.Fprintln(&sb, NoVerdict(b))
	} else {
		fmt.Fprintf(&sb, "\nregimes side by side: %s\n", RegimeTitle(b))
		table(RegimeRows(r))
		for _, g := range []struct {
			title string
			bes   []billing.BreakEven
		}{{"break-even (margin)", b.BreakEvens}, {"break-even (allowances at " + billing.Human(b.CostOptions.WithDefaults().MonthlyOps) + " ops/month)", b.AllowanceBreakEvens}} {
			for _, be := range g.bes {
				fmt.Fprintf(&sb, "%s: %s\n", g.title, be.Statement)
			}
		}
	}
	fmt.Fprintln(&sb, "assumptions:")
	for _, a := range b.Assumptions {
		fmt.Fprintf(&sb, "  - %s\n", a)
	}
	fmt.Fprintf(&sb, "  - %s\n", LifecycleLine(r))
	for _, n := range b.Notes {
		if !withNotes {
			break
		}
		fmt.Fprintf(&sb, "  note: %s\n", n)
	}
	return sb.String()
}
