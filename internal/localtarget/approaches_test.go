package localtarget_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/localtarget"
	"github.com/pfx-tui/pfx-tui/internal/protocol"
)

// wsBatch is localtarget.WSBatch (export_test.go), shared with the
// package's internal tests.
func wsBatch(t *testing.T, srv *localtarget.Server, msg any) (frames []protocol.Frame, start, end time.Time) {
	t.Helper()
	return localtarget.WSBatch(t, srv, msg)
}

func lastFrame(t *testing.T, frames []protocol.Frame) protocol.Frame {
	t.Helper()
	if len(frames) == 0 {
		t.Fatal("no frames")
	}
	return frames[len(frames)-1]
}

func getPatterns(t *testing.T, srv *localtarget.Server) protocol.Patterns {
	t.Helper()
	resp, err := http.Get(srv.URL() + protocol.PathPatterns)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p protocol.Patterns
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
		t.Fatal(err)
	}
	return p
}

// waitQuiet waits until the trace store has been still for 200 ms (at most
// 5 s): executors and delivery reports end after batch-complete.
func waitQuiet(srv *localtarget.Server) {
	last, since := -1, time.Now()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if n := srv.Traces().Len(); n != last {
			last, since = n, time.Now()
		} else if time.Since(since) > 200*time.Millisecond {
			return
		}
	}
}

// invocations counts the trace records of one batch by role class and step
// (the last word of the "pfx <batch> <op> <step>" tag).
func invocations(srv *localtarget.Server, batchID string) map[string]int {
	recs, _ := srv.Traces().Since(0)
	out := map[string]int{}
	for _, r := range recs {
		for _, l := range r.Logs {
			if len(l.Message) >= 4 && l.Message[0] == "pfx" && l.Message[1] == batchID {
				if op, ok := l.Message[2].(int); ok && op >= 0 {
					out[r.Entrypoint+" "+l.Message[3].(string)]++
				}
				break
			}
		}
	}
	return out
}

func TestDirectTimerLeavesAPendingTimerOnItsOrigin(t *testing.T) {
	t.Parallel()
	const slack = 10 * time.Second // far past the batch, however slow the machine
	srv, err := localtarget.Start(localtarget.Options{KeepTraces: true, BackstopSlack: slack, PushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	p := getPatterns(t, srv)
	var timer *protocol.Pattern
	for i := range p.Patterns {
		if p.Patterns[i].Mode == "direct-timer" {
			timer = &p.Patterns[i]
		}
	}
	if timer == nil || !timer.Optional || !strings.Contains(timer.Description, "hibernat") {
		t.Fatalf("direct-timer in /patterns: %+v", timer)
	}

	const ops, d = 3, 20
	frames, start, end := wsBatch(t, srv, protocol.NewRunBatch("direct-timer", ops, d, "dt-1"))
	if f := lastFrame(t, frames); f.Type != protocol.TypeBatchComplete || f.Completed != ops || f.Errors != 0 {
		t.Fatalf("batch: %+v", frames)
	}
	acts := srv.Traces().Activity()
	if len(acts) != ops {
		t.Fatalf("activity %+v, want %d pending timers", acts, ops)
	}
	for i, a := range acts {
		if a.Object != "OriginDO/origin-direct-timer" || a.Kind != localtarget.ActivityPendingTimer || a.BatchID != "dt-1" || a.Op != i {
			t.Errorf("activity %d: %+v", i, a)
		}
		// Armed as the op's fetch starts, pending until d + backstop slack later:
		// past the op and the whole batch.
		if got := a.End.Sub(a.Start); got != d*time.Millisecond+slack {
			t.Errorf("op %d: timer pending %s, want %s", i, got, d*time.Millisecond+slack)
		}
		if a.Start.Before(start) || a.Start.After(end) || !a.End.After(end) {
			t.Errorf("op %d: timer %s..%s, batch %s..%s", i, a.Start.Format(time.StampMilli), a.End.Format(time.StampMilli), start.Format(time.StampMilli), end.Format(time.StampMilli))
		}
	}

	// direct clears its timer with the fetch: no activity beyond its invocations.
	frames, _, _ = wsBatch(t, srv, protocol.NewRunBatch("direct", ops, d, "d-1"))
	if f := lastFrame(t, frames); f.Type != protocol.TypeBatchComplete || f.Completed != ops {
		t.Fatalf("direct batch: %+v", frames)
	}
	if n := len(srv.Traces().Activity()); n != ops {
		t.Errorf("direct recorded activity: %d entries", n)
	}

	// Both make the same invocations per op: the origin's op and the upstream.
	waitQuiet(srv)
	want := map[string]int{"OriginDO op": ops, " upstream": ops}
	for _, batch := range []string{"dt-1", "d-1"} {
		if got := invocations(srv, batch); !equalCounts(got, want) {
			t.Errorf("%s invocations %v, want %v", batch, got, want)
		}
	}
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestProxyfetchRunsExactlyAsSimple(t *testing.T) {
	t.Parallel()
	srv, err := localtarget.Start(localtarget.Options{KeepTraces: true, PushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	var pf *protocol.Pattern
	p := getPatterns(t, srv)
	for i := range p.Patterns {
		if p.Patterns[i].Mode == "proxyfetch" {
			pf = &p.Patterns[i]
		}
	}
	if pf == nil || !pf.Optional || !strings.Contains(pf.Description, "@lumenize/for-experiments") || !strings.Contains(pf.Description, "simple") {
		t.Fatalf("proxyfetch in /patterns: %+v", pf)
	}
	if got := p.DefaultModes(); strings.Join(got, ",") != "direct,current,simple" {
		t.Errorf("default modes %v", got)
	}

	const ops = 3
	for _, mode := range []string{"proxyfetch", "simple"} {
		frames, _, _ := wsBatch(t, srv, protocol.NewRunBatch(mode, ops, 20, "pf-"+mode))
		want := []string{protocol.TypeBatchStarted, protocol.TypeTimingStart, protocol.TypeProgress, protocol.TypeProgress, protocol.TypeProgress, protocol.TypeTimingEnd, protocol.TypeBatchComplete}
		var got []string
		for _, f := range frames {
			got = append(got, f.Type)
			if f.Mode != "" && f.Mode != mode {
				t.Errorf("%s: frame %+v names mode %q", mode, f, f.Mode)
			}
		}
		if strings.Join(got, " ") != strings.Join(want, " ") || lastFrame(t, frames).Completed != ops {
			t.Errorf("%s frames: %+v", mode, frames)
		}
	}
	waitQuiet(srv)
	want := map[string]int{"OriginDO op": ops, "FetchExecutor fetch": ops, " upstream": ops, "OriginDO result": ops, "PerformanceController opdone": ops}
	for _, mode := range []string{"proxyfetch", "simple"} {
		if got := invocations(srv, "pf-"+mode); !equalCounts(got, want) {
			t.Errorf("%s invocations %v, want %v", mode, got, want)
		}
	}
	if n := len(srv.Traces().Activity()); n != 0 {
		t.Errorf("proxied approaches recorded %d activity entries", n)
	}
}

func TestDefaultDelayForARunBatchWithoutDurationMs(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		opt  time.Duration
		want int // ms
	}{{0, 100}, {250 * time.Millisecond, 250}, {-1, 0}} {
		srv, err := localtarget.Start(localtarget.Options{KeepTraces: true, DefaultDelay: c.opt, PushInterval: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		// As Lumenize's client sends it: no durationMs, no batchId.
		frames, start, end := wsBatch(t, srv, map[string]any{"action": "run-batch", "mode": "proxyfetch", "count": 2})
		if f := lastFrame(t, frames); f.Type != protocol.TypeBatchComplete || f.Completed != 2 {
			t.Errorf("default delay %s: %+v", c.opt, frames)
		}
		if took := end.Sub(start); took < 2*time.Duration(c.want)*time.Millisecond {
			t.Errorf("default delay %s: batch took %s, want ≥ 2 × %dms", c.opt, took, c.want)
		}
		waitQuiet(srv)
		recs, _ := srv.Traces().Since(0)
		delays := 0
		for _, r := range recs {
			if r.Event != nil && r.Event.Request != nil && strings.HasPrefix(r.Event.Request.URL, protocol.PathDelay) {
				delays++
				if !strings.HasPrefix(r.Event.Request.URL, fmt.Sprintf("%s%d?", protocol.PathDelay, c.want)) {
					t.Errorf("default delay %s: upstream %s, want %s%d", c.opt, r.Event.Request.URL, protocol.PathDelay, c.want)
				}
			}
		}
		if delays != 2 {
			t.Errorf("default delay %s: %d upstream fetches", c.opt, delays)
		}
		_ = srv.Close()
	}
	for _, bad := range []time.Duration{1500 * time.Microsecond, 30*time.Second + time.Millisecond} {
		if srv, err := localtarget.Start(localtarget.Options{KeepTraces: true, DefaultDelay: bad}); err == nil {
			_ = srv.Close()
			t.Errorf("default delay %s accepted", bad)
		}
	}
}
