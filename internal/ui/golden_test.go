package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/pfx-tui/pfx-tui/internal/report"
)

// Golden files of every screen's View() at 60×20, 80×24, 100×30 and
// 120×40, colour off; the results screens with billing data, as a run
// with a billing source ends. Regenerate with:
// go test ./internal/ui/ -run TestGolden -update

var sizes = []struct{ w, h int }{{60, 20}, {80, 24}, {100, 30}, {120, 40}}

func TestGolden(t *testing.T) {
	t.Parallel()
	screens := []struct {
		name  string
		build func(t *testing.T, w, h int) Model
	}{
		{"setup", func(t *testing.T, w, h int) Model {
			m, _ := newTestModel(t, w, h, Options{})
			return m
		}},
		{"setup-edited", func(t *testing.T, w, h int) Model {
			m, _ := newTestModel(t, w, h, Options{StartBilling: startBillingNoop, BillingSource: "logpush (local emulator S3)"})
			m = keys(m, "down", "space", "tab", "down", "down", "down", "space", "down", "down")
			m = typeText(m, "250ms,2s")
			m = keys(m, "tab", "down", "right", "right", "down")
			m = typeText(m, "5")
			return m
		}},
		{"setup-invalid", func(t *testing.T, w, h int) Model {
			m, _ := newTestModel(t, w, h, Options{})
			m = keys(m, "space", "down", "space", "down", "space", "tab", "down", "down", "down", "down", "down")
			m = typeText(m, "45s")
			return send(m, keyMsg("enter"))
		}},
		{"setup-help", func(t *testing.T, w, h int) Model {
			m, _ := newTestModel(t, w, h, Options{})
			return keys(m, "?")
		}},
		{"run", func(t *testing.T, w, h int) Model {
			m, clk := newTestModel(t, w, h, Options{})
			f := newFakeRun(testConfig())
			m = f.start(m, false)
			m = f.play(m, clk, 0, 7, 5, 4)
			m = f.inflight(m, clk, 7, 3)
			clk.advance(400 * time.Millisecond)
			return send(m, tickMsg{})
		}},
		{"run-confirm-quit", func(t *testing.T, w, h int) Model {
			m, clk := newTestModel(t, w, h, Options{})
			f := newFakeRun(testConfig())
			m = f.start(m, false)
			m = f.play(m, clk, 0, 4, -1, -1)
			m = f.inflight(m, clk, 4, 2)
			return keys(m, "q")
		}},
		{"billing", func(t *testing.T, w, h int) Model {
			return billingModelAt(t, w, h)
		}},
		{"results-cost", func(t *testing.T, w, h int) Model { return resultsModelWithBilling(t, w, h, nil) }},
		{"results-latency", func(t *testing.T, w, h int) Model { return keys(resultsModelWithBilling(t, w, h, nil), "1") }},
		{"results-billing", func(t *testing.T, w, h int) Model { return keys(resultsModelWithBilling(t, w, h, nil), "2") }},
		{"results-details", func(t *testing.T, w, h int) Model {
			return keys(resultsModelWithBilling(t, w, h, nil), "4", "down", "down", "down", "down")
		}},
		{"results-charts", func(t *testing.T, w, h int) Model { return keys(resultsModelWithBilling(t, w, h, nil), "5") }},
		{"results-charts-no-billing", func(t *testing.T, w, h int) Model { return keys(resultsModelAt(t, w, h), "5") }},
		{"results-no-billing", func(t *testing.T, w, h int) Model { return resultsModelAt(t, w, h) }},
		{"results-incomplete", func(t *testing.T, w, h int) Model {
			return resultsModelWithBilling(t, w, h, func(i int) bool { return i%3 == 0 })
		}},
		{"results-exported", func(t *testing.T, w, h int) Model {
			m := resultsModelWithBilling(t, w, h, nil)
			m = keys(m, "e")
			base := "results/" + report.FileName(t0, testRunID)
			base = base[:len(base)-len(".json")]
			return send(m, exportedMsg{paths: []string{base + ".md", base + ".csv", base + ".export.json"}})
		}},
	}
	// Every screen fits any terminal from 60×20 up, line for line.
	for _, sc := range screens {
		for _, sz := range []struct{ w, h int }{{60, 20}, {61, 33}, {79, 35}, {200, 60}} {
			m := sc.build(t, sz.w, sz.h)
			lines := strings.Split(m.View(), "\n")
			if len(lines) != sz.h {
				t.Errorf("%s at %dx%d: %d lines", sc.name, sz.w, sz.h, len(lines))
			}
			for _, l := range lines {
				if ansi.StringWidth(l) > sz.w {
					t.Errorf("%s at %dx%d: line wider than the terminal: %q", sc.name, sz.w, sz.h, l)
				}
				// Prose wraps; nothing is cut at the right edge (a
				// range "a … b" may wrap after its ellipsis).
				if strings.HasSuffix(l, "…") && !strings.HasSuffix(l, " …") {
					t.Errorf("%s at %dx%d: a line ends in …: %q", sc.name, sz.w, sz.h, l)
				}
			}
		}
	}
	for _, sc := range screens {
		for _, sz := range sizes {
			t.Run(fmt.Sprintf("%s/%dx%d", sc.name, sz.w, sz.h), func(t *testing.T) {
				m := sc.build(t, sz.w, sz.h)
				golden.RequireEqual(t, []byte(m.View()+"\n"))
			})
		}
	}
	t.Run("too-small", func(t *testing.T) {
		m, _ := newTestModel(t, 59, 19, Options{})
		golden.RequireEqual(t, []byte(m.View()+"\n"))
	})
}

func billingModelAt(t *testing.T, w, h int) Model {
	t.Helper()
	ctl := &fakeBilling{}
	m, clk := newTestModel(t, w, h, Options{StartBilling: startBillingWith(nil, ctl), BillingSource: "logpush (local emulator S3)"})
	f := newFakeRun(testConfig())
	m = f.start(m, true)
	m = f.play(m, clk, 0, len(f.specs), -1, -1)
	m, _ = f.done(m, false)
	if m.screen != screenBilling {
		t.Fatalf("screen = %v, want billing", m.screen)
	}
	m = send(m, billEventMsg{pollEvent(clk, false)})
	clk.advance(2 * time.Second)
	return send(m, tickMsg{})
}

func resultsModelAt(t *testing.T, w, h int) Model {
	t.Helper()
	m, clk := newTestModel(t, w, h, Options{})
	f := newFakeRun(testConfig())
	m = f.start(m, false)
	m = f.play(m, clk, 0, len(f.specs), 9, 4)
	m, _ = f.done(m, false)
	if m.screen != screenResults {
		t.Fatalf("screen = %v, want results", m.screen)
	}
	return m
}
