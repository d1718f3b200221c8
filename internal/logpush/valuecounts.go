package logpush

import (
	"math"
	"slices"
)

// denseValues bounds the values counted in a flat array: WallTimeMs below
// it (65.5 s) cost 4 bytes per distinct value seen so far, whatever the
// number of records; others go to a map.
const denseValues = 1 << 16

// valueCounts is a multiset of integers that gives exact percentiles: the
// count of each value instead of each value, so memory grows with the
// distinct values (a few thousand milliseconds) rather than the records.
type valueCounts struct {
	n      int
	dense  []uint32         // dense[v] = count of v, for 0 ≤ v < len(dense)
	sparse map[int64]uint32 // the other values
}

func (c *valueCounts) add(v int64) { c.addN(v, 1) }

func (c *valueCounts) addN(v int64, k uint32) {
	if v >= 0 && v < denseValues {
		if int(v) >= len(c.dense) {
			size := max(int(v)+1, min(denseValues, 2*len(c.dense)))
			c.dense = slices.Grow(c.dense, size-len(c.dense))[:size]
		}
		if c.dense[v] > math.MaxUint32-k {
			// 4 billion records of one value: keep counting in the map.
			c.addSparse(v, k)
			return
		}
		c.dense[v] += k
		c.n += int(k)
		return
	}
	c.addSparse(v, k)
}

func (c *valueCounts) addSparse(v int64, k uint32) {
	if c.sparse == nil {
		c.sparse = map[int64]uint32{}
	}
	for k > 0 {
		room := math.MaxUint32 - c.sparse[v]
		if room == 0 {
			// Not reached in practice; counted, but beyond 2³² of one value
			// the percentiles see only the first 2³².
			return
		}
		d := min(k, room)
		c.sparse[v] += d
		c.n += int(d)
		k -= d
	}
}

func (c *valueCounts) merge(o *valueCounts) {
	for v, k := range o.dense {
		if k > 0 {
			c.addN(int64(v), k)
		}
	}
	for v, k := range o.sparse {
		c.addN(v, k)
	}
}

// runs lists (value, count) in ascending value order.
func (c *valueCounts) runs() []valueRun {
	var neg, big []valueRun
	for v, k := range c.sparse {
		if v < 0 {
			neg = append(neg, valueRun{v, int(k)})
		} else {
			big = append(big, valueRun{v, int(k)})
		}
	}
	byValue := func(a, b valueRun) int { return cmpInt64(a.v, b.v) }
	slices.SortFunc(neg, byValue)
	slices.SortFunc(big, byValue)
	out := neg
	for v, k := range c.dense {
		if k > 0 {
			out = append(out, valueRun{int64(v), int(k)})
		}
	}
	out = append(out, big...)
	if len(big) > 0 && big[0].v < int64(len(c.dense)) {
		// A value whose dense count overflowed into the map.
		slices.SortStableFunc(out, byValue)
	}
	return out
}

type valueRun struct {
	v int64
	n int
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// percentile is stats.Percentile (R-7: linear interpolation between the
// closest ranks) of the sorted values, computed from the counts with the
// same float64 arithmetic, so it returns the same bits.
func (c *valueCounts) percentile(p float64) float64 {
	n := c.n
	if n == 0 {
		return 0
	}
	runs := c.runs()
	at := func(rank int) float64 { // the value at 0-based rank
		for _, r := range runs {
			if rank < r.n {
				return float64(r.v)
			}
			rank -= r.n
		}
		return float64(runs[len(runs)-1].v)
	}
	switch {
	case !(p > 0):
		return at(0)
	case p >= 1:
		return at(n - 1)
	}
	h := float64(n-1) * p
	lo := int(math.Floor(h))
	if lo >= n-1 {
		return at(n - 1)
	}
	frac := h - float64(lo)
	x0, x1 := at(lo), at(lo+1)
	return x0 + frac*(x1-x0)
}
