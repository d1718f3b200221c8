package main

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/localtarget"
	"github.com/pfx-tui/pfx-tui/internal/report"
)

// TestChaosEndToEnd: every fault of the local target on at once (seeded),
// a whole run with billing from its bucket. The run finishes; every batch
// is measured or reported failed with its cause; billing matches exactly
// what the target did, despite duplicated, late, truncated and malformed
// objects and S3 errors; the results file loads.
func TestChaosEndToEnd(t *testing.T) {
	t.Parallel()
	// Seed 3: batches -002 and -006 are dropped and their retries go
	// silent (so they time out and are reported failed); upstream 500s
	// and slow answers hit some ops.
	chaos := localtarget.AllChaos(3)
	// Object faults follow the pushes, which timing shifts: certain enough
	// that every kind is met.
	chaos.DuplicateObject, chaos.TruncatedObject, chaos.MalformedObject, chaos.LateObject = 0.5, 0.5, 0.5, 0.5
	srv, err := localtarget.Start(localtarget.Options{Chaos: chaos, PushInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()
	out := filepath.Join(dir, "results")
	args := []string{"run", "--no-tui", "--target", srv.URL(), "--approaches", "direct,simple", "--durations", "10ms", "--ops", "4", "--batches", "5", "--warmup", "0",
		"--batch-timeout", "400ms", "--retries", "1", "--poll-interval", "50ms", "--poll-timeout", "15s", "--out", out, "--dev-vars", filepath.Join(dir, "none")}
	var o, e bytes.Buffer
	code := Main(context.Background(), args, IOStreams{Stdout: &o, Stderr: &e, Env: map[string]string{}})
	if code != 0 {
		t.Fatalf("run: exit %d\nstderr:\n%s", code, e.String())
	}
	files, _ := filepath.Glob(filepath.Join(out, "*.json"))
	if len(files) != 1 {
		t.Fatalf("results files: %v", files)
	}
	r, err := report.Load(files[0])
	if err != nil {
		t.Fatalf("results file: %v", err)
	}
	if r.Status != report.StatusComplete {
		t.Errorf("status %s %s", r.Status, r.Error)
	}
	var ok, failed, retried int
	for _, b := range r.Batches {
		switch {
		case b.Retried:
			retried++
		case b.Status == experiment.StatusOK:
			ok++
		default:
			failed++
		}
		if b.Status != experiment.StatusOK && b.Failure == "" {
			t.Errorf("batch %s %s has no cause", b.ID, b.Status)
		}
	}
	if ok != 8 || failed != 2 || retried != 2 {
		t.Errorf("%d measured, %d failed, %d retried attempts: want 8, 2 and 2", ok, failed, retried)
	}
	bl := r.Billing
	if bl == nil || !bl.Complete {
		t.Fatalf("billing incomplete: %+v\nstderr:\n%s", bl, e.String())
	}
	for _, c := range bl.Counts {
		if c.Expected >= 0 && c.Matched-c.FromFailedBatches != c.Expected {
			t.Errorf("%s@%d %s: %d matched (%d from failed batches), %d expected", c.Approach, c.DurationMs, c.Role, c.Matched, c.FromFailedBatches, c.Expected)
		}
	}
	if bl.Records.Duplicates == 0 || bl.Files.Truncated == 0 || bl.Files.Malformed == 0 {
		t.Errorf("faults not met: %d duplicates, %d truncated files, %d malformed lines", bl.Records.Duplicates, bl.Files.Truncated, bl.Files.Malformed)
	}
	if err := srv.FlushLogpush(); err != nil {
		t.Fatal(err)
	}
	if got, want := bl.Records.Unique, srv.Traces().Len(); got > want {
		t.Errorf("%d unique records, but the target wrote %d", got, want)
	}
	t.Logf("%d ok, %d failed, %d retried; %d unique records, %d duplicates, %d truncated files", ok, failed, retried, bl.Records.Unique, bl.Records.Duplicates, bl.Files.Truncated)
}
