package session

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/billing"
	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/r2"
	"github.com/pfx-tui/pfx-tui/internal/report"
)

func TestTailGuardKeepsWindowsApart(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	batch := func(from, to time.Duration) experiment.BatchResult {
		return experiment.BatchResult{StartedAt: t0.Add(from), EndedAt: t0.Add(to)}
	}
	cases := []struct {
		name    string
		batches []experiment.BatchResult
		want    time.Duration
	}{
		{"one batch: the default guard", []experiment.BatchResult{batch(0, time.Second)}, billing.DefaultGuard},
		{"wide gaps: the default guard", []experiment.BatchResult{batch(0, time.Second), batch(10*time.Second, 11*time.Second)}, billing.DefaultGuard},
		{"200 ms gap: under 100 ms", []experiment.BatchResult{batch(0, time.Second), batch(1200*time.Millisecond, 2*time.Second)}, 100*time.Millisecond - 1},
		{"out of order", []experiment.BatchResult{batch(1200*time.Millisecond, 2*time.Second), batch(0, time.Second)}, 100*time.Millisecond - 1},
		{"batches that touch: none", []experiment.BatchResult{batch(0, time.Second), batch(time.Second, 2*time.Second)}, -1},
	}
	for _, c := range cases {
		if got := TailGuard(c.batches); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestPlanBillingTail(t *testing.T) {
	t.Parallel()
	cfg := config.Defaults()
	cfg.Billing = BillingTail
	if p := PlanBilling(cfg, nil); p.Source != BillingNone || !strings.Contains(p.Why, "--tail-file") {
		t.Errorf("no file: %+v", p)
	}
	cfg.TailFile = "tail.json"
	if p := PlanBilling(cfg, &Target{Kind: experiment.TargetURL}); p.Source != BillingTail || !strings.Contains(p.Where, "tail.json") {
		t.Errorf("with file: %+v", p)
	}
	if PollInterval(cfg, nil) != tailInterval || PollTimeout(cfg, nil) != tailTimeout {
		t.Errorf("poll defaults %v %v", PollInterval(cfg, nil), PollTimeout(cfg, nil))
	}
	cfg.PollTimeout, cfg.PollTimeoutSet = 0, false
	if PollTimeout(cfg, nil) != 0 {
		t.Error("billing FILE reads the capture once")
	}
}

// tailEvent is a wrangler tail event as JSON; tag "" leaves it untagged.
func tailEvent(entrypoint, url string, ts time.Time, wall, cpu int, tag string, op int) map[string]any {
	ev := map[string]any{
		"wallTime": wall, "cpuTime": cpu, "truncated": false, "outcome": "ok", "scriptName": "pfx-experiment",
		"exceptions": []any{}, "logs": []any{}, "eventTimestamp": ts.UnixMilli(),
	}
	if entrypoint != "" {
		ev["entrypoint"] = entrypoint
		ev["executionModel"] = "durableObject"
		ev["event"] = map[string]any{"rpcMethod": "startOp"}
	} else {
		ev["executionModel"] = "stateless"
		ev["event"] = map[string]any{"request": map[string]any{"url": url, "method": "GET", "headers": map[string]any{}}}
	}
	if tag != "" {
		ev["logs"] = []any{map[string]any{"message": []any{"pfx", tag, op, "step {with} braces"}, "level": "log", "timestamp": ts.UnixMilli()}}
	}
	return ev
}

// TestTailBillingAttributesEachEventOnce bills two batches from a capture
// with the two errors of the published tail analysis laid as traps: an
// event captured twice, and untagged events in the gap between the
// batches, which windows widened by 1 s before and 2 s after each batch
// counted in both. Here every event lands in exactly one batch: by tag
// when it has one (even when its time falls in the other batch), else by
// the nearer non-overlapping window.
func TestTailBillingAttributesEachEventOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	t0 := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	batches := []experiment.BatchResult{
		{BatchSpec: experiment.BatchSpec{ID: "ab12cd-000", Approach: "direct", DurationMs: 100, Batch: 1, Ops: 1}, Status: experiment.StatusOK, StartedAt: ms(0), EndedAt: ms(1000)},
		{BatchSpec: experiment.BatchSpec{ID: "ab12cd-001", Index: 1, Approach: "simple", DurationMs: 100, Batch: 1, Ops: 1}, Status: experiment.StatusOK, StartedAt: ms(1200), EndedAt: ms(2200)},
	}
	res := &report.Results{SchemaVersion: report.SchemaVersion, ID: "ab12cd", Target: report.Target{Kind: experiment.TargetURL}, Batches: batches}
	resPath := filepath.Join(dir, "results.json")
	if err := report.Save(resPath, res); err != nil {
		t.Fatal(err)
	}
	delay := "https://pfx-experiment.example.workers.dev/delay/100"
	origin0 := tailEvent("OriginDO", "", ms(100), 103, 2, "ab12cd-000", 0)
	events := []map[string]any{
		origin0,
		tailEvent("OriginDO", "", ms(1300), 4, 1, "ab12cd-001", 0),
		origin0, // captured twice
		tailEvent("", delay, ms(1050), 101, 1, "", 0),                            // untagged, in b0's guard
		tailEvent("", delay, ms(1150), 101, 1, "", 0),                            // untagged, in b1's guard
		tailEvent("PerformanceController", "", ms(1250), 2, 1, "ab12cd-000", -1), // b0's late event, in b1's window
	}
	var capture strings.Builder
	capture.WriteString("Connected to pfx-experiment, waiting for logs...\n")
	for _, ev := range events {
		b, _ := json.MarshalIndent(ev, "", "  ")
		capture.Write(b)
		capture.WriteByte('\n')
	}
	tailPath := filepath.Join(dir, "tail.json")
	if err := os.WriteFile(tailPath, []byte(capture.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config.Defaults()
	cfg.Billing, cfg.TailFile, cfg.PollTimeout = BillingTail, tailPath, 0
	b, err := StartBilling(context.Background(), cfg, nil, res, resPath)
	if err != nil {
		t.Fatal(err)
	}
	if b.Controls() == nil || !strings.Contains(b.Where, "tail.json") {
		t.Errorf("controls %v, where %q", b.Controls(), b.Where)
	}
	out := b.Wait(nil)
	if out.Err() != nil || !out.Last.Done || out.Last.Reason == r2.ReasonError {
		t.Fatalf("outcome %+v", out)
	}
	saved, err := report.Load(resPath)
	if err != nil {
		t.Fatal(err)
	}
	rep := saved.Billing
	if rep == nil || rep.Source != BillingTail {
		t.Fatalf("report %+v", rep)
	}
	got := map[string]int{}
	total := 0
	for _, c := range rep.Cells {
		for _, r := range c.Roles {
			got[c.Approach+" "+r.Role] += r.Count
			total += r.Count
		}
	}
	want := map[string]int{"direct origin": 1, "direct upstream": 1, "direct controller": 1, "simple origin": 1, "simple upstream": 1}
	if total != 5 || len(got) != len(want) {
		t.Fatalf("attributed %v (total %d), want %v", got, total, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: %d, want %d", k, got[k], n)
		}
	}
	if rep.Records.Duplicates != 1 || rep.Records.Read != 6 || rep.Records.Ambiguous != 0 || rep.Records.ByTag != 3 || rep.Records.ByWindow != 2 {
		t.Errorf("records %+v", rep.Records)
	}
	if rep.GuardMs >= 100 {
		t.Errorf("guard %v ms reaches past half the 200 ms gap", rep.GuardMs)
	}
	if !strings.Contains(strings.Join(rep.Warnings, "\n"), "appear twice in the tail capture") || !strings.Contains(strings.Join(rep.Notes, "\n"), "wrangler tail capture") {
		t.Errorf("warnings %q notes %q", rep.Warnings, rep.Notes)
	}
	// Incomplete (the Workers expectations want more records per batch):
	// the suspicions speak of the capture, not of a Logpush job.
	if out.Complete() || len(out.Suspicions) == 0 || !strings.Contains(out.Suspicions[0], "tail capture") {
		t.Errorf("suspicions %q", out.Suspicions)
	}
}

func TestTailBillingMissingCapture(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	res := &report.Results{SchemaVersion: report.SchemaVersion, ID: "x", Target: report.Target{Kind: experiment.TargetURL},
		Batches: []experiment.BatchResult{{BatchSpec: experiment.BatchSpec{ID: "x-000", Approach: "direct", DurationMs: 100, Ops: 1}, Status: experiment.StatusOK, StartedAt: time.Now(), EndedAt: time.Now()}}}
	resPath := filepath.Join(dir, "r.json")
	if err := report.Save(resPath, res); err != nil {
		t.Fatal(err)
	}
	cfg := config.Defaults()
	cfg.Billing, cfg.TailFile, cfg.PollTimeout = BillingTail, filepath.Join(dir, "none.json"), 0
	b, err := StartBilling(context.Background(), cfg, nil, res, resPath)
	if err != nil {
		t.Fatal(err)
	}
	out := b.Wait(nil)
	if out.Complete() || len(out.Suspicions) == 0 || !strings.Contains(out.Suspicions[0], "npx wrangler tail") {
		t.Errorf("outcome %+v", out)
	}
}
