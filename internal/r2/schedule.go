package r2

import (
	"context"
	"sync"
	"time"
)

// Schedule is what every billing poller shares (Logpush here, a tail
// capture, GraphQL analytics): a deadline that Extend moves, PollNow, Stop,
// and the wait between two polls. Each poller embeds it and keeps only its
// own poll. PollNow, Extend and Stop may be called from any goroutine (the
// TUI's key handlers), before or during Run.
type Schedule struct {
	pollNow  chan struct{}
	extended chan struct{}
	stop     chan struct{}
	stopOnce sync.Once

	mu       sync.Mutex
	started  bool
	deadline time.Time
	extra    time.Duration // extensions asked for before Start
}

// NewSchedule is a schedule not started yet.
func NewSchedule() *Schedule {
	return &Schedule{pollNow: make(chan struct{}, 1), extended: make(chan struct{}, 1), stop: make(chan struct{})}
}

// PollNow asks for a poll at once instead of waiting for the next tick. A
// request made while a poll is running is folded into that poll.
func (s *Schedule) PollNow() {
	select {
	case s.pollNow <- struct{}{}:
	default:
	}
}

// Extend moves the deadline d later (logs can take minutes to arrive); an
// event with the new deadline follows. Non-positive d is ignored.
func (s *Schedule) Extend(d time.Duration) {
	if d <= 0 {
		return
	}
	s.mu.Lock()
	if s.started {
		s.deadline = s.deadline.Add(d)
	} else {
		s.extra += d
	}
	s.mu.Unlock()
	select {
	case s.extended <- struct{}{}:
	default:
	}
}

// Stop ends polling: the poller's last event says "stopped". Calling it
// more than once is harmless.
func (s *Schedule) Stop() { s.stopOnce.Do(func() { close(s.stop) }) }

// Stopped is closed by Stop (a poll in flight can watch it).
func (s *Schedule) Stopped() <-chan struct{} { return s.stop }

// Deadline is when polling gives up, zero before Start.
func (s *Schedule) Deadline() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deadline
}

// Start sets the deadline to deadline plus any extension asked for before.
func (s *Schedule) Start(deadline time.Time) {
	s.mu.Lock()
	s.started = true
	s.deadline = deadline.Add(s.extra)
	s.mu.Unlock()
}

// IsStopped reports whether Stop was called.
func (s *Schedule) IsStopped() bool {
	select {
	case <-s.stop:
		return true
	default:
		return false
	}
}

// Wait is the pause after a poll that ended at last: until last+interval
// (cut to the deadline), an earlier PollNow, Stop or the end of ctx.
// announce is called with the deadline and the next poll's time before
// every wait, and again after an Extend; it returns false when its event
// could not be delivered. Wait returns "" to poll again, else the reason
// to stop (ReasonStopped or ReasonCancelled). A PollNow made during the
// poll that just ended is dropped: that poll served it.
func (s *Schedule) Wait(ctx context.Context, last time.Time, interval time.Duration, announce func(deadline, next time.Time) bool) string {
	return s.WaitFor(ctx, time.Now, func(time.Time) time.Time { return last.Add(interval) }, announce)
}

// WaitFor is Wait with the next poll's time chosen by next (it is cut to
// the deadline) and the clock now.
func (s *Schedule) WaitFor(ctx context.Context, now func() time.Time, next func(deadline time.Time) time.Time, announce func(deadline, next time.Time) bool) string {
	select {
	case <-s.pollNow:
	default:
	}
	for {
		deadline := s.Deadline()
		at := next(deadline)
		if at.After(deadline) {
			at = deadline
		}
		if !announce(deadline, at) {
			return ReasonCancelled
		}
		timer := time.NewTimer(at.Sub(now()))
		select {
		case <-timer.C:
			return "" // the last tick lands on the deadline: one final poll
		case <-s.pollNow:
			timer.Stop()
			return ""
		case <-s.extended:
			timer.Stop() // re-arm against the new deadline and tell the reader
		case <-s.stop:
			timer.Stop()
			return ReasonStopped
		case <-ctx.Done():
			timer.Stop()
			return ReasonCancelled
		}
	}
}

// Send delivers ev on out; once ctx has ended it waits at most a second
// for the reader, and reports false when the event was not taken.
func Send[E any](ctx context.Context, out chan<- E, ev E) bool {
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
