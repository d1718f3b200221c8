package runner

import (
	"strings"
	"testing"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/protocol"
)

func opFrame(mode string, op int, startMs, ms float64, errMsg string) protocol.Frame {
	return protocol.Frame{Type: protocol.TypeOp, Mode: mode, Op: op, StartMs: startMs, Ms: ms, Error: errMsg}
}

// concurrentScript: 4 ops of 500 ms, 2 in flight, starting at 0 and 500 ms.
func concurrentScript(lastOpMs float64) []in {
	return []in{
		{ms: 1, f: started("direct", 4)},
		{ms: 2, f: timingStart("direct")},
		{ms: 503, f: opFrame("direct", 0, 0, 500, "")},
		{ms: 503, f: progress("direct", 4, 1)},
		{ms: 504, f: opFrame("direct", 1, 0, 501, "")},
		{ms: 504, f: progress("direct", 4, 2)},
		{ms: 1004, f: opFrame("direct", 2, 501, 500, "")},
		{ms: 1004, f: progress("direct", 4, 3)},
		{ms: 1005, f: opFrame("direct", 3, 502, lastOpMs, "upstream failed")},
		{ms: 1005, f: progress("direct", 4, 4)},
		{ms: 1006, f: timingEnd("direct")},
		{ms: 1006, f: complete("direct", 3, 1, "op 3: upstream failed")},
	}
}

func TestOpFramesAreTheLatencies(t *testing.T) {
	t.Parallel()
	sp := spec("direct", 4, 500)
	sp.Concurrency = 2
	o := feed(newBatchState(sp, ours(500), t0), concurrentScript(500))
	if !o.done || o.err != nil || o.res.Status != experiment.StatusOK {
		t.Fatalf("done %v err %v status %s", o.done, o.err, o.res.Status)
	}
	// Latencies are the ops' own durations, not the ~0–500 ms gaps between progress frames.
	if got := o.res.PerOpMs(); len(got) != 3 || got[0] != 500 || got[1] != 501 || got[2] != 500 {
		t.Errorf("per-op %v", got)
	}
	if len(o.res.FailedSamples) != 1 || len(o.res.OpTimes) != 4 || o.res.OpTimes[3].Error == "" {
		t.Errorf("failed %v op times %v", o.res.FailedSamples, o.res.OpTimes)
	}
	if got := o.res.OpsPerSec; got < 3.98 || got > 4.0 { // 4 ops in 1004 ms
		t.Errorf("ops/s %v", got)
	}
	var last OpProgress
	for _, e := range o.events {
		if p, ok := e.(OpProgress); ok {
			last = p
		}
	}
	if last.Completed != 4 || last.SampleMs != 500 {
		t.Errorf("last progress %+v", last)
	}
	// Two in flight: 4 successful ops need 2 rounds of 500 ms, not 4 and
	// not 1. Ended at 1001 ms the batch is possible (one at a time it
	// would not be: TestOpFramesInconsistentWithWallTime); at 900 ms it is
	// not, though one round would allow it.
	rounds := func(endMs float64) outcome {
		return feed(newBatchState(sp, ours(500), t0), []in{
			{ms: 1, f: timingStart("direct")},
			{ms: endMs - 4, f: progress("direct", 4, 1)},
			{ms: endMs - 3, f: progress("direct", 4, 2)},
			{ms: endMs - 2, f: progress("direct", 4, 3)},
			{ms: endMs - 1, f: progress("direct", 4, 4)},
			{ms: endMs, f: complete("direct", 4, 0)},
		})
	}
	if o := rounds(1001); o.res.Status != experiment.StatusOK {
		t.Errorf("2 rounds in 1001 ms: %s %s", o.res.Status, o.res.Failure)
	}
	if o := rounds(900); o.res.Status != experiment.StatusImpossible || !strings.Contains(o.res.Failure, "sooner than 2 × the 500ms delay") {
		t.Errorf("2 rounds in 900 ms: %s %q, want impossible (sooner than 2 × the 500ms delay)", o.res.Status, o.res.Failure)
	}
}

func TestOpFramesInconsistentWithWallTime(t *testing.T) {
	t.Parallel()
	sp := spec("direct", 4, 500)
	sp.Concurrency = 2
	// Op 3 claims 2 s inside a batch of about 1 s.
	o := feed(newBatchState(sp, ours(500), t0), concurrentScript(2000))
	if o.res.Status != experiment.StatusImpossible || !strings.Contains(o.res.Failure, "op ended") {
		t.Fatalf("status %s failure %q", o.res.Status, o.res.Failure)
	}
	// The same batch timed as one op at a time cannot have taken 1 s either.
	sp.Concurrency = 0
	o = feed(newBatchState(sp, ours(500), t0), concurrentScript(500))
	if o.res.Status != experiment.StatusImpossible {
		t.Fatalf("sequential: status %s failure %q", o.res.Status, o.res.Failure)
	}
}

func TestOpFrameForeign(t *testing.T) {
	t.Parallel()
	sp := spec("direct", 2, 0)
	o := feed(newBatchState(sp, ours(0), t0), []in{
		{ms: 1, f: timingStart("direct")},
		{ms: 2, f: opFrame("direct", 5, 0, 1, "")},
		{ms: 3, f: opFrame("direct", 0, 0, 1, "")},
		{ms: 4, f: opFrame("direct", 0, 0, 1, "")},
	})
	if len(o.res.ForeignFrames) != 2 || len(o.res.Samples) != 1 {
		t.Fatalf("foreign %v samples %v", o.res.ForeignFrames, o.res.Samples)
	}
}

// A cold batch's ops that instantiated their object are reported apart.
func TestColdOpsApart(t *testing.T) {
	t.Parallel()
	sp := spec("direct", 2, 0)
	sp.Concurrency, sp.Cold, sp.Objects = 2, true, 1
	cold := opFrame("direct", 1, 0, 30, "")
	cold.Cold = true
	o := feed(newBatchState(sp, ours(0), t0), []in{
		{ms: 1, f: timingStart("direct")},
		{ms: 32, f: cold},
		{ms: 32, f: progress("direct", 2, 1)},
		{ms: 33, f: opFrame("direct", 0, 0, 31, "")},
		{ms: 33, f: progress("direct", 2, 2)},
		{ms: 34, f: complete("direct", 2, 0)},
	})
	if len(o.res.ColdSamples) != 1 || o.res.ColdSamples[0].Ms != 30 || len(o.res.Samples) != 1 || !o.res.OpTimes[0].Cold {
		t.Fatalf("cold %v samples %v", o.res.ColdSamples, o.res.Samples)
	}
	// One op at a time, no op frames: the first op on the one fresh object.
	sp.Concurrency = 0
	o = feed(newBatchState(sp, ours(0), t0), []in{
		{ms: 1, f: timingStart("direct")},
		{ms: 40, f: progress("direct", 2, 1)},
		{ms: 45, f: progress("direct", 2, 2)},
		{ms: 46, f: complete("direct", 2, 0)},
	})
	if len(o.res.ColdSamples) != 1 || o.res.ColdSamples[0].Ms != 39 || len(o.res.Samples) != 1 {
		t.Fatalf("sequential: cold %v samples %v", o.res.ColdSamples, o.res.Samples)
	}
}

// A cold op that failed is a failure, not a cold start: its time leaves
// ColdSamples as it leaves Samples (one op at a time, progress every op).
func TestFailedColdOpIsNoColdLatency(t *testing.T) {
	sp := spec("direct", 3, 0)
	sp.Cold, sp.Objects = true, 2
	o := feed(newBatchState(sp, ours(0), t0), []in{
		{ms: 1, f: timingStart("direct")},
		{ms: 3, f: progress("direct", 3, 1)},  // op 0 failed fast
		{ms: 40, f: progress("direct", 3, 2)}, // op 1, cold, ok
		{ms: 45, f: progress("direct", 3, 3)}, // op 2, warm, ok
		{ms: 46, f: complete("direct", 2, 1, "op 0: upstream 500")},
	})
	if o.res.Status != experiment.StatusOK {
		t.Fatalf("status %s %s", o.res.Status, o.res.Failure)
	}
	if len(o.res.ColdSamples) != 1 || o.res.ColdSamples[0].Op != 2 || o.res.ColdSamples[0].Ms != 37 {
		t.Errorf("cold %+v, want op 1's 37 ms alone", o.res.ColdSamples)
	}
	if len(o.res.FailedSamples) != 1 || o.res.FailedSamples[0].Op != 1 || o.res.FailedSamples[0].Ms != 2 {
		t.Errorf("failed %+v, want op 0's 2 ms", o.res.FailedSamples)
	}
	if len(o.res.Samples) != 1 || o.res.Samples[0].Op != 3 || o.res.SamplesApprox {
		t.Errorf("samples %+v approx %v, want op 2's alone, exact", o.res.Samples, o.res.SamplesApprox)
	}
	// Every op failed: no latency of any kind.
	o = feed(newBatchState(sp, ours(0), t0), []in{
		{ms: 1, f: timingStart("direct")},
		{ms: 3, f: progress("direct", 3, 1)},
		{ms: 5, f: progress("direct", 3, 2)},
		{ms: 7, f: progress("direct", 3, 3)},
		{ms: 8, f: complete("direct", 0, 3)},
	})
	if len(o.res.ColdSamples) != 0 || len(o.res.Samples) != 0 || len(o.res.FailedSamples) != 3 || o.res.FailedSamples[0].Op != 1 || o.res.FailedSamples[2].Op != 3 {
		t.Errorf("all failed: cold %+v samples %+v failed %+v", o.res.ColdSamples, o.res.Samples, o.res.FailedSamples)
	}
}

// The op timings of a batch are capped with its samples.
func TestCapSamplesCapsOpTimes(t *testing.T) {
	t.Parallel()
	res := experiment.BatchResult{BatchSpec: experiment.BatchSpec{Approach: "direct", DurationMs: 100, Concurrency: 2}}
	for i := range 5 {
		res.Samples = append(res.Samples, experiment.Sample{Ms: 100, Ops: 1})
		res.OpTimes = append(res.OpTimes, experiment.OpTime{Op: i, Ms: 100})
	}
	kept := map[experiment.Cell]int{res.Cell(): 7}
	capSamples(&res, kept, 10)
	if len(res.Samples) != 3 || len(res.OpTimes) != 3 || res.SamplesDropped != 2 {
		t.Errorf("samples %d op times %d dropped %d, want 3 3 2", len(res.Samples), len(res.OpTimes), res.SamplesDropped)
	}
}
