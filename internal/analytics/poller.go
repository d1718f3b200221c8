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

// SettleGap is how far apart (by their start) the two polls after the
// window closed must be that agree before the figures count as settled.
// Analytics arrive a few minutes after the fact and a minute's sums can
// still grow after they first appear (docs/cloudflare.md, "The lag"): two
// polls seconds apart would read the same partial sums and agree. Two
// minutes is assumed, not documented: Cloudflare states no lag. The local
// target's emulated analytics, whose minutes are seconds long, use a gap of
// two of their minutes (PollerOptions.SettleGap).
const SettleGap = 2 * time.Minute

// PollerOptions configure a Poller.
type PollerOptions struct {
	// Interval between polls (default 30 s: analytics settle in minutes,
	// and the API allows 300 queries per 5 minutes; each poll is three).
	Interval time.Duration
	// Timeout is how long to keep polling after Run starts (default 10 m);
	// polling lasts at least until a first look after the window closed
	// and a second one SettleGap later, however short Timeout is, so a run
	// billed long after the fact (--poll-timeout 0) can always settle.
	Timeout time.Duration
	// SettleGap overrides the package's SettleGap (the emulated target's
	// compressed minutes); zero means SettleGap.
	SettleGap time.Duration
	// Queries to run each poll (default Queries()).
	Queries []Query
	// Now is the clock (tests inject one); default time.Now.
	Now func() time.Time
}

// Poller queries the datasets for a run's window until the figures settle:
// the window's quiet last minute has ended, each cell has rows for every
// Durable Object role it is expected to invoke (Collector.Progress: at
// least one row in the cell's minutes, not one in every minute), and two
// polls after the window closed, started at least SettleGap apart, read
// the same rows with no change in between. Analytics lag by a few minutes
// and later polls may still raise a minute's sums, hence the second look,
// minutes later. When the rows settle short only of roles that have no
// namespace to read (Collector.Arrived), it stops with an error naming
// them: no later poll can bring their rows. It reports like the Logpush poller (r2.PollEvent: deadline,
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
	if opts.SettleGap <= 0 {
		opts.SettleGap = SettleGap
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
	gap := p.opts.SettleGap
	now := p.opts.Now()
	deadline := now.Add(p.opts.Timeout)
	// At least two looks after the window closes, SettleGap apart: the
	// first comes at once if it has closed already (a billing run long
	// after the fact), else when it closes; one Interval of slack for a
	// poll under way at that moment. The first look moves the deadline
	// again if it came later still.
	if least := maxTime(now, closed).Add(gap + p.opts.Interval); deadline.Before(least) {
		deadline = least
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
	// stableSince is when the earliest poll after the window closed began
	// whose rows every later poll has matched (zero: no such poll yet).
	var stableSince time.Time
	looked := false // a poll after the window closed has succeeded
	for {
		if p.IsStopped() {
			finish(r2.ReasonStopped)
			return
		}
		pollStart := p.opts.Now()
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
		if !pollStart.Before(closed) {
			switch {
			case err != nil:
				if changed {
					stableSince = time.Time{} // what the others read changed: start over
				}
			case stableSince.IsZero() || changed:
				if !looked {
					// The first look: the second must fit before the
					// deadline, with the same Interval of slack.
					looked = true
					if least := pollStart.Add(gap + p.opts.Interval); p.Deadline().Before(least) {
						p.Extend(least.Sub(p.Deadline()))
					}
				}
				stableSince = pollStart
			case pollStart.Sub(stableSince) >= gap:
				complete, blocked := p.col.Arrived()
				if complete {
					p.col.MarkSettled(true)
					finish(r2.ReasonComplete)
					return
				}
				if blocked != "" {
					// Settled, but roles without a namespace can never
					// have rows: waiting longer cannot help.
					p.col.MarkSettled(true)
					ev.LastError = blocked
					finish(r2.ReasonError)
					return
				}
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
			if settle := stableSince.Add(gap); !stableSince.IsZero() && lastPoll.Before(settle) && settle.Before(next) {
				next = settle // the agreeing look comes as soon as the gap allows
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
