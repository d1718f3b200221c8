package analytics

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/billing"
	"github.com/pfx-tui/pfx-tui/internal/experiment"
)

// SourceAnalytics is the billing source name.
const SourceAnalytics = "analytics"

// RoleWorker labels the Worker script's figures (workersInvocationsAdaptive):
// the executor, the router and the delay upstream together.
const RoleWorker = "worker"

// Report is the "analytics" section of the results file: what Cloudflare
// billed per cell, from per-minute rows, with every row it used.
type Report struct {
	Source   string `json:"source"`
	Emulated bool   `json:"emulated"`
	// Endpoint is the GraphQL URL queried (never a token).
	Endpoint      string    `json:"endpoint"`
	ScriptName    string    `json:"scriptName"`
	MinuteMs      int64     `json:"minuteMs"`
	ClockOffsetMs float64   `json:"clockOffsetMs"`
	From          time.Time `json:"from"`
	To            time.Time `json:"to"`
	// Complete: each cell has rows for every Durable Object role it is
	// expected to invoke (at least one row in the minutes it owns; single
	// minutes are not checked, see Collector.Progress), the window has
	// closed, and two polls after that, started at least the settle gap
	// apart (SettleGap), read the same rows.
	Complete   bool                `json:"complete"`
	Namespaces []Namespace         `json:"namespaces"`
	Counts     []billing.Count     `json:"counts"`
	Cells      []CellBilled        `json:"cells"`
	Warmup     *CellBilled         `json:"warmup,omitempty"`
	Costs      []billing.CellCost  `json:"costs"`
	BreakEvens []billing.BreakEven `json:"breakEvens"`
	// CostOptions are what Costs include (--include-harness, --monthly-ops),
	// the same options as the Logpush figures' (billing.Report.CostOptions).
	CostOptions billing.CostOptions `json:"costOptions"`
	// AllowanceBreakEvens are the break-evens within the monthly allowances.
	AllowanceBreakEvens []billing.BreakEven `json:"allowanceBreakEvens"`
	Prices              billing.Prices      `json:"prices"`
	// Comparisons put billed active time next to Logpush's Σ WallTimeMs
	// (when both sources were read).
	Comparisons []Comparison  `json:"comparisons,omitempty"`
	Minutes     []MinuteOwner `json:"minutes"`
	// Rows are the raw minute rows used: the experiment's namespaces and
	// script, inside the window.
	Rows []Row `json:"rows"`
	// Unattributed sums rows of shared minutes, which no cell is given.
	Unattributed []RoleBilled `json:"unattributed,omitempty"`
	Dropped      []string     `json:"dropped,omitempty"`
	Truncated    []string     `json:"truncated,omitempty"`
	Warnings     []string     `json:"warnings"`
	Notes        []string     `json:"notes"`
}

// CellBilled is one cell's billed figures over the minutes it owns.
type CellBilled struct {
	Approach   string `json:"approach"`
	DurationMs int    `json:"durationMs"`
	// Concurrency: the cell's ops in flight (0: no such dimension).
	Concurrency   int `json:"concurrency,omitempty"`
	Batches       int `json:"batches"`
	FailedBatches int `json:"failedBatches,omitempty"`
	Ops           int `json:"ops"`
	// Minutes owned (quiet ones included), ActiveMinutes those its batches
	// ran in, SharedMinutes those it shared with another owner (left out).
	Minutes       int          `json:"minutes"`
	ActiveMinutes int          `json:"activeMinutes"`
	SharedMinutes int          `json:"sharedMinutes,omitempty"`
	Roles         []RoleBilled `json:"roles"`
	PerOp         BilledPerOp  `json:"perOp"`
	// HarnessPerOp are the measurement harness's quantities per op: the
	// controller's billed figures and the harness's Worker side (Logpush's
	// entry and delay upstream, or with WorkerFrom analytics the model's
	// WebSocket upgrade requests: the script's CPU is all in PerOp then).
	// --include-harness adds them to the cost.
	HarnessPerOp BilledPerOp `json:"harnessPerOp"`
	// WorkerFrom says where the cost's Worker CPU and requests come from:
	// "logpush" (the executor's own records) or "analytics" (the whole
	// script: executor, router and delay upstream).
	WorkerFrom string `json:"workerFrom"`
}

// RoleBilled is one role's sums (a Durable Object role, or RoleWorker).
type RoleBilled struct {
	Role string `json:"role"`
	// ActiveTimeUs is billed active time (Durable Objects), µs.
	ActiveTimeUs float64 `json:"activeTimeUs,omitempty"`
	// GBs is ActiveTimeUs as billed duration, assumed: s × DOMemoryGB
	// (the dataset's own GB-s field, duration, is not queried).
	GBs         float64 `json:"gbs,omitempty"`
	CPUTimeUs   float64 `json:"cpuTimeUs,omitempty"`
	RowsRead    float64 `json:"rowsRead,omitempty"`
	RowsWritten float64 `json:"rowsWritten,omitempty"`
	Requests    float64 `json:"requests"`
	// MinutesWithData counts minutes with a row for this role.
	MinutesWithData int `json:"minutesWithData"`
}

// ActiveMs is billed active time in ms.
func (r RoleBilled) ActiveMs() float64 { return r.ActiveTimeUs / 1000 }

// Cell is the cell the figures belong to.
func (c CellBilled) Cell() experiment.Cell {
	return experiment.Cell{Approach: c.Approach, DurationMs: c.DurationMs, Concurrency: c.Concurrency}
}

// Role finds one role's figures.
func (c CellBilled) Role(role string) (RoleBilled, bool) {
	for _, r := range c.Roles {
		if r.Role == role {
			return r, true
		}
	}
	return RoleBilled{}, false
}

// BilledPerOp are the billed quantities per op of one cell: Durable Object
// roles of the approach (origin, orchestrator; the controller is harness),
// and the Worker's figures. The cost model takes them via Components.
type BilledPerOp struct {
	DOActiveMs     float64 `json:"doActiveMs"`
	DOGBs          float64 `json:"doGbs"`
	DORequests     float64 `json:"doRequests"`
	RowsRead       float64 `json:"rowsRead"`
	RowsWritten    float64 `json:"rowsWritten"`
	WorkerCPUMs    float64 `json:"workerCpuMs"`
	WorkerRequests float64 `json:"workerRequests"`
}

// Components are the per-op figures in the cost model's terms.
func (b BilledPerOp) Components() billing.CostComponents {
	return billing.CostComponents{DOGBs: b.DOGBs, DORequests: b.DORequests, WorkerCPUMs: b.WorkerCPUMs,
		WorkerRequests: b.WorkerRequests, SQLiteRowsWritten: b.RowsWritten}
}

// LoggedWorker gives a cell's Worker quantities per op from Logpush under
// the cost model's rules (billing.WorkerPerOp): the executor's as the
// approach's own, the entry's and the delay upstream's as harness (used for
// the Worker side of the cost when present). The cell includes its
// concurrency, so K = 1 and K = 4 each get their own records.
type LoggedWorker func(cell experiment.Cell) (own, harness billing.CostComponents, ok bool)

// Options configure a Collector.
type Options struct {
	Unit          time.Duration
	ClockOffsetMs float64
	ScriptName    string
	Endpoint      string
	Emulated      bool
	Namespaces    []Namespace
	// NamespaceError is why the account's namespaces could not be listed
	// when --do-namespace named some and the run went on with those only.
	NamespaceError string
	// Roles map classes to roles (only to name the class to pass to
	// --do-namespace for a role without a namespace); nil means
	// billing.DefaultRoles.
	Roles  billing.Roles
	Prices *billing.Prices
	// Expectations say which roles a batch of an approach invokes; nil
	// means billing.WorkersExpectations.
	Expectations billing.Expectations
	// Cost chooses what the costs include (harness, monthly volume), as
	// for the Logpush figures; the zero value means the defaults.
	Cost billing.CostOptions
}

// Collector holds the latest rows of each dataset for one run and turns
// them into progress and a report. Safe for concurrent use.
type Collector struct {
	opts    Options
	tl      Timeline
	batches []experiment.BatchResult
	byNS    map[string]Namespace
	prices  billing.Prices

	mu      sync.Mutex
	rows    map[string][]Row
	dropped []string
	trunc   []string
	settled bool
}

// MarkSettled records that the data stopped changing after the window
// closed (the poller's judgement); Report is complete only then.
func (c *Collector) MarkSettled(settled bool) {
	c.mu.Lock()
	c.settled = settled
	c.mu.Unlock()
}

// NewCollector prepares attribution for a run's batches.
func NewCollector(batches []experiment.BatchResult, opts Options) *Collector {
	c := &Collector{opts: opts, batches: batches, byNS: map[string]Namespace{}, rows: map[string][]Row{}}
	c.tl = NewTimeline(batches, opts.Unit, opts.ClockOffsetMs)
	for _, ns := range opts.Namespaces {
		c.byNS[ns.ID] = ns
	}
	if opts.Prices != nil {
		c.prices = *opts.Prices
	} else {
		c.prices = billing.DefaultPrices()
	}
	if c.opts.Expectations == nil {
		c.opts.Expectations = billing.WorkersExpectations()
	}
	if c.opts.Roles == nil {
		c.opts.Roles = billing.DefaultRoles()
	}
	return c
}

// Timeline is the run's minute attribution.
func (c *Collector) Timeline() Timeline { return c.tl }

// Set replaces one dataset's rows with a fresh fetch's, keeping only the
// experiment's namespaces (or script) inside the window; it reports how
// many rows were kept and whether they differ from the previous ones.
func (c *Collector) Set(dataset string, res Result) (kept int, changed bool) {
	var keep []Row
	for _, r := range res.Rows {
		if r.Minute.Before(c.tl.From) || r.Minute.After(c.tl.To) {
			continue
		}
		switch r.Dataset {
		case DatasetWorkers:
			if c.opts.ScriptName != "" && r.ScriptName != c.opts.ScriptName {
				continue
			}
		default:
			if _, ok := c.byNS[r.NamespaceID]; !ok {
				continue
			}
		}
		keep = append(keep, r)
	}
	SortRows(keep)
	c.mu.Lock()
	defer c.mu.Unlock()
	changed = !rowsEqual(c.rows[dataset], keep)
	c.rows[dataset] = keep
	for _, d := range res.Dropped {
		if !slices.Contains(c.dropped, d) {
			c.dropped = append(c.dropped, d)
		}
	}
	if res.Truncated && !slices.Contains(c.trunc, dataset) {
		c.trunc = append(c.trunc, dataset)
	}
	return len(keep), changed
}

func rowsEqual(a, b []Row) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if !x.Minute.Equal(y.Minute) || x.Dataset != y.Dataset || x.NamespaceID != y.NamespaceID || x.ScriptName != y.ScriptName || len(x.Sum) != len(y.Sum) {
			return false
		}
		for k, v := range x.Sum {
			if w, ok := y.Sum[k]; !ok || w != v {
				return false
			}
		}
	}
	return true
}

// RowCount is how many rows are held.
func (c *Collector) RowCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, rs := range c.rows {
		n += len(rs)
	}
	return n
}

// acc sums rows for one owner.
type acc struct {
	roles   map[string]*RoleBilled
	minutes map[string]map[time.Time]bool // role → minutes with data
}

func newAcc() *acc {
	return &acc{roles: map[string]*RoleBilled{}, minutes: map[string]map[time.Time]bool{}}
}

func (a *acc) role(r string) *RoleBilled {
	if a.roles[r] == nil {
		a.roles[r] = &RoleBilled{Role: r}
		a.minutes[r] = map[time.Time]bool{}
	}
	return a.roles[r]
}

func (a *acc) add(role string, row Row, memGB float64) {
	rb := a.role(role)
	s := row.Sum
	switch row.Dataset {
	case DatasetPeriodic:
		rb.ActiveTimeUs += s[FieldActiveTime]
		rb.GBs += s[FieldActiveTime] / 1e6 * memGB
		rb.CPUTimeUs += s[FieldCPUTime]
		rb.RowsRead += s[FieldRowsRead]
		rb.RowsWritten += s[FieldRowsWritten]
		if s[FieldActiveTime] > 0 {
			a.minutes[role][row.Minute] = true
		}
	case DatasetDOInvocations:
		rb.Requests += s[FieldRequests]
	case DatasetWorkers:
		rb.Requests += s[FieldRequests]
		rb.CPUTimeUs += s[FieldCPUTimeUs]
		if s[FieldRequests] > 0 {
			a.minutes[role][row.Minute] = true
		}
	}
}

func (a *acc) list() []RoleBilled {
	var out []RoleBilled
	for r, rb := range a.roles {
		x := *rb
		x.MinutesWithData = len(a.minutes[r])
		out = append(out, x)
	}
	sort.Slice(out, func(i, j int) bool { return roleRank(out[i].Role) < roleRank(out[j].Role) })
	return out
}

func roleRank(r string) int {
	if r == RoleWorker {
		return billing.RoleRank(billing.RoleExecutor)
	}
	return billing.RoleRank(r)
}

// roleOfRow is the role a row counts for.
func (c *Collector) roleOfRow(r Row) string {
	if r.Dataset == DatasetWorkers {
		return RoleWorker
	}
	return c.byNS[r.NamespaceID].Role
}

// sums folds the held rows per owner; c.mu is held.
func (c *Collector) sums() (byOwner map[Owner]*acc, unattributed *acc) {
	byOwner = map[Owner]*acc{}
	unattributed = newAcc()
	for _, rows := range c.rows {
		for _, r := range rows {
			role := c.roleOfRow(r)
			o, ok := c.tl.Owned(r.Minute)
			if !ok {
				unattributed.add(role, r, c.prices.DOMemoryGB)
				continue
			}
			if byOwner[o] == nil {
				byOwner[o] = newAcc()
			}
			byOwner[o].add(role, r, c.prices.DOMemoryGB)
		}
	}
	return byOwner, unattributed
}

// cellMinutes counts a cell's owned, active and shared minutes.
func (c *Collector) cellMinutes(o Owner) (owned, active, shared int, activeSet []time.Time) {
	label := o.Label()
	for _, m := range c.tl.Minutes {
		if len(m.Shared) > 0 {
			if slices.Contains(m.Shared, label) {
				shared++
			}
			continue
		}
		if m.Owner == o {
			owned++
			if m.Active {
				active++
				activeSet = append(activeSet, m.Minute)
			}
		}
	}
	return
}

// expectedRoles are the Durable Object roles a cell's batches invoke, by
// the expectations alone: a role whose namespace was not found is still
// expected (and so missing). An approach without expectations (a new mode)
// is expected to reach the origin and the controller, as every approach of
// the experiment does.
func (c *Collector) expectedRoles(approach string, ops int) []string {
	exp, known := c.opts.Expectations.For(approach, max(ops, 1))
	var out []string
	for _, r := range []string{billing.RoleOrigin, billing.RoleOrchestrator, billing.RoleController} {
		if known && exp[r] > 0 || !known && r != billing.RoleOrchestrator {
			out = append(out, r)
		}
	}
	return out
}

// hasNamespace reports whether some namespace read plays role.
func (c *Collector) hasNamespace(role string) bool {
	for _, ns := range c.byNS {
		if ns.Role == role {
			return true
		}
	}
	return false
}

// unnamed lists, in role order, the roles some cell is expected to invoke
// that no namespace read plays: their rows can never arrive.
func (c *Collector) unnamed() []string {
	var out []string
	for _, cell := range c.cells() {
		for _, r := range c.expectedRoles(cell.Approach, cell.Ops) {
			if !c.hasNamespace(r) && !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	slices.SortFunc(out, func(a, b string) int { return billing.RoleRank(a) - billing.RoleRank(b) })
	return out
}

// noNamespace says why a role has no namespace and what to pass.
func (c *Collector) noNamespace(role string) string {
	var classes []string
	for class, r := range c.opts.Roles {
		if r == role {
			classes = append(classes, class)
		}
	}
	sort.Strings(classes)
	class := "Class"
	if len(classes) > 0 {
		class = classes[0]
	}
	why := fmt.Sprintf("no Durable Object namespace of script %q has role %s", c.opts.ScriptName, role)
	if c.opts.NamespaceError != "" {
		why += " (listing the namespaces failed: " + c.opts.NamespaceError + ")"
	}
	return why + ": name it with --do-namespace " + class + "=ID"
}

// Arrived reports whether every row that can arrive has: complete when
// each cell has rows for every role it is expected to invoke; otherwise
// blocked names what is short when that is only roles without a namespace,
// whose rows no poll can bring ("" when waiting longer may help).
func (c *Collector) Arrived() (complete bool, blocked string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.progress()
	if p.Complete {
		return true, ""
	}
	if len(p.Counts) == 0 {
		return false, ""
	}
	unnamed := c.unnamed()
	for _, cnt := range p.Counts {
		if cnt.Short() && !slices.Contains(unnamed, cnt.Role) {
			return false, ""
		}
	}
	var why []string
	for _, r := range unnamed {
		why = append(why, c.noNamespace(r))
	}
	return false, strings.Join(why, "; ")
}

// cells lists the measured cells (approach, duration, concurrency) with
// their batches folded, in the order billing's reports use
// (billing.SortCells).
func (c *Collector) cells() []CellBilled {
	idx := map[experiment.Cell]int{}
	var out []CellBilled
	for _, b := range c.batches {
		if b.Warmup {
			continue
		}
		k := b.Cell()
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, CellBilled{Approach: k.Approach, DurationMs: k.DurationMs, Concurrency: k.Concurrency})
		}
		out[i].Batches++
		if b.Status == experiment.StatusOK {
			out[i].Ops += b.Ops
		} else {
			out[i].FailedBatches++
			out[i].Ops += b.OpsSeen
		}
	}
	billing.SortCells(out, CellBilled.Cell)
	return out
}

// Progress counts, per cell and Durable Object role the cell invokes,
// whether its minutes have any row yet (1 of 1): the settle wait's
// progress. That is all it checks: a minute in which a cell ran need not
// hold every role (a batch may only dial in its first minute, and a
// batch's end as this machine saw it can fall just past the minute its
// last invocation ended in), so single minutes are not required to have
// rows. Rows still missing for some minute are what the settle gap
// (SettleGap) waits out.
func (c *Collector) Progress() billing.Progress {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.progress()
}

func (c *Collector) progress() billing.Progress {
	byOwner, _ := c.sums()
	p := billing.Progress{RecordsRead: 0, Complete: true, ScriptName: c.opts.ScriptName}
	for _, rs := range c.rows {
		p.RecordsRead += len(rs)
	}
	for _, cell := range c.cells() {
		a := byOwner[CellOwner(cell.Cell())]
		for _, role := range c.expectedRoles(cell.Approach, cell.Ops) {
			n := 0
			if a != nil && len(a.minutes[role]) > 0 {
				n = 1
			}
			cnt := billing.Count{Approach: cell.Approach, DurationMs: cell.DurationMs, Concurrency: cell.Concurrency, Role: role, Matched: n, Expected: 1}
			if cnt.Short() {
				p.Complete = false
			}
			p.Counts = append(p.Counts, cnt)
		}
	}
	if len(p.Counts) == 0 {
		p.Complete = false
	}
	p.Warnings = c.warnings()
	p.RecordsForScript = p.RecordsRead
	return p
}

// Report computes the analytics section from the rows held.
func (c *Collector) Report(logged LoggedWorker) Report {
	c.mu.Lock()
	defer c.mu.Unlock()
	byOwner, unattributed := c.sums()
	prog := c.progress()
	r := Report{
		Source:        SourceAnalytics,
		Emulated:      c.opts.Emulated,
		Endpoint:      c.opts.Endpoint,
		ScriptName:    c.opts.ScriptName,
		MinuteMs:      c.tl.Unit.Milliseconds(),
		ClockOffsetMs: c.opts.ClockOffsetMs,
		From:          c.tl.From,
		To:            c.tl.To,
		Complete:      prog.Complete && c.settled,
		Namespaces:    slices.Clone(c.opts.Namespaces),
		Counts:        prog.Counts,
		Cells:         []CellBilled{},
		Costs:         []billing.CellCost{},
		Prices:        c.prices,
		Minutes:       c.tl.Minutes,
		Dropped:       slices.Clone(c.dropped),
		Truncated:     slices.Clone(c.trunc),
		Warnings:      prog.Warnings,
	}
	if r.Namespaces == nil {
		r.Namespaces = []Namespace{}
	}
	if r.Counts == nil {
		r.Counts = []billing.Count{}
	}
	if r.Warnings == nil {
		r.Warnings = []string{}
	}
	for _, ds := range []string{DatasetPeriodic, DatasetDOInvocations, DatasetWorkers} {
		r.Rows = append(r.Rows, c.rows[ds]...)
	}
	SortRows(r.Rows)
	if r.Rows == nil {
		r.Rows = []Row{}
	}
	for _, cell := range c.cells() {
		o := CellOwner(cell.Cell())
		cell.Minutes, cell.ActiveMinutes, cell.SharedMinutes, _ = c.cellMinutes(o)
		a := byOwner[o]
		if a == nil {
			a = newAcc()
		}
		cell.Roles = a.list()
		if cell.Roles == nil {
			cell.Roles = []RoleBilled{}
		}
		cell.WorkerFrom = SourceAnalytics
		if logged != nil {
			if own, harness, ok := logged(cell.Cell()); ok {
				cell.WorkerFrom = billing.SourceLogpush
				cell.PerOp.WorkerCPUMs, cell.PerOp.WorkerRequests = own.WorkerCPUMs, own.WorkerRequests
				cell.HarnessPerOp.WorkerCPUMs, cell.HarnessPerOp.WorkerRequests = harness.WorkerCPUMs, harness.WorkerRequests
			}
		}
		c.perOp(&cell)
		r.Cells = append(r.Cells, cell)
		if cell.Ops > 0 {
			r.Costs = append(r.Costs, c.cost(cell, prog.Counts))
		}
	}
	if a := byOwner[Owner{Warmup: true}]; a != nil {
		w := CellBilled{Approach: "warmup", Roles: a.list(), WorkerFrom: SourceAnalytics}
		w.Minutes, w.ActiveMinutes, w.SharedMinutes, _ = c.cellMinutes(Owner{Warmup: true})
		r.Warmup = &w
	}
	if u := unattributed.list(); len(u) > 0 {
		r.Unattributed = u
	}
	r.Recost(c.opts.Cost)
	r.Notes = c.notes()
	return r
}

// Recost prices the costs again with the given options (zero fields: the
// defaults), as billing.Report.Recost does for the Logpush figures: both
// regimes, savings against direct and break-evens. Which cells are usable
// does not change.
func (r *Report) Recost(o billing.CostOptions) {
	o = o.WithDefaults()
	r.CostOptions = o
	for i := range r.Costs {
		r.Costs[i].Price(r.Prices, o)
	}
	billing.CompareToDirect(r.Costs)
	r.BreakEvens, r.AllowanceBreakEvens = billing.BreakEvens(r.Costs, r.Prices, o)
}

// perOp fills a cell's billed per-op figures.
func (c *Collector) perOp(cell *CellBilled) {
	if cell.Ops <= 0 {
		return
	}
	ops := float64(cell.Ops)
	p, h := &cell.PerOp, &cell.HarnessPerOp
	if cell.WorkerFrom == SourceAnalytics {
		// The script's CPU (harness included) is in PerOp; its billed
		// requests are the model's, as for the approach's own (below).
		h.WorkerRequests = billing.ModelHarnessWorkerRequests(cell.Approach, cell.Batches, cell.Ops)
	}
	for _, rb := range cell.Roles {
		switch rb.Role {
		case billing.RoleOrigin, billing.RoleOrchestrator:
			p.addDO(rb, ops)
		case billing.RoleController:
			h.addDO(rb, ops)
		case RoleWorker:
			if cell.WorkerFrom == SourceAnalytics {
				p.WorkerCPUMs = rb.CPUTimeUs / 1000 / ops
				// Not rb.Requests: workersInvocationsAdaptive counts every
				// invocation of the script (the router's WebSocket upgrade,
				// the executor and the SELF delay upstream alike) and cannot
				// tell the calls made through service bindings, which add no
				// request fee (billing.PageWorkersPricing), from the others.
				// The billed requests are the cost model's count, as
				// billing.CostOf's roleQuantities bills them.
				p.WorkerRequests = billing.ModelWorkerRequests(cell.Approach)
			}
		}
	}
}

// addDO adds a Durable Object role's billed figures per op.
func (b *BilledPerOp) addDO(rb RoleBilled, ops float64) {
	b.DOActiveMs += rb.ActiveMs() / ops
	b.DOGBs += rb.GBs / ops
	b.DORequests += rb.Requests / ops
	b.RowsRead += rb.RowsRead / ops
	b.RowsWritten += rb.RowsWritten / ops
}

// cost gathers a cell's billed per-op figures and what is missing for a
// verdict; Report.Recost prices them.
func (c *Collector) cost(cell CellBilled, counts []billing.Count) billing.CellCost {
	cc := billing.CellCost{Approach: cell.Approach, DurationMs: cell.DurationMs, Concurrency: cell.Concurrency, Ops: cell.Ops, PerOp: cell.PerOp.Components(), HarnessPerOp: cell.HarnessPerOp.Components(),
		Billing: billing.CompletenessOf(billing.CountsAt(counts, cell.Concurrency), cell.Approach, cell.DurationMs, billing.DefaultMinMatched)}
	// No data, no verdict: the same completeness rule as the logged figures,
	// and minutes that can still grow are not a bill yet.
	if cc.Billing.Status != billing.BillingComplete {
		cc.Missing = append(cc.Missing, "analytics rows for the cell's roles: "+cc.Billing.String())
	}
	if !c.settled {
		cc.Missing = append(cc.Missing, "settled minutes (refresh later with pfx-tui billing FILE --source analytics)")
	}
	for _, role := range c.expectedRoles(cell.Approach, cell.Ops) {
		if !c.hasNamespace(role) {
			cc.Missing = append(cc.Missing, role+" rows: "+c.noNamespace(role))
		}
	}
	if _, ok := cell.Role(billing.RoleOrigin); !ok {
		cc.Missing = append(cc.Missing, "origin activeTime (no analytics rows for the cell's minutes)")
	}
	if slices.Contains(c.dropped, DatasetPeriodic+"."+FieldRowsWritten) {
		cc.Missing = append(cc.Missing, "rowsWritten (the API did not know the field)")
	}
	// A result cut at the row limit may lack the cell's minutes, whichever
	// they are (rows come in minute order, but a cut says nothing more).
	for _, ds := range []string{DatasetPeriodic, DatasetDOInvocations} {
		if slices.Contains(c.trunc, ds) {
			cc.Missing = append(cc.Missing, fmt.Sprintf("%s rows (the answer was cut at its limit of %d rows)", ds, RowLimit))
		}
	}
	// The Worker side, when the cost takes it from analytics: the whole
	// script's requests and CPU, which every batch goes through.
	if cell.WorkerFrom == SourceAnalytics {
		if slices.Contains(c.dropped, DatasetWorkers+"."+FieldCPUTimeUs) {
			cc.Missing = append(cc.Missing, "Worker CPU (the API did not know "+DatasetWorkers+"."+FieldCPUTimeUs+")")
		}
		if slices.Contains(c.trunc, DatasetWorkers) {
			cc.Missing = append(cc.Missing, fmt.Sprintf("Worker requests and CPU (%s was cut at its limit of %d rows)", DatasetWorkers, RowLimit))
		}
		if w, ok := cell.Role(RoleWorker); !ok || w.MinutesWithData == 0 {
			cc.Missing = append(cc.Missing, "Worker requests and CPU (no "+DatasetWorkers+" rows in the cell's minutes)")
		}
	}
	if cell.SharedMinutes > 0 && cell.Minutes == 0 {
		cc.Missing = append(cc.Missing, "minutes of its own (every minute was shared with another cell)")
	}
	// No dollar figure for a cell with anything missing; Report.Recost
	// prices the others as the logged figures are (billing.CellCost.Price).
	cc.Usable = len(cc.Missing) == 0
	return cc
}

// warnings are what the user can act on; c.mu is held.
func (c *Collector) warnings() []string {
	var w []string
	if len(c.byNS) == 0 {
		w = append(w, fmt.Sprintf("no Durable Object namespace of script %q was found: check --script (the deployed Worker's name) or name them with --do-namespace Class=ID", c.opts.ScriptName))
	} else {
		if c.opts.NamespaceError != "" {
			w = append(w, "listing the account's Durable Object namespaces failed ("+c.opts.NamespaceError+"): only those named with --do-namespace are read")
		}
		for _, r := range c.unnamed() {
			w = append(w, c.noNamespace(r)+"; cells that invoke it are not costed")
		}
	}
	if n, ex := c.tl.SharedCount(); n > 0 {
		w = append(w, fmt.Sprintf("%d minute(s) held batches of more than one cell or of warmup (first: %s) and are attributed to nobody: run with --order minute so every cell owns whole minutes", n, ex))
	}
	for _, d := range c.trunc {
		w = append(w, fmt.Sprintf("%s returned %d rows, its limit: later minutes may be missing", d, RowLimit))
	}
	for _, d := range c.dropped {
		w = append(w, fmt.Sprintf("the API does not know %s: it was left out of the query and its figures are missing", d))
	}
	return w
}

func (c *Collector) notes() []string {
	p := c.prices
	unit := c.tl.Unit
	notes := []string{
		fmt.Sprintf("billed figures are Cloudflare's per-minute sums (%s): a cell owns every minute from its first batch until the next cell starts, quiet minute included, so what it leaves behind (a pending timer, a late alarm) is its own", unitText(unit)),
		fmt.Sprintf("DO duration is assumed to be activeTime (µs the object was active or could not hibernate) / 10⁶ × %g GB: the billed GB-s are the periodic dataset's duration field, which is not queried; DO roles of an approach are origin and orchestrator, the controller is harness", p.DOMemoryGB),
		"DO requests are durableObjectsInvocationsAdaptiveGroups requests of the approach's namespaces; rows read/written are durableObjectsPeriodicGroups sums (SQLite-backed objects), not estimates",
		"durableObjectsInvocationsAdaptiveGroups and workersInvocationsAdaptive are sampled datasets (Adaptive in the name: https://developers.cloudflare.com/analytics/graphql-api/sampling/): their requests and CPU are estimates from a sample when Cloudflare samples, exact otherwise",
		"Worker CPU: workersInvocationsAdaptive counts the whole script (executor, router, delay upstream); where Logpush was read too and that cell's Logpush billing is complete, the cost takes the executor's own records instead, priced as the Logpush cost prices them (workerFrom)",
		"Worker requests: calls through service bindings (the executor, the SELF delay upstream) add no request fee (" + billing.PageWorkersPricing + "); workersInvocationsAdaptive cannot tell them from other requests, so the billed Worker requests per op are the cost model's count (none for an approach's own calls), not the script's invocations (roles[worker].requests)",
		"harness (--include-harness adds it): the controller namespace's billed figures, and the harness's Worker side: Logpush's entry and delay upstream records with workerFrom logpush; with workerFrom analytics the model's billed requests (the WebSocket upgrade, one per batch), the script's CPU being all counted as the approach's already",
		"rows read are reported but not priced (" + fmt.Sprintf("$%g per million", p.SQLiteRowsReadPerMillion) + ", below the table's precision)",
	}
	if unit != time.Minute {
		notes = append(notes, fmt.Sprintf("the local target emulates analytics with %s minutes so a run takes seconds; Cloudflare's are one minute", unit))
	}
	return notes
}

func unitText(unit time.Duration) string {
	if unit == time.Minute {
		return "one row per namespace and minute"
	}
	return "one row per namespace and " + unit.String() + " emulated minute"
}

// RolesWithData counts the cell roles that have analytics rows (matched)
// out of those expected.
func (r Report) RolesWithData() (matched, expected int) { return RolesWithData(r.Counts) }

// RolesWithData sums analytics count rows (a report's, or a poll's
// progress): the cell roles with rows out of those expected.
func RolesWithData(counts []billing.Count) (matched, expected int) {
	for _, c := range counts {
		matched += c.Matched
		expected += c.Expected
	}
	return matched, expected
}

// Describe sums a report in one line.
func (r Report) Describe() string {
	matched, expected := r.RolesWithData()
	state := "settled"
	if !r.Complete {
		state = "INCOMPLETE"
	}
	return fmt.Sprintf("%d rows; %d of %d cell roles with data; %s", len(r.Rows), matched, expected, strings.ToLower(state))
}
