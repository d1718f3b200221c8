package billing

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Report is the billing section of the results file ("billing"): what was
// read, how it was attributed, what each cell's invocations cost and where
// proxying starts to pay. Every figure a headline rests on is included so a
// reader can recompute it.
type Report struct {
	// Source is where the records came from: "logpush", "tail", …
	Source string `json:"source"`
	// Emulated is set by the caller when the records come from the local
	// emulator: the figures then show the method, not Cloudflare's bill.
	Emulated      bool    `json:"emulated"`
	ScriptName    string  `json:"scriptName,omitempty"`
	ClockOffsetMs float64 `json:"clockOffsetMs"`
	GuardMs       float64 `json:"guardMs"`
	Prices        Prices  `json:"prices"`
	// Complete: every expected record of the measured batches is in.
	Complete bool    `json:"complete"`
	Counts   []Count `json:"counts"`
	// Cells are the measured (non-warmup) records per cell and role.
	Cells      []CellFigures `json:"cells"`
	Costs      []CellCost    `json:"costs"`
	BreakEvens []BreakEven   `json:"breakEvens"`
	// Warmup holds the warmup batches' records, kept out of every figure above.
	Warmup []CellFigures `json:"warmup"`
	// Harness totals the measured batches' harness roles (controller,
	// upstream, entry), which no approach's cost includes.
	Harness  []RoleFigures `json:"harness"`
	Records  RecordCounts  `json:"records"`
	Files    FileCounts    `json:"files"`
	Warnings []string      `json:"warnings"`
	Notes    []string      `json:"notes"`
}

// Report computes the billing section from everything added so far; it
// can be called again as more records arrive.
func (c *Collector) Report() Report {
	c.mu.Lock()
	defer c.mu.Unlock()
	aggs := c.aggregate(c.cells, false)
	rows, complete := c.counts(aggs)
	r := Report{
		Source:        c.opts.Source,
		ScriptName:    c.opts.ScriptName,
		ClockOffsetMs: c.opts.ClockOffsetMs,
		GuardMs:       c.guardMs,
		Prices:        c.prices,
		Complete:      complete,
		Counts:        rows,
		Cells:         []CellFigures{},
		Costs:         []CellCost{},
		Warmup:        []CellFigures{},
		Harness:       []RoleFigures{},
		Files:         c.files,
		Warnings:      c.warnings(aggs, rows),
	}
	if r.Counts == nil {
		r.Counts = []Count{}
	}
	if r.Warnings == nil {
		r.Warnings = []string{}
	}
	r.Files.Problems = slices.Clone(c.files.Problems)
	harness := map[string]*roleAcc{}
	measured := 0
	for _, a := range aggs {
		f := a.figures()
		r.Cells = append(r.Cells, f)
		if f.Ops > 0 {
			r.Costs = append(r.Costs, CostOf(f, c.prices))
		}
		for role, acc := range a.roles {
			measured += acc.count
			if IsHarness(role) {
				if harness[role] == nil {
					harness[role] = &roleAcc{}
				}
				harness[role].merge(acc)
			}
		}
	}
	for _, role := range sortedRoles(harness) {
		r.Harness = append(r.Harness, harness[role].figures(role))
	}
	warm := 0
	for _, a := range c.aggregate(c.warmCells, true) {
		f := a.figures()
		r.Warmup = append(r.Warmup, f)
		for _, x := range f.Roles {
			warm += x.Count
		}
	}
	CompareToDirect(r.Costs)
	r.BreakEvens = BreakEvens(r.Costs)
	others := 0
	for _, n := range c.otherScripts {
		others += n
	}
	r.Records = RecordCounts{
		Read:              c.read,
		Unique:            c.unique,
		Duplicates:        c.duplicates,
		ByTag:             c.byTag,
		ByWindow:          c.byWindow,
		Ambiguous:         c.ambiguous,
		Measured:          measured,
		Warmup:            warm,
		Unattributed:      c.unattributed,
		ForeignTags:       c.foreignTags,
		OtherScripts:      others,
		OtherScriptNames:  copyCounts(c.otherScripts),
		UnknownEntrypoint: copyCounts(c.unknownEP),
	}
	r.Notes = c.notes(aggs)
	return r
}

// notes are the caveats a reader needs to trust the cost figures; c.mu is held.
func (c *Collector) notes(aggs []*cellAgg) []string {
	p := c.prices
	notes := []string{
		fmt.Sprintf("prices as of %s: %s", p.Date, p.Source),
		fmt.Sprintf("dollars per million ops are marginal list prices: the monthly included allowances (%s Worker requests, %s Worker CPU-ms, %s DO requests, %s DO GB-s, %s SQLite rows written) are ignored",
			human(p.Included.WorkersRequests), human(p.Included.WorkersCPUMs), human(p.Included.DORequests), human(p.Included.DOGBs), human(p.Included.SQLiteRowsWritten)),
		fmt.Sprintf("DO duration = Σ WallTimeMs of origin and orchestrator invocations / 1000 × %g GB; summing per-invocation WallTimeMs over-counts requests that overlap on one DO, which is billed once for that time", p.DOMemoryGB),
		"DO requests count every origin and orchestrator invocation (HTTP, RPC, alarm); Workers are not billed for wall time (waitUntil included), so the executor costs its CPUTimeMs and requests only",
		"SQLite rows written per op are estimates from the approaches' code, not measured: " + rowsList(p.RowsWrittenPerOp, aggs),
		"harness roles (controller, upstream, entry) are measurement infrastructure: excluded from each approach's cost, totalled under harness",
	}
	failed := map[string]int{}
	for _, b := range c.batches {
		if !b.ok && !b.warmup {
			failed[b.status]++
		}
	}
	if len(failed) > 0 {
		notes = append(notes, fmt.Sprintf("batches that did not finish (%s): their records are counted and their ops taken as far as the progress frames went, but no record is expected of them", countList(failed, 5)))
	}
	for _, a := range aggs {
		if !a.known {
			notes = append(notes, fmt.Sprintf("%s: how many records a batch produces is not known for this approach, so completeness cannot be judged for it", a.key.approach))
			break
		}
	}
	if c.guardMs > 0 {
		notes = append(notes, fmt.Sprintf("untagged records are attributed by batch window ± %s (client clock, server offset %.0f ms)", time.Duration(c.guardMs*float64(time.Millisecond)), c.opts.ClockOffsetMs))
	}
	return notes
}

// rowsList names the estimates of the run's approaches (those without one
// are named by their cost's Missing note).
func rowsList(m map[string]float64, aggs []*cellAgg) string {
	var keys []string
	for _, a := range aggs {
		if _, ok := m[a.key.approach]; ok && !slices.Contains(keys, a.key.approach) {
			keys = append(keys, a.key.approach)
		}
	}
	if len(keys) == 0 {
		return "none given (counted as 0)"
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %g", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// human prints allowance sizes as the price pages do: 10 M, 400,000, 25 B.
func human(x float64) string {
	switch {
	case x >= 1e9 && x == float64(int64(x/1e9))*1e9:
		return fmt.Sprintf("%g B", x/1e9)
	case x >= 1e6 && x == float64(int64(x/1e6))*1e6:
		return fmt.Sprintf("%g M", x/1e6)
	}
	s := fmt.Sprintf("%.0f", x)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// Savings is the fraction saved against direct at a duration (0.25 = 25 %
// cheaper), for threshold gates; false when either cost is unknown.
func (r Report) Savings(approach string, durationMs int) (float64, bool) {
	for _, c := range r.Costs {
		if c.Approach == approach && c.DurationMs == durationMs && c.SavingsFraction != nil {
			return *c.SavingsFraction, true
		}
	}
	return 0, false
}

// BreakEvenMs is the approach's break-even duration when it lies inside the
// measured range; extrapolations do not count as measurements.
func (r Report) BreakEvenMs(approach string) (float64, bool) {
	for _, b := range r.BreakEvens {
		if b.Approach == approach && b.InRange {
			return b.DurationMs, true
		}
	}
	return 0, false
}
