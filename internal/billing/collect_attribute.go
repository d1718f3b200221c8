package billing

// Attribution: each record to a batch and a role, by its batch tag first,
// else by the time window of the batches whose approach can produce it.

import (
	"math"

	"github.com/pfx-tui/pfx-tui/internal/logpush"
)

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
