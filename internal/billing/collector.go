package billing

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/experiment"

	"github.com/pfx-tui/pfx-tui/internal/logpush"
)

// DefaultGuard widens every batch window for window attribution: it covers
// the error of the clock-offset estimate and invocations that start a
// little before or after the client saw the batch begin or end.
const DefaultGuard = 2 * time.Second

// SourceLogpush is the billing source of records read from Logpush objects.
const SourceLogpush = "logpush"

// Options configure a Collector.
type Options struct {
	// ScriptName keeps only records of this Worker for window attribution
	// ("" = any). Tagged records are attributed whatever their script: the
	// tag is exact, and an executor may live in a Worker of its own.
	ScriptName string
	// Roles maps Entrypoint to role; nil means DefaultRoles.
	Roles Roles
	// Expectations say how many records a batch produces; nil means
	// LocalExpectations. An empty non-nil map means none is known.
	Expectations Expectations
	// ClockOffsetMs is server − client (experiment.TargetInfo.ClockOffsetMs):
	// EventTimestampMs is the server's clock, batch windows the client's.
	ClockOffsetMs float64
	// Guard widens batch windows; zero means DefaultGuard, negative none.
	Guard time.Duration
	// Prices for Report; nil means DefaultPrices.
	Prices *Prices
	// Source names where the records came from in Report ("" = "logpush").
	Source string
	// Cost chooses what the cost figures include (harness, monthly volume,
	// completeness threshold); the zero value means the defaults.
	Cost CostOptions
}

// Collector attributes records to the batches of one run and keeps the
// per-cell figures. It is safe for concurrent use, so parallel downloads
// can feed it directly.
type Collector struct {
	opts    Options
	roles   Roles
	expect  Expectations
	guardMs float64
	prices  Prices

	batches []*batchState
	byID    map[string]int
	// cells lists measured cells in report order; warmCells likewise.
	cells, warmCells []cellKey

	dedupe logpush.Deduper

	mu           sync.Mutex
	read         int
	unique       int
	duplicates   int
	forScript    int
	byTag        int
	byWindow     int
	ambiguous    int
	unattributed int
	foreignTags  int // unattributed because the tag names a batch of another run
	otherScripts map[string]int
	unknownEP    map[string]int
	files        FileCounts
}

type cellKey struct {
	approach    string
	durationMs  int
	concurrency int // 0: a plan without the dimension
}

type batchState struct {
	id     string
	cell   cellKey
	warmup bool
	// ok: the batch finished, so its expectations apply in full.
	ok     bool
	status string
	ops    int
	known  bool
	expect map[string]int
	// concurrency: the ops the batch kept in flight (0 or 1: one at a time).
	concurrency int
	// Window in client-clock epoch ms.
	startMs, endMs float64
	roles          map[string]*roleAcc
}

// NewCollector prepares attribution for a run's batches (warmup included:
// their records are recognised, then reported apart).
func NewCollector(batches []experiment.BatchResult, opts Options) *Collector {
	c := &Collector{
		opts:         opts,
		roles:        opts.Roles,
		expect:       opts.Expectations,
		byID:         map[string]int{},
		otherScripts: map[string]int{},
		unknownEP:    map[string]int{},
	}
	if c.roles == nil {
		c.roles = DefaultRoles()
	}
	if c.expect == nil {
		c.expect = LocalExpectations()
	}
	switch {
	case opts.Guard == 0:
		c.guardMs = float64(DefaultGuard / time.Millisecond)
	case opts.Guard > 0:
		c.guardMs = float64(opts.Guard) / float64(time.Millisecond)
	}
	if opts.Prices != nil {
		c.prices = *opts.Prices
	} else {
		c.prices = DefaultPrices()
	}
	if c.opts.Source == "" {
		c.opts.Source = SourceLogpush
	}
	seenCell := map[cellKey]bool{}
	seenWarm := map[cellKey]bool{}
	for _, b := range batches {
		bs := &batchState{
			id:     b.ID,
			cell:   cellKey{b.Approach, b.DurationMs, b.Concurrency},
			warmup: b.Warmup,
			ok:     b.Status == experiment.StatusOK,
			status: b.Status,
			ops:    b.Ops,

			concurrency: b.Concurrency,
			roles:       map[string]*roleAcc{},
		}
		if !bs.ok {
			bs.ops = b.OpsSeen
		}
		bs.expect, bs.known = c.expect.For(b.Approach, b.Ops)
		bs.startMs = epochMs(b.StartedAt)
		bs.endMs = epochMs(b.EndedAt)
		if b.EndedAt.IsZero() || bs.endMs < bs.startMs {
			bs.endMs = bs.startMs
		}
		if _, dup := c.byID[b.ID]; !dup && b.ID != "" {
			c.byID[b.ID] = len(c.batches)
		}
		c.batches = append(c.batches, bs)
		if b.Warmup {
			if !seenWarm[bs.cell] {
				seenWarm[bs.cell] = true
				c.warmCells = append(c.warmCells, bs.cell)
			}
		} else if !seenCell[bs.cell] {
			seenCell[bs.cell] = true
			c.cells = append(c.cells, bs.cell)
		}
	}
	// Durations ascending, approaches in the order the run first used them.
	sortCells(c.cells)
	sortCells(c.warmCells)
	return c
}

func sortCells(cells []cellKey) {
	first := map[string]int{}
	for i, k := range cells {
		if _, ok := first[k.approach]; !ok {
			first[k.approach] = i
		}
	}
	slices.SortStableFunc(cells, func(a, b cellKey) int {
		if c := cmp.Compare(a.durationMs, b.durationMs); c != 0 {
			return c
		}
		if c := cmp.Compare(a.concurrency, b.concurrency); c != 0 {
			return c
		}
		return cmp.Compare(first[a.approach], first[b.approach])
	})
}

func epochMs(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixMicro()) / 1000
}

// AddObject reads one Logpush object (gzip NDJSON; a plain NDJSON capture
// works too) and attributes its records. Bad lines and a truncated stream
// are counted, not fatal; an error means the body could not be read, and
// the records read before it are kept.
func (c *Collector) AddObject(key string, body io.Reader) error {
	br := bufio.NewReaderSize(body, 64<<10)
	magic, err := br.Peek(2)
	if err != nil && err != io.EOF {
		c.addFile(key, logpush.FileStats{}, err)
		return fmt.Errorf("%s: %w", key, err)
	}
	gz := logpush.IsGzip(magic)
	rd := logpush.NewReader(br, gz)
	err = rd.Each(func(rec logpush.Record) error {
		// A redelivery repeats the line byte for byte: de-duplicate on the
		// line, not on what was decoded of it.
		c.mu.Lock()
		defer c.mu.Unlock()
		c.add(rec, c.dedupe.SeenHash(rd.LineHash()))
		return nil
	})
	c.addFile(key, rd.Stats(), err)
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	return nil
}

// maxFileProblems bounds the per-file list in the report; totals stay exact.
const maxFileProblems = 50

func (c *Collector) addFile(key string, st logpush.FileStats, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f := &c.files
	f.Files++
	f.Lines += st.Lines
	f.Records += st.Records
	f.Malformed += st.Malformed
	f.TooLong += st.TooLong
	f.BadType += st.BadType
	f.MissingTiming += st.MissingTiming
	if st.Truncated {
		f.Truncated++
	}
	if err != nil {
		f.ReadErrors++
	}
	if st.Truncated || st.Malformed > 0 || st.BadType > 0 || st.MissingTiming > 0 || err != nil {
		if len(f.Problems) < maxFileProblems {
			p := FileProblem{Key: key, FileStats: st}
			if err != nil {
				p.Error = err.Error()
			}
			f.Problems = append(f.Problems, p)
		}
	}
}

// AddRecord attributes one record (from a tail capture, or a test).
// An exact duplicate of a record already added (one that encodes to the
// same JSON) is counted and dropped.
func (c *Collector) AddRecord(rec logpush.Record) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.add(rec, c.dedupe.Seen(rec))
}

// add attributes a record, or counts it as a duplicate; c.mu is held.
func (c *Collector) add(rec logpush.Record, dup bool) {
	c.read++
	if dup {
		c.duplicates++
		return
	}
	c.unique++
	inScript := c.opts.ScriptName == "" || rec.ScriptName == c.opts.ScriptName
	role := RoleOf(rec, c.roles)

	idx := -1
	if tags := TagsOf(rec); len(tags) > 0 {
		for _, t := range tags {
			if i, ok := c.byID[t.BatchID]; ok {
				idx = i
				break
			}
		}
		if idx >= 0 {
			c.byTag++
		} else if inScript {
			c.foreignTags++
		}
	} else if inScript {
		var ambiguous bool
		idx, ambiguous = c.window(rec, role)
		if idx >= 0 {
			c.byWindow++
			if ambiguous {
				c.ambiguous++
			}
		}
	}
	switch {
	case idx >= 0:
		c.forScript++
		b := c.batches[idx]
		a := b.roles[role]
		if a == nil {
			a = &roleAcc{}
			b.roles[role] = a
		}
		a.add(rec)
		if b.concurrency > 1 {
			a.spans.add(rec)
		}
		if role == RoleUnknown {
			c.unknownEP[rec.Entrypoint]++
		}
	case inScript:
		c.forScript++
		c.unattributed++
	default:
		c.otherScripts[rec.ScriptName]++
	}
}

// window finds the batch an untagged record belongs to by time. Candidates
// are batches whose guarded window holds the record's millisecond and whose
// approach can produce its role. Several candidates: the one whose
// unguarded window holds it; else (ambiguous) the one covering more of the
// record's millisecond, then the nearest window centre.
func (c *Collector) window(rec logpush.Record, role string) (idx int, ambiguous bool) {
	if rec.EventTimestampMs == 0 {
		return -1, false
	}
	// EventTimestampMs is floored to the millisecond: the invocation
	// started somewhere in [t, t+1).
	t := float64(rec.EventTimestampMs) - c.opts.ClockOffsetMs
	var cands []int
	for i, b := range c.batches {
		if b.known && !c.expect.expects(b.cell.approach, role) {
			continue
		}
		if t+1 > b.startMs-c.guardMs && t <= b.endMs+c.guardMs {
			cands = append(cands, i)
		}
	}
	switch len(cands) {
	case 0:
		return -1, false
	case 1:
		return cands[0], false
	}
	var inner []int
	for _, i := range cands {
		if b := c.batches[i]; t+1 > b.startMs && t <= b.endMs {
			inner = append(inner, i)
		}
	}
	if len(inner) == 1 {
		return inner[0], false
	}
	pool := inner
	if len(pool) == 0 {
		pool = cands
	}
	// Several unguarded windows share the record's millisecond (one batch
	// ended and the next began within it): prefer the one covering more of
	// [t, t+1). Otherwise, or on a tie, the nearest window centre.
	best, bestCover, bestD := -1, -1.0, math.Inf(1)
	for _, i := range pool {
		b := c.batches[i]
		cover := 0.0
		if len(inner) > 1 {
			cover = max(0, min(t+1, b.endMs)-max(t, b.startMs))
		}
		d := math.Abs(t + 0.5 - (b.startMs+b.endMs)/2)
		if cover > bestCover || cover == bestCover && d < bestD {
			best, bestCover, bestD = i, cover, d
		}
	}
	return best, true
}

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
