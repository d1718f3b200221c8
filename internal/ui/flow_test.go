package ui

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/errext"
	"github.com/pfx-tui/pfx-tui/internal/localtarget"
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

// waitFor waits until the screen has drawn every one of what (output is
// consumed: the next wait sees only what is drawn after).
func waitFor(t *testing.T, tm *teatest.TestModel, what ...string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		for _, w := range what {
			if !bytes.Contains(b, []byte(w)) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

func TestFlowSetupRunResults(t *testing.T) {
	t.Parallel()
	cfg := config.Defaults()
	cfg.Approaches = []string{"direct", "simple"}
	cfg.Durations = []time.Duration{20 * time.Millisecond}
	cfg.Ops, cfg.Batches, cfg.Warmup = 2, 1, 0
	cfg.Out = t.TempDir()
	tgt := localTarget(t, cfg)

	m := newModel(context.Background(), cfg, Options{Tool: "pfx-tui test"}, tgt, newStyles(io.Discard, true), nil)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
	waitFor(t, tm, fmt.Sprintf("Approaches (2 of %d)", len(localtarget.Patterns)))
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
	t.Parallel()
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

// startLocalBilling is cmd/pfx-tui's billing hook: the one billing loop in
// the background, its events forwarded to the screen.
func startLocalBilling(ctx context.Context, s *session.Session) (<-chan session.BillingEvent, BillingControls, error) {
	b, err := session.StartBilling(ctx, s.Cfg, s.Target, s.Results, s.Path)
	if err != nil {
		return nil, nil, err
	}
	return session.Forward(b), b.Poller, nil
}

// From setup to export against the embedded target with its Logpush
// emulator: toggle an approach, run, wait for billing, read the verdict on
// the results screen and export.
func TestFlowSetupToExport(t *testing.T) {
	t.Parallel()
	cfg := config.Defaults()
	cfg.Approaches = []string{"direct", "simple"}
	cfg.Durations = []time.Duration{20 * time.Millisecond, 60 * time.Millisecond}
	cfg.Ops, cfg.Batches, cfg.Warmup = 2, 1, 0
	cfg.LocalPushInterval = 100 * time.Millisecond
	cfg.Out = t.TempDir()
	tgt := localTarget(t, cfg)

	opts := Options{Tool: "pfx-tui test", StartBilling: startLocalBilling, BillingSource: "logpush (local emulator S3, emulated)"}
	m := newModel(context.Background(), cfg, opts, tgt, newStyles(io.Discard, true), nil)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	waitFor(t, tm, fmt.Sprintf("Approaches (2 of %d)", len(localtarget.Patterns)))
	tm.Send(tea.KeyMsg{Type: tea.KeyDown})
	tm.Send(tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}) // current on
	waitFor(t, tm, fmt.Sprintf("Approaches (3 of %d)", len(localtarget.Patterns)))
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("x")}) // and off again
	waitFor(t, tm, fmt.Sprintf("Approaches (2 of %d)", len(localtarget.Patterns)))
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitFor(t, tm, "cheapest at list prices", "$/M ops", "vs direct", "break-even")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("e")})
	waitFor(t, tm, "✓ exported")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})

	fm := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(Model)
	if code := fm.ExitCode(); code != errext.OK {
		t.Errorf("exit code = %d", code)
	}
	saved, err := report.Load(fm.sess.Path)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Billing == nil || !saved.Billing.Complete || !saved.Billing.Usable() {
		t.Fatalf("billing in the results file: %+v", saved.Billing)
	}
	if got := saved.Plan.Approaches; len(got) != 2 {
		t.Errorf("approaches run: %v", got)
	}
	if len(fm.exported) != 5 { // .md .csv .export.json and the two charts
		t.Fatalf("exported %v", fm.exported)
	}
	md, err := os.ReadFile(fm.exported[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "### Verdict") || !strings.Contains(string(md), "break-even") {
		t.Errorf("the exported Markdown has no verdict:\n%s", md)
	}
}

// pfx-tui report FILE --tui: a saved run opens on the results screen with
// its verdict, and e exports next to the file.
func TestFlowSavedRunOnResults(t *testing.T) {
	t.Parallel()
	m := resultsModelWithBilling(t, 80, 24, nil)
	dir := t.TempDir()
	path := filepath.Join(dir, report.FileName(m.results.CreatedAt, m.results.ID))
	if err := report.Save(path, m.results); err != nil {
		t.Fatal(err)
	}
	r, err := report.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	saved := newSavedModel(context.Background(), r, path, Options{}, newStyles(io.Discard, true), nil)
	tm := teatest.NewTestModel(t, saved, teatest.WithInitialTermSize(80, 24))
	waitFor(t, tm, "cheapest at list prices", "◆ direct $0.310", "$/M ops", "vs direct", "break-even", "• 3 Cost")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("e")})
	waitFor(t, tm, "✓ exported")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if fm.ExitCode() != errext.OK || len(fm.exported) != 5 { // .md .csv .export.json -cost.svg -latency.svg
		t.Fatalf("exit %d, exported %v", fm.ExitCode(), fm.exported)
	}
	for _, p := range fm.exported {
		if filepath.Dir(p) != dir {
			t.Errorf("exported %s, not next to %s", p, path)
		}
	}
}
