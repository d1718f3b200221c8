package runner

import (
	"fmt"
	"strconv"
	"strings"
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
	spec   experiment.BatchSpec
	server traits
	start  time.Time // monotonic: when the batch's dial began
	res    experiment.BatchResult

	sentAt      time.Time // run-batch written: no op can start before
	timingStart time.Time
	lastAt      time.Time // receipt of the last credited progress (or the timing start)
	lastOps     int
	steps       map[int]int     // ops per progress frame → frames
	progresses  int             // credited progress frames
	seen        map[string]bool // batch-started / timing-start received
	stopping    bool
	over        bool
	ops         opFrames // op frames received (concurrency.go)
}

// traits are what the runner knows of the server a batch runs on.
type traits struct {
	// everyOp: a progress frame after every op, failed ones included
	// (CapProgressEveryOp); otherwise progress counts successful ops only,
	// as Lumenize's servers do.
	everyOp bool
	// delayMs is the upstream delay the server honours for this batch; -1
	// when unknown (a label, or server-defined).
	delayMs int
}

// step is what one input did to the batch.
type step struct {
	events []Event
	// done: the batch is over (status and failure are in the result).
	done bool
	err  error // why, when done and not ok
}

func newBatchState(spec experiment.BatchSpec, server traits, start time.Time) *batchState {
	return &batchState{
		spec:   spec,
		server: server,
		start:  start,
		steps:  map[int]int{},
		seen:   map[string]bool{},
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
	stamp := experiment.FrameStamp{Type: f.Type, AtMs: msBetween(b.start, at), Completed: f.Completed}
	spec := b.spec
	if why := b.foreign(f); why != "" {
		ff := experiment.ForeignFrame{FrameStamp: stamp, Mode: f.Mode, BatchID: f.BatchID, Total: max(f.Total, f.Count), Errors: f.Errors, Why: why}
		b.res.ForeignFrames = append(b.res.ForeignFrames, ff)
		return step{events: []Event{ForeignFrame{Spec: spec, Frame: ff}}}
	}
	b.res.Frames = append(b.res.Frames, stamp)
	b.seen[f.Type] = true
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
	case protocol.TypeOp:
		return b.opFrame(f, at)
	case protocol.TypeProgress:
		if b.ops.any() {
			return b.progressAfterOps(f, at)
		}
		if b.timingStart.IsZero() {
			b.timingStart, b.lastAt = b.start, b.start
			b.res.TimingFallback = true
		}
		var st step
		if n := f.Completed - b.lastOps; n > 0 {
			s := experiment.Sample{Op: f.Completed, Ops: n, Ms: msBetween(b.lastAt, at), AtMs: msBetween(b.timingStart, at)}
			if s.Ops == 1 && s.Op <= b.spec.ColdOps() {
				b.res.ColdSamples = append(b.res.ColdSamples, s) // an op on a fresh object
			} else {
				b.res.Samples = append(b.res.Samples, s)
			}
			b.steps[n]++
			b.progresses++
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
		return b.complete(f, at)
	case protocol.TypeError:
		return step{done: true, err: b.finish(experiment.StatusError, fmt.Errorf("server error: %s", f.Error), at)}
	}
	return step{}
}

// foreign says why a frame is not this batch's ("" when it may be): another
// mode or batchId, or counts that are not the request's. Such a frame is
// never credited (a third-party server sends an abandoned batch's
// batch-complete to whichever socket is open).
func (b *batchState) foreign(f protocol.Frame) string {
	spec := b.spec
	switch {
	case f.BatchID != "" && f.BatchID != spec.ID:
		return fmt.Sprintf("batchId %q is not this batch's (%s)", f.BatchID, spec.ID)
	case f.Type != protocol.TypeError && f.Mode != "" && f.Mode != spec.Approach:
		return fmt.Sprintf("mode %q, but the batch runs %q", f.Mode, spec.Approach)
	}
	switch f.Type {
	case protocol.TypeBatchStarted, protocol.TypeTimingStart:
		if f.Count != 0 && f.Count != spec.Ops {
			return fmt.Sprintf("count %d, but the batch asked for %d ops", f.Count, spec.Ops)
		}
		if b.seen[f.Type] || b.progresses > 0 {
			return fmt.Sprintf("a second %s in the batch", f.Type)
		}
	case protocol.TypeOp:
		switch {
		case f.Op < 0 || f.Op >= spec.Ops:
			return fmt.Sprintf("op %d, but the batch asked for %d ops", f.Op, spec.Ops)
		case b.ops.seen[f.Op]:
			return fmt.Sprintf("a second op frame for op %d", f.Op)
		}
	case protocol.TypeProgress:
		switch {
		case f.Total != 0 && f.Total != spec.Ops:
			return fmt.Sprintf("total %d, but the batch asked for %d ops", f.Total, spec.Ops)
		case f.Completed > spec.Ops:
			return fmt.Sprintf("completed %d of the %d ops asked for", f.Completed, spec.Ops)
		case f.Completed < b.lastOps:
			return fmt.Sprintf("progress went back from %d to %d ops", b.lastOps, f.Completed)
		}
	case protocol.TypeBatchComplete:
		if n := f.Completed + f.Errors; n != spec.Ops {
			return fmt.Sprintf("completed %d + errors %d = %d, but the batch asked for %d ops", f.Completed, f.Errors, n, spec.Ops)
		}
	}
	return ""
}

// complete handles the batch's own batch-complete: the last samples, failed
// ops kept out of the latencies, and the impossibility check.
func (b *batchState) complete(f protocol.Frame, at time.Time) step {
	if b.timingStart.IsZero() {
		b.timingStart, b.lastAt = b.start, b.start
		b.res.TimingFallback = true
	}
	b.res.BatchMs = msBetween(b.timingStart, at)
	b.res.Completed, b.res.Errors, b.res.ErrorMessages = f.Completed, f.Errors, f.ErrorMessages
	finished := f.Completed + f.Errors
	gap := experiment.Sample{Op: finished, Ops: finished - b.lastOps, Ms: msBetween(b.lastAt, at), AtMs: b.res.BatchMs}
	switch {
	case b.ops.any():
		if st, bad := b.completeOps(f, at); bad {
			return st
		}
	case b.progresses == 0:
		// No progress frames (a chained mode on a third-party server): one
		// sample per batch, the batch mean over its successful ops.
		if f.Completed > 0 {
			b.res.Chained = true
			b.res.Samples = append(b.res.Samples, experiment.Sample{Op: finished, Ops: f.Completed, Ms: b.res.BatchMs, AtMs: b.res.BatchMs})
			b.steps[f.Completed]++
			b.res.SamplesApprox = f.Errors > 0
		}
	case b.server.everyOp:
		if gap.Ops > 0 {
			b.res.Samples = append(b.res.Samples, gap)
		}
		b.dropFailedOps(f)
	default:
		// Progress counts successful ops: the last gap covers the successes
		// after the last frame, or failed ops only.
		if n := f.Completed - b.lastOps; n > 0 {
			gap.Ops = n
			b.res.Samples = append(b.res.Samples, gap)
		} else if gap.Ops > 0 {
			b.res.FailedSamples = append(b.res.FailedSamples, gap)
		}
		b.res.SamplesApprox = f.Errors > 0 && len(b.res.Samples) > 0
	}
	b.res.OpsSeen = finished
	b.res.Granularity = commonStep(b.steps)
	if d := b.server.delayMs; d > 0 && f.Completed > 0 {
		// Measured from run-batch's sending, not from timing-start's
		// receipt (which a slow reader may stamp late): no op can have
		// started earlier, so this bound is physical, not statistical.
		from := b.sentAt
		if from.IsZero() {
			from = b.start
		}
		rounds := b.spec.Rounds(f.Completed)
		floor, took := float64(rounds*d), msBetween(from, at)
		if took < floor-(1+0.001*floor) {
			return step{done: true, err: b.finish(experiment.StatusImpossible, fmt.Errorf(
				"impossible: %d successful ops ended %s after run-batch was sent, sooner than %d × the %s delay the target honours: the delay was not applied (kept out of statistics)",
				f.Completed, fmtMs(took), rounds, experiment.FormatDuration(d)), at)}
		}
	}
	b.finish(experiment.StatusOK, nil, at)
	return step{done: true}
}

// dropFailedOps moves the samples of ops the server reported failed out of
// the latencies, cold ones included (a server with a progress frame per
// op). Failed ops are named in errorMessages ("op N: …", 0-based); when
// none succeeded every sample goes; failures not itemised leave the
// samples approximate.
func (b *batchState) dropFailedOps(f protocol.Frame) {
	if f.Errors == 0 {
		return
	}
	failed := failedOps(f.ErrorMessages)
	// Cold samples are the first ops': FailedSamples stay in op order.
	b.res.ColdSamples = b.keepSucceeded(b.res.ColdSamples, failed, f)
	b.res.Samples = b.keepSucceeded(b.res.Samples, failed, f)
	if f.Completed > 0 && f.Errors > len(failed) {
		b.res.SamplesApprox = true
	}
}

// keepSucceeded returns ss without the samples that cover failed ops only
// (those go to FailedSamples).
func (b *batchState) keepSucceeded(ss []experiment.Sample, failed map[int]bool, f protocol.Frame) []experiment.Sample {
	keep := ss[:0]
	for _, s := range ss {
		n := 0
		for op := s.Op - s.Ops; op < s.Op; op++ {
			if failed[op] {
				n++
			}
		}
		if f.Completed == 0 || n >= s.Ops {
			b.res.FailedSamples = append(b.res.FailedSamples, s)
			continue
		}
		if n > 0 {
			b.res.SamplesApprox = true
		}
		keep = append(keep, s)
	}
	return keep
}

// failedOps reads the 0-based op numbers of "op N: …" / "Op N: …" messages.
func failedOps(msgs []string) map[int]bool {
	out := map[int]bool{}
	for _, m := range msgs {
		rest, ok := strings.CutPrefix(strings.TrimSpace(m), "op ")
		if !ok {
			rest, ok = strings.CutPrefix(strings.TrimSpace(m), "Op ")
		}
		num, _, found := strings.Cut(rest, ":")
		if !ok || !found {
			continue
		}
		if n, err := strconv.Atoi(strings.TrimSpace(num)); err == nil && n >= 0 {
			out[n] = true
		}
	}
	return out
}

// observedPerOpMs is the mean time per op of the batch's samples so far.
func (b *batchState) observedPerOpMs() (float64, bool) {
	var sum float64
	ops := 0
	for _, s := range b.res.Samples {
		sum += s.Ms
		ops += s.Ops
	}
	if ops == 0 {
		return 0, false
	}
	// Op frames time each op; K in flight finish K times as often.
	if b.ops.any() {
		return sum / float64(ops) / float64(b.spec.InFlight()), true
	}
	return sum / float64(ops), true
}

func fmtMs(ms float64) string {
	if ms >= 1000 {
		return strconv.FormatFloat(ms/1000, 'f', 2, 64) + " s"
	}
	return strconv.FormatFloat(ms, 'f', 1, 64) + " ms"
}

// sent records when run-batch was written.
func (b *batchState) sent(at time.Time) { b.sentAt = at }

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
		if b.res.BatchMs == 0 {
			// Ended without batch-complete: its elapsed time so far.
			b.res.BatchMs = msBetween(b.timingStart, at)
		}
	}
	b.res.Granularity = commonStep(b.steps)
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
