package billing

// Aggregation: matched records per cell and role into figures, counts of
// matched vs expected, and the poller's progress.

import (
	"cmp"
	"slices"

	"github.com/pfx-tui/pfx-tui/internal/logpush"
)

// roleAcc accumulates one role's records in one batch.
type roleAcc struct {
	count, withTiming, missing int
	wallN, cpuN                int
	wallSum, cpuSum            int64
	outcomes, eventTypes       map[string]int
	wallByEvent                map[string]int64
	// spans are this batch's intervals when it kept several ops in
	// flight (union.go); overlapMerged is merged batches' overlap.
	spans         spans
	overlapMerged int64
}

// overlapMs is wall time counted twice or more by Σ WallTimeMs because
// invocations overlapped on one object (only batches with several ops in
// flight are checked: one op at a time never overlaps on an object).
func (a *roleAcc) overlapMs() int64 { return a.spans.overlapMs() + a.overlapMerged }

func (a *roleAcc) add(rec logpush.Record) {
	a.count++
	if rec.WallTimeMs != nil {
		a.wallN++
		a.wallSum += *rec.WallTimeMs
		if a.wallByEvent == nil {
			a.wallByEvent = map[string]int64{}
		}
		a.wallByEvent[rec.EventType] += *rec.WallTimeMs
	}
	if rec.CPUTimeMs != nil {
		a.cpuN++
		a.cpuSum += *rec.CPUTimeMs
	}
	if rec.WallTimeMs != nil && rec.CPUTimeMs != nil {
		a.withTiming++
	} else {
		a.missing++
	}
	if rec.Outcome != "ok" {
		o := rec.Outcome
		if o == "" {
			o = "none"
		}
		if a.outcomes == nil {
			a.outcomes = map[string]int{}
		}
		a.outcomes[o]++
	}
	if a.eventTypes == nil {
		a.eventTypes = map[string]int{}
	}
	a.eventTypes[rec.EventType]++
}

func (a *roleAcc) merge(o *roleAcc) {
	a.count += o.count
	a.overlapMerged += o.overlapMs()
	a.withTiming += o.withTiming
	a.missing += o.missing
	a.wallN += o.wallN
	a.cpuN += o.cpuN
	a.wallSum += o.wallSum
	a.cpuSum += o.cpuSum
	for k, v := range o.outcomes {
		if a.outcomes == nil {
			a.outcomes = map[string]int{}
		}
		a.outcomes[k] += v
	}
	for k, v := range o.eventTypes {
		if a.eventTypes == nil {
			a.eventTypes = map[string]int{}
		}
		a.eventTypes[k] += v
	}
	for k, v := range o.wallByEvent {
		if a.wallByEvent == nil {
			a.wallByEvent = map[string]int64{}
		}
		a.wallByEvent[k] += v
	}
}

func (a *roleAcc) figures(role string) RoleFigures {
	f := RoleFigures{
		Role:          role,
		Count:         a.count,
		WithTiming:    a.withTiming,
		MissingTiming: a.missing,
		WallTimeMs:    Timing{N: a.wallN, Sum: a.wallSum},
		CPUTimeMs:     Timing{N: a.cpuN, Sum: a.cpuSum},
		Outcomes:      a.outcomes,
		EventTypes:    a.eventTypes,

		WallTimeMsByEvent: a.wallByEvent,
		OverlapMs:         a.overlapMs(),
	}
	if a.wallN > 0 {
		f.WallTimeMs.Mean = float64(a.wallSum) / float64(a.wallN)
	}
	if a.cpuN > 0 {
		f.CPUTimeMs.Mean = float64(a.cpuSum) / float64(a.cpuN)
	}
	return f
}

// cellAgg is one cell's batches folded together.
type cellAgg struct {
	key       cellKey
	batches   int
	failed    int
	ops       int
	known     bool
	roles     map[string]*roleAcc // all batches
	okMatched map[string]int      // records of finished batches
	expected  map[string]int      // finished batches only
}

// aggregate folds the batches of the listed cells; warmup picks which.
func (c *Collector) aggregate(cells []cellKey, warmup bool) []*cellAgg {
	idx := map[cellKey]*cellAgg{}
	var out []*cellAgg
	for _, k := range cells {
		a := &cellAgg{key: k, known: true, roles: map[string]*roleAcc{}, okMatched: map[string]int{}, expected: map[string]int{}}
		idx[k] = a
		out = append(out, a)
	}
	for _, b := range c.batches {
		a := idx[b.cell]
		if a == nil || b.warmup != warmup {
			continue
		}
		a.batches++
		a.ops += b.ops
		a.known = a.known && b.known
		if !b.ok {
			a.failed++
		}
		for role, r := range b.roles {
			acc := a.roles[role]
			if acc == nil {
				acc = &roleAcc{}
				a.roles[role] = acc
			}
			acc.merge(r)
			if b.ok {
				a.okMatched[role] += r.count
			}
		}
		if b.ok {
			for role, n := range b.expect {
				a.expected[role] += n
			}
		}
	}
	return out
}

// sortedRoles lists the roles of m in roleOrder.
func sortedRoles[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for r := range m {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b string) int {
		if c := cmp.Compare(RoleRank(a), RoleRank(b)); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	return out
}

// unionRoles lists the roles matched or expected.
func unionRoles(a *cellAgg) []string {
	set := map[string]bool{}
	for r := range a.roles {
		set[r] = true
	}
	for r := range a.expected {
		set[r] = true
	}
	return sortedRoles(set)
}

// counts builds the matched/expected rows of the measured cells and says
// whether every known expectation is met.
func (c *Collector) counts(aggs []*cellAgg) (rows []Count, complete bool) {
	complete = true
	anyKnown := false
	for _, a := range aggs {
		if !a.known {
			roles := sortedRoles(a.roles)
			if len(roles) == 0 {
				rows = append(rows, Count{Approach: a.key.approach, DurationMs: a.key.durationMs, Concurrency: a.key.concurrency, Role: RoleAny, Expected: ExpectedUnknown})
			}
			for _, role := range roles {
				n := a.roles[role].count
				rows = append(rows, Count{Approach: a.key.approach, DurationMs: a.key.durationMs, Concurrency: a.key.concurrency, Role: role,
					Matched: n, Expected: ExpectedUnknown, FromFailedBatches: n - a.okMatched[role]})
			}
			continue
		}
		anyKnown = true
		for _, role := range unionRoles(a) {
			n := 0
			if r := a.roles[role]; r != nil {
				n = r.count
			}
			row := Count{Approach: a.key.approach, DurationMs: a.key.durationMs, Concurrency: a.key.concurrency, Role: role,
				Matched: n, Expected: a.expected[role], FromFailedBatches: n - a.okMatched[role]}
			if row.Short() {
				complete = false
			}
			rows = append(rows, row)
		}
	}
	if !anyKnown && len(aggs) > 0 {
		complete = false
	}
	return rows, complete
}

// Progress is the poller's view: matched/expected per measured cell and
// role, and the warnings so far.
// Complete reports whether every expected record has been matched (the
// poller's stop condition).
func (c *Collector) Complete() bool { return c.Progress().Complete }

func (c *Collector) Progress() Progress {
	c.mu.Lock()
	defer c.mu.Unlock()
	aggs := c.aggregate(c.cells, false)
	rows, complete := c.counts(aggs)
	return Progress{
		RecordsRead:      c.read,
		Counts:           rows,
		Complete:         complete,
		Warnings:         c.warnings(aggs, rows),
		ScriptName:       c.opts.ScriptName,
		RecordsForScript: c.forScript,
		Unattributed:     c.unattributed,
		Duplicates:       c.duplicates,
		OtherScripts:     copyCounts(c.otherScripts),
	}
}

func copyCounts(m map[string]int) map[string]int {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (a *cellAgg) figures() CellFigures {
	f := CellFigures{Approach: a.key.approach, DurationMs: a.key.durationMs, Concurrency: a.key.concurrency, Batches: a.batches, FailedBatches: a.failed, Ops: a.ops, Roles: []RoleFigures{}}
	for _, role := range sortedRoles(a.roles) {
		f.Roles = append(f.Roles, a.roles[role].figures(role))
	}
	return f
}
