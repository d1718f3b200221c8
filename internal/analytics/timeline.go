package analytics

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
)

// Owner is who a minute's billing belongs to: a cell (approach, duration
// and concurrency), the warmup batches, or nobody.
type Owner struct {
	Approach   string `json:"approach,omitempty"`
	DurationMs int    `json:"durationMs,omitempty"`
	// Concurrency: the cell's ops in flight (0: no such dimension).
	Concurrency int  `json:"concurrency,omitempty"`
	Warmup      bool `json:"warmup,omitempty"`
}

// CellOwner is the owner of a cell's minutes.
func CellOwner(c experiment.Cell) Owner {
	return Owner{Approach: c.Approach, DurationMs: c.DurationMs, Concurrency: c.Concurrency}
}

// Cell is the cell that owns the minute (zero for warmup or nobody).
func (o Owner) Cell() experiment.Cell {
	if o.Warmup {
		return experiment.Cell{}
	}
	return experiment.Cell{Approach: o.Approach, DurationMs: o.DurationMs, Concurrency: o.Concurrency}
}

// Label is "direct @ 100ms" (with the concurrency dimension "direct @
// 100ms ×4"), "warmup" or "—".
func (o Owner) Label() string {
	switch {
	case o.Warmup:
		return "warmup"
	case o.Approach == "":
		return "—"
	}
	return o.Cell().Label()
}

// MinuteOwner is one minute of the window and whom it is attributed to.
// A cell owns every minute from its first batch's minute until the next
// group starts, so the quiet minute after it (a lingering timer, a late
// alarm) is its own. A minute in which batches of two owners ran is shared
// and attributed to nobody: per-minute billing cannot be split.
type MinuteOwner struct {
	Minute time.Time `json:"minute"`
	Owner
	// Active: batches of the owner ran in this minute (else it is quiet).
	Active bool `json:"active,omitempty"`
	// Shared lists every owner whose batches ran in it when more than one did.
	Shared []string `json:"shared,omitempty"`
}

// Timeline maps the run's minutes to their owners.
type Timeline struct {
	Unit time.Duration
	// From and To are the first and last minute (inclusive) the run's
	// billing can be in: To is the quiet minute after the last batch.
	From, To time.Time
	Minutes  []MinuteOwner
}

// NewTimeline attributes the minutes of a run's batches. offsetMs is the
// target's clock minus this machine's (billing minutes are the server's).
func NewTimeline(batches []experiment.BatchResult, unit time.Duration, offsetMs float64) Timeline {
	if unit <= 0 {
		unit = time.Minute
	}
	tl := Timeline{Unit: unit}
	off := time.Duration(offsetMs * float64(time.Millisecond))
	type group struct {
		owner       Owner
		first, last time.Time
	}
	var groups []group
	ran := map[time.Time][]Owner{}
	for _, b := range batches {
		if b.StartedAt.IsZero() {
			continue
		}
		o := CellOwner(b.Cell())
		if b.Warmup {
			o = Owner{Warmup: true}
		}
		end := b.EndedAt
		if end.IsZero() || end.Before(b.StartedAt) {
			end = b.StartedAt
		}
		first, last := b.StartedAt.Add(off).Truncate(unit), end.Add(off).Truncate(unit)
		for m := first; !m.After(last); m = m.Add(unit) {
			if !slices.Contains(ran[m], o) {
				ran[m] = append(ran[m], o)
			}
		}
		if n := len(groups); n > 0 && groups[n-1].owner == o {
			groups[n-1].last = maxTime(groups[n-1].last, last)
			continue
		}
		groups = append(groups, group{owner: o, first: first, last: last})
	}
	if len(groups) == 0 {
		return tl
	}
	sort.SliceStable(groups, func(i, j int) bool { return groups[i].first.Before(groups[j].first) })
	tl.From = groups[0].first
	for _, g := range groups {
		tl.To = maxTime(tl.To, g.last)
	}
	tl.To = tl.To.Add(unit)
	gi := 0
	for m := tl.From; !m.After(tl.To); m = m.Add(unit) {
		for gi+1 < len(groups) && !groups[gi+1].first.After(m) {
			gi++
		}
		mo := MinuteOwner{Minute: m, Owner: groups[gi].owner}
		r := ran[m]
		mo.Active = slices.Contains(r, mo.Owner)
		if len(r) > 1 || len(r) == 1 && !mo.Active {
			for _, o := range r {
				mo.Shared = append(mo.Shared, o.Label())
			}
			sort.Strings(mo.Shared)
			mo.Active = false
		}
		tl.Minutes = append(tl.Minutes, mo)
	}
	return tl
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Owned is the minute's owner when the minute can be attributed.
func (tl Timeline) Owned(m time.Time) (Owner, bool) {
	if len(tl.Minutes) == 0 || m.Before(tl.From) || m.After(tl.To) {
		return Owner{}, false
	}
	i := int(m.Sub(tl.From) / tl.Unit)
	if i < 0 || i >= len(tl.Minutes) || !tl.Minutes[i].Minute.Equal(m) {
		return Owner{}, false
	}
	mo := tl.Minutes[i]
	return mo.Owner, len(mo.Shared) == 0
}

// Closed is when the window's last minute has ended.
func (tl Timeline) Closed() time.Time { return tl.To.Add(tl.Unit) }

// SharedCount counts the shared minutes, and says whose.
func (tl Timeline) SharedCount() (n int, example string) {
	for _, m := range tl.Minutes {
		if len(m.Shared) > 0 {
			if n == 0 {
				example = fmt.Sprintf("%s (%v)", FormatMinute(m.Minute), m.Shared)
			}
			n++
		}
	}
	return n, example
}
