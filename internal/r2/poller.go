package r2

import (
	"context"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/config"
)

// Reasons a Poller stops, in PollEvent.Reason.
const (
	ReasonComplete  = "complete"  // the sink matched every expected record
	ReasonDeadline  = "deadline"  // the timeout passed first
	ReasonStopped   = "stopped"   // Stop was called (the user skipped)
	ReasonCancelled = "cancelled" // the context ended
	ReasonError     = "error"     // a permanent error (credentials, bucket); see LastError
)

// PollerOptions configure a Poller.
type PollerOptions struct {
	// Interval between polls (default 10 s). Logpush delivers at best every
	// 30 s, so polling much faster only buys Class A operations.
	Interval time.Duration
	// Timeout is how long to keep polling after Run starts (default 10 m);
	// Extend moves the deadline.
	Timeout time.Duration
	// From and To bound the run whose records are awaited.
	From, To time.Time
}

// Poller fetches new Logpush objects on a schedule until the sink reports
// that billing is complete, a deadline passes, the user stops it or the
// context ends, emitting a PollEvent after every poll. The runner and the
// front ends share it: it knows nothing of the UI.
//
// PollNow, Extend and Stop may be called from any goroutine (the TUI's key
// handlers), before or during Run.
type Poller struct {
	*Schedule
	client *Client
	sink   Sink
	opts   PollerOptions
}

// NewPoller builds a Poller that feeds sink with the objects client finds.
func NewPoller(client *Client, sink Sink, opts PollerOptions) *Poller {
	if opts.Interval <= 0 {
		opts.Interval = config.DefaultPollInterval
	}
	if opts.Timeout <= 0 {
		opts.Timeout = config.DefaultPollTimeout
	}
	return &Poller{Schedule: NewSchedule(), client: client, sink: sink, opts: opts}
}

// Run polls at once, then every Interval, until done; it sends a PollEvent
// after every poll (and after Extend), then a last one with Done and
// Reason, and closes out. Call it once per Poller. The caller must read out until it is closed; once
// ctx has ended, Run waits at most a second for the reader to take an event.
func (p *Poller) Run(ctx context.Context, out chan<- PollEvent) {
	defer close(out)
	p.Start(time.Now().Add(p.opts.Timeout))

	fetcher := p.client.NewFetcher(p.opts.From, p.opts.To)
	// A poll in flight ends when ctx ends or Stop is called.
	pollCtx, cancelPoll := context.WithCancel(ctx)
	defer cancelPoll()
	go func() {
		select {
		case <-p.Stopped():
			cancelPoll()
		case <-pollCtx.Done():
		}
	}()

	var ev PollEvent
	finish := func(reason string) {
		ev.Done, ev.Reason, ev.NextPoll = true, reason, time.Time{}
		ev.Deadline = p.Deadline()
		p.fill(&ev, fetcher)
		Send(ctx, out, ev)
	}
	if p.IsStopped() {
		finish(ReasonStopped)
		return
	}
	for {
		res, err := fetcher.Fetch(pollCtx, p.sink)
		ev.Polls++
		ev.FilesNew = res.New
		switch {
		case ctx.Err() != nil:
			finish(ReasonCancelled)
			return
		case p.IsStopped():
			finish(ReasonStopped)
			return
		case err != nil:
			ev.Errors++
			ev.LastError = err.Error()
			if IsPermanent(err) {
				finish(ReasonError)
				return
			}
		default:
			ev.LastError = ""
		}
		if p.sink.Complete() {
			finish(ReasonComplete)
			return
		}
		lastPoll := time.Now()
		if !lastPoll.Before(p.Deadline()) {
			finish(ReasonDeadline)
			return
		}
		reason := p.Wait(ctx, lastPoll, p.opts.Interval, func(deadline, next time.Time) bool {
			ev.Deadline, ev.NextPoll = deadline, next
			p.fill(&ev, fetcher)
			sent := Send(ctx, out, ev)
			ev.FilesNew = 0 // reported once
			return sent
		})
		if reason != "" {
			finish(reason)
			return
		}
	}
}

// fill copies the running figures into ev.
func (p *Poller) fill(ev *PollEvent, f *Fetcher) {
	t := f.Totals()
	ev.FilesSeen = t.Objects
	ev.IgnoredKeys = t.Ignored
	ev.Ops = p.client.Ops()
}
