package experiment

import (
	"fmt"
	"time"
)

// Minute alignment of OrderMinute. Billing figures that come per minute
// (Cloudflare's GraphQL Analytics: durableObjectsPeriodicGroups and friends
// are grouped by datetimeMinute) can only be attributed to a cell when the
// cell owns whole minutes. So under OrderMinute:
//
//   - the first batch of the run waits for the next minute boundary
//     (AlignNextMinute);
//   - warmup batches run first, together, then one quiet minute;
//   - every cell's batches run back to back from a minute boundary, after
//     one quiet minute in which nothing of the run happens (AlignAfterQuiet),
//     so what a cell leaves behind (a pending timer, a late alarm) lands in
//     its own quiet minute rather than in the next cell's.
//
// The plan is data: each BatchSpec says how many minute boundaries to wait
// for (AlignMinute); the runner honours it before dialling.
const (
	AlignNextMinute = 1 // start at the next minute boundary
	AlignAfterQuiet = 2 // leave the current minute and one quiet minute
)

// MinuteOf is the length of the plan's minute: one minute unless the plan
// says otherwise (the local target emulates analytics with shorter ones).
func (p Plan) MinuteOf() time.Duration {
	if p.Minute > 0 {
		return p.Minute
	}
	return time.Minute
}

// MinuteStart is the start of the minute align minutes after the one that
// holds now, minutes being whole multiples of unit (UTC minutes for the
// default unit). align 0 is now itself.
func MinuteStart(now time.Time, unit time.Duration, align int) time.Time {
	if align <= 0 {
		return now
	}
	if unit <= 0 {
		unit = time.Minute
	}
	return now.Truncate(unit).Add(time.Duration(align) * unit)
}

// minuteSpecs runs warmup first, then every cell's batches in one go
// (cells in Cells order), each group starting after a quiet minute.
func (p Plan) minuteSpecs(runID string) []BatchSpec {
	var out []BatchSpec
	if p.WarmupOps() > 0 {
		ms := p.DurationsMs()
		shortest := ms[0]
		for _, d := range ms {
			shortest = min(shortest, d)
		}
		for i, a := range p.Approaches {
			s := BatchSpec{Approach: a, DurationMs: shortest, Warmup: true, Ops: p.WarmupOps()}
			if i == 0 {
				s.AlignMinute = AlignNextMinute
			}
			out = append(out, s)
		}
	}
	for _, c := range p.Cells() {
		for b := 1; b <= p.Batches; b++ {
			s := BatchSpec{Approach: c.Approach, DurationMs: c.DurationMs, Concurrency: c.Concurrency, Batch: b, Ops: p.Ops}
			if b == 1 {
				s.AlignMinute = AlignAfterQuiet
				if len(out) == 0 {
					s.AlignMinute = AlignNextMinute
				}
			}
			out = append(out, s)
		}
	}
	for i := range out {
		out[i].Index = i
		out[i].ID = fmt.Sprintf("%s-%03d", runID, i) // protocol.BatchID's form
	}
	return p.withObjects(out)
}

// minuteEstimate is a lower bound on a minute-ordered run: every op's
// upstream delay, every group rounded up to whole minutes, the quiet minutes
// between groups and the quiet minute after the last one (which billing
// waits for). The wait for the first boundary is not counted.
func (p Plan) minuteEstimate() time.Duration {
	unit := p.MinuteOf()
	var t time.Duration
	for _, s := range p.Specs("x") {
		if s.AlignMinute > 0 && s.Index > 0 {
			t = MinuteStart(time.Time{}.Add(t), unit, s.AlignMinute).Sub(time.Time{})
		}
		t += time.Duration(s.Rounds(s.Ops)) * s.Delay()
	}
	return MinuteStart(time.Time{}.Add(t), unit, AlignAfterQuiet).Sub(time.Time{})
}

// MinuteGroups says how many groups (warmup, cells) a minute-ordered plan
// runs and how many quiet minutes it leaves, for the estimate's wording.
func (p Plan) MinuteGroups() (groups, quiet int) {
	for _, s := range p.Specs("x") {
		if s.AlignMinute > 0 {
			groups++
			if s.AlignMinute == AlignAfterQuiet {
				quiet++
			}
		}
	}
	return groups, quiet + 1
}
