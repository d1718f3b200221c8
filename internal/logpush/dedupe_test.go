package logpush

import (
	"encoding/json"
	"math"
	"sync"
	"testing"
)

func TestDeduper(t *testing.T) {
	decode := func(s string) Record {
		t.Helper()
		r, err := DecodeLine([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	var d Deduper
	a := `{"ScriptName":"pfx","WallTimeMs":100,"CPUTimeMs":5,"EventTimestampMs":1795688100000,"Logs":[{"Level":"log","Message":["pfx",{"x":1,"y":2}],"TimestampMs":1}]}`
	steps := []struct {
		line string
		dup  bool
	}{
		{a, false},
		{a, true},
		// Same content: other key order and case, extra field, timestamp as
		// RFC 3339, explicit empty values, reordered keys inside Message.
		{`{"logs":[{"message":["pfx",{"y":2,"x":1}],"timestampms":1,"level":"log"}],"eventtimestampms":"2026-11-26T10:15:00Z",` +
			`"cputimems":5,"Unknown":true,"Entrypoint":"","walltimems":100,"scriptname":"pfx","ScriptTags":null}`, true},
		// Any difference makes a different record.
		{`{"ScriptName":"pfx","WallTimeMs":101,"CPUTimeMs":5,"EventTimestampMs":1795688100000,"Logs":[{"Level":"log","Message":["pfx",{"x":1,"y":2}],"TimestampMs":1}]}`, false},
		{`{"ScriptName":"pfx","WallTimeMs":100,"CPUTimeMs":5,"EventTimestampMs":1795688100000}`, false},
		// A recorded zero is not a missing value.
		{`{"ScriptName":"pfx","WallTimeMs":0}`, false},
		{`{"ScriptName":"pfx"}`, false},
		{`{"ScriptName":"pfx","WallTimeMs":null}`, true},
	}
	for i, s := range steps {
		if got := d.Seen(decode(s.line)); got != s.dup {
			t.Errorf("step %d: Seen = %v, want %v", i, got, s.dup)
		}
	}
	if d.Len() != 5 {
		t.Errorf("Len = %d, want 5", d.Len())
	}
	// A hand-built record with float64 equals the decoded json.Number.
	built := Record{ScriptName: "m", Logs: []Log{{Message: []any{float64(3)}}}}
	if d.Seen(built) || !d.Seen(decode(`{"ScriptName":"m","Logs":[{"Message":[3]}]}`)) {
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

func TestDeduperConcurrent(t *testing.T) {
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
