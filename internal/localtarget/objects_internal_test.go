package localtarget

import (
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/protocol"
)

// runBatch sends one run-batch and returns its frames up to batch-complete.
func runBatch(t *testing.T, srv *Server, req protocol.RunBatch) []protocol.Frame {
	t.Helper()
	frames, _, _ := WSBatch(t, srv, req)
	return frames
}

// originObjects waits (on the trace store's notifications) until n origin
// op records of the batch are stored and counts them by the object their
// tag names.
func originObjects(t *testing.T, srv *Server, batchID string, n int) map[string]int {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		out, total := map[string]int{}, 0
		recs, _ := srv.traces.Since(0)
		for _, r := range recs {
			for _, l := range r.Logs {
				if r.Entrypoint == EntrypointOrigin && len(l.Message) == 5 && l.Message[1] == batchID && l.Message[3] == "op" {
					out[l.Message[4].(string)]++
					total++
				}
			}
		}
		if total >= n {
			return out
		}
		select {
		case <-srv.traces.notify:
		case <-deadline:
			t.Fatalf("%d of %d origin records: %v", total, n, out)
		}
	}
}

// K ops in flight on N fresh objects: op frames carry each op's own
// duration, the batch takes about ops/K delays, the origin's records name
// the objects derived from the batch id, and a cold object's first op waits
// the cold start.
func TestConcurrentOpsOnColdObjects(t *testing.T) {
	t.Parallel()
	srv, err := Start(Options{PushInterval: time.Hour, ColdStart: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	const ops, d = 4, 200
	req := protocol.NewRunBatch("direct", ops, d, "run1-007")
	req.Concurrency, req.Objects, req.Cold = 4, 2, true
	start := time.Now()
	frames := runBatch(t, srv, req)
	took := time.Since(start)
	if f := frames[len(frames)-1]; f.Type != protocol.TypeBatchComplete || f.Completed != ops {
		t.Fatalf("frames %+v", frames)
	}
	if took >= ops*d*time.Millisecond {
		t.Errorf("4 ops of %d ms, 4 in flight, took %s: not concurrent", d, took)
	}
	opMs, cold := map[int]float64{}, 0
	for _, f := range frames {
		if f.Type == protocol.TypeOp {
			opMs[f.Op] = f.Ms
			if f.Cold {
				cold++
				if f.Ms < d+100 {
					t.Errorf("cold op %d took %.1f ms, under delay + cold start", f.Op, f.Ms)
				}
			}
		}
	}
	if cold != 2 {
		t.Errorf("%d cold ops, want one per object", cold)
	}
	if len(opMs) != ops {
		t.Fatalf("op frames %v", opMs)
	}
	for op, ms := range opMs {
		if ms < d {
			t.Errorf("op %d took %.1f ms, under the %d ms delay", op, ms, d)
		}
	}
	got := originObjects(t, srv, "run1-007", ops)
	if len(got) != 2 || got["origin-direct-run1-007-0"] != 2 || got["origin-direct-run1-007-1"] != 2 {
		t.Errorf("objects %v", got)
	}
	// Not cold: several objects named from the run, shared by its batches.
	if name := protocol.OriginObject("direct", "run1-008", 3, false, 4); name != "origin-direct-run1-1" {
		t.Errorf("warm object %q", name)
	}
	if name := protocol.OriginObject("direct", "run1-008", 1, false, 4); name != "origin-direct" {
		t.Errorf("one object %q", name)
	}
}
