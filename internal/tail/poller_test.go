package tail

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/logpush"
	"github.com/pfx-tui/pfx-tui/internal/r2"
)

type countSink struct {
	mu   sync.Mutex
	recs []logpush.Record
	want int
}

func (s *countSink) AddRecord(r logpush.Record) {
	s.mu.Lock()
	s.recs = append(s.recs, r)
	s.mu.Unlock()
}

func (s *countSink) Complete() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.want > 0 && len(s.recs) >= s.want
}

func next(t *testing.T, ch <-chan r2.PollEvent) r2.PollEvent {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("channel closed")
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event")
	}
	return r2.PollEvent{}
}

// TestPollerFollowsTheCaptureUntilComplete: the capture exists only after
// the first read and grows between reads (each read asked for with
// PollNow, never waited for); the poller stops as soon as the sink has
// every record.
func TestPollerFollowsTheCaptureUntilComplete(t *testing.T) {
	t.Parallel()
	data := readFixture(t)
	path := filepath.Join(t.TempDir(), "tail.json")
	sink := &countSink{want: 5}
	p := NewPoller(NewReader(path), sink, PollerOptions{Interval: time.Hour, Timeout: time.Hour})
	ch := make(chan r2.PollEvent, 4)
	go p.Run(context.Background(), ch)

	ev := next(t, ch)
	if ev.FilesSeen != 0 || !strings.Contains(ev.LastError, "wrangler tail --format json") || ev.Done {
		t.Fatalf("before the capture: %+v", ev)
	}
	half := len(data) / 2
	if err := os.WriteFile(path, data[:half], 0o600); err != nil {
		t.Fatal(err)
	}
	p.PollNow()
	ev = next(t, ch)
	if ev.FilesSeen != 1 || ev.LastError != "" || ev.Done || ev.Polls != 2 {
		t.Fatalf("half the capture: %+v", ev)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data[half:]); err != nil {
		t.Fatal(err)
	}
	f.Close()
	p.PollNow()
	ev = next(t, ch)
	if !ev.Done || ev.Reason != r2.ReasonComplete {
		t.Fatalf("complete capture: %+v", ev)
	}
	if len(sink.recs) != 5 {
		t.Errorf("%d records", len(sink.recs))
	}
	if _, ok := <-ch; ok {
		t.Error("channel not closed")
	}
}

func TestPollerReadsOnceWithoutTimeout(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "tail.json")
	if err := os.WriteFile(path, readFixture(t), 0o600); err != nil {
		t.Fatal(err)
	}
	sink := &countSink{want: 6} // one more than the capture holds
	p := NewPoller(NewReader(path), sink, PollerOptions{})
	ch := make(chan r2.PollEvent, 4)
	go p.Run(context.Background(), ch)
	ev := next(t, ch)
	if !ev.Done || ev.Reason != r2.ReasonDeadline || ev.Polls != 1 || len(sink.recs) != 5 {
		t.Fatalf("%+v, %d records", ev, len(sink.recs))
	}
}

func TestPollerStopAndErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := NewPoller(NewReader(filepath.Join(dir, "missing.json")), &countSink{}, PollerOptions{Interval: time.Hour, Timeout: time.Hour})
	ch := make(chan r2.PollEvent, 4)
	go p.Run(context.Background(), ch)
	next(t, ch)
	p.Stop()
	if ev := next(t, ch); !ev.Done || ev.Reason != r2.ReasonStopped {
		t.Fatalf("stop: %+v", ev)
	}

	// A directory is no capture: reading it fails for good.
	p = NewPoller(NewReader(dir), &countSink{}, PollerOptions{Interval: time.Hour, Timeout: time.Hour})
	ch = make(chan r2.PollEvent, 4)
	go p.Run(context.Background(), ch)
	if ev := next(t, ch); !ev.Done || ev.Reason != r2.ReasonError || ev.LastError == "" {
		t.Fatalf("directory: %+v", ev)
	}

	ctx, cancel := context.WithCancel(context.Background())
	p = NewPoller(NewReader(filepath.Join(dir, "missing.json")), &countSink{}, PollerOptions{Interval: time.Hour, Timeout: time.Hour})
	ch = make(chan r2.PollEvent, 4)
	go p.Run(ctx, ch)
	next(t, ch)
	p.Extend(time.Minute)
	if ev := next(t, ch); ev.Done {
		t.Fatalf("extend: %+v", ev)
	}
	cancel()
	if ev := next(t, ch); !ev.Done || ev.Reason != r2.ReasonCancelled {
		t.Fatalf("cancel: %+v", ev)
	}
}
