package billing

import (
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/logpush"
)

func originRec(batch string, op int, object string, startMs, wallMs int64) logpush.Record {
	msg := []any{"pfx", batch, op, "op"}
	if object != "" {
		msg = append(msg, object)
	}
	return logpush.Record{
		EventTimestampMs: startMs, WallTimeMs: logpush.Int64(wallMs), CPUTimeMs: logpush.Int64(0),
		Entrypoint: "OriginDO", EventType: "worker_rpc", Outcome: "ok",
		Logs: []logpush.Log{{Level: "log", Message: msg}},
	}
}

func TestUnionLen(t *testing.T) {
	for _, c := range []struct {
		iv   [][2]int64
		want int64
	}{
		{nil, 0},
		{[][2]int64{{0, 10}}, 10},
		{[][2]int64{{5, 15}, {0, 10}}, 15},
		{[][2]int64{{0, 10}, {10, 20}}, 20},
		{[][2]int64{{0, 10}, {12, 20}, {1, 3}}, 18},
	} {
		if got := unionLen(c.iv); got != c.want {
			t.Errorf("%v: %d, want %d", c.iv, got, c.want)
		}
	}
}

// Four ops of 500 ms in flight at once on one origin bill 500 ms, not 2 s;
// on two objects, each object's union; one op at a time is never merged.
func TestOverlapBilledOnce(t *testing.T) {
	start := time.UnixMilli(1_000_000)
	batch := func(id string, k int) experiment.BatchResult {
		return experiment.BatchResult{BatchSpec: experiment.BatchSpec{ID: id, Approach: "direct", DurationMs: 500, Ops: 4, Concurrency: k},
			Status: experiment.StatusOK, Completed: 4, StartedAt: start, EndedAt: start.Add(3 * time.Second)}
	}
	c := NewCollector([]experiment.BatchResult{batch("r-000", 4), batch("r-001", 1)}, Options{Expectations: Expectations{}})
	for op := range 4 {
		c.AddRecord(originRec("r-000", op, "origin-direct", 1_000_000+int64(op), 500))
		// Same intervals, one op at a time by the spec: not merged (a
		// fixture's made-up timestamps must not shrink the figures).
		c.AddRecord(originRec("r-001", op, "", 1_000_000+int64(op), 500))
	}
	var k4, k1 RoleFigures
	for _, f := range c.Report().Cells {
		r, _ := f.Role(RoleOrigin)
		if f.Concurrency == 4 {
			k4 = r
		} else {
			k1 = r
		}
	}
	if k4.WallTimeMs.Sum != 2000 || k4.OverlapMs != 2000-503 {
		t.Errorf("K=4: wall %d overlap %d", k4.WallTimeMs.Sum, k4.OverlapMs)
	}
	if k1.WallTimeMs.Sum != 2000 || k1.OverlapMs != 0 {
		t.Errorf("K=1: wall %d overlap %d", k1.WallTimeMs.Sum, k1.OverlapMs)
	}
	q, _ := roleQuantities(k4, DefaultPrices())
	if want := 0.503 * DefaultPrices().DOMemoryGB; q.DOGBs < want-1e-9 || q.DOGBs > want+1e-9 {
		t.Errorf("K=4 DO GB-s %v, want %v", q.DOGBs, want)
	}
	// Two objects: each its own union.
	var s spans
	s.add(originRec("b", 0, "origin-a", 1000, 500))
	s.add(originRec("b", 1, "origin-b", 1000, 500))
	s.add(originRec("b", 2, "origin-a", 1100, 500))
	if got := s.unionMs(); got != 1100 {
		t.Errorf("two objects: union %d, want 1100", got)
	}
}
