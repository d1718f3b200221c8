package tail

import (
	"context"
	"errors"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/logpush"
	"github.com/pfx-tui/pfx-tui/internal/r2"
)

// Sink takes the capture's records; billing.Collector is one.
type Sink interface {
	AddRecord(rec logpush.Record)
	// Complete reports whether every expected record has arrived.
	Complete() bool
}

// PollerOptions configure a Poller.
type PollerOptions struct {
	// Interval between reads of the capture (default 1 s: the file is
	// local, and tail events arrive within seconds).
	Interval time.Duration
	// Timeout is how long to keep reading; 0 reads once.
	Timeout time.Duration
}

// Poller reads a capture on a schedule until the sink is complete, the
// deadline passes, Stop is called or the context ends, and reports after
// every read with the events the Logpush poller sends (r2.PollEvent), so
// the one billing loop (session.Billing.Wait) and every front end follow
// it unchanged. FilesSeen is 1 once the capture exists; FilesNew is 1 when
// a read found new events.
//
// PollNow, Extend and Stop may be called from any goroutine.
type Poller struct {
	*r2.Schedule
	r    *Reader
	sink Sink
	opts PollerOptions
}

// NewPoller reads r into sink.
func NewPoller(r *Reader, sink Sink, opts PollerOptions) *Poller {
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	return &Poller{Schedule: r2.NewSchedule(), r: r, sink: sink, opts: opts}
}

// Run reads at once, then every Interval, sending an event after each
// read and a last one with Done and Reason; it closes out. The caller must
// read out until it is closed.
func (p *Poller) Run(ctx context.Context, out chan<- r2.PollEvent) {
	defer close(out)
	p.Start(time.Now().Add(p.opts.Timeout))

	var ev r2.PollEvent
	finish := func(reason string) {
		// The capture is over as far as this run is concerned: settle a
		// last unfinished object or line.
		for _, rec := range p.r.Finish() {
			p.sink.AddRecord(rec)
		}
		if reason == r2.ReasonDeadline && p.sink.Complete() {
			reason = r2.ReasonComplete
		}
		ev.Done, ev.Reason, ev.NextPoll, ev.Deadline = true, reason, time.Time{}, p.Deadline()
		r2.Send(ctx, out, ev)
	}
	for {
		if p.IsStopped() {
			finish(r2.ReasonStopped)
			return
		}
		recs, err := p.r.Read()
		for _, rec := range recs {
			p.sink.AddRecord(rec)
		}
		ev.Polls++
		ev.FilesNew = 0
		if len(recs) > 0 {
			ev.FilesNew = 1
		}
		ev.FilesSeen = 0
		if p.r.Exists() {
			ev.FilesSeen = 1
		}
		switch {
		case err != nil:
			ev.Errors++
			ev.LastError = err.Error()
			if !errors.Is(err, ErrNoCapture) {
				// Not a file still to be created: reading again cannot help.
				finish(r2.ReasonError)
				return
			}
		default:
			ev.LastError = ""
		}
		switch {
		case ctx.Err() != nil:
			finish(r2.ReasonCancelled)
			return
		case p.sink.Complete():
			finish(r2.ReasonComplete)
			return
		}
		last := time.Now()
		if !last.Before(p.Deadline()) {
			finish(r2.ReasonDeadline)
			return
		}
		reason := p.Wait(ctx, last, p.opts.Interval, func(deadline, next time.Time) bool {
			ev.Deadline, ev.NextPoll = deadline, next
			return r2.Send(ctx, out, ev)
		})
		if reason != "" {
			finish(reason)
			return
		}
	}
}
