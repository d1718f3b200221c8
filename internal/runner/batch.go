package runner

import (
	"fmt"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/protocol"
)

// batchState is one batch's frame handling apart from the socket: fed the
// frames of the batch's WebSocket with their receipt times, it builds the
// BatchResult, decides when the batch is over and says what to report.
// runBatch is the IO around it (dial, send, read, timers); the rules live
// here so they can be table-tested without sockets.
type batchState struct {
	spec  experiment.BatchSpec
	start time.Time // monotonic: when the batch's dial began
	res   experiment.BatchResult

	timingStart time.Time
	lastAt      time.Time // receipt of the last credited progress (or the timing start)
	lastOps     int
	steps       map[int]int // ops per progress frame → frames
	stopping    bool
	over        bool
}

// step is what one input did to the batch.
type step struct {
	events []Event
	// done: the batch is over (status and failure are in the result).
	done bool
	err  error // why, when done and not ok
}

func newBatchState(spec experiment.BatchSpec, start time.Time) *batchState {
	return &batchState{
		spec:  spec,
		start: start,
		steps: map[int]int{},
		res: experiment.BatchResult{BatchSpec: spec, StartedAt: start.UTC(), Granularity: 1,
			Samples: []experiment.Sample{}, Frames: []experiment.FrameStamp{}},
	}
}

func msBetween(a, b time.Time) float64 { return float64(b.Sub(a).Microseconds()) / 1000 }

// frame handles one message received at `at`.
func (b *batchState) frame(data []byte, at time.Time) step {
	if b.over {
		return step{done: true}
	}
	f, err := protocol.DecodeFrame(data)
	if err != nil {
		b.res.Frames = append(b.res.Frames, experiment.FrameStamp{Type: "invalid", AtMs: msBetween(b.start, at)})
		return step{}
	}
	b.res.Frames = append(b.res.Frames, experiment.FrameStamp{Type: f.Type, AtMs: msBetween(b.start, at), Completed: f.Completed})
	spec := b.spec
	switch f.Type {
	case protocol.TypeBatchStarted:
		// Fallback timing start until timing-start arrives.
		if b.timingStart.IsZero() {
			b.timingStart, b.lastAt = at, at
			b.res.TimingFallback = true
		}
	case protocol.TypeTimingStart:
		b.timingStart, b.lastAt = at, at
		b.res.TimingFallback = false
	case protocol.TypeProgress:
		if b.timingStart.IsZero() {
			b.timingStart, b.lastAt = b.start, b.start
			b.res.TimingFallback = true
		}
		var st step
		if n := f.Completed - b.lastOps; n > 0 {
			s := experiment.Sample{Op: f.Completed, Ops: n, Ms: msBetween(b.lastAt, at), AtMs: msBetween(b.timingStart, at)}
			b.res.Samples = append(b.res.Samples, s)
			b.steps[n]++
			b.lastAt, b.lastOps = at, f.Completed
			b.res.OpsSeen = b.lastOps
			st.events = append(st.events, OpProgress{Spec: spec, Completed: f.Completed, Total: spec.Ops, SampleMs: s.PerOpMs(), Elapsed: at.Sub(b.start)})
		}
		if b.stopping && b.lastOps < spec.Ops {
			st.err = b.finish(experiment.StatusInterrupted, fmt.Errorf("interrupted after %d of %d ops", b.lastOps, spec.Ops), at)
			st.done = true
		}
		return st
	case protocol.TypeTimingEnd:
	case protocol.TypeBatchComplete:
		if b.timingStart.IsZero() {
			b.timingStart = b.start
			b.res.TimingFallback = true
		}
		b.res.BatchMs = msBetween(b.timingStart, at)
		b.res.Completed, b.res.Errors, b.res.ErrorMessages = f.Completed, f.Errors, f.ErrorMessages
		if len(b.res.Samples) == 0 && spec.Ops > 0 {
			// No progress frames (a parallel approach on a Lumenize server):
			// the batch time is one sample covering every op.
			b.res.Samples = append(b.res.Samples, experiment.Sample{Op: spec.Ops, Ops: spec.Ops, Ms: b.res.BatchMs, AtMs: b.res.BatchMs})
			b.steps[spec.Ops]++
		} else if b.lastOps < f.Completed+f.Errors && f.Completed+f.Errors <= spec.Ops {
			// Ops finished after the last progress frame (every-k servers).
			n := f.Completed + f.Errors - b.lastOps
			b.res.Samples = append(b.res.Samples, experiment.Sample{Op: b.lastOps + n, Ops: n, Ms: msBetween(b.lastAt, at), AtMs: b.res.BatchMs})
			b.res.OpsSeen = b.lastOps + n
		}
		b.res.Granularity = commonStep(b.steps)
		b.res.SamplesApprox = b.res.Granularity > 1 && f.Errors > 0
		b.finish(experiment.StatusOK, nil, at)
		return step{done: true}
	case protocol.TypeError:
		return step{done: true, err: b.finish(experiment.StatusError, fmt.Errorf("server error: %s", f.Error), at)}
	}
	return step{}
}

// stop asks the batch to end after the op in flight (the user cancelled):
// the next progress frame ends it as interrupted.
func (b *batchState) stop() { b.stopping = true }

// stopped ends a batch the user stopped whose op in flight never reported.
func (b *batchState) stopped(at time.Time) error {
	return b.finish(experiment.StatusInterrupted, fmt.Errorf("interrupted after %d of %d ops", b.lastOps, b.spec.Ops), at)
}

// timedOut ends a batch whose batch-complete did not come in time.
func (b *batchState) timedOut(timeout time.Duration, at time.Time) error {
	return b.finish(experiment.StatusTimeout, fmt.Errorf("no batch-complete within %s (%d of %d ops seen); the server may have gone silent", timeout, b.lastOps, b.spec.Ops), at)
}

// dropped ends a batch whose connection broke (err nil: closed cleanly).
func (b *batchState) dropped(err error, at time.Time) error {
	if b.stopping {
		return b.stopped(at)
	}
	if err == nil {
		return b.finish(experiment.StatusDropped, fmt.Errorf("connection closed after %d of %d ops", b.lastOps, b.spec.Ops), at)
	}
	return b.finish(experiment.StatusDropped, fmt.Errorf("connection dropped after %d of %d ops: %v", b.lastOps, b.spec.Ops, err), at)
}

// failed ends a batch that could not start or send (status dropped or interrupted).
func (b *batchState) failed(status string, err error, at time.Time) error {
	return b.finish(status, err, at)
}

// finish records the batch's end; it returns err for the caller's convenience.
func (b *batchState) finish(status string, err error, at time.Time) error {
	if b.over {
		return err
	}
	b.over = true
	b.res.Status = status
	b.res.EndedAt = b.res.StartedAt.Add(at.Sub(b.start))
	if !b.timingStart.IsZero() {
		b.res.TimingStartAt = b.res.StartedAt.Add(b.timingStart.Sub(b.start))
	}
	if status != experiment.StatusOK {
		b.res.Granularity = commonStep(b.steps)
	}
	if err != nil {
		b.res.Failure = err.Error()
	}
	return err
}

// result is the batch as measured so far (final once the batch is over).
func (b *batchState) result() experiment.BatchResult { return b.res }

// commonStep is the most frequent number of ops per progress frame.
func commonStep(counts map[int]int) int {
	best, bestN := 1, 0
	for step, n := range counts {
		if n > bestN || (n == bestN && step < best) {
			best, bestN = step, n
		}
	}
	return best
}
