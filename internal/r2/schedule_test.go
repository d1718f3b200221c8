package r2_test

import (
	"context"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/r2"
)

// The schedule every billing poller shares: an extension asked for before
// Start counts; PollNow ends a wait at once (but not one made during the
// poll); Extend re-announces the new deadline; Stop and ctx end it.
func TestScheduleWait(t *testing.T) {
	t.Parallel()
	s := r2.NewSchedule()
	s.Extend(time.Hour)
	t0 := time.Now()
	s.Start(t0.Add(time.Hour))
	if got := s.Deadline().Sub(t0); got != 2*time.Hour {
		t.Fatalf("deadline %s after start, want 2h", got)
	}
	s.PollNow() // made during the poll that just ended: served by it
	announced := make(chan time.Time, 4)
	go func() {
		<-announced
		s.Extend(time.Minute)
		<-announced
		s.PollNow()
	}()
	reason := s.Wait(context.Background(), time.Now(), time.Hour, func(deadline, next time.Time) bool {
		announced <- deadline
		return true
	})
	if reason != "" {
		t.Fatalf("PollNow: reason %q, want a poll", reason)
	}
	if got := s.Deadline().Sub(t0); got != 2*time.Hour+time.Minute {
		t.Errorf("deadline after Extend %s", got)
	}
	s.Stop()
	if reason := s.Wait(context.Background(), time.Now(), time.Hour, func(time.Time, time.Time) bool { return true }); reason != r2.ReasonStopped || !s.IsStopped() {
		t.Errorf("after Stop: %q", reason)
	}
	started := func() *r2.Schedule { s := r2.NewSchedule(); s.Start(time.Now().Add(time.Hour)); return s }
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if reason := started().Wait(ctx, time.Now(), time.Hour, func(time.Time, time.Time) bool { return true }); reason != r2.ReasonCancelled {
		t.Errorf("cancelled ctx: %q", reason)
	}
	if reason := started().Wait(context.Background(), time.Now(), time.Hour, func(time.Time, time.Time) bool { return false }); reason != r2.ReasonCancelled {
		t.Errorf("undelivered event: %q", reason)
	}
}
