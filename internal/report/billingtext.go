package report

import (
	"fmt"
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
	counts := map[string]billing.Count{}
	for _, c := range b.Counts {
		counts[fmt.Sprintf("%s/%d/%s", c.Approach, c.DurationMs, c.Role)] = c
	}
	tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "duration\tapproach\trole\tmatched/expected\twall Σ ms\twall/rec\tCPU Σ ms\tCPU/rec\tno timing")
	cells := append([]billing.CellFigures(nil), b.Cells...)
	sortCells(cells, r.Plan)
	for _, c := range cells {
		roles := append([]billing.RoleFigures(nil), c.Roles...)
		sort.SliceStable(roles, func(i, j int) bool { return billing.RoleRank(roles[i].Role) < billing.RoleRank(roles[j].Role) })
		for _, rf := range roles {
			cnt := counts[fmt.Sprintf("%s/%d/%s", c.Approach, c.DurationMs, rf.Role)]
			me := fmt.Sprintf("%d/%s", rf.Count-cnt.FromFailedBatches, expectedText(cnt.Expected))
			if cnt.Role == "" {
				me = fmt.Sprintf("%d/?", rf.Count)
			} else if cnt.FromFailedBatches > 0 {
				me += fmt.Sprintf(" (+%d of failed batches)", cnt.FromFailedBatches)
			}
			harness := ""
			if billing.IsHarness(rf.Role) {
				harness = "†"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s%s\t%s\t%d\t%.1f\t%d\t%.2f\t%d\n", experiment.FormatDuration(c.DurationMs), c.Approach, rf.Role, harness, me,
				rf.WallTimeMs.Sum, rf.WallTimeMs.Mean, rf.CPUTimeMs.Sum, rf.CPUTimeMs.Mean, rf.MissingTiming)
		}
	}
	tw.Flush()
	fmt.Fprintln(&sb, "† harness (measurement infrastructure): not part of the approach's cost")
	// Expected roles with no record at all are not in Cells: list them.
	for _, c := range b.Counts {
		if c.Matched == 0 && c.Expected > 0 {
			fmt.Fprintf(&sb, "  missing: %s @ %s %s: 0 of %d records\n", c.Approach, experiment.FormatDuration(c.DurationMs), c.Role, c.Expected)
		}
	}
	rc := b.Records
	fmt.Fprintf(&sb, "records: %d read, %d unique, %d duplicates, %d by tag, %d by time window (%d ambiguous), %d warmup, %d unattributed\n",
		rc.Read, rc.Unique, rc.Duplicates, rc.ByTag, rc.ByWindow, rc.Ambiguous, rc.Warmup, rc.Unattributed)
	fc := b.Files
	fmt.Fprintf(&sb, "files: %d read, %d truncated, %d unreadable; lines: %d malformed, %d badType; %d records without timing\n",
		fc.Files, fc.Truncated, fc.ReadErrors, fc.Malformed, fc.BadType, fc.MissingTiming)
	if o := r.BillingOps; o != nil {
		fmt.Fprintf(&sb, "reading billing took %s and %s: $%.6f (%s)\n", Count(int(o.ClassA), "list request (Class A)", "list requests (Class A)"),
			Count(int(o.ClassB), "get request (Class B)", "get requests (Class B)"), o.CostUSD, o.Prices)
	}
	for _, w := range b.Warnings {
		fmt.Fprintf(&sb, "  ! %s\n", w)
	}
	if r.Target.Kind == experiment.TargetLocal {
		fmt.Fprintln(&sb, "emulated CPU time is the Go handlers' active time, well under 1 ms per invocation, so Cloudflare's integer CPUTimeMs field rounds it to 0")
	}
	return sb.String()
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
		return rank(cells[i].Approach) < rank(cells[j].Approach)
	})
}

// CostRows are the cost table's rows: dollars per million ops by component.
func CostRows(r *Results) (header []string, rows [][]string) {
	header = []string{"duration", "approach", "DO duration", "DO requests", "Worker CPU", "Worker req", "SQLite rows*", "total $/M ops", "vs direct"}
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
		return rank(costs[i].Approach) < rank(costs[j].Approach)
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
		rows = append(rows, []string{experiment.FormatDuration(c.DurationMs), c.Approach, money(d.DODuration), money(d.DORequests), money(d.WorkerCPU), money(d.WorkerRequests), money(d.SQLiteRowsWritten), money(d.Total), vs})
	}
	return header, rows
}

func money(v float64) string { return fmt.Sprintf("$%.3f", v) }

// CostSection renders cost per million ops, savings against direct and the
// break-even line; empty when the run has no billing.
func CostSection(r *Results) string {
	b := r.Billing
	if b == nil || len(b.Costs) == 0 {
		return ""
	}
	var sb strings.Builder
	label := ""
	if r.Emulated || b.Emulated {
		label = " — from EMULATED wall/CPU figures"
	}
	fmt.Fprintf(&sb, "cost per million ops (USD, list prices of %s, before monthly allowances)%s\n", b.Prices.Date, label)
	header, rows := CostRows(r)
	tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, row := range rows {
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
	fmt.Fprintln(&sb, "* rows written per op are estimates from the approaches' code (override with --pricing)")
	for _, be := range b.BreakEvens {
		fmt.Fprintf(&sb, "break-even: %s\n", be.Statement)
	}
	for _, n := range b.Notes {
		fmt.Fprintf(&sb, "  note: %s\n", n)
	}
	return sb.String()
}
