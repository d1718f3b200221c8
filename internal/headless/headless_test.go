package headless

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/errext"
	"github.com/pfx-tui/pfx-tui/internal/report"
	"github.com/pfx-tui/pfx-tui/internal/session"
)

func localSession(t *testing.T, ops int, d time.Duration) *session.Session {
	t.Helper()
	cfg := config.Defaults()
	cfg.Approaches, cfg.Durations, cfg.Ops, cfg.Batches, cfg.Warmup = []string{"direct", "simple"}, []time.Duration{d}, ops, 1, 0
	cfg.Out = t.TempDir()
	cfg.LocalPushInterval = 100 * time.Millisecond // billing in a fraction of a second
	s, err := session.Prepare(context.Background(), cfg, "test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestRunPrintsProgressReportAndBilling(t *testing.T) {
	t.Parallel()
	s := localSession(t, 4, 60*time.Millisecond)
	var out, errOut bytes.Buffer
	code := errext.Code(Run(context.Background(), s, Options{Stdout: &out, Stderr: &errOut, Format: "text", Interval: 100 * time.Millisecond}))
	if code != errext.OK {
		t.Fatalf("exit %d\n%s", code, errOut.String())
	}
	// Progress lines while batches run, then billing polls, then the end.
	// Expected records: direct 4 origin + 4 upstream + 2 controller = 10;
	// simple 8 origin + 4 executor + 4 upstream + 6 controller = 22.
	for _, want := range []string{"] direct @ 60ms batch 1/1: op ", "billing poll 1:", "billing complete", "done in"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
		}
	}
	if !strings.Contains(out.String(), "EMULATED") || !strings.Contains(out.String(), "matched 32 of 32 expected records: complete") {
		t.Errorf("stdout:\n%s", out.String())
	}
	r, err := report.Load(s.Path)
	if err != nil || r.Status != report.StatusComplete || r.Billing == nil {
		t.Fatalf("results file: %v %+v", err, r)
	}
}

func TestRunInterruptedExits130AndKeepsTheFile(t *testing.T) {
	t.Parallel()
	s := localSession(t, 40, 50*time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	var out, errOut bytes.Buffer
	if code := errext.Code(Run(ctx, s, Options{Stdout: &out, Stderr: &errOut, Format: "text"})); code != errext.Interrupted {
		t.Fatalf("exit %d\n%s", code, errOut.String())
	}
	r, err := report.Load(s.Path)
	if err != nil || r.Status != report.StatusInterrupted || len(r.Batches) != 1 || len(r.Batches[0].Samples) == 0 {
		t.Fatalf("results file: %v %+v", err, r)
	}
	if !strings.Contains(errOut.String(), "billing skipped (interrupted)") || !strings.Contains(errOut.String(), "rerun to bill") {
		t.Errorf("stderr:\n%s", errOut.String())
	}
}
