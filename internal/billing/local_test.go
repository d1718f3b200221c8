package billing_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/experiment"

	"github.com/pfx-tui/pfx-tui/internal/billing"
	"github.com/pfx-tui/pfx-tui/internal/localtarget"
	"github.com/pfx-tui/pfx-tui/internal/logpush"
	"github.com/pfx-tui/pfx-tui/internal/runner"
)

// runLocal drives a real emulator through the runner and returns the
// batches and every trace record once background invocations have ended.
func runLocal(t *testing.T, plan experiment.Plan) ([]experiment.BatchResult, []logpush.Record) {
	t.Helper()
	srv, err := localtarget.Start(localtarget.Options{KeepTraces: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	r, err := runner.New(runner.Options{Target: srv.URL(), Plan: plan, RunID: "e2e"})
	if err != nil {
		t.Fatal(err)
	}
	done := runner.Wait(r.Run(context.Background()))
	if done.Err != nil || done.Interrupted {
		t.Fatalf("run: %+v", done)
	}
	for _, b := range done.Results {
		if b.Status != experiment.StatusOK || b.Errors != 0 {
			t.Fatalf("batch %s: %s %v", b.ID, b.Status, b.ErrorMessages)
		}
	}
	// Executors and delivery reports end after batch-complete: wait until
	// the store has been quiet for 300 ms (at most 10 s).
	last, quietSince := -1, time.Now()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if n := srv.Traces().Len(); n != last {
			last, quietSince = n, time.Now()
		} else if time.Since(quietSince) > 300*time.Millisecond {
			break
		}
	}
	recs, _ := srv.Traces().Since(0)
	return done.Results, recs
}

// gzNDJSON encodes records as a Logpush object.
func gzNDJSON(t *testing.T, recs []logpush.Record) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	enc := json.NewEncoder(zw)
	for _, r := range recs {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestLocalTargetMatchesExpectations is the proof that LocalExpectations
// is the emulator's exact record pattern: one batch per approach and
// duration, plus warmups, read back through AddObject, match the table in
// every cell and role, by tag and (tags stripped) by time window.
func TestLocalTargetMatchesExpectations(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs the emulator")
	}
	const ops = 3
	plan := experiment.Plan{
		Approaches: []string{"direct", "current", "simple", "direct-timer", "proxyfetch"},
		Durations:  []time.Duration{20 * time.Millisecond, 60 * time.Millisecond},
		Batches:    1, Ops: ops, Warmup: 2, Order: experiment.OrderInterleave,
	}
	batches, recs := runLocal(t, plan)
	exp := billing.LocalExpectations()

	check := func(t *testing.T, recs []logpush.Record, wantByTag bool) {
		c := billing.NewCollector(batches, billing.Options{ScriptName: "pfx-local"})
		if err := c.AddObject("20260101/x.log.gz", bytes.NewReader(gzNDJSON(t, recs))); err != nil {
			t.Fatal(err)
		}
		p := c.Progress()
		rep := c.Report()
		// 5 approaches × 2 durations; roles: direct 3, direct-timer 3, simple 4,
		// proxyfetch 4, current 5.
		if len(p.Counts) != 2*(3+3+4+4+5) {
			t.Errorf("%d count rows, want 38: %+v", len(p.Counts), p.Counts)
		}
		off := 0 // records in the wrong cell or role
		for _, row := range p.Counts {
			want, _ := exp.For(row.Approach, ops)
			if row.Expected != want[row.Role] || row.Expected == 0 {
				t.Errorf("%s %dms %s: expected %d, table %d", row.Approach, row.DurationMs, row.Role, row.Expected, want[row.Role])
			}
			if row.Matched != row.Expected {
				if wantByTag {
					t.Errorf("%s %dms %s: matched %d expected %d", row.Approach, row.DurationMs, row.Role, row.Matched, row.Expected)
				}
				off += max(row.Matched-row.Expected, row.Expected-row.Matched)
			}
		}
		if wantByTag && !p.Complete {
			t.Errorf("not complete: %+v", p.Counts)
		}
		// Without tags, a record that starts in the millisecond one batch
		// ends and the next begins cannot be placed for sure; such records
		// are counted as ambiguous, and only they may land in a neighbour
		// (each one moves a count from one row to another).
		if !wantByTag && off > 2*rep.Records.Ambiguous {
			t.Errorf("%d count differences, only %d ambiguous records: %+v", off, rep.Records.Ambiguous, p.Counts)
		}
		if rep.Records.Unattributed != 0 || rep.Records.Duplicates != 0 || rep.Records.Read != len(recs) {
			t.Errorf("records %+v, read want %d", rep.Records, len(recs))
		}
		if wantByTag && rep.Records.ByTag != len(recs) {
			t.Errorf("by tag %d of %d", rep.Records.ByTag, len(recs))
		}
		if !wantByTag && rep.Records.ByWindow != len(recs) {
			t.Errorf("by window %d of %d", rep.Records.ByWindow, len(recs))
		}
		// Window mode may call tail records (delivery reports starting just
		// after batch-complete) ambiguous; nothing else may be warned about.
		for _, w := range p.Warnings {
			if wantByTag || !strings.Contains(w, "windows overlap") && !strings.Contains(w, "more records than expected") {
				t.Errorf("warning: %s", w)
			}
		}
		// Warmups (2 ops each, at 20ms) are attributed but kept apart.
		if len(rep.Warmup) != 5 {
			t.Fatalf("warmup cells %d", len(rep.Warmup))
		}
		for _, w := range rep.Warmup {
			want, _ := exp.For(w.Approach, 2)
			for _, r := range w.Roles {
				if r.Count != want[r.Role] && wantByTag {
					t.Errorf("warmup %s %s: %d records, want %d", w.Approach, r.Role, r.Count, want[r.Role])
				}
			}
			if len(w.Roles) != len(want) {
				t.Errorf("warmup %s: roles %d, want %d", w.Approach, len(w.Roles), len(want))
			}
		}
		if rep.Records.Warmup+rep.Records.Measured != len(recs) {
			t.Errorf("warmup %d + measured %d != %d", rep.Records.Warmup, rep.Records.Measured, len(recs))
		}
		if len(rep.Costs) != 10 || wantByTag && (len(rep.BreakEvens) != 4 || len(rep.AllowanceBreakEvens) != 4) {
			t.Errorf("costs %d break-evens %d / %d", len(rep.Costs), len(rep.BreakEvens), len(rep.AllowanceBreakEvens))
		}
		for _, cost := range rep.Costs {
			if !wantByTag { // records near batch edges may land in a neighbour: not every cell is complete
				continue
			}
			if !cost.Usable || cost.DollarsPerMillionOps == nil || cost.DollarsPerMillionOps.Total <= 0 || cost.SavingsVsDirect == nil || cost.Allowances.SavingsVsDirect == nil {
				t.Errorf("cost %+v", cost)
			}
		}
	}
	t.Run("by tag", func(t *testing.T) { check(t, recs, true) })
	t.Run("by window", func(t *testing.T) {
		// A distinct non-tag log line keeps records distinct: without it two
		// worker_rpc records of the same millisecond and timing are
		// byte-identical and rightly deduplicated.
		stripped := make([]logpush.Record, len(recs))
		for i, r := range recs {
			r.Logs = []logpush.Log{{Level: "log", Message: []any{"untagged", i}}}
			stripped[i] = r
		}
		check(t, stripped, false)
	})
}
