package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pfx-tui/pfx-tui/internal/analytics"
	"github.com/pfx-tui/pfx-tui/internal/billing"
	"github.com/pfx-tui/pfx-tui/internal/report"
)

// The cost command refuses what it cannot do.
func TestCostCommandUsage(t *testing.T) {
	for _, args := range [][]string{
		{"cost"},
		{"cost", "--example", "x.json"},
		{"cost", "--example", "--format", "csv"},
		{"cost", "--example", "--monthly-ops", "0"},
		{"cost", "--example", "--durations", "bogus"},
	} {
		var o, e bytes.Buffer
		if code := Main(context.Background(), args, IOStreams{Stdout: &o, Stderr: &e, Env: map[string]string{}}); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, e.String())
		}
	}
	var o, e bytes.Buffer
	if code := Main(context.Background(), []string{"cost", "--example", "--brief", "--monthly-ops", "1e6", "--durations", "1s"}, IOStreams{Stdout: &o, Stderr: &e, Env: map[string]string{}}); code != 0 ||
		!strings.Contains(o.String(), "1 M ops/month") || strings.Contains(o.String(), "Rows written per op") {
		t.Errorf("brief example: exit %d\n%s%s", code, o.String(), e.String())
	}
}

// --monthly-ops and --include-harness re-price the billed (analytics)
// table of a saved run as they re-price the logged one: given the same
// quantities per op, both tables agree under any options.
func TestCostFlagsRecostBilledAndLogged(t *testing.T) {
	t.Parallel()
	r, err := report.Load(filepath.Join("..", "..", "docs", "examples", "local-run.json"))
	if err != nil {
		t.Fatal(err)
	}
	a := &analytics.Report{Source: analytics.SourceAnalytics, Complete: true, MinuteMs: 60000, Prices: r.Billing.Prices, Cells: []analytics.CellBilled{}}
	for _, c := range r.Billing.Costs {
		a.Cells = append(a.Cells, analytics.CellBilled{Approach: c.Approach, DurationMs: c.DurationMs, Ops: c.Ops, WorkerFrom: billing.SourceLogpush})
		a.Costs = append(a.Costs, billing.CellCost{Approach: c.Approach, DurationMs: c.DurationMs, Ops: c.Ops, Billing: c.Billing,
			Usable: c.Usable, PerOp: c.PerOp, HarnessPerOp: c.HarnessPerOp})
	}
	a.Recost(billing.CostOptions{})
	r.Analytics = a
	path := filepath.Join(t.TempDir(), "both.json")
	if err := report.Save(path, r); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		var o, e bytes.Buffer
		if code := Main(context.Background(), append([]string{"report", path}, args...), IOStreams{Stdout: &o, Stderr: &e, Env: map[string]string{}}); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, e.String())
		}
		return o.String()
	}
	totals := func(args ...string) (logged, billed []float64) {
		t.Helper()
		var got report.Results
		if err := json.Unmarshal([]byte(run(append([]string{"--format", "json"}, args...)...)), &got); err != nil {
			t.Fatal(err)
		}
		if got.Analytics == nil || len(got.Analytics.Costs) != len(got.Billing.Costs) {
			t.Fatalf("%v: analytics %+v", args, got.Analytics)
		}
		for i, c := range got.Billing.Costs {
			b := got.Analytics.Costs[i]
			logged = append(logged, c.DollarsPerMillionOps.Total, c.Allowances.DollarsPerMillionOps.Total)
			billed = append(billed, b.DollarsPerMillionOps.Total, b.Allowances.DollarsPerMillionOps.Total)
		}
		return logged, billed
	}
	l0, b0 := totals()
	for _, args := range [][]string{{"--monthly-ops", "1e6"}, {"--include-harness"}} {
		l, b := totals(args...)
		changed := false
		for i := range l {
			if l[i] != b[i] {
				t.Errorf("%v: figure %d logged $%v, billed $%v", args, i, l[i], b[i])
			}
			changed = changed || l[i] != l0[i] || b[i] != b0[i]
		}
		if !changed {
			t.Errorf("%v changed no figure", args)
		}
	}
	txt := run("--monthly-ops", "1e6", "--include-harness")
	billed := txt[strings.Index(txt, "cost per million ops from billed figures"):]
	for _, want := range []string{"1 M ops/month", "harness included", "allowances $/M ops", "break-even (billed, allowances at 1 M ops/month)"} {
		if !strings.Contains(billed, want) {
			t.Errorf("billed table lacks %q:\n%s", want, billed)
		}
	}
}
