package main

import (
	"context"
	"os"

	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/session"
	"github.com/pfx-tui/pfx-tui/internal/ui"
)

// runTUI hands the run to the full-screen front end.
func runTUI(ctx context.Context, cfg config.Config, ios IOStreams, skipSetup, noColor bool) error {
	opts := ui.Options{Input: ios.Stdin, Output: ios.Stdout, ErrOutput: ios.Stderr, Tool: "pfx-tui " + toolVersion(), SkipSetup: skipSetup,
		NoColor: noColor || ios.Env[config.EnvNoColor] != ""}
	opts.StartBilling = startTUIBilling
	opts.BillingFor = func(t *session.Target) (string, bool) { return tuiBillingSource(cfg, t) }
	if f, ok := ios.Stdin.(*os.File); !ok || f == nil {
		opts.Input = nil
	}
	return ui.Run(ctx, cfg, opts)
}

// tuiBillingSource says what billing will read, once the target is open.
func tuiBillingSource(cfg config.Config, t *session.Target) (string, bool) {
	p := session.PlanBilling(cfg, t)
	if p.Source == session.BillingNone {
		return "none — " + p.Why, false
	}
	if t.Emulated() {
		return p.Source + " (" + p.Where + ", emulated)", true
	}
	return p.Source + " (" + p.Where + ")", true
}

// startTUIBilling runs the one billing loop in the background and forwards
// its events to the screen; the loop attaches and saves the billing report
// before the last event, so the results screen reads complete figures.
func startTUIBilling(ctx context.Context, s *session.Session) (<-chan session.BillingEvent, ui.BillingControls, error) {
	b, err := session.StartBilling(ctx, s.Cfg, s.Target, s.Results, s.Path)
	if err != nil {
		return nil, nil, err
	}
	out := make(chan session.BillingEvent, 16)
	go func() {
		defer close(out)
		b.Wait(func(ev session.BillingEvent) { out <- ev })
	}()
	return out, b.Controls(), nil
}
