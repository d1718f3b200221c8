package runner

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/protocol"
)

// ErrNoSuccessfulOp is the run's error when it measured no op that
// succeeded: every op failed, or no batch got far enough to report one.
var ErrNoSuccessfulOp = errors.New("no op succeeded: every measured op failed or no batch reported one (see the notes)")

func (r *Runner) run(ctx context.Context, ch *outbox) {
	defer ch.close()
	var results []experiment.BatchResult
	specs := slices.Clone(r.specs) // retries are inserted (retry.go)
	remaining := map[experiment.Cell]int{}
	for _, s := range specs {
		if !s.Warmup {
			remaining[cellOf(s)]++
		}
	}
	obs := &observed{cells: map[experiment.Cell]*meanAcc{}}
	kept := map[experiment.Cell]int{} // samples kept per cell (limits.go)
	dropped := map[string]bool{}
	learned := false
	total := len(specs)
	for i := 0; i < len(specs); i++ {
		spec := specs[i]
		if dropped[spec.Approach] {
			continue
		}
		if ctx.Err() != nil {
			ch.emit(RunDone{Results: results, Interrupted: true})
			return
		}
		if !r.awaitMinute(ctx, spec, ch) { // --order minute (minute.go)
			ch.emit(RunDone{Results: results, Interrupted: true})
			return
		}
		eta, measured := r.eta(specs[i:], 0, dropped, obs)
		ch.emit(BatchStarted{Spec: spec, Total: total, At: time.Now(), ETA: eta, ETAMeasured: measured})
		res, open, err := r.runBatch(ctx, spec, ch, batchCtx{rest: specs[i+1:], dropped: dropped, obs: obs})
		if errors.Is(err, errDial) {
			ch.emit(RunDone{Results: results, Err: err})
			return
		}
		if open != nil {
			r.drain(&res, open, ch)
		}
		var learn *ModesLearned
		if mode, avail, ok := protocol.ParseUnknownMode(strings.TrimPrefix(res.Failure, serverErrorPrefix)); ok && res.Status == experiment.StatusError && mode == spec.Approach {
			res.NotOffered = true
			if !learned {
				// The first refusal teaches the target's modes: the
				// approaches it lacks leave the rest of the plan at once.
				learned = true
				learn = &ModesLearned{Available: avail}
				for _, a := range r.opts.Plan.Approaches {
					if !slices.Contains(avail, a) {
						dropped[a] = true
						learn.Dropped = append(learn.Dropped, a)
					}
				}
				for _, s := range specs[i+1:] {
					if dropped[s.Approach] {
						learn.Skipped = append(learn.Skipped, s)
					}
				}
				total -= len(learn.Skipped)
			}
		}
		retry, ok, err := r.retryOf(ctx, &res, err)
		if ok {
			results = append(results, res)
			ch.emit(BatchFailed{Result: res, Err: err})
			specs = slices.Insert(specs, i+1, retry)
			total++
			continue
		}
		capSamples(&res, kept, r.opts.MaxSamplesPerCell)
		obs.add(res)
		results = append(results, res)
		if err != nil {
			ch.emit(BatchFailed{Result: res, Err: err})
		} else {
			ch.emit(BatchDone{Result: res})
		}
		if res.Status == experiment.StatusInterrupted {
			ch.emit(RunDone{Results: results, Interrupted: true})
			return
		}
		if !spec.Warmup {
			c := cellOf(spec)
			remaining[c]--
			if remaining[c] == 0 {
				ch.emit(CellDone{Cell: c})
			}
		}
		if learn != nil && len(learn.Dropped) > 0 {
			ch.emit(*learn)
			// Cells of dropped approaches are over: nothing more will run.
			for _, s := range learn.Skipped {
				if c := cellOf(s); !s.Warmup && remaining[c] > 0 {
					remaining[c] = 0
					ch.emit(CellDone{Cell: c})
				}
			}
		}
	}
	done := RunDone{Results: results, Interrupted: ctx.Err() != nil}
	if !done.Interrupted && !anySucceeded(results) {
		done.Err = ErrNoSuccessfulOp
	}
	ch.emit(done)
}

const serverErrorPrefix = "server error: "

func cellOf(s experiment.BatchSpec) experiment.Cell {
	return s.Cell()
}

// anySucceeded reports whether a measured (not warmup) batch reported a
// successful op, or kept latency samples of one.
func anySucceeded(results []experiment.BatchResult) bool {
	for _, b := range results {
		if b.Warmup {
			continue
		}
		if b.Completed > 0 || (b.Status != experiment.StatusOK && b.Counts() && len(b.Samples) > 0) {
			return true
		}
	}
	return false
}

// observed accumulates the time per op measured so far, per cell and over
// the run: estimates, ETAs and timeouts use it once there is any.
type observed struct {
	cells map[experiment.Cell]*meanAcc
	all   meanAcc
}

type meanAcc struct {
	ms  float64
	ops int
}

func (m *meanAcc) addSamples(ss []experiment.Sample) {
	for _, s := range ss {
		m.ms += s.Ms
		m.ops += max(s.Ops, 1)
	}
}

func (m meanAcc) mean() (float64, bool) {
	if m.ops == 0 {
		return 0, false
	}
	return m.ms / float64(m.ops), true
}

func (o *observed) add(res experiment.BatchResult) {
	if !res.Counts() {
		return
	}
	c := cellOf(res.BatchSpec)
	if o.cells[c] == nil {
		o.cells[c] = &meanAcc{}
	}
	o.cells[c].addSamples(res.Samples)
	o.all.addSamples(res.Samples)
}

// perOpMs is the time per op observed for the cell, else over the run.
func (o *observed) perOpMs(c experiment.Cell) (float64, bool) {
	if a := o.cells[c]; a != nil {
		if m, ok := a.mean(); ok {
			return m, true
		}
	}
	return o.all.mean()
}

// perOp estimates one op of spec: the time observed per op (cell, then
// run), else the delay the plan names for it (a lower bound; zero when
// server-defined). measured says which.
func (r *Runner) perOp(spec experiment.BatchSpec, obs *observed) (time.Duration, bool) {
	k := time.Duration(spec.InFlight()) // K ops in flight finish K times as often
	if m, ok := obs.perOpMs(cellOf(spec)); ok {
		return time.Duration(m*float64(time.Millisecond)) / k, true
	}
	return spec.Delay() / k, false
}

// eta is the time left for specs (the first already doneOps into), skipping
// dropped approaches.
func (r *Runner) eta(specs []experiment.BatchSpec, doneOps int, dropped map[string]bool, obs *observed) (time.Duration, bool) {
	var left time.Duration
	measured := false
	for i, s := range specs {
		if dropped[s.Approach] {
			continue
		}
		ops := s.Ops
		if i == 0 {
			ops = max(0, ops-doneOps)
		}
		d, m := r.perOp(s, obs)
		measured = measured || m
		left += time.Duration(ops) * d
	}
	return left, measured
}

// batchTimeout is --batch-timeout, else the default formula on the delay
// the target honours, else on the time per op observed so far, else on
// the longest delay the protocol allows. adaptive: the last case, which a
// batch refines from its own progress.
func (r *Runner) batchTimeout(spec experiment.BatchSpec, obs *observed) (timeout time.Duration, adaptive bool) {
	if r.opts.BatchTimeout > 0 {
		return r.opts.BatchTimeout, false
	}
	if d := r.opts.Plan.HonouredDelayMs(spec.DurationMs); d >= 0 {
		return DefaultBatchTimeout(spec.Ops, d), false
	}
	if m, ok := obs.perOpMs(cellOf(spec)); ok {
		return DefaultBatchTimeout(spec.Ops, int(math.Ceil(m))), false
	}
	return DefaultBatchTimeout(spec.Ops, protocol.MaxDelayMs), true
}

// isolated: the target keeps each batch to its own socket (CapBatchID), so
// an abandoned batch needs no draining.
func (r *Runner) isolated() bool { return r.opts.Server.Has(experiment.CapBatchID) }

type received struct {
	data []byte
	at   time.Time
	err  error
}

// batchConn is a batch's open WebSocket and its reader.
type batchConn struct {
	conn   *websocket.Conn
	frames chan received
	closed bool // the reader saw the connection end
}

// openBatch is what an abandoned batch leaves to drain: its socket (nil
// when it broke) and how long to wait for the batch's end at most.
type openBatch struct {
	c      *batchConn
	spec   experiment.BatchSpec
	bound  time.Duration
	start  time.Time // the batch's dial start, for frame times
	reason string
}

// batchCtx is what a batch needs of the run around it.
type batchCtx struct {
	rest    []experiment.BatchSpec
	dropped map[string]bool
	obs     *observed
}

func (r *Runner) runBatch(ctx context.Context, spec experiment.BatchSpec, ch *outbox, bc batchCtx) (experiment.BatchResult, *openBatch, error) {
	start := time.Now()
	b := newBatchState(spec, r.traits(spec), start)
	// end returns the result once the state machine has recorded the end.
	end := func(err error) (experiment.BatchResult, *openBatch, error) { return b.result(), nil, err }
	wsURL, _ := WebSocketURL(r.opts.Target, spec.ID)
	conn, err := r.dial(ctx, wsURL)
	if err != nil {
		if ctx.Err() != nil {
			return end(b.failed(experiment.StatusInterrupted, fmt.Errorf("interrupted before the batch started"), time.Now()))
		}
		return end(b.failed(experiment.StatusDropped, err, time.Now()))
	}
	c := &batchConn{conn: conn, frames: make(chan received, 64)}
	conn.SetReadLimit(MaxFrameBytes)
	go func() {
		for {
			_, data, err := conn.ReadMessage()
			at := time.Now()
			c.frames <- received{data: data, at: at, err: frameError(err)}
			if err != nil {
				close(c.frames)
				return
			}
		}
	}()
	keep := false
	defer func() {
		if !keep {
			r.closeBatch(c)
		}
	}()
	// abandon ends a batch the target may still be working on: on a target
	// that does not isolate batches its socket stays open for the drain.
	abandon := func(err error, at time.Time) (experiment.BatchResult, *openBatch, error) {
		if r.isolated() {
			return b.result(), nil, err
		}
		keep = true
		return b.result(), &openBatch{c: c, spec: spec, bound: r.drainBound(b, bc.obs, at), start: start, reason: b.result().Status}, err
	}

	timeout, adaptive := r.batchTimeout(spec, bc.obs)
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()

	req := protocol.NewRunBatch(spec.Approach, spec.Ops, spec.DurationMs, spec.ID)
	req.Concurrency, req.Objects, req.Cold = spec.Concurrency, spec.Objects, spec.Cold
	_ = conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if err := conn.WriteJSON(req); err != nil {
		return end(b.failed(experiment.StatusDropped, fmt.Errorf("sending run-batch: %w", err), time.Now()))
	}
	b.sent(time.Now())

	var stopTimer <-chan time.Time
	done := ctx.Done()
	for {
		select {
		case <-done:
			// Stop after the current op: wait for its progress frame, bounded.
			done = nil
			b.stop()
			grace := r.opts.StopGrace
			if grace <= 0 {
				grace = spec.Delay() + 5*time.Second
			}
			stopTimer = time.After(grace)
		case <-stopTimer:
			now := time.Now()
			return abandon(b.stopped(now), now)
		case <-deadline.C:
			now := time.Now()
			return abandon(b.timedOut(timeout, now), now)
		case rcv, ok := <-c.frames:
			if !ok || rcv.err != nil {
				c.closed = true
				var rerr error
				if ok {
					rerr = rcv.err
				}
				return abandon(b.dropped(rerr, rcv.at), time.Now())
			}
			st := b.frame(rcv.data, rcv.at)
			for _, ev := range st.events {
				if p, ok := ev.(OpProgress); ok {
					p.ETA, p.ETAMeasured = r.etaDuring(b, bc)
					ev = p
					if adaptive {
						// The delay was unknown: time this batch by its own ops.
						if m, ok := b.observedPerOpMs(); ok {
							timeout = DefaultBatchTimeout(spec.Ops, int(math.Ceil(m)))
							deadline.Reset(time.Until(start.Add(timeout)))
						}
					}
				}
				ch.emit(ev)
			}
			if st.done {
				if b.result().Status == experiment.StatusInterrupted {
					return abandon(st.err, rcv.at)
				}
				return end(st.err)
			}
		}
	}
}

// etaDuring is the run's time left while a batch is in flight.
func (r *Runner) etaDuring(b *batchState, bc batchCtx) (time.Duration, bool) {
	cur := b.result()
	left, measured := r.eta(bc.rest, 0, bc.dropped, bc.obs)
	per, m := r.perOp(cur.BatchSpec, bc.obs)
	if x, ok := b.observedPerOpMs(); ok && !m {
		per, m = time.Duration(x*float64(time.Millisecond)), true
	}
	return left + time.Duration(max(0, cur.Ops-cur.OpsSeen))*per, measured || m
}

// drainBound is how long an abandoned batch may still keep the target
// busy: what remains of its expected time (ops × time per op from its
// timing start), plus DrainSlack.
func (r *Runner) drainBound(b *batchState, obs *observed, now time.Time) time.Duration {
	spec := b.spec
	per := time.Duration(0)
	if d := r.opts.Plan.HonouredDelayMs(spec.DurationMs); d >= 0 {
		per = time.Duration(d) * time.Millisecond
	} else if m, ok := b.observedPerOpMs(); ok {
		per = time.Duration(m * float64(time.Millisecond))
	} else if m, ok := obs.perOpMs(cellOf(spec)); ok {
		per = time.Duration(m * float64(time.Millisecond))
	} else {
		per = spec.Delay()
	}
	from := b.timingStart
	if from.IsZero() {
		from = b.sentAt
	}
	if from.IsZero() {
		from = b.start
	}
	return max(0, from.Add(time.Duration(spec.Ops)*per).Sub(now)) + r.opts.DrainSlack
}

// drain waits for an abandoned batch to end before the next starts, so two
// batches never share a target's attention: on its socket while it is
// open (a third-party target sends the batch's batch-complete to whichever
// socket is open), else quietly, at most the bound. The result records it.
func (r *Runner) drain(res *experiment.BatchResult, ob *openBatch, ch *outbox) {
	defer r.closeBatch(ob.c)
	ch.emit(Draining{Spec: ob.spec, Status: ob.reason, Bound: ob.bound})
	t0 := time.Now()
	d := &experiment.Drain{BoundMs: float64(ob.bound.Microseconds()) / 1000, Outcome: experiment.DrainQuiet}
	timer := time.NewTimer(ob.bound)
	defer timer.Stop()
	frames := ob.c.frames
	if ob.c.closed {
		frames = nil
		d.Outcome = experiment.DrainClosed
	}
loop:
	for {
		select {
		case <-timer.C:
			break loop
		case rcv, ok := <-frames:
			if !ok || rcv.err != nil {
				// The socket is gone: wait out the bound quietly.
				ob.c.closed = true
				frames = nil
				d.Outcome = experiment.DrainClosed
				continue
			}
			f, err := protocol.DecodeFrame(rcv.data)
			if err != nil {
				d.Frames = append(d.Frames, experiment.FrameStamp{Type: "invalid", AtMs: msBetween(ob.start, rcv.at)})
				continue
			}
			d.Frames = append(d.Frames, experiment.FrameStamp{Type: f.Type, AtMs: msBetween(ob.start, rcv.at), Completed: f.Completed})
			if f.Type == protocol.TypeError || (f.Type == protocol.TypeBatchComplete && (f.Mode == "" || f.Mode == ob.spec.Approach)) {
				d.LateCompleted, d.LateErrors = f.Completed, f.Errors
				d.Outcome = experiment.DrainEnded
				break loop
			}
		}
	}
	d.Ms = float64(time.Since(t0).Microseconds()) / 1000
	res.Drain = d
}

// closeBatch closes a batch's socket and waits for its reader to end.
func (r *Runner) closeBatch(c *batchConn) {
	if c == nil {
		return
	}
	if !c.closed {
		r.closeConn(c.conn)
	}
	_ = c.conn.Close()
	for range c.frames {
	}
}
