package analytics

import (
	"context"
	"strings"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/r2"
)

// Fetcher runs one dataset query (the Client; tests fake it).
type Fetcher interface {
	Fetch(ctx context.Context, q Query, from, to time.Time) (Result, error)
}

// PollerOptions configure a Poller.
type PollerOptions struct {
	// Interval between polls (default 30 s: analytics settle in minutes,
	// and the API allows 300 queries per 5 minutes; each poll is three).
	Interval time.Duration
	// Timeout is how long to keep polling after Run starts (default 10 m);
	// polling lasts at least until two polls after the window closed.
	Timeout time.Duration
	// Queries to run each poll (default Queries()).
	Queries []Query
	// Now is the clock (tests inject one); default time.Now.
	Now func() time.Time
}

// Poller queries the datasets for a run's window until the figures settle:
// the window's quiet last minute has ended, every minute in which a cell
// ran has rows, and a poll after that changed nothing. Analytics lag by a
// few minutes and later polls may still raise a minute's sums, hence the
// second look. It reports like the Logpush poller (r2.PollEvent: deadline,
// next poll, polls, rows as "files"), so the front ends render it alike,
// and takes the same levers: PollNow, Extend, Stop.
type Poller struct {
	*r2.Schedule
	f    Fetcher
	col  *Collector
	opts PollerOptions
}

// NewPoller builds a Poller feeding col.
func NewPoller(f Fetcher, col *Collector, opts PollerOptions) *Poller {
	if opts.Interval <= 0 {
		opts.Interval = 30 * time.Second
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Minute
	}
	if opts.Queries == nil {
		opts.Queries = Queries()
	} else {
		opts.Queries = append([]Query(nil), opts.Queries...)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Poller{Schedule: r2.NewSchedule(), f: f, col: col, opts: opts}
}

// Run polls at once, then every Interval, sending an event after every
// poll and a last one with Done and Reason; it closes out. The caller reads
// out until it is closed.
func (p *Poller) Run(ctx context.Context, out chan<- r2.PollEvent) {
	defer close(out)
	tl := p.col.Timeline()
	closed := tl.Closed()
	now := p.opts.Now()
	deadline := now.Add(p.opts.Timeout)
	if least := closed.Add(2 * p.opts.Interval); deadline.Before(least) {
		deadline = least // at least two looks after the window closes
	}
	p.Start(deadline)

	pollCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-p.Stopped():
			cancel()
		case <-pollCtx.Done():
		}
	}()

	var ev r2.PollEvent
	send := func(e r2.PollEvent) bool { return r2.Send(ctx, out, e) }
	finish := func(reason string) {
		ev.Done, ev.Reason, ev.NextPoll, ev.Deadline = true, reason, time.Time{}, p.Deadline()
		ev.FilesSeen = p.col.RowCount()
		send(ev)
	}
	afterClose := 0 // polls that ran after the window closed
	for {
		if p.IsStopped() {
			finish(r2.ReasonStopped)
			return
		}
		before := p.col.RowCount()
		changed, err := p.poll(pollCtx)
		ev.Polls++
		ev.FilesSeen = p.col.RowCount()
		ev.FilesNew = max(0, ev.FilesSeen-before)
		switch {
		case ctx.Err() != nil:
			finish(r2.ReasonCancelled)
			return
		case p.IsStopped():
			finish(r2.ReasonStopped)
			return
		case err != nil:
			ev.Errors++
			ev.LastError = err.Error()
			if IsPermanent(err) {
				finish(r2.ReasonError)
				return
			}
		default:
			ev.LastError = ""
		}
		now := p.opts.Now()
		if err == nil && !now.Before(closed) {
			afterClose++
			if afterClose >= 2 && !changed && p.col.Progress().Complete {
				p.col.MarkSettled(true)
				finish(r2.ReasonComplete)
				return
			}
		}
		if !now.Before(p.Deadline()) {
			finish(r2.ReasonDeadline)
			return
		}
		lastPoll := now
		reason := p.WaitFor(ctx, p.opts.Now, func(time.Time) time.Time {
			next := lastPoll.Add(p.opts.Interval)
			if lastPoll.Before(closed) && closed.Before(next) {
				next = closed // the first look after the window closes comes at once
			}
			return next
		}, func(deadline, next time.Time) bool {
			ev.Deadline, ev.NextPoll = deadline, next
			sent := send(ev)
			ev.FilesNew = 0
			return sent
		})
		if reason != "" {
			finish(reason)
			return
		}
	}
}

// poll runs every query once; changed reports whether any dataset's rows
// differ from the previous poll's. The first error is returned; the other
// datasets are still read.
func (p *Poller) poll(ctx context.Context) (changed bool, err error) {
	tl := p.col.Timeline()
	for i, q := range p.opts.Queries {
		res, e := p.f.Fetch(ctx, q, tl.From, tl.To)
		for _, d := range res.Dropped { // ask without it from now on
			if field, ok := strings.CutPrefix(d, q.Dataset+"."); ok {
				p.opts.Queries[i], _ = p.opts.Queries[i].Without(field)
			}
		}
		if e != nil {
			if err == nil || IsPermanent(e) && !IsPermanent(err) {
				err = e
			}
			if ctx.Err() != nil {
				return changed, err
			}
			continue
		}
		if _, ch := p.col.Set(q.Dataset, res); ch {
			changed = true
		}
	}
	return changed, err
}
