package tail

import (
	"context"
	"errors"
	"sync"
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
	r    *Reader
	sink Sink
	opts PollerOptions

	pollNow  chan struct{}
	extended chan struct{}
	stop     chan struct{}
	stopOnce sync.Once

	mu       sync.Mutex
	started  bool
	deadline time.Time
	extra    time.Duration
}

// NewPoller reads r into sink.
func NewPoller(r *Reader, sink Sink, opts PollerOptions) *Poller {
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	return &Poller{r: r, sink: sink, opts: opts,
		pollNow: make(chan struct{}, 1), extended: make(chan struct{}, 1), stop: make(chan struct{})}
}

// PollNow asks for a read at once.
func (p *Poller) PollNow() {
	select {
	case p.pollNow <- struct{}{}:
	default:
	}
}

// Extend moves the deadline d later.
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

// Stop ends the reading; the last event says "stopped".
func (p *Poller) Stop() { p.stopOnce.Do(func() { close(p.stop) }) }

// Deadline is when reading gives up, zero before Run.
func (p *Poller) Deadline() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.deadline
}

func (p *Poller) stopped() bool {
	select {
	case <-p.stop:
		return true
	default:
		return false
	}
}

// Run reads at once, then every Interval, sending an event after each
// read and a last one with Done and Reason; it closes out. The caller must
// read out until it is closed.
func (p *Poller) Run(ctx context.Context, out chan<- r2.PollEvent) {
	defer close(out)
	p.mu.Lock()
	p.started = true
	p.deadline = time.Now().Add(p.opts.Timeout + p.extra)
	p.mu.Unlock()

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
		p.send(ctx, out, ev)
	}
	for {
		if p.stopped() {
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
		select {
		case <-p.pollNow: // served by this read
		default:
		}
	wait:
		for {
			deadline := p.Deadline()
			next := last.Add(p.opts.Interval)
			if next.After(deadline) {
				next = deadline
			}
			ev.Deadline, ev.NextPoll = deadline, next
			if !p.send(ctx, out, ev) {
				finish(r2.ReasonCancelled)
				return
			}
			timer := time.NewTimer(time.Until(next))
			select {
			case <-timer.C:
				break wait
			case <-p.pollNow:
				timer.Stop()
				break wait
			case <-p.extended:
				timer.Stop()
			case <-p.stop:
				timer.Stop()
				finish(r2.ReasonStopped)
				return
			case <-ctx.Done():
				timer.Stop()
				finish(r2.ReasonCancelled)
				return
			}
		}
	}
}

// send delivers ev, or gives up a second after ctx ended.
func (p *Poller) send(ctx context.Context, out chan<- r2.PollEvent, ev r2.PollEvent) bool {
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
