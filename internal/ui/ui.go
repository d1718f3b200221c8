// Package ui is the interactive front end (bubbletea): setup → run →
// billing countdown → results. It consumes the same runner and poller
// events as the headless front end; the measuring goroutines never wait
// for it.
package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/errext"
	"github.com/pfx-tui/pfx-tui/internal/report"
	"github.com/pfx-tui/pfx-tui/internal/runner"
	"github.com/pfx-tui/pfx-tui/internal/session"
)

// BillingControls are the billing screen's levers on the poller.
type BillingControls interface {
	PollNow()
	Extend(d time.Duration)
	Stop()
}

// Options configure Run. IO is passed in, never taken from os deep inside.
type Options struct {
	Input  io.Reader // keys; nil means the terminal bubbletea finds
	Output io.Writer // the screen; nil means os.Stdout
	// ErrOutput gets the few lines printed around the program (connecting,
	// where the results are, errors); nil means Output.
	ErrOutput io.Writer
	Tool      string // written into the results file, e.g. "pfx-tui v1.2.0"
	SkipSetup bool   // --yes: run the configuration as given
	NoColor   bool   // --no-color or NO_COLOR (termenv also honours NO_COLOR itself)
	// StartBilling starts polling billing for a finished run. It must return
	// promptly (poll in its own goroutine); the channel's last event has
	// Done set. nil turns billing off and skips the billing screen.
	StartBilling func(ctx context.Context, s *session.Session) (<-chan session.BillingEvent, BillingControls, error)
	// BillingSource names the source on the setup and billing screens,
	// e.g. "logpush (local emulator S3)" or "none".
	BillingSource string
	// BillingFor, when set, decides the source once the target is open
	// (a serve-local reached by URL says where its bucket is only then):
	// it replaces BillingSource, and off turns StartBilling off.
	BillingFor func(t *session.Target) (source string, on bool)
}

// Run opens the target, runs the interactive program until the user quits
// and returns what it came to as an error carrying the exit code (errext):
// nil, a runtime error, or interrupted (partial results saved).
func Run(ctx context.Context, cfg config.Config, opts Options) error {
	if opts.Output == nil {
		opts.Output = os.Stdout
	}
	errOut := opts.ErrOutput
	if errOut == nil {
		errOut = opts.Output
	}
	where := cfg.Target
	if cfg.IsLocal() {
		where = "the local target"
	}
	fmt.Fprintf(errOut, "pfx-tui: connecting to %s…\n", where)
	t, err := session.OpenTarget(ctx, cfg)
	if err != nil {
		if ctx.Err() != nil {
			return errext.WithExitCode(err, errext.Interrupted)
		}
		return err
	}
	defer t.Close()
	cfg = session.ResolveApproaches(cfg, t)
	cfg.Plan.Minute = session.PlanMinute(cfg, t) // the setup's estimate of --order minute
	if opts.BillingFor != nil {
		src, on := opts.BillingFor(t)
		opts.BillingSource = src
		if !on {
			opts.StartBilling = nil
		}
	}

	m := newModel(ctx, cfg, opts, t, newStyles(opts.Output, opts.NoColor), nil)
	final, runErr := tea.NewProgram(m, programOptions(ctx, opts)...).Run()
	if fm, ok := final.(Model); ok {
		m = fm
	}
	return m.finish(errOut, runErr)
}

// programOptions are the bubbletea options every program of the front end
// runs with (BenchmarkTUIAttachedOverhead starts its program with them too).
// opts.Output must be set.
func programOptions(ctx context.Context, opts Options) []tea.ProgramOption {
	popts := []tea.ProgramOption{tea.WithAltScreen(), tea.WithOutput(opts.Output), tea.WithContext(ctx)}
	if opts.Input != nil {
		popts = append(popts, tea.WithInput(opts.Input))
	}
	return popts
}

// finish runs after the terminal is restored: it stops and drains a runner
// or poller the program left running (killed, or a second Ctrl-C), so the
// results file is complete, then says where the results are.
func (m Model) finish(w io.Writer, runErr error) error {
	killed := errors.Is(runErr, tea.ErrProgramKilled) || errors.Is(runErr, tea.ErrInterrupted)
	if m.rec != nil && m.runDone == nil {
		m.cancelRun()
		fmt.Fprintln(w, "pfx-tui: stopping the run after the current op…")
		for {
			ev, ok, err := m.rec.next()
			if !ok {
				break
			}
			if err != nil && m.saveErr == nil {
				m.saveErr = err
			}
			if d, isDone := ev.(runner.RunDone); isDone {
				m.runDone = &d
			}
		}
		m.interrupted = true
	}
	if m.cancelRun != nil {
		m.cancelRun()
	}
	if m.billEvents != nil && !m.billDone {
		m.stopBilling()
		deadline := time.After(5 * time.Second)
	drain:
		for {
			select {
			case ev, ok := <-m.billEvents:
				if !ok || ev.Done {
					break drain
				}
			case <-deadline:
				break drain
			}
		}
	}
	if m.cancelBill != nil {
		m.cancelBill()
	}
	if killed && m.sess == nil {
		m.interrupted = true
	}
	if runErr != nil && !killed {
		return runErr
	}
	err := m.Err()
	if m.sess != nil {
		if errext.Code(err) != errext.Interrupted {
			fmt.Fprintf(w, "pfx-tui: results in %s\n", m.sess.Path)
		}
	}
	for _, p := range m.exported {
		fmt.Fprintf(w, "pfx-tui: exported %s\n", p)
	}
	return err
}

// ShowResults opens a saved run on the results screen (pfx-tui report FILE
// --tui): the verdict, the tabs and export, as at the end of a run. path is
// the results file; exports go next to it.
func ShowResults(ctx context.Context, r *report.Results, path string, opts Options) error {
	if opts.Output == nil {
		opts.Output = os.Stdout
	}
	errOut := opts.ErrOutput
	if errOut == nil {
		errOut = opts.Output
	}
	m := newSavedModel(ctx, r, path, opts, newStyles(opts.Output, opts.NoColor), nil)
	final, err := tea.NewProgram(m, programOptions(ctx, opts)...).Run()
	if fm, ok := final.(Model); ok {
		m = fm
	}
	for _, p := range m.exported {
		fmt.Fprintf(errOut, "pfx-tui: exported %s\n", p)
	}
	if errors.Is(err, tea.ErrProgramKilled) || errors.Is(err, tea.ErrInterrupted) {
		return errext.Silent(errext.Interrupted)
	}
	if err != nil {
		return err
	}
	return m.Err()
}
