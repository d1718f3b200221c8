package ui

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/errext"
	"github.com/pfx-tui/pfx-tui/internal/report"
	"github.com/pfx-tui/pfx-tui/internal/session"
)

// Flows through a real program against the embedded local target.

func localTarget(t *testing.T, cfg config.Config) *session.Target {
	t.Helper()
	tgt, err := session.OpenTarget(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tgt.Close)
	return tgt
}

func waitFor(t *testing.T, tm *teatest.TestModel, what string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(what)) },
		teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

func TestFlowSetupRunResults(t *testing.T) {
	cfg := config.Defaults()
	cfg.Approaches = []string{"direct", "simple"}
	cfg.Durations = []time.Duration{20 * time.Millisecond}
	cfg.Ops, cfg.Batches, cfg.Warmup = 2, 1, 0
	cfg.Out = t.TempDir()
	tgt := localTarget(t, cfg)

	m := newModel(context.Background(), cfg, Options{Tool: "pfx-tui test"}, tgt, newStyles(io.Discard, true), nil)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
	waitFor(t, tm, "Approaches (2 of 3)")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitFor(t, tm, "1 Latency")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})

	fm := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(Model)
	if fm.screen != screenResults {
		t.Fatalf("final screen = %v", fm.screen)
	}
	if code := fm.ExitCode(); code != errext.OK {
		t.Errorf("exit code = %d", code)
	}
	r := fm.sess.Results
	if r.Status != report.StatusComplete || len(r.Batches) != 2 {
		t.Fatalf("results: status %s, %d batches", r.Status, len(r.Batches))
	}
	saved, err := report.Load(fm.sess.Path)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Status != report.StatusComplete || len(saved.Batches) != 2 {
		t.Fatalf("results file: status %s, %d batches", saved.Status, len(saved.Batches))
	}
	for _, c := range report.Analyze(saved).Cells {
		if c.Summary.N != 2 || c.Errors != 0 {
			t.Errorf("%s: n %d errors %d", cellName(c.Approach, c.DurationMs), c.Summary.N, c.Errors)
		}
	}
}

func TestFlowCtrlCSavesPartialResults(t *testing.T) {
	cfg := config.Defaults()
	cfg.Approaches = []string{"direct"}
	cfg.Durations = []time.Duration{100 * time.Millisecond}
	cfg.Ops, cfg.Batches, cfg.Warmup = 50, 2, 0
	cfg.Out = t.TempDir()
	tgt := localTarget(t, cfg)

	m := newModel(context.Background(), cfg, Options{Tool: "pfx-tui test", SkipSetup: true}, tgt, newStyles(io.Discard, true), nil)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	waitFor(t, tm, "▶ 2/50")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})

	fm := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(Model)
	if code := fm.ExitCode(); code != errext.Interrupted {
		t.Errorf("exit code = %d, want 130", code)
	}
	saved, err := report.Load(fm.sess.Path)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Status != report.StatusInterrupted || len(saved.Batches) != 1 {
		t.Fatalf("results file: status %s, %d batches", saved.Status, len(saved.Batches))
	}
	if b := saved.Batches[0]; b.OpsSeen < 2 || b.OpsSeen == 50 {
		t.Errorf("interrupted batch saw %d ops", b.OpsSeen)
	}
}
