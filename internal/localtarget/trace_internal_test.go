package localtarget

import (
	"testing"

	"github.com/pfx-tui/pfx-tui/internal/logpush"
)

// Pushed records are dropped (memory stays flat over a long run) while Len
// and Since keep counting from the run's first record; KeepTraces keeps all.
func TestTraceStoreReleasesPushedRecords(t *testing.T) {
	t.Parallel()
	for _, keep := range []bool{false, true} {
		s := newTraceStore(keep)
		for i := 0; i < 10; i++ {
			s.add(logpush.Record{ScriptName: "s", EventTimestampMs: int64(i)})
		}
		recs, next := s.Since(0)
		if len(recs) != 10 || next != 10 {
			t.Fatalf("keep=%v: since 0 = %d records, next %d", keep, len(recs), next)
		}
		s.release(6)
		s.add(logpush.Record{ScriptName: "s", EventTimestampMs: 10})
		if s.Len() != 11 {
			t.Errorf("keep=%v: Len %d, want 11 (pushed ones still counted)", keep, s.Len())
		}
		recs, next = s.Since(6)
		if len(recs) != 5 || next != 11 || recs[0].EventTimestampMs != 6 {
			t.Errorf("keep=%v: since 6 = %d records from %v, next %d", keep, len(recs), recs, next)
		}
		all, _ := s.Since(0)
		if want := map[bool]int{false: 5, true: 11}[keep]; len(all) != want {
			t.Errorf("keep=%v: since 0 after release = %d records, want %d", keep, len(all), want)
		}
	}
}
