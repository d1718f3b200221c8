package logpush

import (
	"encoding/json"
	"math"
	"strings"
	"sync"
	"testing"
)

// Lines are the same invocation only when identical byte for byte: a
// redelivery repeats the line exactly.
func TestDeduperLines(t *testing.T) {
	t.Parallel()
	var d Deduper
	a := `{"ScriptName":"pfx","WallTimeMs":100,"CPUTimeMs":5,"EventTimestampMs":1795688100000,"Logs":[{"Level":"log","Message":["pfx",{"x":1,"y":2}],"TimestampMs":1}]}`
	steps := []struct {
		line string
		dup  bool
	}{
		{a, false},
		{a, true},
		// The same fields in another key order, case or spacing, or with
		// an extra field, are other invocations, not redeliveries.
		{`{"logs":[{"message":["pfx",{"y":2,"x":1}],"timestampms":1,"level":"log"}],"eventtimestampms":"2026-11-26T10:15:00Z",` +
			`"cputimems":5,"walltimems":100,"scriptname":"pfx"}`, false},
		{a + " ", false},
		{a + "\r", false},
		{strings.Replace(a, `"x":1,"y":2`, `"y":2,"x":1`, 1), false},
		// Two invocations that agree on every field a reader keeps but
		// differ elsewhere (an unknown field) are two.
		{strings.Replace(a, `{"ScriptName"`, `{"Sampled":1,"ScriptName"`, 1), false},
		{strings.Replace(a, `{"ScriptName"`, `{"Sampled":2,"ScriptName"`, 1), false},
		{strings.Replace(a, `{"ScriptName"`, `{"Sampled":2,"ScriptName"`, 1), true},
		{"", false},
		{"", true},
	}
	for i, s := range steps {
		if got := d.SeenLine([]byte(s.line)); got != s.dup {
			t.Errorf("step %d: SeenLine = %v, want %v", i, got, s.dup)
		}
	}
	if d.Len() != 8 {
		t.Errorf("Len = %d, want 8", d.Len())
	}
	if !d.SeenHash(HashLine([]byte(a))) {
		t.Error("SeenHash of a line seen by SeenLine")
	}
}

// Records without a line (tail captures, hand-built) are the same when
// they encode alike, and then equal the line that is their encoding.
func TestDeduperRecords(t *testing.T) {
	t.Parallel()
	var d Deduper
	r := Record{ScriptName: "pfx", WallTimeMs: Int64(100)}
	if d.Seen(r) || !d.Seen(r) {
		t.Fatal("a record seen twice is a duplicate")
	}
	if d.Seen(Record{ScriptName: "pfx", WallTimeMs: Int64(101)}) {
		t.Error("another record reported as duplicate")
	}
	// A recorded zero is not a missing value.
	if d.Seen(Record{ScriptName: "pfx", WallTimeMs: Int64(0)}) || d.Seen(Record{ScriptName: "pfx"}) {
		t.Error("zero and missing timing confused")
	}
	enc, _ := json.Marshal(Record{ScriptName: "enc"})
	if d.SeenLine(enc) || !d.Seen(Record{ScriptName: "enc"}) {
		t.Error("a record and the line of its encoding should be the same")
	}
	// A hand-built record with float64 equals the decoded json.Number.
	built := Record{ScriptName: "m", Logs: []Log{{Message: []any{float64(3)}}}}
	decoded, err := DecodeLine([]byte(`{"ScriptName":"m","Logs":[{"Message":[3]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if d.Seen(built) || !d.Seen(decoded) {
		t.Error("float64(3) and JSON 3 should be the same record")
	}
	// Unencodable records are never duplicates.
	bad := Record{Logs: []Log{{Message: []any{math.NaN()}}}}
	if _, err := json.Marshal(bad); err == nil {
		t.Fatal("expected NaN to be unencodable")
	}
	if first, second := d.Seen(bad), d.Seen(bad); first || second {
		t.Error("unencodable record reported as duplicate")
	}
}

// The set stays exact through its growth, across shards, with the
// all-zero hash included.
func TestHashSet(t *testing.T) {
	t.Parallel()
	var s hashSet
	const n = 50000
	for i := range n {
		h := LineHash{Hi: uint64(i) * 0x9e3779b97f4a7c15, Lo: uint64(i)}
		if s.add(h) {
			t.Fatalf("%d: new hash reported present", i)
		}
	}
	for i := range n {
		if !s.add(LineHash{Hi: uint64(i) * 0x9e3779b97f4a7c15, Lo: uint64(i)}) {
			t.Fatalf("%d: hash lost", i)
		}
	}
	if s.len() != n {
		t.Fatalf("len %d", s.len())
	}
	if b := s.bytes(); b < 16*n || b > 16*n*100/50 {
		t.Errorf("%d bytes for %d hashes: load outside 0.5-1", b, n)
	}
}

func TestDeduperConcurrent(t *testing.T) {
	t.Parallel()
	var d Deduper
	var wg sync.WaitGroup
	dups := make([]int, 8)
	for g := range dups {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				if d.Seen(Record{EventTimestampMs: int64(i)}) {
					dups[g]++
				}
			}
		}()
	}
	wg.Wait()
	total := 0
	for _, n := range dups {
		total += n
	}
	if total != 700 || d.Len() != 100 {
		t.Fatalf("dups = %d, Len = %d; want 700, 100", total, d.Len())
	}
}
