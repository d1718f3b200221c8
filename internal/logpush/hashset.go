package logpush

import (
	"math/bits"
	"sync"

	"github.com/zeebo/xxh3"
)

// LineHash identifies a line by the 128-bit xxh3 hash of its bytes. Two
// lines with equal hashes are taken to be the same line: for n distinct
// lines the chance of any collision is about n²/2¹²⁹ (10⁻²⁶ for a million).
type LineHash struct{ Hi, Lo uint64 }

// HashLine hashes a line's raw bytes (without its '\n').
func HashLine(line []byte) LineHash {
	h := xxh3.Hash128(line)
	return LineHash{Hi: h.Hi, Lo: h.Lo}
}

// hashShards splits the set so that parallel readers rarely wait on each
// other and so that growing one shard never copies the whole set.
const hashShards = 256

// hashSet is a set of LineHash: open addressing with linear probing in
// flat arrays of 16-byte slots (no per-entry pointers or buckets), sized
// with Lemire's multiply-shift reduction so that it grows by 1.5× instead
// of doubling, in 256 shards so that a growth copies 1/256 of the set.
// Memory is 16 B / load factor per entry: the load stays between 0.57 and
// 0.85, so 19-28 B per distinct line. Safe for concurrent use.
type hashSet struct {
	mu     sync.Mutex
	shards [hashShards]hashShard
}

type hashShard struct {
	slots []LineHash // {0,0} marks an empty slot
	n     int
	zero  bool // the all-zero hash, which cannot be stored in a slot
}

// add inserts h and reports whether it was already present.
func (s *hashSet) add(h LineHash) (present bool) {
	s.mu.Lock()
	present = s.shards[h.Hi>>56].add(h)
	s.mu.Unlock()
	return present
}

// len counts the distinct hashes added.
func (s *hashSet) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		n += sh.n
		if sh.zero {
			n++
		}
	}
	return n
}

// bytes is the memory held by the slot arrays.
func (s *hashSet) bytes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for i := range s.shards {
		n += 16 * len(s.shards[i].slots)
	}
	return n
}

func (sh *hashShard) add(h LineHash) bool {
	if h == (LineHash{}) {
		was := sh.zero
		sh.zero = true
		return was
	}
	if 20*(sh.n+1) > 17*len(sh.slots) { // load above 0.85
		sh.grow()
	}
	if sh.insert(h) {
		return true
	}
	sh.n++
	return false
}

// insert puts h in its slot or finds it; it reports whether it was there.
// The table is never full (grow keeps the load at most 0.85).
func (sh *hashShard) insert(h LineHash) bool {
	size := uint64(len(sh.slots))
	// The top byte chose the shard; the low word places it in the shard.
	i, _ := bits.Mul64(h.Lo, size)
	for {
		switch sh.slots[i] {
		case h:
			return true
		case LineHash{}:
			sh.slots[i] = h
			return false
		}
		if i++; i == size {
			i = 0
		}
	}
}

func (sh *hashShard) grow() { sh.resize(max(64, len(sh.slots)*3/2)) }

// resize moves the shard's entries to a table of size slots.
func (sh *hashShard) resize(size int) {
	old := sh.slots
	sh.slots = make([]LineHash, size)
	for _, h := range old {
		if h != (LineHash{}) {
			sh.insert(h)
		}
	}
}
