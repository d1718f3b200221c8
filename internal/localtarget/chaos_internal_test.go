package localtarget

import (
	"fmt"
	"testing"
)

// The same seed makes the same decisions; another seed others.
func TestChaosIsDeterministic(t *testing.T) {
	t.Parallel()
	decide := func(seed uint64) string {
		c := AllChaos(seed)
		var out []byte
		for i := range 200 {
			id := fmt.Sprintf("run-%03d", i)
			f := c.batchFault(id)
			st, slow := c.upstreamFault(id, i)
			out = fmt.Appendf(out, "%s%d%d;", f, st, slow)
		}
		return string(out)
	}
	if a, b := decide(7), decide(7); a != b {
		t.Error("seed 7 decided differently twice")
	}
	if decide(7) == decide(8) {
		t.Error("seeds 7 and 8 decided alike")
	}
	var drops, silents int
	c := AllChaos(7)
	for i := range 1000 {
		switch c.batchFault(fmt.Sprint(i)) {
		case faultDrop:
			drops++
		case faultSilent:
			silents++
		}
	}
	if drops < 80 || drops > 200 || silents < 50 || silents > 150 {
		t.Errorf("of 1000 batches %d dropped, %d silent: want about 135 and 100", drops, silents)
	}
}

// With every object fault certain, an object is held for the next push,
// and a duplicate, a truncated copy and a malformed object are written
// next to it; the held one comes with the next push.
func TestChaosObjects(t *testing.T) {
	t.Parallel()
	o := &chaosObjects{c: &Chaos{LateObject: 1, DuplicateObject: 1, TruncatedObject: 1, MalformedObject: 1}}
	n := 0
	newKey := func() string { n++; return fmt.Sprintf("extra-%d", n) }
	body := []byte("0123456789012345678901234567890123456789")
	first := o.written("a", body, newKey)
	if len(first) != 3 || first[0].key != "extra-1" || string(first[0].body) != string(body) || len(first[1].body) != len(body)/2 {
		t.Fatalf("first push wrote %+v", first)
	}
	second := o.written("b", body, newKey)
	if len(second) != 4 || second[0].key != "a" {
		t.Fatalf("second push wrote %d objects, first %q; want the late a first", len(second), second[0].key)
	}
	if held := o.flush(); len(held) != 1 || held[0].key != "b" {
		t.Errorf("flush: %+v", held)
	}
	if o.flush() != nil {
		t.Error("a second flush returned objects")
	}
}
