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

// ours is a pfx-tui target honouring delayMs; thirdParty a Lumenize-like
// server (progress counts successful ops, its own unknown delay).
func ours(delayMs int) traits { return traits{everyOp: true, delayMs: delayMs} }

var thirdParty = traits{delayMs: -1}

func perOp(samples []experiment.Sample) []float64 {
	out := make([]float64, len(samples))
	for i, s := range samples {
		out[i] = s.PerOpMs()
	}
	return out
}

func TestBatchStateHealthyPerOp(t *testing.T) {
	t.Parallel()
	b := newBatchState(spec("direct", 3, 100), ours(100), t0)
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
	t.Parallel()
	b := newBatchState(spec("direct", 12, 10), thirdParty, t0)
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
	t.Parallel()
	b := newBatchState(spec("bogus", 2, 0), thirdParty, t0)
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
	t.Parallel()
	b := newBatchState(spec("direct", 5, 100), ours(100), t0)
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
	t.Parallel()
	b := newBatchState(spec("direct", 3, 10), ours(10), t0)
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

func TestBatchStateForeignFramesAreNeverCredited(t *testing.T) {
	t.Parallel()
	withID := func(f protocol.Frame, id string) protocol.Frame { f.BatchID = id; return f }
	cases := []struct {
		name    string
		foreign in
		why     string
	}{
		{"another mode's batch-complete", in{ms: 150, f: complete("proxyfetch", 3, 0)}, `mode "proxyfetch"`},
		{"another batch's id", in{ms: 150, f: withID(progress("direct", 3, 2), "r-000")}, `batchId "r-000"`},
		{"a batch-complete of another size", in{ms: 150, f: complete("direct", 2, 0)}, "completed 2 + errors 0 = 2, but the batch asked for 3 ops"},
		{"progress of another size", in{ms: 150, f: progress("direct", 5, 2)}, "total 5"},
		{"progress past the count", in{ms: 150, f: progress("direct", 0, 4)}, "completed 4 of the 3 ops"},
		{"progress going back", in{ms: 150, f: progress("direct", 3, 0)}, "went back from 1 to 0"},
		{"batch-started of another size", in{ms: 150, f: started("direct", 7)}, "count 7"},
		{"a second timing-start", in{ms: 150, f: timingStart("direct")}, "a second timing-start"},
		{"a second batch-started", in{ms: 150, f: started("direct", 3)}, "a second batch-started"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := newBatchState(spec("direct", 3, 100), ours(100), t0)
			b.sent(at(1))
			o := feed(b, []in{
				{ms: 2, f: started("direct", 3)},
				{ms: 3, f: timingStart("direct")},
				{ms: 104, f: progress("direct", 3, 1)},
				c.foreign,
				{ms: 205, f: progress("direct", 3, 2)},
				{ms: 306, f: progress("direct", 3, 3)},
				{ms: 307, f: withID(complete("direct", 3, 0), "r-001")},
			})
			r := o.res
			if r.Status != experiment.StatusOK || len(r.Samples) != 3 || r.Completed != 3 {
				t.Fatalf("the batch's own frames: status %s samples %d completed %d", r.Status, len(r.Samples), r.Completed)
			}
			if r.Samples[1].Ms != 101 {
				t.Errorf("the foreign frame was credited: samples %+v", r.Samples)
			}
			if len(r.ForeignFrames) != 1 || !strings.Contains(r.ForeignFrames[0].Why, c.why) || r.ForeignFrames[0].AtMs != 150 {
				t.Fatalf("foreign frames %+v", r.ForeignFrames)
			}
			var evs []ForeignFrame
			for _, ev := range o.events {
				if e, ok := ev.(ForeignFrame); ok {
					evs = append(evs, e)
				}
			}
			if len(evs) != 1 || evs[0].Spec.ID != "r-001" || evs[0].Frame.Type != c.foreign.f.Type {
				t.Errorf("events %+v", evs)
			}
			for _, f := range r.Frames {
				if f.AtMs == 150 {
					t.Errorf("the foreign frame is among the batch's frames")
				}
			}
		})
	}
}

func TestBatchStateImpossibleBatch(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		server     traits
		completeMs float64
		want       string
	}{
		{"faster than 3 × 100 ms", ours(100), 120, experiment.StatusImpossible},
		{"just the delay", ours(100), 301, experiment.StatusOK},
		{"delay unknown: nothing to check", thirdParty, 120, experiment.StatusOK},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := newBatchState(spec("direct", 3, 100), c.server, t0)
			b.sent(at(1))
			o := feed(b, []in{
				{ms: 2, f: started("direct", 3)},
				{ms: 3, f: timingStart("direct")},
				{ms: c.completeMs - 2, f: progress("direct", 3, 1)},
				{ms: c.completeMs - 1, f: progress("direct", 3, 3)},
				{ms: c.completeMs, f: complete("direct", 3, 0)},
			})
			if !o.done || o.res.Status != c.want {
				t.Fatalf("status %s (%v)", o.res.Status, o.err)
			}
			if c.want == experiment.StatusImpossible {
				if !strings.Contains(o.err.Error(), "100ms delay the target honours") || len(o.res.PerOpMs()) != 0 || len(o.res.Samples) == 0 {
					t.Errorf("err %v, counted samples %v, raw samples %d", o.err, o.res.PerOpMs(), len(o.res.Samples))
				}
			}
		})
	}
}

func TestBatchStateFailuresAreNotLatencies(t *testing.T) {
	t.Parallel()
	script := func(mode string, progress []protocol.Frame, end protocol.Frame) []in {
		s := []in{{ms: 1, f: started(mode, 4)}, {ms: 2, f: timingStart(mode)}}
		for i, p := range progress {
			s = append(s, in{ms: float64(12 + 10*i), f: p})
		}
		return append(s, in{ms: 60, f: end})
	}
	every := func(n int) []protocol.Frame {
		var out []protocol.Frame
		for i := 1; i <= n; i++ {
			out = append(out, progress("direct", 4, i))
		}
		return out
	}
	cases := []struct {
		name           string
		server         traits
		in             []in
		samples        []int // Op of each kept sample
		failed         int
		approx, chain  bool
		opsSeen, errs  int
		completedFinal int
	}{
		{"every op failed (our target)", ours(0), script("direct", every(4), complete("direct", 0, 4, "op 0: boom", "op 1: boom", "op 2: boom", "op 3: boom")), nil, 4, false, false, 4, 4, 0},
		{"every op failed, not itemised", ours(0), script("direct", every(4), complete("direct", 0, 4)), nil, 4, false, false, 4, 4, 0},
		{"op 1 failed, itemised", ours(0), script("direct", every(4), complete("direct", 3, 1, "op 1: upstream answered HTTP 500")), []int{1, 3, 4}, 1, false, false, 4, 1, 3},
		{"Lumenize wording", ours(0), script("direct", every(4), complete("direct", 3, 1, "Op 2: boom")), []int{1, 2, 4}, 1, false, false, 4, 1, 3},
		{"a failure not itemised", ours(0), script("direct", every(4), complete("direct", 3, 1)), []int{1, 2, 3, 4}, 0, true, false, 4, 1, 3},
		{"third party: last ops failed", thirdParty, script("direct", []protocol.Frame{progress("direct", 4, 1), progress("direct", 4, 2)}, complete("direct", 2, 2)), []int{1, 2}, 1, true, false, 4, 2, 2},
		{"third party: none succeeded", thirdParty, script("direct", nil, complete("direct", 0, 4)), nil, 0, false, false, 4, 4, 0},
		{"chained", thirdParty, script("proxyfetch", nil, complete("proxyfetch", 4, 0)), []int{4}, 0, false, true, 4, 0, 4},
		{"chained with a failure", thirdParty, script("proxyfetch", nil, complete("proxyfetch", 3, 1, "Op 0: boom")), []int{4}, 0, true, true, 4, 1, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			mode := "direct"
			if c.chain && c.completedFinal > 0 {
				mode = "proxyfetch"
			}
			b := newBatchState(spec(mode, 4, 0), c.server, t0)
			o := feed(b, c.in)
			r := o.res
			if !o.done || r.Status != experiment.StatusOK {
				t.Fatalf("status %s %v", r.Status, o.err)
			}
			var ops []int
			for _, s := range r.Samples {
				ops = append(ops, s.Op)
			}
			if len(ops) != len(c.samples) || (len(ops) > 0 && !equalInts(ops, c.samples)) {
				t.Errorf("kept samples at ops %v, want %v (failed %+v)", ops, c.samples, r.FailedSamples)
			}
			if len(r.FailedSamples) != c.failed || r.SamplesApprox != c.approx || r.Chained != c.chain {
				t.Errorf("failed samples %d approx %v chained %v", len(r.FailedSamples), r.SamplesApprox, r.Chained)
			}
			if r.OpsSeen != c.opsSeen || r.Errors != c.errs || r.Completed != c.completedFinal {
				t.Errorf("opsSeen %d errors %d completed %d", r.OpsSeen, r.Errors, r.Completed)
			}
			if c.completedFinal == 0 && len(r.PerOpMs()) != 0 {
				t.Errorf("a batch with no successful op gave latencies %v", r.PerOpMs())
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestBatchStateChainedBatchIsOneBatchMean(t *testing.T) {
	t.Parallel()
	b := newBatchState(spec("proxyfetch", 5, 100), ours(100), t0)
	b.sent(at(1))
	o := feed(b, []in{{ms: 2, f: started("proxyfetch", 5)}, {ms: 3, f: timingStart("proxyfetch")}, {ms: 510, f: timingEnd("proxyfetch")}, {ms: 511, f: complete("proxyfetch", 5, 0)}})
	r := o.res
	if r.Status != experiment.StatusOK || !r.Chained || len(r.Samples) != 1 || r.Samples[0].Ops != 5 || r.Samples[0].Ms != 508 || r.OpsSeen != 5 || r.Granularity != 5 {
		t.Fatalf("%+v", r)
	}
	if m, _ := r.MeanPerOpMs(); m != 101.6 {
		t.Errorf("batch mean %v", m)
	}
}

func TestBatchStateInterruptedKeepsTimingStartAndElapsed(t *testing.T) {
	t.Parallel()
	b := newBatchState(spec("direct", 5, 100), ours(100), t0)
	feed(b, []in{{ms: 2, f: started("direct", 5)}, {ms: 4, f: timingStart("direct")}, {ms: 105, f: progress("direct", 5, 1)}})
	b.stop()
	b.stopped(at(404))
	r := b.result()
	if r.Status != experiment.StatusInterrupted || !r.TimingStartAt.Equal(at(4)) || r.BatchMs != 400 {
		t.Fatalf("status %s timingStartAt %v batchMs %v", r.Status, r.TimingStartAt, r.BatchMs)
	}
	// No timing start: no elapsed, no timing start time.
	b = newBatchState(spec("direct", 5, 100), ours(100), t0)
	b.timedOut(time.Second, at(1000))
	if r := b.result(); !r.TimingStartAt.IsZero() || r.BatchMs != 0 {
		t.Errorf("timingStartAt %v batchMs %v", r.TimingStartAt, r.BatchMs)
	}
}
