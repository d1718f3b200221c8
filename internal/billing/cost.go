package billing

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ReferenceApproach is the baseline every saving and break-even is
// measured against: the origin DO fetching for itself.
const ReferenceApproach = "direct"

// Cost regimes: what a million more ops cost at list prices (margin), and
// what they cost when the Workers Paid plan's monthly allowances absorb
// the first units (allowances), at a stated monthly volume.
const (
	RegimeMargin     = "margin"
	RegimeAllowances = "allowances"
)

// DefaultMonthlyOps is the monthly volume of the allowances regime unless
// --monthly-ops says otherwise: 10 M ops a month (about 4 a second).
const DefaultMonthlyOps = 10e6

// DefaultMinMatched is the share of a cell's expected Logpush records that
// must have been matched before its cost, savings and break-even are shown.
const DefaultMinMatched = 0.95

// ExecutorLimitMs bounds every extrapolation: the executor fetches inside
// ctx.waitUntil(), which Cloudflare lets run at most 30 s after the
// executor's response (PageWorkersLimits, "Duration"); the proxied
// approaches cannot serve longer fetches, so a break-even past it means
// nothing. (workers/src caps /delay at the same 30 s.)
const ExecutorLimitMs = 30_000

// CostOptions choose what the cost figures include. The zero value means
// the defaults (harness excluded, DefaultMonthlyOps, DefaultMinMatched).
type CostOptions struct {
	// IncludeHarness adds the measurement harness (the controller DO with
	// its opDone calls and the batch invocation, the WebSocket entry, the
	// delay upstream) to every approach's cost.
	IncludeHarness bool `json:"includeHarness"`
	// MonthlyOps is the monthly volume of the allowances regime.
	MonthlyOps float64 `json:"monthlyOps"`
	// MinMatched is the completeness threshold (matched / expected).
	MinMatched float64 `json:"minMatchedFraction"`
}

// WithDefaults fills zero fields.
func (o CostOptions) WithDefaults() CostOptions {
	if o.MonthlyOps <= 0 {
		o.MonthlyOps = DefaultMonthlyOps
	}
	if o.MinMatched <= 0 {
		o.MinMatched = DefaultMinMatched
	}
	return o
}

// CostComponents are the billable quantities per op.
type CostComponents struct {
	// DOGBs is Durable Object duration per op: Σ WallTimeMs of the DO
	// roles / 1000 × DOMemoryGB, plus DOIdleGBs.
	DOGBs float64 `json:"doGbs"`
	// DOIdleGBs is the part of DOGBs that no record shows: the model's idle
	// tail (direct-timer's pending timer).
	DOIdleGBs float64 `json:"doIdleGbs,omitempty"`
	// DORequests counts DO invocations (RPC, alarm, fetch; WebSocket
	// messages at 1/20) per op.
	DORequests float64 `json:"doRequests"`
	// WorkerCPUMs is Σ CPUTimeMs of Worker roles per op; Workers are not
	// billed for wall time.
	WorkerCPUMs float64 `json:"workerCpuMs"`
	// WorkerRequests counts billed Worker requests per op: none for calls
	// through a service binding.
	WorkerRequests    float64 `json:"workerRequests"`
	SQLiteRowsWritten float64 `json:"sqliteRowsWritten"`
}

// Plus adds two sets of quantities.
func (q CostComponents) Plus(o CostComponents) CostComponents {
	return CostComponents{DOGBs: q.DOGBs + o.DOGBs, DOIdleGBs: q.DOIdleGBs + o.DOIdleGBs, DORequests: q.DORequests + o.DORequests,
		WorkerCPUMs: q.WorkerCPUMs + o.WorkerCPUMs, WorkerRequests: q.WorkerRequests + o.WorkerRequests, SQLiteRowsWritten: q.SQLiteRowsWritten + o.SQLiteRowsWritten}
}

// Dollars are US dollars per million ops, by component.
type Dollars struct {
	DODuration        float64 `json:"doDuration"`
	DORequests        float64 `json:"doRequests"`
	WorkerCPU         float64 `json:"workerCpu"`
	WorkerRequests    float64 `json:"workerRequests"`
	SQLiteRowsWritten float64 `json:"sqliteRowsWritten"`
	Total             float64 `json:"total"`
}

// Price turns quantities per op into dollars per million ops. Margin:
// quantity × price per million units. Allowances: each month's usage at
// monthlyOps is billed only above the plan's included units, i.e. per op
// max(0, quantity − included / monthlyOps) × price, with this workload
// alone on the account (assumed) and the $5 subscription not counted.
func (q CostComponents) Price(p Prices, regime string, monthlyOps float64) Dollars {
	part := func(qty, price, included float64) float64 {
		if regime == RegimeAllowances && monthlyOps > 0 {
			qty = math.Max(0, qty-included/monthlyOps)
		}
		return qty * price
	}
	d := Dollars{
		DODuration:        part(q.DOGBs, p.DODurationPerMillionGBs, p.Included.DOGBs),
		DORequests:        part(q.DORequests, p.DORequestsPerMillion, p.Included.DORequests),
		WorkerCPU:         part(q.WorkerCPUMs, p.WorkersCPUPerMillionMs, p.Included.WorkersCPUMs),
		WorkerRequests:    part(q.WorkerRequests, p.WorkersRequestsPerMillion, p.Included.WorkersRequests),
		SQLiteRowsWritten: part(q.SQLiteRowsWritten, p.SQLiteRowsWrittenPerMillion, p.Included.SQLiteRowsWritten),
	}
	d.Total = d.DODuration + d.DORequests + d.WorkerCPU + d.WorkerRequests + d.SQLiteRowsWritten
	return d
}

// Billing completeness of a cell.
const (
	BillingComplete   = "complete"
	BillingIncomplete = "incomplete"
	BillingNoData     = "no billing data"
	BillingUnknown    = "expectations unknown"
)

// Completeness is how much of a cell's expected billing arrived.
type Completeness struct {
	Matched int `json:"matched"`
	// Expected is ExpectedUnknown when the approach's record pattern is not
	// known: then no figure is trusted enough for a verdict.
	Expected int     `json:"expected"`
	Fraction float64 `json:"fraction"`
	// Status is complete (≥ the threshold), incomplete, no billing data or
	// expectations unknown.
	Status string `json:"status"`
}

// String is "incomplete: 12/36 records" and the like.
func (c Completeness) String() string {
	switch c.Status {
	case BillingNoData:
		return BillingNoData
	case BillingUnknown:
		return fmt.Sprintf("%s (%d records)", BillingUnknown, c.Matched)
	}
	return fmt.Sprintf("%s: %d/%d records", c.Status, c.Matched, c.Expected)
}

// CompletenessOf sums one cell's matched and expected records over its
// roles (harness included: the counts the poller waits for); records of
// batches that did not finish are not expected and not counted.
func CompletenessOf(counts []Count, approach string, durationMs int, minMatched float64) Completeness {
	var c Completeness
	unknown := false
	for _, row := range counts {
		if row.Approach != approach || row.DurationMs != durationMs {
			continue
		}
		c.Matched += row.Matched - row.FromFailedBatches
		if row.Expected < 0 {
			unknown = true
		} else {
			c.Expected += row.Expected
		}
	}
	switch {
	case unknown:
		c.Expected, c.Status = ExpectedUnknown, BillingUnknown
	case c.Matched == 0:
		c.Status = BillingNoData
	case c.Expected == 0:
		c.Status = BillingUnknown
	default:
		c.Fraction = float64(c.Matched) / float64(c.Expected)
		c.Status = BillingIncomplete
		if c.Fraction >= minMatched {
			c.Status = BillingComplete
		}
	}
	return c
}

// RegimeCost is a cell's cost in one regime and how it compares with
// direct's. Dollars are nil when the cell's billing is not usable.
type RegimeCost struct {
	DollarsPerMillionOps *Dollars `json:"dollarsPerMillionOps,omitempty"`
	// SavingsVsDirect is direct's total minus this one's, in dollars per
	// million ops: positive means this approach is cheaper.
	SavingsVsDirect *float64 `json:"savingsVsDirectPerMillionOps,omitempty"`
	// SavingsFraction is SavingsVsDirect / direct's total (0.25 = 25 %
	// cheaper); RatioToDirect is this total / direct's.
	SavingsFraction *float64 `json:"savingsFraction,omitempty"`
	RatioToDirect   *float64 `json:"ratioToDirect,omitempty"`
}

// CellCost is what one cell's approach costs, per op and per million ops,
// and how that compares with direct at the same duration. The margin
// regime's fields sit at the top level; the allowances regime's under
// "allowances".
type CellCost struct {
	Approach   string `json:"approach"`
	DurationMs int    `json:"durationMs"`
	// Concurrency: the cell's ops in flight (0: no such dimension).
	Concurrency int          `json:"concurrency,omitempty"`
	Ops         int          `json:"ops"`
	Billing     Completeness `json:"billing"`
	// Usable: billing complete enough and every timing present, so dollar
	// figures, savings and break-even are derived; otherwise none is.
	Usable bool `json:"usable"`
	// PerOp are the approach's own quantities; HarnessPerOp the
	// measurement harness's, added to the dollars when HarnessIncluded.
	PerOp           CostComponents `json:"perOp"`
	HarnessPerOp    CostComponents `json:"harnessPerOp"`
	HarnessIncluded bool           `json:"harnessIncluded"`
	// RowsWrittenEstimated: rows written come from Prices.RowsWrittenPerOp
	// (counted from the code), not from the records.
	RowsWrittenEstimated bool `json:"rowsWrittenEstimated"`
	RegimeCost
	Allowances RegimeCost `json:"allowances"`
	// Missing names figures that could not be computed (no timing fields):
	// such a cell is not usable.
	Missing []string `json:"missing,omitempty"`
}

// Billed is the quantities the dollars are computed from.
func (c CellCost) Billed() CostComponents {
	if c.HarnessIncluded {
		return c.PerOp.Plus(c.HarnessPerOp)
	}
	return c.PerOp
}

// Regime returns the cell's cost in a regime.
func (c CellCost) Regime(regime string) RegimeCost {
	if regime == RegimeAllowances {
		return c.Allowances
	}
	return c.RegimeCost
}

// CostOf applies the price table to one cell's figures. Timing sums are
// scaled up by count/N when some records lack the field (mean × count),
// and named in Missing when none has it.
func CostOf(f CellFigures, comp Completeness, p Prices, o CostOptions) CellCost {
	o = o.WithDefaults()
	c := CellCost{Approach: f.Approach, DurationMs: f.DurationMs, Concurrency: f.Concurrency, Ops: f.Ops, Billing: comp, RowsWrittenEstimated: true, HarnessIncluded: o.IncludeHarness}
	if f.Ops <= 0 {
		c.Missing = append(c.Missing, "ops (no op finished)")
		return c
	}
	ops := float64(f.Ops)
	var own, harness CostComponents
	for _, r := range f.Roles {
		q, missing := roleQuantities(r, p)
		if IsHarness(r.Role) {
			harness = harness.Plus(q)
			if o.IncludeHarness {
				c.Missing = append(c.Missing, missing...)
			}
			continue
		}
		own = own.Plus(q)
		c.Missing = append(c.Missing, missing...)
	}
	per := func(q CostComponents) CostComponents {
		return CostComponents{DOGBs: q.DOGBs / ops, DORequests: q.DORequests / ops, WorkerCPUMs: q.WorkerCPUMs / ops, WorkerRequests: q.WorkerRequests / ops}
	}
	c.PerOp, c.HarnessPerOp = per(own), per(harness)
	if m, ok := ModelOf(f.Approach); ok && m.IdleTailMs > 0 {
		c.PerOp.DOIdleGBs = m.IdleTailMs / 1000 * p.DOMemoryGB
		c.PerOp.DOGBs += c.PerOp.DOIdleGBs
	}
	rows, ok := p.RowsWrittenPerOp[f.Approach]
	if !ok {
		c.Missing = append(c.Missing, "rowsWrittenPerOp."+f.Approach+" (counted as 0)")
	}
	c.PerOp.SQLiteRowsWritten = rows
	c.Usable = comp.Status == BillingComplete && c.timingComplete()
	c.Price(p, o)
	return c
}

// Price applies the price table to a cell's quantities per op in both
// regimes: Billed() (the harness added when o.IncludeHarness) at list
// prices, and within the monthly allowances at o.MonthlyOps. A cell that
// is not Usable gets no dollar figure. Savings are cleared: CompareToDirect
// fills them once every cell is priced. CostOf and the billed (analytics)
// costs both price through it, so the two tables follow the same options.
func (c *CellCost) Price(p Prices, o CostOptions) {
	o = o.WithDefaults()
	c.HarnessIncluded = o.IncludeHarness
	c.RegimeCost, c.Allowances = RegimeCost{}, RegimeCost{}
	if !c.Usable {
		return
	}
	q := c.Billed()
	m := q.Price(p, RegimeMargin, 0)
	a := q.Price(p, RegimeAllowances, o.MonthlyOps)
	c.DollarsPerMillionOps, c.Allowances.DollarsPerMillionOps = &m, &a
}

// roleQuantities prices nothing: it turns one role's records into billable
// quantities (not per op), by the kind of code that ran.
//
//   - Durable Object roles (origin, orchestrator, controller): every record
//     is a billed request (RPC session, alarm, fetch), incoming WebSocket
//     messages at 1/WebSocketMessagesPerRequest (PageDOPricing); duration is
//     Σ WallTimeMs × DOMemoryGB (for an origin or orchestrator, less
//     OverlapMs: the union of each object's invocations, so overlapping
//     ones bill once), except the controller's worker_rpc records
//     (opDone), which run while its batch invocation is open and share its
//     duration (PageDOPricing, footnote 4: billed once).
//   - Worker roles: CPUTimeMs is billed; the executor and the delay upstream
//     are reached through service bindings, which add no request fee
//     (PageWorkersPricing); the entry role (the default handler taking the
//     WebSocket upgrade) is one request per connection (PageWorkersPricing,
//     footnote 2).
func roleQuantities(r RoleFigures, p Prices) (q CostComponents, missing []string) {
	switch {
	case isDORole(r.Role) || r.Role == RoleController:
		ws := r.EventTypes[EventHibernatableWebSocket]
		q.DORequests = float64(r.Count-ws) + float64(ws)/WebSocketMessagesPerRequest
		if r.Count > 0 && r.WallTimeMs.N == 0 {
			missing = append(missing, r.Role+" WallTimeMs")
		}
		wall := scaled(r.WallTimeMs, r.Count)
		if isDORole(r.Role) {
			// Overlapping invocations of one object are billed once.
			wall -= float64(r.OverlapMs)
		}
		if r.Role == RoleController {
			wall -= float64(r.WallTimeMsByEvent[EventWorkerRPC])
		}
		q.DOGBs = math.Max(0, wall) / 1000 * p.DOMemoryGB
	case isWorkerRole(r.Role):
		if r.Count > 0 && r.CPUTimeMs.N == 0 {
			missing = append(missing, r.Role+" CPUTimeMs")
		}
		q.WorkerCPUMs = scaled(r.CPUTimeMs, r.Count)
		if r.Role == RoleEntry {
			q.WorkerRequests = float64(r.Count)
		}
	}
	return q, missing
}

// isWorkerRole: roles billed as Workers (CPU time; a request fee only for
// the entry, see roleQuantities).
func isWorkerRole(role string) bool {
	return role == RoleExecutor || role == RoleUpstream || role == RoleEntry
}

// WorkerPerOp are a cell's Worker quantities per op under the cost model's
// rules (roleQuantities): CPU time of the executor (the approach's own) and
// of the delay upstream and the entry (harness), and a request fee for the
// entry's invocations only: the executor and the delay upstream are reached
// through service bindings, which add no request fee (PageWorkersPricing).
// missing names the roles whose records lack CPUTimeMs.
func WorkerPerOp(f CellFigures) (own, harness CostComponents, missing []string) {
	if f.Ops <= 0 {
		return own, harness, []string{"ops (no op finished)"}
	}
	ops := float64(f.Ops)
	for _, r := range f.Roles {
		if !isWorkerRole(r.Role) {
			continue
		}
		q, m := roleQuantities(r, Prices{})
		missing = append(missing, m...)
		q = CostComponents{WorkerCPUMs: q.WorkerCPUMs / ops, WorkerRequests: q.WorkerRequests / ops}
		if IsHarness(r.Role) {
			harness = harness.Plus(q)
		} else {
			own = own.Plus(q)
		}
	}
	return own, harness, missing
}

// ModelWorkerRequests is the Worker requests per op of an approach that
// carry a request fee, for a source that counts a script's invocations
// without telling service-binding calls from others (GraphQL Analytics'
// workersInvocationsAdaptive): the model's count (ApproachModel.Requests),
// which is none for every approach, since each reaches the executor and the
// delay upstream through service bindings, which add no request fee
// (PageWorkersPricing). An approach the model does not know is taken to do
// the same, as roleQuantities bills no executor record a request.
func ModelWorkerRequests(approach string) float64 {
	m, _ := ModelOf(approach)
	_, worker, _, _ := m.Requests()
	return worker
}

// ModelHarnessWorkerRequests is the harness's Worker requests per op that
// carry a request fee, for a source that cannot tell service-binding calls
// from others (see ModelWorkerRequests): the model's harness calls per op
// (none: the delay upstream is a service-binding call) and
// HarnessWorkerRequestsPerBatch per batch, the WebSocket upgrade.
func ModelHarnessWorkerRequests(approach string, batches, ops int) float64 {
	if ops <= 0 {
		return 0
	}
	m, _ := ModelOf(approach)
	_, _, _, worker := m.Requests()
	return worker + float64(batches*HarnessWorkerRequestsPerBatch)/float64(ops)
}

// Logpush EventType values the cost model treats specially.
const (
	EventHibernatableWebSocket = "hibernatable_web_socket"
	EventWorkerRPC             = "worker_rpc"
)

func scaled(t Timing, count int) float64 {
	if t.N == 0 {
		return 0
	}
	if t.N == count {
		return float64(t.Sum)
	}
	return t.Mean * float64(count)
}

// timingComplete: a missing rows entry still leaves the timing figures
// usable (rows are counted from the code anyway).
func (c CellCost) timingComplete() bool {
	for _, m := range c.Missing {
		if !strings.HasPrefix(m, "rowsWrittenPerOp.") {
			return false
		}
	}
	return c.Ops > 0
}

// CompareToDirect fills the savings of every usable cell that has a usable
// direct cell at the same duration (and concurrency), in both regimes.
func CompareToDirect(costs []CellCost) {
	ref := map[[2]int]CellCost{}
	for _, c := range costs {
		if c.Approach == ReferenceApproach && c.Usable {
			ref[[2]int{c.DurationMs, c.Concurrency}] = c
		}
	}
	for i := range costs {
		c := &costs[i]
		r, ok := ref[[2]int{c.DurationMs, c.Concurrency}]
		if !ok || !c.Usable {
			continue
		}
		compare(&c.RegimeCost, r.RegimeCost)
		compare(&c.Allowances, r.Allowances)
	}
}

func compare(c *RegimeCost, ref RegimeCost) {
	if c.DollarsPerMillionOps == nil || ref.DollarsPerMillionOps == nil {
		return
	}
	rt, ct := ref.DollarsPerMillionOps.Total, c.DollarsPerMillionOps.Total
	s := rt - ct
	c.SavingsVsDirect = &s
	if rt > 0 {
		frac, ratio := s/rt, ct/rt
		c.SavingsFraction, c.RatioToDirect = &frac, &ratio
	}
}

// Break-even kinds: where (if anywhere) an approach starts to pay.
const (
	// BreakEvenInRange: the saving changes sign between two measured
	// durations (or is zero at one); DurationMs is interpolated.
	BreakEvenInRange = "in-range"
	// BreakEvenBelow: cheaper at every measured duration; extrapolating the
	// measured figures (least-squares slope) puts the break-even below the
	// range, at DurationMs.
	BreakEvenBelow = "below-range"
	// BreakEvenAbove: dearer at every measured duration; extrapolating puts
	// it above the range, at DurationMs (≤ ExecutorLimitMs).
	BreakEvenAbove = "above-range"
	// BreakEvenAlwaysCheaper: cheaper from 0 to ExecutorLimitMs.
	BreakEvenAlwaysCheaper = "always-cheaper"
	// BreakEvenNever: dearer, and the gap does not close with longer
	// durations (the saving does not grow).
	BreakEvenNever = "never"
	// BreakEvenBeyondLimit: dearer up to ExecutorLimitMs, though the gap
	// narrows: the proxied path cannot serve fetches that long.
	BreakEvenBeyondLimit = "beyond-limit"
	// BreakEvenUndetermined: one measured duration only.
	BreakEvenUndetermined = "undetermined"
)

// BreakEven is the upstream duration from which an approach costs the same
// as direct, in one regime: the headline answer to "when does proxying pay?".
type BreakEven struct {
	Approach string `json:"approach"`
	// Concurrency: the ops in flight of the cells it was solved from, each
	// against direct at the same concurrency (0: no such dimension).
	Concurrency int    `json:"concurrency,omitempty"`
	Regime      string `json:"regime"`
	// DurationMs is meaningful for the in-range, below-range and
	// above-range kinds; 0 otherwise.
	DurationMs float64 `json:"durationMs"`
	InRange    bool    `json:"inRange"`
	Kind       string  `json:"kind"`
	// CheaperAbove says on which side of DurationMs the approach is the
	// cheaper one (true: for longer upstream durations); false when there
	// is no DurationMs.
	CheaperAbove bool   `json:"cheaperAbove"`
	Statement    string `json:"statement"`
}

// QuantityPoint is an approach's and direct's billed quantities per op at
// one upstream duration: what a break-even is solved from.
type QuantityPoint struct {
	DurationMs float64
	Direct, Op CostComponents
}

// BreakEvens finds each approach's break-even against direct in both
// regimes, from the usable cells only, approaches in their order in costs.
func BreakEvens(costs []CellCost, p Prices, o CostOptions) (margin, allowances []BreakEven) {
	o = o.WithDefaults()
	type key struct {
		approach    string
		concurrency int
	}
	ref := map[[2]int]CostComponents{}
	for _, c := range costs {
		if c.Approach == ReferenceApproach && c.Usable {
			ref[[2]int{c.DurationMs, c.Concurrency}] = c.Billed()
		}
	}
	var order []key
	points := map[key][]QuantityPoint{}
	for _, c := range costs {
		d, ok := ref[[2]int{c.DurationMs, c.Concurrency}]
		if c.Approach == ReferenceApproach || !c.Usable || !ok {
			continue
		}
		k := key{c.Approach, c.Concurrency}
		if _, seen := points[k]; !seen {
			order = append(order, k)
		}
		points[k] = append(points[k], QuantityPoint{float64(c.DurationMs), d, c.Billed()})
	}
	margin, allowances = []BreakEven{}, []BreakEven{}
	for _, k := range order {
		name := k.approach
		if k.concurrency > 0 {
			name = fmt.Sprintf("%s ×%d", k.approach, k.concurrency)
		}
		m := SolveBreakEven(name, points[k], p, RegimeMargin, o.MonthlyOps)
		a := SolveBreakEven(name, points[k], p, RegimeAllowances, o.MonthlyOps)
		m.Approach, m.Concurrency, a.Approach, a.Concurrency = k.approach, k.concurrency, k.approach, k.concurrency
		margin, allowances = append(margin, m), append(allowances, a)
	}
	return margin, allowances
}

// quantitiesAt interpolates the measured quantities linearly between the
// measured durations; beyond them it extrapolates from the nearest measured
// point along the least-squares slope of all of them (one noisy cell then
// tilts the line less than a slope through the last two points would),
// never below zero.
func quantitiesAt(pts []QuantityPoint, d float64) (direct, op CostComponents) {
	if len(pts) == 1 {
		return pts[0].Direct, pts[0].Op
	}
	first, last := pts[0], pts[len(pts)-1]
	if d < first.DurationMs || d > last.DurationMs {
		from := first
		if d > last.DurationMs {
			from = last
		}
		dd := d - from.DurationMs
		sd, so := slopes(pts)
		return along(from.Direct, sd, dd), along(from.Op, so, dd)
	}
	i := 0
	for i+2 < len(pts) && d > pts[i+1].DurationMs {
		i++
	}
	a, b := pts[i], pts[i+1]
	w, dd := b.DurationMs-a.DurationMs, d-a.DurationMs
	return along(a.Direct, scale(minus(b.Direct, a.Direct), 1/w), dd), along(a.Op, scale(minus(b.Op, a.Op), 1/w), dd)
}

// slopes are the least-squares slopes (per ms) of every quantity over the
// measured durations, for direct and for the approach.
func slopes(pts []QuantityPoint) (direct, op CostComponents) {
	var mean float64
	for _, p := range pts {
		mean += p.DurationMs
	}
	mean /= float64(len(pts))
	var den float64
	var nd, no CostComponents
	for _, p := range pts {
		x := p.DurationMs - mean
		den += x * x
		nd = nd.Plus(scale(p.Direct, x))
		no = no.Plus(scale(p.Op, x))
	}
	if den == 0 {
		return CostComponents{}, CostComponents{}
	}
	return scale(nd, 1/den), scale(no, 1/den)
}

func scale(q CostComponents, k float64) CostComponents {
	return CostComponents{DOGBs: q.DOGBs * k, DOIdleGBs: q.DOIdleGBs * k, DORequests: q.DORequests * k,
		WorkerCPUMs: q.WorkerCPUMs * k, WorkerRequests: q.WorkerRequests * k, SQLiteRowsWritten: q.SQLiteRowsWritten * k}
}

func minus(a, b CostComponents) CostComponents { return a.Plus(scale(b, -1)) }

// along is q + slope × dd, each quantity kept ≥ 0.
func along(q, slope CostComponents, dd float64) CostComponents {
	r := q.Plus(scale(slope, dd))
	f := func(x float64) float64 { return math.Max(0, x) }
	return CostComponents{DOGBs: f(r.DOGBs), DOIdleGBs: f(r.DOIdleGBs), DORequests: f(r.DORequests),
		WorkerCPUMs: f(r.WorkerCPUMs), WorkerRequests: f(r.WorkerRequests), SQLiteRowsWritten: f(r.SQLiteRowsWritten)}
}

// SolveBreakEven finds where direct's cost minus the approach's changes
// sign, scanning 0 … ExecutorLimitMs in 1 ms steps over the interpolated
// (and, outside the measured range, extrapolated) quantities, priced in
// the regime. pts need not be sorted.
func SolveBreakEven(approach string, pts []QuantityPoint, p Prices, regime string, monthlyOps float64) BreakEven {
	pts = sortedPoints(pts)
	be := BreakEven{Approach: approach, Regime: regime}
	saving := func(d float64) float64 {
		ref, op := quantitiesAt(pts, d)
		s := ref.Price(p, regime, monthlyOps).Total - op.Price(p, regime, monthlyOps).Total
		if math.Abs(s) < 1e-12 {
			return 0
		}
		return s
	}
	first, last := pts[0].DurationMs, pts[len(pts)-1].DurationMs
	rng := "(" + fmtMs(first) + "–" + fmtMs(last) + ")"
	every := "every measured duration " + rng
	if len(pts) == 1 {
		every = "the only measured duration (" + fmtMs(first) + ")"
		be.Kind = BreakEvenUndetermined
		if s := saving(first); s > 0 {
			be.Statement = fmt.Sprintf("%s is cheaper than %s at %s; measure more durations to find a break-even", approach, ReferenceApproach, every)
		} else if s < 0 {
			be.Statement = fmt.Sprintf("%s costs more than %s at %s; measure more durations to find a break-even", approach, ReferenceApproach, every)
		} else {
			be.Kind, be.InRange, be.DurationMs = BreakEvenInRange, true, first
			be.Statement = fmt.Sprintf("%s costs the same as %s at %s (measured)", approach, ReferenceApproach, fmtMs(first))
		}
		return be
	}
	// An exact zero at a measured duration is a break-even there.
	for i, q := range pts {
		if saving(q.DurationMs) != 0 {
			continue
		}
		before, after := -1.0, 1.0
		if i > 0 {
			before = saving(pts[i-1].DurationMs)
		}
		if i+1 < len(pts) {
			after = saving(pts[i+1].DurationMs)
		}
		be.Kind, be.InRange, be.DurationMs = BreakEvenInRange, true, q.DurationMs
		be.CheaperAbove = after > 0 || before < 0
		be.Statement = fmt.Sprintf("%s costs the same as %s at %s (measured)", approach, ReferenceApproach, fmtMs(q.DurationMs))
		return be
	}
	// Sign changes inside the measured range, between measured durations.
	var inside []float64
	for i := 0; i+1 < len(pts); i++ {
		if d, ok := crossing(saving, pts[i].DurationMs, pts[i+1].DurationMs); ok {
			inside = append(inside, d)
		}
	}
	if len(inside) > 0 {
		d := inside[0]
		var a, b float64
		for i := 0; i+1 < len(pts); i++ {
			if pts[i].DurationMs <= d && d <= pts[i+1].DurationMs {
				a, b = pts[i].DurationMs, pts[i+1].DurationMs
				break
			}
		}
		be.Kind, be.InRange, be.DurationMs = BreakEvenInRange, true, d
		be.CheaperAbove = saving(b) > 0
		side := "cheaper above it, dearer below"
		if !be.CheaperAbove {
			side = "cheaper below it, dearer above"
		}
		be.Statement = fmt.Sprintf("%s breaks even with %s near %s (interpolated between %s and %s): %s",
			approach, ReferenceApproach, fmtMs(d), fmtMs(a), fmtMs(b), side)
		if n := signChanges(pts, saving); n > 1 {
			be.Statement += fmt.Sprintf("; the saving changes sign %d times across the range, so the figures are noisy", n)
		}
		return be
	}
	limit := fmtMs(ExecutorLimitMs)
	if saving(first) > 0 { // cheaper at every measured duration
		if d, ok := crossing(saving, 0, first); ok {
			be.Kind, be.DurationMs, be.CheaperAbove = BreakEvenBelow, d, true
			be.Statement = fmt.Sprintf("%s is cheaper than %s at %s; extrapolating the measured figures linearly (least-squares slope) it would break even near %s", approach, ReferenceApproach, every, fmtMs(d))
			return be
		}
		be.Kind = BreakEvenAlwaysCheaper
		be.Statement = fmt.Sprintf("%s is cheaper than %s at %s, and extrapolated down to 0ms", approach, ReferenceApproach, every)
		if d, ok := crossing(saving, last, ExecutorLimitMs); ok {
			be.Statement += fmt.Sprintf(" (extrapolated upwards it would turn dearer near %s)", fmtMs(d))
		}
		return be
	}
	// Dearer at every measured duration.
	if d, ok := crossing(saving, last, ExecutorLimitMs); ok {
		be.Kind, be.DurationMs, be.CheaperAbove = BreakEvenAbove, d, true
		be.Statement = fmt.Sprintf("%s costs more than %s at %s; extrapolating the measured figures linearly (least-squares slope) it would break even near %s (within the %s the executor path allows)",
			approach, ReferenceApproach, every, fmtMs(d), limit)
		return be
	}
	if saving(ExecutorLimitMs) > saving(ExecutorLimitMs-1) {
		be.Kind = BreakEvenBeyondLimit
		be.Statement = fmt.Sprintf("%s costs more than %s at %s; the gap narrows with longer durations but does not close within %s, the longest fetch the executor path allows (it fetches in waitUntil, which runs at most 30 s after the executor's response)",
			approach, ReferenceApproach, every, limit)
		return be
	}
	be.Kind = BreakEvenNever
	be.Statement = fmt.Sprintf("%s never breaks even with %s: it costs more at %s and the gap does not close with longer durations",
		approach, ReferenceApproach, every)
	return be
}

// crossing finds the first point in (from, to] where saving changes sign
// from its value at from, to 0.01 ms.
func crossing(saving func(float64) float64, from, to float64) (float64, bool) {
	s0 := saving(from)
	prev := from
	for d := math.Floor(from) + 1; ; d++ {
		if d > to {
			d = to
		}
		s := saving(d)
		if s == 0 || s0 == 0 || (s > 0) != (s0 > 0) {
			if s0 == 0 {
				return from, true
			}
			lo, hi := prev, d
			for hi-lo > 0.01 {
				mid := (lo + hi) / 2
				if sm := saving(mid); sm == 0 || (sm > 0) != (s0 > 0) {
					hi = mid
				} else {
					lo = mid
				}
			}
			return math.Round(hi*100) / 100, true
		}
		if d >= to {
			return 0, false
		}
		prev = d
	}
}

func signChanges(pts []QuantityPoint, saving func(float64) float64) int {
	n := 0
	for i := 0; i+1 < len(pts); i++ {
		a, b := saving(pts[i].DurationMs), saving(pts[i+1].DurationMs)
		if a != 0 && b != 0 && (a > 0) != (b > 0) {
			n++
		}
	}
	return n
}

func sortedPoints(pts []QuantityPoint) []QuantityPoint {
	out := append([]QuantityPoint(nil), pts...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].DurationMs < out[j-1].DurationMs; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// fmtMs prints a duration the way the plan's flags read: 230ms, 1s, 1.25s
// (seconds keep at most two decimals).
func fmtMs(ms float64) string {
	r := math.Round(ms)
	if r < 1000 {
		return strconv.FormatFloat(r, 'f', 0, 64) + "ms"
	}
	return strconv.FormatFloat(math.Round(ms/10)/100, 'f', -1, 64) + "s"
}

// FormatMs is fmtMs for other packages (renderers, the cost command).
func FormatMs(ms float64) string { return fmtMs(ms) }
