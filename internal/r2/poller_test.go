package r2_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/r2"
)

// runPoller runs p in the background and returns its events channel.
func runPoller(ctx context.Context, p *r2.Poller) <-chan r2.PollEvent {
	out := make(chan r2.PollEvent, 16)
	go p.Run(ctx, out)
	return out
}

// drain reads every event until the channel closes (bounded by a timeout).
func drain(t *testing.T, ch <-chan r2.PollEvent) []r2.PollEvent {
	t.Helper()
	var evs []r2.PollEvent
	timeout := time.After(20 * time.Second)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				return evs
			}
			evs = append(evs, ev)
		case <-timeout:
			t.Fatalf("the poller did not finish; events so far: %+v", evs)
		}
	}
}

func last(t *testing.T, evs []r2.PollEvent) r2.PollEvent {
	t.Helper()
	if len(evs) == 0 {
		t.Fatal("no events")
	}
	ev := evs[len(evs)-1]
	if !ev.Done {
		t.Fatalf("last event is not Done: %+v", ev)
	}
	for _, e := range evs[:len(evs)-1] {
		if e.Done {
			t.Fatalf("a Done event before the last: %+v", e)
		}
	}
	return ev
}

func TestPollerCompletesWhenTheSinkSaysSo(t *testing.T) {
	t.Parallel()
	env := newS3Env(t)
	t0 := time.Now().UTC().Add(-time.Minute)
	env.put(t, t0, 1, 3)
	env.put(t, t0.Add(10*time.Second), 2, 3)
	sink := &testSink{want: 6}
	p := r2.NewPoller(env.client(t), sink, r2.PollerOptions{Interval: time.Hour, From: t0, To: t0.Add(time.Minute)})
	evs := drain(t, runPoller(context.Background(), p))
	ev := last(t, evs)
	if ev.Reason != r2.ReasonComplete || ev.Polls != 1 || ev.FilesSeen != 2 || ev.FilesNew != 2 || sink.Records() != 6 {
		t.Fatalf("final event %+v", ev)
	}
	if ev.Ops.ClassA == 0 || ev.Ops.ClassB != 2 {
		t.Errorf("ops %+v", ev.Ops)
	}
	if ev.Deadline.IsZero() || !ev.NextPoll.IsZero() {
		t.Errorf("deadline %v next %v", ev.Deadline, ev.NextPoll)
	}
}

func TestPollerPollNowPicksUpALateObject(t *testing.T) {
	t.Parallel()
	env := newS3Env(t)
	t0 := time.Now().UTC().Add(-time.Minute)
	env.put(t, t0, 1, 2)
	sink := &testSink{want: 4}
	p := r2.NewPoller(env.client(t), sink, r2.PollerOptions{Interval: time.Hour, From: t0, To: t0.Add(time.Minute)})
	ch := runPoller(context.Background(), p)
	first := <-ch
	if first.Done || first.Polls != 1 || first.FilesNew != 1 || sink.Records() != 2 {
		t.Fatalf("first event %+v", first)
	}
	if !first.NextPoll.Equal(first.Deadline) {
		t.Errorf("next poll %v: an interval past the deadline should be cut to the deadline %v", first.NextPoll, first.Deadline)
	}
	env.put(t, t0.Add(30*time.Second), 2, 2)
	p.PollNow()
	ev := last(t, drain(t, ch))
	if ev.Reason != r2.ReasonComplete || ev.Polls != 2 || ev.FilesSeen != 2 || ev.FilesNew != 1 {
		t.Fatalf("final event %+v", ev)
	}
}

func TestPollerStopsAtTheDeadline(t *testing.T) {
	t.Parallel()
	env := newS3Env(t)
	t0 := time.Now().UTC()
	sink := &testSink{want: 1} // never satisfied: the bucket is empty
	p := r2.NewPoller(env.client(t), sink, r2.PollerOptions{Interval: 60 * time.Millisecond, Timeout: 300 * time.Millisecond, From: t0, To: t0})
	start := time.Now()
	evs := drain(t, runPoller(context.Background(), p))
	elapsed := time.Since(start)
	ev := last(t, evs)
	if ev.Reason != r2.ReasonDeadline {
		t.Fatalf("reason %q", ev.Reason)
	}
	if elapsed < 300*time.Millisecond || elapsed > 5*time.Second {
		t.Errorf("stopped after %v, want about 300 ms", elapsed)
	}
	// One at once and one at the deadline at least; how many fit between
	// depends on how fast the machine answers, so it is not asserted.
	if ev.Polls < 2 {
		t.Errorf("polls = %d, want one at once and one at the deadline", ev.Polls)
	}
	if len(evs) != ev.Polls {
		t.Errorf("%d events for %d polls: want one per poll (the last one Done)", len(evs), ev.Polls)
	}
	for i, e := range evs[:len(evs)-1] {
		if e.Polls != i+1 || e.NextPoll.After(e.Deadline) || e.NextPoll.IsZero() {
			t.Errorf("event %d: %+v", i, e)
		}
	}
}

func TestPollerExtendMovesTheDeadline(t *testing.T) {
	t.Parallel()
	env := newS3Env(t)
	t0 := time.Now().UTC()
	p := r2.NewPoller(env.client(t), &testSink{want: 1}, r2.PollerOptions{Interval: time.Hour, Timeout: 200 * time.Millisecond, From: t0, To: t0})
	start := time.Now()
	ch := runPoller(context.Background(), p)
	first := <-ch
	p.Extend(400 * time.Millisecond)
	extended := <-ch
	if got := extended.Deadline.Sub(first.Deadline); got != 400*time.Millisecond {
		t.Errorf("deadline moved by %v, want 400ms", got)
	}
	if extended.Polls != 1 || !extended.NextPoll.Equal(extended.Deadline) {
		t.Errorf("event after Extend: %+v", extended)
	}
	ev := last(t, drain(t, ch))
	if ev.Reason != r2.ReasonDeadline || time.Since(start) < 600*time.Millisecond {
		t.Fatalf("reason %q after %v", ev.Reason, time.Since(start))
	}
	if !ev.Deadline.Equal(extended.Deadline) {
		t.Errorf("final deadline %v, want %v", ev.Deadline, extended.Deadline)
	}
}

func TestPollerStop(t *testing.T) {
	t.Parallel()
	env := newS3Env(t)
	t0 := time.Now().UTC()
	p := r2.NewPoller(env.client(t), &testSink{want: 1}, r2.PollerOptions{Interval: time.Hour, From: t0, To: t0})
	ch := runPoller(context.Background(), p)
	<-ch
	p.Stop()
	p.Stop() // twice is harmless
	ev := last(t, drain(t, ch))
	if ev.Reason != r2.ReasonStopped || ev.Polls != 1 {
		t.Fatalf("final event %+v", ev)
	}
}

func TestPollerStoppedBeforeRun(t *testing.T) {
	t.Parallel()
	env := newS3Env(t)
	p := r2.NewPoller(env.client(t), &testSink{}, r2.PollerOptions{})
	p.Stop()
	ev := last(t, drain(t, runPoller(context.Background(), p)))
	if ev.Reason != r2.ReasonStopped || ev.Polls != 0 {
		t.Fatalf("final event %+v", ev)
	}
	if lists, _ := env.counts(); lists != 0 {
		t.Errorf("a stopped poller listed %d times", lists)
	}
}

func TestPollerCancelled(t *testing.T) {
	t.Parallel()
	env := newS3Env(t)
	t0 := time.Now().UTC()
	ctx, cancel := context.WithCancel(context.Background())
	p := r2.NewPoller(env.client(t), &testSink{want: 1}, r2.PollerOptions{Interval: time.Hour, From: t0, To: t0})
	ch := runPoller(ctx, p)
	<-ch
	cancel()
	ev := last(t, drain(t, ch))
	if ev.Reason != r2.ReasonCancelled {
		t.Fatalf("final event %+v", ev)
	}
}

func TestPollerEndsOnAPermanentError(t *testing.T) {
	t.Parallel()
	env := newS3Env(t)
	t0 := time.Now().UTC()
	secret := "wrong-secret-value-0123456789"
	c := env.client(t, func(c *r2.Config) { c.SecretAccessKey = secret })
	p := r2.NewPoller(c, &testSink{want: 1}, r2.PollerOptions{Interval: 10 * time.Millisecond, From: t0, To: t0})
	ev := last(t, drain(t, runPoller(context.Background(), p)))
	if ev.Reason != r2.ReasonError || ev.Polls != 1 || ev.Errors != 1 {
		t.Fatalf("final event %+v", ev)
	}
	if !strings.Contains(ev.LastError, "CLOUDFLARE_R2_SECRET_ACCESS_KEY") || strings.Contains(ev.LastError, secret) {
		t.Errorf("LastError: %s", ev.LastError)
	}
}

func TestPollerKeepsPollingThroughTransientErrors(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	c, err := r2.New(context.Background(), r2.Config{Endpoint: "http://" + addr, Bucket: "b", AccessKeyID: "k", SecretAccessKey: "s", MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now().UTC()
	p := r2.NewPoller(c, &testSink{want: 1}, r2.PollerOptions{Interval: 50 * time.Millisecond, Timeout: 250 * time.Millisecond, From: t0, To: t0})
	evs := drain(t, runPoller(context.Background(), p))
	ev := last(t, evs)
	if ev.Reason != r2.ReasonDeadline || ev.Polls < 3 || ev.Errors != ev.Polls {
		t.Fatalf("final event %+v", ev)
	}
	if !strings.Contains(ev.LastError, "cannot reach the S3 endpoint "+addr) {
		t.Errorf("LastError: %s", ev.LastError)
	}
}

func TestPollerClearsLastErrorAfterRecovery(t *testing.T) {
	t.Parallel()
	env := newS3Env(t)
	t0 := time.Now().UTC().Add(-time.Minute)
	env.put(t, t0, 1, 1)
	env.setFail(func(*http.Request) (int, string) { return 500, "InternalError" })
	c := env.client(t, func(c *r2.Config) { c.MaxAttempts = 1 })
	p := r2.NewPoller(c, &testSink{want: 1}, r2.PollerOptions{Interval: time.Hour, From: t0, To: t0.Add(time.Minute)})
	ch := runPoller(context.Background(), p)
	first := <-ch
	if first.LastError == "" || first.Errors != 1 {
		t.Fatalf("first event %+v", first)
	}
	env.setFail(nil)
	p.PollNow()
	ev := last(t, drain(t, ch))
	if ev.Reason != r2.ReasonComplete || ev.LastError != "" || ev.Errors != 1 {
		t.Fatalf("final event %+v", ev)
	}
}
