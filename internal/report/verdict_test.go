package report

import (
	"strings"
	"testing"

	"github.com/pfx-tui/pfx-tui/internal/billing"
)

func TestVerdictFromBilling(t *testing.T) {
	t.Parallel()
	v := BuildVerdict(withBilling(fixture("ver001", 0)), "results/x.json")
	if v.Kind != VerdictCost || !v.Emulated {
		t.Fatalf("kind %s emulated %v", v.Kind, v.Emulated)
	}
	if len(v.Durations) != 2 {
		t.Fatalf("durations: %+v", v.Durations)
	}
	for _, d := range v.Durations {
		if d.Cheapest != "direct" || len(d.Others) != 1 || d.Others[0].Approach != "simple" || d.Others[0].Delta <= 0 {
			t.Errorf("%dms: %+v", d.DurationMs, d)
		}
	}
	if got := v.Durations[0].CostText(); got != "direct $0.310; simple +$4.03" {
		t.Errorf("100ms: %q", got)
	}
	if len(v.BreakEvens) != 1 || v.BreakEvens[0].Approach != "simple" || !v.BreakEvens[0].Extrapolated || !strings.HasPrefix(v.BreakEvens[0].Short, "cheaper above ≈2.62s") {
		t.Errorf("break-evens: %+v", v.BreakEvens)
	}
	if len(v.AllowanceBreakEvens) != 1 || v.AllowanceBreakEvens[0].Short != "cheaper above ≈406ms" {
		t.Errorf("allowance break-evens: %+v", v.AllowanceBreakEvens)
	}
	// The cheapest row is marked in the cost lines the tables use.
	for _, l := range CostLines(withBilling(fixture("ver001", 0))) {
		if l.Cheapest != (l.Approach == "direct") {
			t.Errorf("%s @ %d: cheapest = %v", l.Approach, l.DurationMs, l.Cheapest)
		}
	}
}

// A duration with a cell whose billing is not usable gets no cheapest
// approach: that cell might have been the cheaper one.
func TestVerdictNeverFromIncompleteCells(t *testing.T) {
	t.Parallel()
	r := withBilling(fixture("ver002", 0))
	for i, c := range r.Billing.Costs {
		if c.Approach == "simple" && c.DurationMs == 1000 {
			c.Usable, c.DollarsPerMillionOps, c.Allowances = false, nil, billing.RegimeCost{}
			c.Billing.Status, c.Billing.Matched = billing.BillingIncomplete, 3
			r.Billing.Costs[i] = c
		}
	}
	v := BuildVerdict(r, "")
	if v.Kind != VerdictCost || len(v.Durations) != 2 {
		t.Fatalf("%+v", v)
	}
	if d := v.Durations[1]; d.Cheapest != "" || len(d.Others) != 0 || len(d.Missing) != 1 || !strings.HasPrefix(d.Missing[0], "simple incomplete") {
		t.Errorf("1s: %+v", d)
	}
	if got := v.Durations[1].CostText(); !strings.HasPrefix(got, "no verdict: simple incomplete") || strings.Contains(got, "$") {
		t.Errorf("1s text: %q", got)
	}
	for _, l := range CostLines(r) {
		if l.DurationMs == 1000 && l.Cheapest {
			t.Errorf("1s: %s marked cheapest beside an incomplete cell", l.Approach)
		}
	}
}

func TestVerdictWithoutUsableBilling(t *testing.T) {
	t.Parallel()
	v := BuildVerdict(fixture("ver003", 0), "results/ver003.json")
	if v.Kind != VerdictNoBilling || v.Hint != "pfx-tui billing results/ver003.json" || len(v.Fastest) != 2 {
		t.Fatalf("no billing: %+v", v)
	}
	if f := v.Fastest[0]; f.Approach != "direct" || len(f.Others) != 1 || !f.Others[0].Significant {
		t.Errorf("fastest at 100ms: %+v", f)
	}
	r := fixture("ver004", 0)
	r.Target.Embedded = true
	if v := BuildVerdict(r, "x.json"); strings.Contains(v.Hint, "pfx-tui billing") {
		t.Errorf("embedded target: billing cannot be refreshed, hint %q", v.Hint)
	}
	for _, keep := range []func(int) bool{func(int) bool { return false }, func(i int) bool { return i%3 == 0 }} {
		r := withBillingKept(fixture("ver005", 0), keep)
		v := BuildVerdict(r, "")
		if v.Kind != VerdictIncomplete || len(v.Durations) != 0 || len(v.BreakEvens) != 0 || !strings.HasPrefix(v.Title(), "no verdict: ") {
			t.Errorf("incomplete: %+v", v)
		}
		for _, l := range v.TextLines() {
			if strings.Contains(l, "$") || strings.Contains(l, "break-even") {
				t.Errorf("incomplete billing gave a cost verdict: %s", l)
			}
		}
	}
}
