package logpush

import (
	"encoding/json"
)

// Deduper recognises lines already seen. Logpush delivers at least once,
// and a redelivery repeats the line byte for byte, so the same invocation
// can appear in two objects; billing must count it once. Two lines are the
// same only when their raw bytes are identical: lines that differ in any
// byte (key order, case, spacing, a field's value) are different
// invocations, even when the fields a reader keeps agree. Only a 128-bit
// hash of the line is kept (16 bytes in a set at most 85% full; see
// hashSet). The zero value is ready to use and safe for concurrent use.
type Deduper struct {
	set hashSet
}

// SeenLine records a raw line (without its '\n') and reports whether an
// identical line was seen before.
func (d *Deduper) SeenLine(line []byte) (dup bool) { return d.set.add(HashLine(line)) }

// SeenHash is SeenLine for a line already hashed with HashLine (Reader
// hashes every line it reads; see Reader.LineHash).
func (d *Deduper) SeenHash(h LineHash) (dup bool) { return d.set.add(h) }

// Seen records a record that has no raw line (a tail capture, a record
// built by hand) and reports whether it was seen before. Its line is taken
// to be its JSON encoding, so a record equals another exactly when they
// encode alike, and equals a line read from a file when the line is that
// encoding. A record that cannot be encoded (a NaN put into Log.Message by
// hand; never one from DecodeLine) is never reported as a duplicate.
func (d *Deduper) Seen(r Record) (dup bool) {
	b, err := json.Marshal(r)
	if err != nil {
		return false
	}
	return d.SeenLine(b)
}

// Len is the number of distinct lines and records seen, for progress
// displays.
func (d *Deduper) Len() int { return d.set.len() }
