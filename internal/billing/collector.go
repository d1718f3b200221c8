package billing

import (
	"cmp"
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
	SortCells(cells, func(k cellKey) experiment.Cell {
		return experiment.Cell{Approach: k.approach, DurationMs: k.durationMs, Concurrency: k.concurrency}
	})
}

// SortCells orders a run's cells as every report lists them: durations
// ascending, then concurrency ascending, then approaches in the order the
// run first used them (their order in cells). cellOf says which cell an
// element is; the sort is stable.
func SortCells[T any](cells []T, cellOf func(T) experiment.Cell) {
	first := map[string]int{}
	for i, x := range cells {
		a := cellOf(x).Approach
		if _, ok := first[a]; !ok {
			first[a] = i
		}
	}
	slices.SortStableFunc(cells, func(x, y T) int {
		a, b := cellOf(x), cellOf(y)
		if c := cmp.Compare(a.DurationMs, b.DurationMs); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Concurrency, b.Concurrency); c != 0 {
			return c
		}
		return cmp.Compare(first[a.Approach], first[b.Approach])
	})
}

func epochMs(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixMicro()) / 1000
}
