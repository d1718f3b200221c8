package billing

// The example: what the model says each approach costs on Cloudflare when
// nothing is measured, from the counted rows and requests and two stated
// guesses. It is the one source of the figures quoted in README.md and
// docs/cloudflare.md (`pfx-tui cost --example` prints it; a test keeps the
// documents in step).

// ExampleInvocationMs is the example's guess of how long a Durable Object
// invocation is active besides any upstream wait (storage calls, the RPC
// hand-off). Assumed, not measured.
const ExampleInvocationMs = 10

// ExampleExecutorCPUMs is the example's guess of the executor's CPU time
// per op. Assumed, not measured.
const ExampleExecutorCPUMs = 1

// ExampleDurationsMs are the upstream durations the example is shown at.
var ExampleDurationsMs = []int{100, 500, 1000, 5000, 10000}

// ExampleApproaches are the approaches of the example, in its order.
var ExampleApproaches = []string{"direct", "direct-timer", "current", "simple", "proxyfetch", "rpctarget"}

// ExampleQuantities are an approach's billed quantities per op at an
// upstream duration of d ms under the example's guesses: each DO request
// is one invocation active ExampleInvocationMs, the direct approaches' origin
// also waits d, the proxied ones spend ExampleExecutorCPUMs of executor CPU,
// rows and idle tails come from the model and the price table.
func ExampleQuantities(approach string, d float64, p Prices) CostComponents {
	m, _ := ModelOf(approach)
	do, worker, _, _ := m.Requests()
	q := CostComponents{DORequests: do, WorkerRequests: worker, SQLiteRowsWritten: p.RowsWrittenPerOp[approach]}
	activeMs := do * ExampleInvocationMs
	proxied := false
	for _, v := range m.Invocations {
		if v.Callee == RoleExecutor {
			proxied = true
		}
	}
	if proxied {
		q.WorkerCPUMs = ExampleExecutorCPUMs
	} else {
		activeMs += d
	}
	q.DOIdleGBs = m.IdleTailMs / 1000 * p.DOMemoryGB
	q.DOGBs = activeMs/1000*p.DOMemoryGB + q.DOIdleGBs
	return q
}

// ExampleCell is one approach at one duration in the example.
type ExampleCell struct {
	Approach   string
	DurationMs int
	PerOp      CostComponents
	Margin     RegimeCost
	Allowances RegimeCost
}

// ExampleResult is the whole example.
type ExampleResult struct {
	Prices  Prices
	Options CostOptions
	Cells   []ExampleCell
	// BreakEvens per approach (direct excluded), both regimes, solved on
	// the exact (linear) example quantities over 0 … ExecutorLimitMs.
	Margin, Allowances []BreakEven
}

// Example computes the example at the durations given (nil: the defaults).
func Example(durationsMs []int, p Prices, o CostOptions) ExampleResult {
	o = o.WithDefaults()
	if len(durationsMs) == 0 {
		durationsMs = ExampleDurationsMs
	}
	res := ExampleResult{Prices: p, Options: o}
	for _, d := range durationsMs {
		var cells []CellCost
		for _, a := range ExampleApproaches {
			q := ExampleQuantities(a, float64(d), p)
			m, al := q.Price(p, RegimeMargin, 0), q.Price(p, RegimeAllowances, o.MonthlyOps)
			cells = append(cells, CellCost{Approach: a, DurationMs: d, Ops: 1, Usable: true, PerOp: q,
				RegimeCost: RegimeCost{DollarsPerMillionOps: &m}, Allowances: RegimeCost{DollarsPerMillionOps: &al}})
		}
		CompareToDirect(cells)
		for _, c := range cells {
			res.Cells = append(res.Cells, ExampleCell{Approach: c.Approach, DurationMs: d, PerOp: c.PerOp, Margin: c.RegimeCost, Allowances: c.Allowances})
		}
	}
	for _, a := range ExampleApproaches {
		if a == ReferenceApproach {
			continue
		}
		pts := []QuantityPoint{
			{DurationMs: 0, Direct: ExampleQuantities(ReferenceApproach, 0, p), Op: ExampleQuantities(a, 0, p)},
			{DurationMs: ExecutorLimitMs, Direct: ExampleQuantities(ReferenceApproach, ExecutorLimitMs, p), Op: ExampleQuantities(a, ExecutorLimitMs, p)},
		}
		res.Margin = append(res.Margin, SolveBreakEven(a, pts, p, RegimeMargin, o.MonthlyOps))
		res.Allowances = append(res.Allowances, SolveBreakEven(a, pts, p, RegimeAllowances, o.MonthlyOps))
	}
	return res
}

// ExampleBreakEvenText is a break-even of the example in a few words:
// "2.61s", "never", "always", "past 30s".
func ExampleBreakEvenText(b BreakEven) string {
	switch b.Kind {
	case BreakEvenInRange, BreakEvenBelow, BreakEvenAbove:
		if b.CheaperAbove {
			return "cheaper from " + fmtMs(b.DurationMs)
		}
		return "cheaper below " + fmtMs(b.DurationMs)
	case BreakEvenAlwaysCheaper:
		return "cheaper at every duration"
	case BreakEvenBeyondLimit:
		return "not within " + fmtMs(ExecutorLimitMs) + " (the executor's limit)"
	case BreakEvenNever:
		return "never"
	}
	return b.Statement
}
