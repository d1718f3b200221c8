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
	p := session.PlanSources(cfg, t)
	return p.Label(t.Emulated()), p.On()
}

// startTUIBilling runs the one billing loop (every planned source in turn)
// in the background and forwards its events to the screen; the loop
// attaches and saves each report before its last event, so the results
// screen reads complete figures.
func startTUIBilling(ctx context.Context, s *session.Session) (<-chan session.BillingEvent, ui.BillingControls, error) {
	b, err := session.StartChain(ctx, s.Cfg, s.Target, s.Results, s.Path)
	if err != nil {
		return nil, nil, err
	}
	return session.Forward(b), b, nil
}
