package runner

import (
	"fmt"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/protocol"
)

// opFrames is what a batch's op frames (CapConcurrency) said so far. Once
// one arrives, the batch's latency samples are the ops' own durations as
// the server measured them around their upstream calls: with K ops in
// flight, the gaps between progress frames are about d/K, not d, so they
// measure throughput (OpsPerSec), not latency.
type opFrames struct {
	seen   map[int]bool
	lastMs float64 // the latest successful op's duration
	sumMs  float64 // Σ durations of every op frame, failed ones included
	endMs  float64 // the latest op end, ms since the server's timing start
}

func (o *opFrames) any() bool { return len(o.seen) > 0 }

// opFrame credits one op frame: a sample for a successful op, a failed
// sample for a failed one. Progress is still counted by progress frames.
func (b *batchState) opFrame(f protocol.Frame, at time.Time) step {
	if b.timingStart.IsZero() {
		b.timingStart, b.lastAt = b.start, b.start
		b.res.TimingFallback = true
	}
	if b.ops.seen == nil {
		b.ops.seen = map[int]bool{}
	}
	b.ops.seen[f.Op] = true
	b.ops.sumMs += f.Ms
	b.ops.endMs = max(b.ops.endMs, f.StartMs+f.Ms)
	b.res.OpTimes = append(b.res.OpTimes, experiment.OpTime{Op: f.Op, StartMs: f.StartMs, Ms: f.Ms, Error: f.Error, Cold: f.Cold})
	s := experiment.Sample{Op: len(b.ops.seen), Ops: 1, Ms: f.Ms, AtMs: msBetween(b.timingStart, at)}
	if f.Error != "" {
		b.res.FailedSamples = append(b.res.FailedSamples, s)
		return step{}
	}
	b.ops.lastMs = f.Ms
	if f.Cold {
		b.res.ColdSamples = append(b.res.ColdSamples, s) // the first op on a fresh object
		return step{}
	}
	b.res.Samples = append(b.res.Samples, s)
	return step{}
}

// progressAfterOps counts a progress frame of a batch whose ops report
// their own timings: no sample of its own.
func (b *batchState) progressAfterOps(f protocol.Frame, at time.Time) step {
	var st step
	if f.Completed > b.lastOps {
		b.steps[f.Completed-b.lastOps]++
		b.progresses++
		b.lastAt, b.lastOps = at, f.Completed
		b.res.OpsSeen = b.lastOps
		st.events = append(st.events, OpProgress{Spec: b.spec, Completed: f.Completed, Total: b.spec.Ops, SampleMs: b.ops.lastMs, Elapsed: at.Sub(b.start)})
	}
	if b.stopping && b.lastOps < b.spec.Ops {
		st.err = b.finish(experiment.StatusInterrupted, fmt.Errorf("interrupted after %d of %d ops", b.lastOps, b.spec.Ops), at)
		st.done = true
	}
	return st
}

// opSlackMs is how far the ops' own timings may exceed what the batch's
// wall time (as the client saw it) allows: the two clocks' readings of one
// span differ by the network's jitter on timing-start and batch-complete.
func opSlackMs(ms float64) float64 { return 50 + 0.02*ms }

// completeOps checks the ops' own timings against the batch's wall time and
// sets the throughput. bad: the timings cannot be true (the batch is kept
// out of statistics as impossible).
func (b *batchState) completeOps(f protocol.Frame, at time.Time) (step, bool) {
	finished := f.Completed + f.Errors
	wall := b.res.BatchMs
	if wall > 0 {
		b.res.OpsPerSec = float64(finished) / wall * 1000
	}
	k := float64(b.spec.InFlight())
	var why string
	switch {
	case b.ops.endMs > wall+opSlackMs(wall):
		why = fmt.Sprintf("an op ended %s after timing-start, but the batch took %s", fmtMs(b.ops.endMs), fmtMs(wall))
	case b.ops.sumMs > k*(wall+opSlackMs(wall)):
		why = fmt.Sprintf("its ops' durations add up to %s, more than %g in flight × the batch's %s allow", fmtMs(b.ops.sumMs), k, fmtMs(wall))
	}
	if why != "" {
		return step{done: true, err: b.finish(experiment.StatusImpossible, fmt.Errorf("impossible: %s (kept out of statistics)", why), at)}, true
	}
	if len(b.ops.seen) < finished {
		b.res.SamplesApprox = true // some ops sent no op frame: their latencies are missing
	}
	return step{}, false
}
