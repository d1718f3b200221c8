package r2

import (
	"context"
	"sync"
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
	client *Client
	sink   Sink
	opts   PollerOptions

	pollNow  chan struct{}
	extended chan struct{}
	stop     chan struct{}
	stopOnce sync.Once

	mu       sync.Mutex
	started  bool
	deadline time.Time
	extra    time.Duration // extensions asked for before Run
}

// NewPoller builds a Poller that feeds sink with the objects client finds.
func NewPoller(client *Client, sink Sink, opts PollerOptions) *Poller {
	if opts.Interval <= 0 {
		opts.Interval = config.DefaultPollInterval
	}
	if opts.Timeout <= 0 {
		opts.Timeout = config.DefaultPollTimeout
	}
	return &Poller{
		client:   client,
		sink:     sink,
		opts:     opts,
		pollNow:  make(chan struct{}, 1),
		extended: make(chan struct{}, 1),
		stop:     make(chan struct{}),
	}
}

// PollNow asks for a poll at once instead of waiting for the next tick. A
// request made while a poll is running is folded into that poll.
func (p *Poller) PollNow() {
	select {
	case p.pollNow <- struct{}{}:
	default:
	}
}

// Extend moves the deadline d later (logs can take minutes to arrive); an
// event with the new deadline follows. Non-positive d is ignored.
func (p *Poller) Extend(d time.Duration) {
	if d <= 0 {
		return
	}
	p.mu.Lock()
	if p.started {
		p.deadline = p.deadline.Add(d)
	} else {
		p.extra += d
	}
	p.mu.Unlock()
	select {
	case p.extended <- struct{}{}:
	default:
	}
}

// Stop ends polling: a poll in flight is cancelled and Run emits its last
// event with Reason "stopped". Calling it more than once is harmless.
func (p *Poller) Stop() { p.stopOnce.Do(func() { close(p.stop) }) }

// Deadline is when polling gives up, zero before Run starts.
func (p *Poller) Deadline() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.deadline
}

// Run polls at once, then every Interval, until done; it sends a PollEvent
// after every poll (and after Extend), then a last one with Done and
// Reason, and closes out. Call it once per Poller. The caller must read out until it is closed; once
// ctx has ended, Run waits at most a second for the reader to take an event.
func (p *Poller) Run(ctx context.Context, out chan<- PollEvent) {
	defer close(out)
	p.mu.Lock()
	p.started = true
	p.deadline = time.Now().Add(p.opts.Timeout + p.extra)
	p.mu.Unlock()

	fetcher := p.client.NewFetcher(p.opts.From, p.opts.To)
	// A poll in flight ends when ctx ends or Stop is called.
	pollCtx, cancelPoll := context.WithCancel(ctx)
	defer cancelPoll()
	go func() {
		select {
		case <-p.stop:
			cancelPoll()
		case <-pollCtx.Done():
		}
	}()

	var ev PollEvent
	finish := func(reason string) {
		ev.Done, ev.Reason, ev.NextPoll = true, reason, time.Time{}
		ev.Deadline = p.Deadline()
		p.fill(&ev, fetcher)
		p.send(ctx, out, ev)
	}
	if p.stopped() {
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
		case p.stopped():
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
		// A key press during the poll was served by it.
		select {
		case <-p.pollNow:
		default:
		}
	wait:
		for {
			deadline := p.Deadline()
			next := lastPoll.Add(p.opts.Interval)
			if next.After(deadline) {
				next = deadline
			}
			ev.Deadline, ev.NextPoll = deadline, next
			p.fill(&ev, fetcher)
			if !p.send(ctx, out, ev) {
				finish(ReasonCancelled)
				return
			}
			ev.FilesNew = 0 // reported once
			timer := time.NewTimer(time.Until(next))
			select {
			case <-timer.C:
				break wait // the last tick lands on the deadline: one final poll
			case <-p.pollNow:
				timer.Stop()
				break wait
			case <-p.extended:
				timer.Stop() // re-arm against the new deadline and tell the reader
			case <-p.stop:
				timer.Stop()
				finish(ReasonStopped)
				return
			case <-ctx.Done():
				timer.Stop()
				finish(ReasonCancelled)
				return
			}
		}
	}
}

func (p *Poller) stopped() bool {
	select {
	case <-p.stop:
		return true
	default:
		return false
	}
}

// fill copies the running figures into ev.
func (p *Poller) fill(ev *PollEvent, f *Fetcher) {
	t := f.Totals()
	ev.FilesSeen = t.Objects
	ev.IgnoredKeys = t.Ignored
	ev.Ops = p.client.Ops()
}

// send delivers ev; it reports false when ctx ended and the reader did not
// take the event within a second.
func (p *Poller) send(ctx context.Context, out chan<- PollEvent, ev PollEvent) bool {
	select {
	case out <- ev:
		return true
	case <-ctx.Done():
	}
	t := time.NewTimer(time.Second)
	defer t.Stop()
	select {
	case out <- ev:
		return true
	case <-t.C:
		return false
	}
}
