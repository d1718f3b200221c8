package logpush

import (
	"crypto/sha256"
	"encoding/json"
	"sync"
)

// Deduper recognises records already seen. Logpush delivers at least once,
// so the same invocation can appear in two objects; billing must count it
// once. Two records are the same when their canonical encodings (json.Marshal
// of the decoded Record: fixed key order and case, absent == empty) are
// equal, so key order or case differences in the source lines do not matter.
// Only a 32-byte hash is kept per record. The zero value is ready to use and
// safe for concurrent use.
type Deduper struct {
	mu   sync.Mutex
	seen map[[sha256.Size]byte]struct{}
}

// Seen records r and reports whether an identical record was seen before.
// A record that cannot be encoded (a NaN put into Log.Message by hand; never
// one from DecodeLine) is never reported as a duplicate.
func (d *Deduper) Seen(r Record) (dup bool) {
	b, err := json.Marshal(r)
	if err != nil {
		return false
	}
	key := sha256.Sum256(b)
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.seen[key]; ok {
		return true
	}
	if d.seen == nil {
		d.seen = make(map[[sha256.Size]byte]struct{})
	}
	d.seen[key] = struct{}{}
	return false
}

// Len is the number of distinct records seen, for progress displays.
func (d *Deduper) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.seen)
}
