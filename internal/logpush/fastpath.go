package logpush

import (
	"encoding/binary"
	"math/bits"
)

// The fast path reads lines in the form Logpush writes them: the 13 fields
// in its fixed (alphabetical) order, no whitespace, no escapes in the
// fields read, integers for the numbers read. It compares each expected
// key as a literal instead of decoding and matching it, and it validates
// the values it does not read (Event, Logs, ScriptVersion, …) with the
// same validator as the general scanner, so that it accepts a line only
// when the general scanner would read it as the same record. On the first
// byte that does not fit (another order, an unknown or missing key,
// whitespace, an escape, a null, a wrong type, invalid JSON) it gives up
// and the general scanner reads the line from the start.

// fastKey is one member of the Logpush form.
type fastKey struct {
	lit      string // `"Key":`
	field    int
	optional bool // CPUTimeMs and WallTimeMs: absent in jobs created before they existed
	// usual is the member with the value almost every line has, for a
	// value the scanners do not read: one comparison takes key and value
	// (each a complete JSON value, so nothing is left to validate).
	usual string
}

var fastKeys = [...]fastKey{
	{`"CPUTimeMs":`, fieldCPUTimeMs, true, ""},
	{`"DispatchNamespace":`, fieldOther, false, `"DispatchNamespace":""`},
	{`"Entrypoint":`, fieldEntrypoint, false, ""},
	{`"Event":`, fieldOther, false, ""},
	{`"EventTimestampMs":`, fieldEventTimestampMs, false, ""},
	{`"EventType":`, fieldEventType, false, ""},
	{`"Exceptions":`, fieldOther, false, `"Exceptions":[]`},
	{`"Logs":`, fieldOther, false, ""},
	{`"Outcome":`, fieldOther, false, `"Outcome":"ok"`},
	{`"ScriptName":`, fieldScriptName, false, ""},
	{`"ScriptTags":`, fieldOther, false, `"ScriptTags":[]`},
	{`"ScriptVersion":`, fieldOther, false, ""},
	{`"WallTimeMs":`, fieldWallTimeMs, true, ""},
}

// keyLits are the literals the fast path compares, prepared once: each
// key alone (the first member) and after its comma, and the usual member.
type keyLits struct{ first, next, usualFirst, usualNext literal }

var fastLits = func() (l [len(fastKeys)]keyLits) {
	for k, key := range fastKeys {
		l[k].first, l[k].next = newLiteral(key.lit), newLiteral(","+key.lit)
		if key.usual != "" {
			l[k].usualFirst, l[k].usualNext = newLiteral(key.usual), newLiteral(","+key.usual)
		}
	}
	return l
}()

// fast reads a line in Logpush's form into f and reports whether it could;
// false says nothing about the line, only that the general scanner must
// read it.
func (sc *lineScanner) fast(b []byte, f *Fields) bool {
	n := len(b)
	if n == 0 || b[0] != '{' {
		return false
	}
	*f = Fields{}
	if sc.template(b, f) {
		return true
	}
	*f = Fields{}
	i, members := 1, 0
	for k := range fastKeys {
		key, lits := &fastKeys[k], &fastLits[k]
		lit, usual := &lits.next, &lits.usualNext
		if members == 0 {
			lit, usual = &lits.first, &lits.usualFirst
		}
		if usual.n > 0 && usual.at(b, i) {
			i += usual.n
			members++
			continue
		}
		if !lit.at(b, i) {
			if key.optional {
				continue
			}
			return false
		}
		j := i + lit.n
		if j >= n {
			return false
		}
		var ok bool
		if j, ok = sc.fastValue(b, j, key.field, f); !ok {
			return false
		}
		i = j
		members++
	}
	if i >= n || b[i] != '}' {
		return false
	}
	return skipWS(b, i+1) == n
}

// fastValue reads the value at b[j] of a member of the given field into
// f and returns the index after it.
func (sc *lineScanner) fastValue(b []byte, j, field int, f *Fields) (int, bool) {
	var ok bool
	switch field {
	case fieldOther:
		return sc.skipOpaque(b, j)
	case fieldScriptName, fieldEntrypoint, fieldEventType:
		if b[j] != '"' {
			return j, false
		}
		start := j + 1
		var plain bool
		j, plain, ok = skipString(b, j)
		if !ok || !plain {
			return j, false
		}
		setString(f, field, b[start:j-1])
		return j, true
	}
	// the three integers
	var x int64
	if x, j, ok = fastInt(b, j); !ok {
		return j, false
	}
	switch field {
	case fieldWallTimeMs:
		f.WallTimeMs, f.HasWall = x, true
	case fieldCPUTimeMs:
		f.CPUTimeMs, f.HasCPU = x, true
	default:
		f.EventTimestampMs = x
	}
	return j, true
}

// The usual line, whole: the 13 members in order, each run of literal
// bytes between two values compared at once, with the usual values of the
// members not read (DispatchNamespace "", Exceptions [], Outcome "ok",
// ScriptTags []) inside the literals. It reads as the member-by-member
// path would (the same value readers, the same members); on any
// difference it declines and that path reads the line.
//
//	{"CPUTimeMs":N                                        literal, integer
//	,"DispatchNamespace":"","Entrypoint":S,"Event":       run 0
//	{…}                                                   Event, skipped
//	,"EventTimestampMs":N                                 literal, integer
//	,"EventType":S,"Exceptions":[],"Logs":                run 1
//	[…]                                                   Logs, skipped
//	,"Outcome":"ok","ScriptName":S,"ScriptTags":[],"ScriptVersion":{…},"WallTimeMs":
//	                                                      run 2
//	N}                                                    integer, end
//
// A run is the part of the line between two values that change from line
// to line: it is the same for every line of one entrypoint, event type,
// or Worker script and version, and is looked up in the template memo
// before it is scanned (see templateMemo).
var (
	litCPU = newLiteral(`{"CPUTimeMs":`)
	litTS  = newLiteral(`,"EventTimestampMs":`)
)

// runSpec is a run: a literal, a string (the field it sets), a literal,
// and for run 2 the ScriptVersion value and a last literal.
type runSpec struct {
	pre, post literal
	field     int
	version   bool // ScriptVersion and then last follow post
	last      literal
}

var runSpecs = [...]runSpec{
	{pre: newLiteral(`,"DispatchNamespace":"","Entrypoint":`), field: fieldEntrypoint, post: newLiteral(`,"Event":`)},
	{pre: newLiteral(`,"EventType":`), field: fieldEventType, post: newLiteral(`,"Exceptions":[],"Logs":`)},
	{pre: newLiteral(`,"Outcome":"ok","ScriptName":`), field: fieldScriptName, post: newLiteral(`,"ScriptTags":[],"ScriptVersion":`),
		version: true, last: newLiteral(`,"WallTimeMs":`)},
}

// template reads the usual line; false says only that the line is not
// one.
func (sc *lineScanner) template(b []byte, f *Fields) bool {
	n := len(b)
	if !litCPU.at(b, 0) || litCPU.n >= n {
		return false
	}
	x, i, ok := fastInt(b, litCPU.n)
	if !ok {
		return false
	}
	f.CPUTimeMs, f.HasCPU = x, true
	var id0, id1, id2 uint32 // the memo slots of the runs
	if i, id0, ok = sc.run(b, i, 0, f); !ok || i >= n {
		return false
	}
	if i, ok = sc.skipOpaque(b, i); !ok { // Event
		return false
	}
	if !litTS.at(b, i) || i+litTS.n >= n {
		return false
	}
	if f.EventTimestampMs, i, ok = fastInt(b, i+litTS.n); !ok {
		return false
	}
	if i, id1, ok = sc.run(b, i, 1, f); !ok || i >= n {
		return false
	}
	if i, ok = sc.skipOpaque(b, i); !ok { // Logs
		return false
	}
	if i, id2, ok = sc.run(b, i, 2, f); !ok || i >= n {
		return false
	}
	if x, i, ok = fastInt(b, i); !ok {
		return false
	}
	f.WallTimeMs, f.HasWall = x, true
	if id0 != 0 && id1 != 0 && id2 != 0 {
		f.memoKey = uint64(id0) | uint64(id1)<<memoIDBits | uint64(id2)<<(2*memoIDBits)
	}
	return i < n && b[i] == '}' && skipWS(b, i+1) == n
}

// run reads run number r at b[i] and returns the index after it and the
// id of the memo slot that holds it (0 if none does): from the memo when
// it holds the same bytes, else by scanning them (and keeping them in the
// memo).
func (sc *lineScanner) run(b []byte, i, r int, f *Fields) (int, uint32, bool) {
	spec := &runSpecs[r]
	if sc.memo == nil {
		i, ok := sc.scanRun(b, i, spec, f)
		return i, 0, ok
	}
	q := i + spec.pre.n // the string's opening quote
	if q+16 > len(b) {
		return i, 0, false
	}
	w := runKey(b, q)
	set := &sc.memo.runs[r][(w*0x9E3779B97F4A7C15)>>(64-memoSetBits)]
	way := set.mru
	if set.slot[way].key != w {
		way ^= 1
	}
	if s := &set.slot[way]; s.key == w && s.at(b, i) {
		setString(f, spec.field, b[i+s.off:i+s.off+s.len])
		set.mru = way
		return i + s.n, s.id, true
	}
	start := i
	i, ok := sc.scanRun(b, i, spec, f)
	if !ok {
		return i, 0, false
	}
	if m := i - start; m <= memoMax {
		way = set.mru ^ 1 // a free slot is never the last used
		if set.slot[set.mru].n == 0 {
			way = set.mru
		}
		s := &set.slot[way]
		set.mru = way
		sc.memo.kept++
		v := stringField(f, spec.field)
		s.key, s.n, s.off, s.len = w, m, cap(b)-cap(v)-start, len(v)
		copy(s.b[:], b[start:i])
		s.id = 0
		if sc.memo.kept < 1<<memoIDBits {
			s.id = sc.memo.kept
		}
		return i, s.id, true
	}
	return i, 0, true
}

// scanRun reads a run byte by byte.
func (sc *lineScanner) scanRun(b []byte, i int, spec *runSpec, f *Fields) (int, bool) {
	n := len(b)
	if !spec.pre.at(b, i) {
		return i, false
	}
	j := i + spec.pre.n
	if j >= n || b[j] != '"' {
		return i, false
	}
	end, plain, ok := skipString(b, j)
	if !ok || !plain {
		return i, false
	}
	setString(f, spec.field, b[j+1:end-1])
	if !spec.post.at(b, end) {
		return i, false
	}
	i = end + spec.post.n
	if spec.version {
		if i >= n {
			return i, false
		}
		if i, ok = sc.skipOpaque(b, i); !ok || !spec.last.at(b, i) {
			return i, false
		}
		i += spec.last.n
	}
	return i, true
}

// templateMemo keeps, for each run, the bytes of runs read before: a line
// whose bytes at a run's place equal a kept run's is read as that run was
// (the same bytes scan the same way, and a run ends with a literal, so
// what follows cannot change how it reads), without looking at them one
// by one. For each run, 32 sets of two slots (a set chosen by the first
// sixteen bytes of the run's string); a new run replaces the slot of its
// set used least recently, so that three runs in one set evict one
// another only in turn.
type templateMemo struct {
	runs [len(runSpecs)][1 << memoSetBits]memoSet
	kept uint32 // runs kept so far, the last slot id given
}

// memoIDBits is the width of a slot id in Fields.memoKey, which holds the
// three runs' ids side by side: after 2²¹-1 runs kept, a reader's new
// slots get no id and its lines no key.
const memoIDBits = 21

const memoSetBits = 5

type memoSet struct {
	slot [2]memoSlot
	mru  int // the slot found or kept last
}

// memoMax bounds the runs kept (a long script name or ScriptVersion
// message is read as usual).
const memoMax = 240

type memoSlot struct {
	id       uint32 // this slot's content among all the reader has kept (0: none)
	key      uint64 // runKey of the run
	n        int    // bytes kept; 0: empty
	off, len int    // where the run's string is in it
	b        [memoMax]byte
}

// runKey sums up the run whose string opens at b[q] (q+16 <= len(b)) for
// choosing a memo set and slot: its first sixteen bytes, so that names
// with a common prefix still key apart unless it is 15 bytes long or more
// (two of those still share a set without evicting each other). A usual
// line's run goes on for at least sixteen bytes from there, or the bytes
// after it start with the same structure (the Event object's first key),
// so a run keys alike from line to line.
func runKey(b []byte, q int) uint64 {
	return binary.LittleEndian.Uint64(b[q:]) ^ bits.RotateLeft64(binary.LittleEndian.Uint64(b[q+8:]), 29)
}

// at reports whether the slot's run is at b[i], with a value after it.
func (s *memoSlot) at(b []byte, i int) bool {
	m := s.n
	return m > 0 && len(b)-i > m && string(b[i:i+m]) == string(s.b[:m])
}

// setString sets the string field of f numbered field.
func setString(f *Fields, field int, v []byte) {
	switch field {
	case fieldScriptName:
		f.ScriptName = v
	case fieldEntrypoint:
		f.Entrypoint = v
	default:
		f.EventType = v
	}
}

// stringField is the string field of f numbered field.
func stringField(f *Fields, field int) []byte {
	switch field {
	case fieldScriptName:
		return f.ScriptName
	case fieldEntrypoint:
		return f.Entrypoint
	default:
		return f.EventType
	}
}

// fastInt reads the integer at b[j]: a run of at most 18 digits (no sign,
// no leading zero) is read in one pass; anything else (a sign, a fraction,
// an exponent, a longer number) goes through skipNumber and parseInt64,
// as the general scanner reads it.
func fastInt(b []byte, j int) (x int64, end int, ok bool) {
	start, n := j, len(b)
	for j < n && b[j]-'0' <= 9 {
		x = x*10 + int64(b[j]-'0')
		j++
	}
	if d := j - start; d > 0 && d <= 18 && (b[start] != '0' || d == 1) &&
		(j == n || b[j] != '.' && b[j] != 'e' && b[j] != 'E') {
		return x, j, true
	}
	if j, ok = skipNumber(b, start); !ok {
		return 0, j, false
	}
	x, ok = parseInt64(b[start:j])
	return x, j, ok
}

// literal is a byte string prepared for comparing eight bytes at a time.
type literal struct {
	s    string
	n    int
	w    [4]uint64 // the first 32 bytes, eight at a time (the literals are 7 to 37 bytes long)
	last uint64    // the last eight bytes
}

func newLiteral(s string) literal {
	if len(s) > 40 {
		panic("logpush: fast-path literal of " + s)
	}
	l := literal{s: s, n: len(s)}
	if len(s) >= 8 {
		l.last = binary.LittleEndian.Uint64([]byte(s[len(s)-8:]))
	}
	for k := 0; k+8 <= len(s) && k < 32; k += 8 {
		l.w[k/8] = binary.LittleEndian.Uint64([]byte(s[k:]))
	}
	return l
}

// at reports whether the literal is at b[i:]: its first and last eight
// bytes and the words between, compared without a loop.
func (l *literal) at(b []byte, i int) bool {
	if i < 0 || i > len(b) || len(b)-i < l.n {
		return false
	}
	p := b[i : i+l.n]
	if l.n < 8 {
		return string(p) == l.s
	}
	x := (binary.LittleEndian.Uint64(p) ^ l.w[0]) | (binary.LittleEndian.Uint64(p[l.n-8:]) ^ l.last)
	if l.n > 16 {
		x |= (binary.LittleEndian.Uint64(p[8:]) ^ l.w[1])
		if l.n > 24 {
			x |= (binary.LittleEndian.Uint64(p[16:]) ^ l.w[2])
			if l.n > 32 {
				x |= (binary.LittleEndian.Uint64(p[24:]) ^ l.w[3])
			}
		}
	}
	return x == 0
}
