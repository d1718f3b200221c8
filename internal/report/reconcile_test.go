package report

import (
	"strings"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/analytics"
	"github.com/pfx-tui/pfx-tui/internal/billing"
)

func billedResults() *Results {
	ratio := 1.43
	cost := func(a string, total float64) billing.CellCost {
		c := billing.CellCost{Approach: a, DurationMs: 1000, Ops: 10, Usable: true}
		c.DollarsPerMillionOps = &billing.Dollars{Total: total, DODuration: total}
		return c
	}
	return &Results{
		Plan: PlanInfo{Approaches: []string{"direct", "simple"}, DurationsMs: []int{1000}},
		Billing: &billing.Report{Complete: true, Costs: []billing.CellCost{cost("direct", 16), cost("simple", 2.5)},
			BreakEvens: []billing.BreakEven{{Approach: "simple", Statement: "logged statement"}}},
		Analytics: &analytics.Report{Source: analytics.SourceAnalytics, Complete: true, MinuteMs: 60000, ScriptName: "pfx-experiment",
			From: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 1, 12, 6, 0, 0, time.UTC),
			Namespaces: []analytics.Namespace{{ID: "a", Class: "OriginDO", Role: "origin"}},
			Counts:     []billing.Count{{Approach: "direct", DurationMs: 1000, Role: "origin", Matched: 1, Expected: 1}},
			Cells: []analytics.CellBilled{
				{Approach: "simple", DurationMs: 1000, Ops: 10, Minutes: 2, ActiveMinutes: 1, WorkerFrom: "logpush",
					PerOp: analytics.BilledPerOp{DOActiveMs: 12, RowsWritten: 2, DORequests: 2}},
				{Approach: "direct", DurationMs: 1000, Ops: 10, Minutes: 3, ActiveMinutes: 2, SharedMinutes: 1, WorkerFrom: "logpush",
					PerOp: analytics.BilledPerOp{DOActiveMs: 1430, DOGBs: 0.183, DORequests: 1},
					Roles: []analytics.RoleBilled{{Role: analytics.RoleWorker, CPUTimeUs: 5000, Requests: 12}}},
			},
			Costs:      []billing.CellCost{cost("direct", 23), cost("simple", 2.6)},
			BreakEvens: []billing.BreakEven{{Approach: "simple", Statement: "billed statement"}},
			Comparisons: []analytics.Comparison{{Approach: "direct", DurationMs: 1000, Role: "origin", BilledActiveMs: 14300, LoggedWallMs: 10000,
				Invocations: 10, Ratio: &ratio, Flagged: true, Causes: []string{analytics.CauseTimers}}},
		},
	}
}

func TestBilledSections(t *testing.T) {
	t.Parallel()
	r := billedResults()
	a := AnalyticsSection(r)
	for _, want := range []string{"billing from analytics", "1 of 1 cell roles with data", "1 min minutes", "settled", "3 (2 active) +1 shared", "1430.0", "0.500", "OriginDO→origin"} {
		if !strings.Contains(a, want) {
			t.Errorf("analytics section lacks %q:\n%s", want, a)
		}
	}
	if strings.Index(a, "direct") > strings.Index(a, "simple  ") {
		t.Errorf("cells not in plan order:\n%s", a)
	}
	v := BilledVsLoggedSection(r)
	for _, want := range []string{"billed vs logged", "14300", "10000", "1.43", "⚠ 1", "billed 1.43× logged", "pending timer"} {
		if !strings.Contains(v, want) {
			t.Errorf("billed vs logged lacks %q:\n%s", want, v)
		}
	}
	c := BilledCostSection(r)
	for _, want := range []string{"from billed figures", "billed statement", "logged $/M ops", "+$7.000", "verdict source: analytics (billed figures are complete)"} {
		if !strings.Contains(c, want) {
			t.Errorf("billed cost lacks %q:\n%s", want, c)
		}
	}
	var md strings.Builder
	if err := WriteMarkdown(&md, r); err != nil || !strings.Contains(md.String(), "### Billed (GraphQL Analytics)") || !strings.Contains(md.String(), "billed vs logged") {
		t.Errorf("markdown: %v\n%s", err, md.String())
	}
	if costs, src, ok := PreferredCosts(r); src != analytics.SourceAnalytics || !ok || costs[0].DollarsPerMillionOps.Total != 23 {
		t.Errorf("preferred %s %v", src, ok)
	}
	if be := PreferredBreakEvens(r); be[0].Statement != "billed statement" {
		t.Errorf("break-evens %v", be)
	}
	// Not settled: the verdict takes Logpush's figures and says why.
	r.Analytics.Complete = false
	if _, src, _ := PreferredCosts(r); src != billing.SourceLogpush {
		t.Errorf("incomplete analytics preferred: %s", src)
	}
	if c := BilledCostSection(r); !strings.Contains(c, "verdict source: logpush (analytics have not settled") {
		t.Errorf("verdict line:\n%s", c)
	}
	if !strings.Contains(AnalyticsSection(r), "INCOMPLETE") {
		t.Error("incomplete analytics not said")
	}
	// Without analytics nothing renders; without Logpush no comparison.
	r.Billing = nil
	if BilledVsLoggedSection(r) != "" {
		t.Error("comparison without Logpush")
	}
	r.Analytics = nil
	if AnalyticsSection(r)+BilledCostSection(r) != "" {
		t.Error("sections without analytics")
	}
	if JoinSections("", "a\n\n", "", "b") != "a\n\nb\n" || JoinSections("", "") != "" {
		t.Errorf("join %q", JoinSections("", "a\n\n", "", "b"))
	}
}

// With --concurrency 1,4 the billed sections print one row per cell, K
// included, and set each billed cost beside the logged cost of the same K.
func TestBilledSectionsKeepConcurrencyApart(t *testing.T) {
	t.Parallel()
	cost := func(k int, total float64) billing.CellCost {
		c := billing.CellCost{Approach: "direct", DurationMs: 1000, Concurrency: k, Ops: 10, Usable: true}
		c.DollarsPerMillionOps = &billing.Dollars{Total: total, DODuration: total}
		return c
	}
	r := &Results{
		Plan:    PlanInfo{Approaches: []string{"direct"}, DurationsMs: []int{1000}, Concurrency: []int{1, 4}},
		Billing: &billing.Report{Complete: true, Costs: []billing.CellCost{cost(1, 10), cost(4, 3)}},
		Analytics: &analytics.Report{Source: analytics.SourceAnalytics, Complete: true, MinuteMs: 60000,
			Cells: []analytics.CellBilled{
				{Approach: "direct", DurationMs: 1000, Concurrency: 4, Ops: 10, WorkerFrom: "analytics"},
				{Approach: "direct", DurationMs: 1000, Concurrency: 1, Ops: 10, WorkerFrom: "logpush"},
			},
			Costs: []billing.CellCost{cost(4, 4), cost(1, 12)},
		},
	}
	a := AnalyticsSection(r)
	if i, j := strings.Index(a, "direct ×1"), strings.Index(a, "direct ×4"); i < 0 || j < i {
		t.Errorf("analytics section: K=1 and K=4 rows, in that order:\n%s", a)
	}
	c := BilledCostSection(r)
	for _, want := range []string{"direct ×1", "direct ×4", "+$2.000", "+$1.000", "logpush", "analytics"} {
		if !strings.Contains(c, want) {
			t.Errorf("billed cost lacks %q:\n%s", want, c)
		}
	}
	// Only K=1 against K=1 (12 − 10) and K=4 against K=4 (4 − 3): no cross pairs.
	if strings.Contains(c, "−$6.000") || strings.Contains(c, "+$9.000") {
		t.Errorf("billed cost paired cells of different concurrency:\n%s", c)
	}
}
