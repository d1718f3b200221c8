package report

import (
	"fmt"
	"sort"

	"github.com/pfx-tui/pfx-tui/internal/billing"
)

// Structured rows of the billing and cost sections: what the text and
// Markdown renderers print and what the TUI lays out in its own tables, so
// that no front end parses another's text back.

// CostLine is one cell's cost: dollars per million ops by component at
// list prices (the margin regime), the total within the monthly allowances,
// and how each compares with direct. A cell whose billing is not usable has
// no dollars and says why in Reason.
type CostLine struct {
	DurationMs int
	// Approach is labelled with the concurrency in a plan with that
	// dimension ("direct ×4"); Concurrency is 0 otherwise.
	Approach    string
	Concurrency int
	// Records is matched/expected ("24/24") or the cell's billing state
	// ("incomplete: 12/54 records", "no billing data").
	Records string
	// Billing is the cell's matched and expected records and their state,
	// for a front end that shows the counts in a column of their own.
	Billing billing.Completeness
	Usable  bool
	Reason  string // why there are no figures; empty when Usable
	// Margin and Allowances are nil when the cell is not usable.
	Margin, Allowances *billing.Dollars
	// VsDirect and AllowancesVsDirect: "—" for direct itself or when
	// unknown, else "+$2.59 (+148%)" or "saves $0.95 (77%)".
	VsDirect, AllowancesVsDirect string
	// Cheapest marks the cheapest approach at its duration at list prices,
	// set only when every approach measured there is usable: a cell
	// without figures might have been cheaper.
	Cheapest bool
}

// CostLines are the run's cost cells by duration, then the plan's
// approach order; nil without billing.
func CostLines(r *Results) []CostLine {
	if r.Billing == nil {
		return nil
	}
	var out []CostLine
	for _, c := range sortedCosts(r) {
		l := CostLine{DurationMs: c.DurationMs, Approach: approachLabel(c.Approach, c.Concurrency), Concurrency: c.Concurrency, Records: recordsText(c), Billing: c.Billing, VsDirect: "—", AllowancesVsDirect: "—"}
		if !c.Usable || c.DollarsPerMillionOps == nil || c.Allowances.DollarsPerMillionOps == nil {
			l.Reason = unusableText(c)
			out = append(out, l)
			continue
		}
		l.Usable = true
		l.Margin, l.Allowances = c.DollarsPerMillionOps, c.Allowances.DollarsPerMillionOps
		l.VsDirect, l.AllowancesVsDirect = versusText(c, c.RegimeCost), versusText(c, c.Allowances)
		out = append(out, l)
	}
	markCheapest(out)
	return out
}

// markCheapest sets Cheapest on the lowest margin total of each duration
// whose cells are all usable (the first in plan order on a tie).
func markCheapest(lines []CostLine) {
	for i := 0; i < len(lines); {
		j := i
		for j < len(lines) && lines[j].DurationMs == lines[i].DurationMs && lines[j].Concurrency == lines[i].Concurrency {
			j++
		}
		best := -1
		for k := i; k < j; k++ {
			if !lines[k].Usable {
				best = -1
				break
			}
			if best < 0 || lines[k].Margin.Total < lines[best].Margin.Total {
				best = k
			}
		}
		if best >= 0 {
			lines[best].Cheapest = true
		}
		i = j
	}
}

// BillingLine is one role's records in one cell: how many matched of how
// many expected, and their wall and CPU time.
type BillingLine struct {
	DurationMs int
	Approach   string
	Role       string
	// Harness roles (controller, upstream, entry) measure; they are not
	// part of an approach's cost.
	Harness bool
	// Matched excludes records of failed batches (FromFailed), which are
	// counted apart because no record is expected of them. Expected is
	// billing.ExpectedUnknown when the approach's pattern is unknown;
	// Counted is false when the role has records but no expectation row.
	Matched, Expected, FromFailed int
	Counted                       bool
	WallSumMs, CPUSumMs           int64
	WallPerRecord, CPUPerRecord   float64
	MissingTiming                 int
}

// MatchedText is "10/10", "10/10 (+6 of failed batches)", "3/?" .
func (l BillingLine) MatchedText() string {
	if !l.Counted {
		return fmt.Sprintf("%d/?", l.Matched)
	}
	s := fmt.Sprintf("%d/%s", l.Matched, expectedText(l.Expected))
	if l.FromFailed > 0 {
		s += fmt.Sprintf(" (+%d of failed batches)", l.FromFailed)
	}
	return s
}

// BillingLines are the run's billed records per cell and role, by
// duration, then the plan's approach order, then role (the approach's
// roles first, harness last); nil without billing.
func BillingLines(r *Results) []BillingLine {
	b := r.Billing
	if b == nil {
		return nil
	}
	counts := map[string]billing.Count{}
	for _, c := range b.Counts {
		counts[fmt.Sprintf("%s/%d/%d/%s", c.Approach, c.DurationMs, c.Concurrency, c.Role)] = c
	}
	cells := append([]billing.CellFigures(nil), b.Cells...)
	sortCells(cells, r.Plan)
	var out []BillingLine
	for _, c := range cells {
		roles := append([]billing.RoleFigures(nil), c.Roles...)
		sort.SliceStable(roles, func(i, j int) bool { return billing.RoleRank(roles[i].Role) < billing.RoleRank(roles[j].Role) })
		for _, rf := range roles {
			cnt := counts[fmt.Sprintf("%s/%d/%d/%s", c.Approach, c.DurationMs, c.Concurrency, rf.Role)]
			l := BillingLine{DurationMs: c.DurationMs, Approach: approachLabel(c.Approach, c.Concurrency), Role: rf.Role, Harness: billing.IsHarness(rf.Role),
				Matched: rf.Count, WallSumMs: rf.WallTimeMs.Sum, CPUSumMs: rf.CPUTimeMs.Sum, WallPerRecord: rf.WallTimeMs.Mean,
				CPUPerRecord: rf.CPUTimeMs.Mean, MissingTiming: rf.MissingTiming}
			if cnt.Role != "" {
				l.Counted, l.Expected, l.FromFailed = true, cnt.Expected, cnt.FromFailedBatches
				l.Matched -= cnt.FromFailedBatches
			}
			out = append(out, l)
		}
	}
	return out
}
