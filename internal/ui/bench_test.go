package ui

import (
	"context"
	"io"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/session"
)

// BenchmarkResultsFrame renders one frame of the results screen at 120×40
// for a run of 5 approaches × 5 durations with billing, on every tab: what a
// keypress or a resize costs. Target: under 5 ms a frame.
func BenchmarkResultsFrame(b *testing.B) {
	cfg := testConfig()
	cfg.Approaches = []string{"direct", "current", "simple", "direct-timer", "proxyfetch"}
	cfg.Durations = []time.Duration{100 * time.Millisecond, 500 * time.Millisecond, time.Second, 5 * time.Second, 10 * time.Second}
	m := resultsModelFor(b, cfg, 120, 40)
	for _, tab := range []string{"1", "2", "3", "4"} {
		m = keys(m, tab)
		b.Run("resize/tab"+tab, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				// A resize lays every tab out again, then draws.
				nm, _ := m.Update(tea.WindowSizeMsg{Width: 120 - i%2, Height: 40})
				_ = nm.(Model).View()
			}
		})
		b.Run("view/tab"+tab, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				_ = m.View() // what bubbletea calls for every frame
			}
		})
	}
}

// resultsModelFor is resultsModelWithBilling for any plan.
func resultsModelFor(t testing.TB, cfg config.Config, w, h int) Model {
	t.Helper()
	clk := &fakeClock{t: t0}
	ch := make(chan session.BillingEvent, 1)
	opts := Options{StartBilling: startBillingWith(ch, &fakeBilling{}), BillingSource: "logpush (local emulator S3, emulated)"}
	m := newModel(context.Background(), cfg, opts, testTarget(), newStyles(io.Discard, true), clk.now)
	m = send(m, tea.WindowSizeMsg{Width: w, Height: h})
	f := newFakeRun(cfg)
	m = f.start(m, true)
	m = f.play(m, clk, 0, len(f.specs), 9, 4)
	m, _ = f.done(m, false)
	f.sess.Results.Billing = fakeBillingReport(f.sess.Results.Batches, nil)
	m = send(m, billEventMsg{pollEvent(clk, true)})
	if m.screen != screenResults {
		t.Fatalf("screen = %v, want results", m.screen)
	}
	return m
}
