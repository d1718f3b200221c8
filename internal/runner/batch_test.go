package runner

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/protocol"
)

// The batch state machine, table-tested without sockets: frames and
// receipt times in, result and events out.

var t0 = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

func at(ms float64) time.Time { return t0.Add(time.Duration(ms * float64(time.Millisecond))) }

// in is one input: a frame (or raw bytes) received at ms after the dial.
type in struct {
	ms  float64
	f   protocol.Frame
	raw string
}

func (i in) bytes() []byte {
	if i.raw != "" {
		return []byte(i.raw)
	}
	b, _ := json.Marshal(i.f)
	return b
}

func started(mode string, n int) protocol.Frame {
	return protocol.Frame{Type: protocol.TypeBatchStarted, Mode: mode, Count: n}
}
func timingStart(mode string) protocol.Frame {
	return protocol.Frame{Type: protocol.TypeTimingStart, Mode: mode}
}
func timingEnd(mode string) protocol.Frame {
	return protocol.Frame{Type: protocol.TypeTimingEnd, Mode: mode}
}
func progress(mode string, total, completed int) protocol.Frame {
	return protocol.Frame{Type: protocol.TypeProgress, Mode: mode, Total: total, Completed: completed}
}
func complete(mode string, completed, errs int, msgs ...string) protocol.Frame {
	return protocol.Frame{Type: protocol.TypeBatchComplete, Mode: mode, Completed: completed, Errors: errs, ErrorMessages: msgs}
}

// outcome is what a fed script produced.
type outcome struct {
	res    experiment.BatchResult
	events []Event
	done   bool
	err    error
}

func feed(b *batchState, script []in) outcome {
	var o outcome
	for _, i := range script {
		st := b.frame(i.bytes(), at(i.ms))
		o.events = append(o.events, st.events...)
		if st.done {
			o.done, o.err = true, st.err
			break
		}
	}
	o.res = b.result()
	return o
}

func spec(mode string, ops, durationMs int) experiment.BatchSpec {
	return experiment.BatchSpec{ID: "r-001", Index: 1, Approach: mode, DurationMs: durationMs, Batch: 1, Ops: ops}
}

func perOp(samples []experiment.Sample) []float64 {
	out := make([]float64, len(samples))
	for i, s := range samples {
		out[i] = s.PerOpMs()
	}
	return out
}

func TestBatchStateHealthyPerOp(t *testing.T) {
	b := newBatchState(spec("direct", 3, 100), t0)
	o := feed(b, []in{
		{ms: 5, f: started("direct", 3)},
		{ms: 6, f: timingStart("direct")},
		{ms: 107, f: progress("direct", 3, 1)},
		{ms: 208, f: progress("direct", 3, 2)},
		{ms: 310, f: progress("direct", 3, 3)},
		{ms: 311, f: timingEnd("direct")},
		{ms: 312, f: complete("direct", 3, 0)},
	})
	r := o.res
	if !o.done || o.err != nil || r.Status != experiment.StatusOK {
		t.Fatalf("done %v err %v status %s", o.done, o.err, r.Status)
	}
	if got := perOp(r.Samples); len(got) != 3 || got[0] != 101 || got[1] != 101 || got[2] != 102 {
		t.Errorf("samples %v", got)
	}
	if r.BatchMs != 306 || r.OpsSeen != 3 || r.Completed != 3 || r.Granularity != 1 || r.TimingFallback {
		t.Errorf("batchMs %v opsSeen %d completed %d granularity %d fallback %v", r.BatchMs, r.OpsSeen, r.Completed, r.Granularity, r.TimingFallback)
	}
	if want := t0.Add(6 * time.Millisecond); !r.TimingStartAt.Equal(want) {
		t.Errorf("timingStartAt %v, want %v", r.TimingStartAt, want)
	}
	if len(r.Frames) != 7 || r.Frames[2].Type != protocol.TypeProgress || r.Frames[2].AtMs != 107 {
		t.Errorf("frames %+v", r.Frames)
	}
	n := 0
	for _, ev := range o.events {
		if p, ok := ev.(OpProgress); ok {
			n++
			if p.Total != 3 || p.Completed != n {
				t.Errorf("progress event %+v", p)
			}
		}
	}
	if n != 3 {
		t.Errorf("%d progress events", n)
	}
}

func TestBatchStateEveryFiveWithoutTimingStart(t *testing.T) {
	b := newBatchState(spec("direct", 12, 10), t0)
	o := feed(b, []in{
		{ms: 2, f: started("direct", 12)},
		{ms: 52, f: progress("direct", 12, 5)},
		{ms: 102, f: progress("direct", 12, 10)},
		{ms: 122, f: timingEnd("direct")},
		{ms: 123, f: complete("direct", 12, 0)},
	})
	r := o.res
	if r.Status != experiment.StatusOK || !r.TimingFallback || r.Granularity != 5 || r.OpsSeen != 12 {
		t.Fatalf("status %s fallback %v granularity %d opsSeen %d", r.Status, r.TimingFallback, r.Granularity, r.OpsSeen)
	}
	if len(r.Samples) != 3 || r.Samples[0].Ops != 5 || r.Samples[0].Ms != 50 || r.Samples[2].Ops != 2 || r.Samples[2].Ms != 21 {
		t.Errorf("samples %+v", r.Samples)
	}
}

func TestBatchStateErrorAndInvalidFrames(t *testing.T) {
	b := newBatchState(spec("bogus", 2, 0), t0)
	o := feed(b, []in{
		{ms: 1, raw: "not json"},
		{ms: 2, f: protocol.Frame{Type: protocol.TypeError, Error: "Unknown mode: bogus. Available: direct, proxyfetch"}},
	})
	if !o.done || o.res.Status != experiment.StatusError || !strings.Contains(o.err.Error(), "Available: direct, proxyfetch") {
		t.Fatalf("%+v", o)
	}
	if len(o.res.Frames) != 2 || o.res.Frames[0].Type != "invalid" {
		t.Errorf("frames %+v", o.res.Frames)
	}
}

func TestBatchStateStopEndsAtTheNextProgress(t *testing.T) {
	b := newBatchState(spec("direct", 5, 100), t0)
	o := feed(b, []in{{ms: 1, f: started("direct", 5)}, {ms: 2, f: timingStart("direct")}, {ms: 102, f: progress("direct", 5, 1)}})
	if o.done {
		t.Fatal("done too early")
	}
	b.stop()
	o = feed(b, []in{{ms: 203, f: progress("direct", 5, 2)}})
	if !o.done || o.res.Status != experiment.StatusInterrupted || !strings.Contains(o.err.Error(), "after 2 of 5 ops") || len(o.res.Samples) != 2 {
		t.Fatalf("%+v", o)
	}
}

func TestBatchStateTimeoutKeepsSamples(t *testing.T) {
	b := newBatchState(spec("direct", 3, 10), t0)
	feed(b, []in{{ms: 1, f: started("direct", 3)}, {ms: 2, f: timingStart("direct")}, {ms: 13, f: progress("direct", 3, 1)}})
	err := b.timedOut(500*time.Millisecond, at(502))
	r := b.result()
	if r.Status != experiment.StatusTimeout || !strings.Contains(err.Error(), "1 of 3 ops") || len(r.Samples) != 1 || r.OpsSeen != 1 {
		t.Fatalf("%+v %v", r, err)
	}
	if !r.EndedAt.Equal(at(502)) {
		t.Errorf("endedAt %v", r.EndedAt)
	}
	// Frames after the end change nothing.
	if st := b.frame(mustJSON(complete("direct", 3, 0)), at(600)); !st.done || b.result().Status != experiment.StatusTimeout {
		t.Errorf("a frame after the end was taken: %+v", b.result())
	}
}

func mustJSON(f protocol.Frame) []byte {
	b, _ := json.Marshal(f)
	return b
}
