package main

import (
	"context"
	"os"

	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/r2"
	"github.com/pfx-tui/pfx-tui/internal/session"
	"github.com/pfx-tui/pfx-tui/internal/ui"
)

// runTUI hands the run to the full-screen front end.
func runTUI(ctx context.Context, cfg config.Config, io IO, skipSetup, noColor bool) int {
	opts := ui.Options{Input: io.Stdin, Output: io.Stdout, ErrOutput: io.Stderr, Tool: "pfx-tui " + toolVersion(), SkipSetup: skipSetup,
		NoColor: noColor || io.Env[config.EnvNoColor] != ""}
	opts.StartBilling = startTUIBilling
	opts.BillingFor = func(t *session.Target) (string, bool) { return tuiBillingSource(cfg, t) }
	if f, ok := io.Stdin.(*os.File); !ok || f == nil {
		opts.Input = nil
	}
	return ui.Run(ctx, cfg, opts)
}

// tuiBillingSource says what billing will read, once the target is open.
func tuiBillingSource(cfg config.Config, t *session.Target) (string, bool) {
	p := session.PlanBilling(cfg, t)
	if p.Source != session.BillingLogpush {
		return "none — " + p.Why, false
	}
	if t.Emulated() {
		return "logpush (" + p.Where + ", emulated)", true
	}
	return "logpush (" + p.Where + ")", true
}

// startTUIBilling polls in the background and attaches the billing report
// to the results (and saves them) before it forwards the last event, so the
// results screen reads complete figures.
func startTUIBilling(ctx context.Context, s *session.Session) (<-chan r2.PollEvent, ui.BillingControls, error) {
	b, err := session.StartBilling(ctx, s.Cfg, s.Target, s.Results)
	if err != nil {
		return nil, nil, err
	}
	out := make(chan r2.PollEvent, 16)
	go func() {
		defer close(out)
		for ev := range b.Events {
			if ev.Done {
				if err := b.Finish(s.Results, s.Path); err != nil && ev.LastError == "" {
					ev.LastError = "cannot write the results file: " + err.Error()
				}
			}
			out <- ev
		}
	}()
	return out, b.Poller, nil
}
