package billing

import (
	"fmt"
	"math"
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
	// CostModel names the cost model's revision (CostModelVersion); a file
	// without it was costed by an older pfx-tui, whose rows written per op
	// undercounted (Recost replaces them).
	CostModel string `json:"costModel,omitempty"`
	// CostOptions are what Costs include: harness, the allowances regime's
	// monthly volume, the completeness threshold.
	CostOptions CostOptions `json:"costOptions"`
	// Complete: every expected record of the measured batches is in.
	Complete bool    `json:"complete"`
	Counts   []Count `json:"counts"`
	// Cells are the measured (non-warmup) records per cell and role.
	Cells []CellFigures `json:"cells"`
	// Costs have a cost only for cells whose billing is usable; BreakEvens
	// (list prices at the margin) and AllowanceBreakEvens (within the
	// monthly allowances) are derived from those cells only.
	Costs               []CellCost  `json:"costs"`
	BreakEvens          []BreakEven `json:"breakEvens"`
	AllowanceBreakEvens []BreakEven `json:"allowanceBreakEvens"`
	// Assumptions are the cost model's assumptions, one line each.
	Assumptions []string `json:"assumptions"`
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
	r.Recost(c.opts.Cost)
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

// CostModelVersion names the cost model's revision: rows written counted
// with setAlarm, delete and deleteAlarm; service-binding calls without a
// request fee; completeness-gated verdicts; two regimes.
const CostModelVersion = "2"

// Recost derives Costs, both regimes' break-evens and the assumptions
// from the report's cells, counts and prices with the given options (zero
// fields: the defaults). A report of an older cost model first gets this
// model's rows written per op.
func (r *Report) Recost(o CostOptions) {
	o = o.WithDefaults()
	if r.CostModel != CostModelVersion {
		r.Prices.RowsWrittenPerOp = DefaultRowsWrittenPerOp()
		r.CostModel = CostModelVersion
	}
	r.CostOptions = o
	r.Costs = []CellCost{}
	for _, f := range r.Cells {
		if f.Ops > 0 {
			r.Costs = append(r.Costs, CostOf(f, CompletenessOf(CountsAt(r.Counts, f.Concurrency), f.Approach, f.DurationMs, o.MinMatched), r.Prices, o))
		}
	}
	CompareToDirect(r.Costs)
	r.BreakEvens, r.AllowanceBreakEvens = BreakEvens(r.Costs, r.Prices, o)
	r.Assumptions = Assumptions(r.Prices, o, r.approaches())
}

func (r *Report) approaches() []string {
	var out []string
	for _, c := range r.Cells {
		if !slices.Contains(out, c.Approach) {
			out = append(out, c.Approach)
		}
	}
	return out
}

// Usable reports whether any cell has a cost (and so any verdict may be
// printed).
func (r *Report) Usable() bool {
	for _, c := range r.Costs {
		if c.Usable {
			return true
		}
	}
	return false
}

// Assumptions are the cost model's assumptions, one line each, for the
// approaches listed.
func Assumptions(p Prices, o CostOptions, approaches []string) []string {
	o = o.WithDefaults()
	rows := make([]string, 0, len(approaches))
	for _, a := range approaches {
		rows = append(rows, a+" "+RowsBasis(a, p.RowsWrittenPerOp[a]))
	}
	harness := "harness excluded: the controller DO (its batch invocation, WebSocket upgrade and messages, opDone calls), the WebSocket entry and the delay upstream exist only to measure; --include-harness adds them"
	if o.IncludeHarness {
		harness = "harness included (--include-harness): the controller DO (its batch invocation, WebSocket upgrade and messages at 1/20, opDone calls), the WebSocket entry request and the delay upstream's CPU are added to every approach"
	}
	return []string{
		fmt.Sprintf("billing: a cell's cost, savings and break-even are shown only when ≥ %.0f%% of its expected Logpush records matched", o.MinMatched*100),
		"DO duration: each origin or orchestrator object's invocation intervals (EventTimestampMs, WallTimeMs) merged where they overlap, so ops in flight together on one object (--concurrency) are billed once; with one op at a time that is Σ WallTimeMs; nothing else keeps an object from hibernating except direct-timer's modelled idle tail",
		fmt.Sprintf("regime margin: list prices of %s for every unit, as if the account's monthly allowances were used up elsewhere", p.Date),
		fmt.Sprintf("regime allowances: %s ops a month of this workload alone on a Workers Paid account; only usage above the included %s DO requests, %s DO GB-s, %s Worker requests, %s Worker CPU-ms and %s rows written is billed; the $5 monthly subscription is not counted (--monthly-ops changes the volume)",
			human(o.MonthlyOps), human(p.Included.DORequests), human(p.Included.DOGBs), human(p.Included.WorkersRequests), human(p.Included.WorkersCPUMs), human(p.Included.SQLiteRowsWritten)),
		"rows written per op are counted from workers/src, not measured (Logpush has no storage figures): " + strings.Join(rows, ", ") + "; reads ($0.001 per million rows) are left out",
		"service-binding calls (the executor, the delay upstream) add no Worker request fee, CPU is billed (" + PageWorkersPricing + "); Durable Object requests are counted from the records: RPC calls and alarms 1 each, WebSocket messages 1/20 (" + PageDOPricing + ")",
		fmt.Sprintf("extrapolation: a break-even is solved from the quantities per op interpolated linearly between measured durations and, beyond them, extended from the nearest one along the least-squares slope of all of them, never past %s (the executor fetches in waitUntil, at most 30 s after its response: %s)", fmtMs(ExecutorLimitMs), PageWorkersLimits),
		harness,
	}
}

// notes are the caveats a reader needs to trust the figures; c.mu is held.
func (c *Collector) notes(aggs []*cellAgg) []string {
	p := c.prices
	notes := []string{
		fmt.Sprintf("prices as of %s: %s", p.Date, p.Source),
		fmt.Sprintf("DO duration = the union of each origin and orchestrator object's invocation intervals / 1000 × %g GB, plus the modelled idle time of a pending timer (direct-timer); see the assumptions", p.DOMemoryGB),
	}
	notes = append(notes, LifecycleRules()...)
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
		notes = append(notes, fmt.Sprintf("untagged records are attributed by batch window ± %s (client clock, server offset %.0f ms)", time.Duration(c.guardMs*float64(time.Millisecond)), math.Round(c.opts.ClockOffsetMs)+0))
	}
	return notes
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

// Human prints a volume the way the price pages do: 10 M, 400,000, 25 B.
func Human(x float64) string { return human(x) }
