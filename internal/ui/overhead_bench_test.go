package ui

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/metrics"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"

	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/headless"
	"github.com/pfx-tui/pfx-tui/internal/report"
	"github.com/pfx-tui/pfx-tui/internal/runner"
	"github.com/pfx-tui/pfx-tui/internal/session"
	"github.com/pfx-tui/pfx-tui/internal/stats"
)

// BenchmarkTUIAttachedOverhead compares the per-op median a run reports
// with the TUI attached against the same run headless (pfx-tui run
// --no-tui), on one embedded local target with a 0 ms upstream and no hop
// latency. A round (one b.Loop iteration) is one run of each mode, which
// goes first alternating round by round so machine noise and warm-up fall
// on both: `direct`, 0 ms, 6 batches of 50 ops, billing off. Both sides'
// samples are the ones their session recorded in the results. ratio = TUI /
// headless; the requirement is ≤ 1.02.
//
// The TUI side is the product's program: newModel and programOptions as
// ui.Run uses them, a 120×40 window, colour rendered as on a true-colour
// terminal, Enter on the setup screen to start and q on the results screen
// to leave, typed through the program's input. Its output is a pipe drained
// by another goroutine, as a terminal reads it. The headless side is
// headless.Run, writing to such a pipe too.
//
// Each benchmark line also logs every round's medians and what a run cost
// the process (CPU and allocation), per mode. BENCHMARKS.md quotes it.
func BenchmarkTUIAttachedOverhead(b *testing.B) {
	cfg := config.Defaults()
	cfg.Approaches, cfg.AllApproaches = []string{"direct"}, false
	cfg.Durations, cfg.DurationsGiven = []time.Duration{0}, true
	cfg.Ops, cfg.Batches, cfg.Warmup = 50, 6, 0
	cfg.Billing = session.BillingNone
	cfg.HopLatency = 0
	cfg.Out = b.TempDir()
	ctx := context.Background()
	t, err := session.OpenTarget(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer t.Close()
	want := cfg.Ops * cfg.Batches
	var tui, hl []float64        // every sample, per mode
	var rh, ru, ratios []float64 // per round: medians (µs) and their ratio
	var costH, costU cost        // summed over the rounds
	for i := 0; b.Loop(); i++ {
		var h, u []float64
		if i%2 == 0 {
			h = measured(&costH, func() []float64 { return headlessRun(b, ctx, t, cfg) })
			u = measured(&costU, func() []float64 { return tuiRun(b, ctx, t, cfg) })
		} else {
			u = measured(&costU, func() []float64 { return tuiRun(b, ctx, t, cfg) })
			h = measured(&costH, func() []float64 { return headlessRun(b, ctx, t, cfg) })
		}
		if len(h) != want || len(u) != want {
			b.Fatalf("round %d: %d headless and %d TUI samples, want %d each", i+1, len(h), len(u), want)
		}
		hl, tui = append(hl, h...), append(tui, u...)
		rh, ru = append(rh, median(h)*1000), append(ru, median(u)*1000)
		ratios = append(ratios, ru[i]/rh[i])
	}
	// Each round's figures on one line per mode (benchmark logs are cut
	// after 10 lines).
	b.Logf("headless median per round, µs: %s", formatAll("%.1f", rh))
	b.Logf("TUI median per round, µs:      %s", formatAll("%.1f", ru))
	b.Logf("TUI / headless per round:      %s (median %.3f, %.3f … %.3f)", formatAll("%.3f", ratios), median(ratios), slices.Min(ratios), slices.Max(ratios))
	n := float64(len(ratios))
	b.Logf("per run, process CPU (target and runner included) and allocation: headless %.1f ms, %.1f MB; TUI %.1f ms, %.1f MB",
		costH.cpu.Seconds()*1000/n, float64(costH.alloc)/1e6/n, costU.cpu.Seconds()*1000/n, float64(costU.alloc)/1e6/n)
	mh, mu := median(hl), median(tui)
	b.ReportMetric(mh*1000, "headless-median-µs")
	b.ReportMetric(mu*1000, "tui-median-µs")
	b.ReportMetric(mu/mh, "ratio")
	b.ReportMetric((mu-mh)*1000, "diff-µs")
}

// cost is what runs cost the whole process: CPU time (user + system) and
// bytes allocated. The target and the runner are in the process too, the
// same work in both modes: the difference is the front end's.
type cost struct {
	cpu   time.Duration
	alloc uint64
}

func costNow() cost {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return cost{time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), s[0].Value.Uint64()}
}

// measured runs run and adds what it cost to sum.
func measured(sum *cost, run func() []float64) []float64 {
	before := costNow()
	out := run()
	after := costNow()
	sum.cpu += after.cpu - before.cpu
	sum.alloc += after.alloc - before.alloc
	return out
}

func formatAll(format string, xs []float64) string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = fmt.Sprintf(format, x)
	}
	return strings.Join(out, " ")
}

func median(xs []float64) float64 { return stats.Summarize(slices.Clone(xs)).Median }

// samplesOf is every per-op sample the results recorded for cfg's plan.
func samplesOf(b *testing.B, r *report.Results, cfg config.Config) []float64 {
	b.Helper()
	p := r.Plan
	if !slices.Equal(p.Approaches, cfg.Approaches) || !slices.Equal(p.DurationsMs, []int{0}) || p.Ops != cfg.Ops || p.Batches != cfg.Batches || p.Warmup != 0 {
		b.Fatalf("the run's plan is not the benchmark's: %+v", p)
	}
	var out []float64
	for _, br := range r.Batches {
		if br.Status != experiment.StatusOK || br.DurationMs != 0 {
			b.Fatalf("batch %s: %s at %d ms", br.ID, br.Status, br.DurationMs)
		}
		out = append(out, br.PerOpMs()...)
	}
	return out
}

// terminalSink stands in for a terminal: the write end of a pipe whose
// reader throws the bytes away, so every frame costs a write system call.
func terminalSink(b *testing.B) (*os.File, func()) {
	r, w, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(io.Discard, r)
	}()
	return w, func() {
		_ = w.Close()
		<-done
		_ = r.Close()
	}
}

// headlessRun is `pfx-tui run --no-tui` on the open target: a session
// (session.Prepare without opening a target) and headless.Run.
func headlessRun(b *testing.B, ctx context.Context, t *session.Target, cfg config.Config) []float64 {
	b.Helper()
	out, closeOut := terminalSink(b)
	defer closeOut()
	s, err := session.New(t, cfg, "pfx-tui bench")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := headless.Run(ctx, s, headless.Options{Stdout: out, Stderr: out, Format: cfg.Format}); err != nil {
		b.Fatal(err)
	}
	return samplesOf(b, s.Results, cfg)
}

// tuiRun is `pfx-tui run --tui` on the open target: what ui.Run does after
// opening it, with the keys typed into the program's input.
func tuiRun(b *testing.B, ctx context.Context, t *session.Target, cfg config.Config) []float64 {
	b.Helper()
	out, closeOut := terminalSink(b)
	defer closeOut()
	keys, typeKeys := io.Pipe()
	defer typeKeys.Close()
	opts := Options{Input: keys, Output: out, ErrOutput: io.Discard, Tool: "pfx-tui bench", BillingSource: "none"}
	cfg = session.ResolveApproaches(cfg, t)
	cfg.Plan.Minute = session.PlanMinute(cfg, t)
	st := newStyles(out, false)
	st.r.SetColorProfile(termenv.TrueColor) // the pipe is no terminal: render colour as one would
	st.r.SetHasDarkBackground(true)
	m := newModel(ctx, cfg, opts, t, st, nil)

	// The filter only watches for the run's end; every message goes on.
	runDone := make(chan struct{})
	var once sync.Once
	seeEnd := tea.WithFilter(func(_ tea.Model, msg tea.Msg) tea.Msg {
		var last runEventMsg
		switch e := msg.(type) {
		case runEventMsg:
			last = e
		case runEventsMsg:
			last = e[len(e)-1]
		}
		if _, ok := last.ev.(runner.RunDone); ok {
			once.Do(func() { close(runDone) })
		}
		return msg
	})
	type ended struct {
		m   tea.Model
		err error
	}
	end := make(chan ended, 1)
	p := tea.NewProgram(m, append(programOptions(ctx, opts), seeEnd)...)
	go func() {
		fm, err := p.Run()
		end <- ended{fm, err}
	}()
	p.Send(tea.WindowSizeMsg{Width: 120, Height: 40}) // handled before the Enter below
	if _, err := typeKeys.Write([]byte("\r")); err != nil {
		b.Fatal(err)
	}
	select {
	case <-runDone:
	case e := <-end:
		b.Fatalf("the program ended before the run did: %v", e.err)
	}
	if _, err := typeKeys.Write([]byte("q")); err != nil {
		b.Fatal(err)
	}
	e := <-end
	fm, ok := e.m.(Model)
	if !ok {
		b.Fatalf("final model %T", e.m)
	}
	if err := fm.finish(io.Discard, e.err); err != nil {
		b.Fatal(err)
	}
	if fm.screen != screenResults || fm.sess == nil {
		b.Fatalf("the program ended on screen %v", fm.screen)
	}
	return samplesOf(b, fm.sess.Results, cfg)
}
