// Package headless is the --no-tui front end: about one progress line per
// second on stderr, the final report on stdout. It consumes the same runner
// events as the TUI.
package headless

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/errext"
	"github.com/pfx-tui/pfx-tui/internal/experiment"

	"github.com/pfx-tui/pfx-tui/internal/report"
	"github.com/pfx-tui/pfx-tui/internal/runner"
	"github.com/pfx-tui/pfx-tui/internal/session"
)

// Options for a headless run.
type Options struct {
	Stdout, Stderr io.Writer
	Format         string        // text | json
	Styled         bool          // text as bordered tables (stdout is a terminal, colour allowed)
	Interval       time.Duration // progress line interval (default 1 s)
}

// Run drives the session's runner to the end and prints the report. The
// error it returns carries the exit code (see errext): interrupted, a run
// or billing failure, or no batch measured.
func Run(ctx context.Context, s *session.Session, o Options) error {
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	p := &progress{w: o.Stderr, start: time.Now(), plan: s.Plan, specs: s.Runner.Specs()}
	label := s.Results.Target.URL
	switch s.Results.Target.Kind {
	case experiment.TargetLocal:
		label = "local target (emulated)"
	case experiment.TargetWrangler:
		label = "wrangler dev at " + s.Results.Target.URL + " (local workerd, emulated; billing: none — local workerd reports no wall or CPU time)"
	}
	est := "at least " + s.Plan.EstimatedDuration().Round(time.Second).String() + " of upstream delay"
	if s.Plan.Order == experiment.OrderMinute {
		g, q := s.Plan.MinuteGroups()
		est = fmt.Sprintf("at least %s (%d groups in whole %s minutes, %d quiet)", s.Plan.EstimatedDuration().Round(time.Second), g, s.Plan.MinuteOf(), q)
	}
	fmt.Fprintf(o.Stderr, "pfx-tui: run %s on %s: %d batches, %s; results → %s\n",
		s.Results.ID, label, len(p.specs), est, s.Path)
	tick := time.NewTicker(o.Interval)
	defer tick.Stop()
	events := s.Runner.Run(ctx)
	var saveErr error
	var done runner.RunDone
loop:
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				break loop
			}
			if err := s.Record(ev); err != nil && saveErr == nil {
				saveErr = err
				fmt.Fprintf(o.Stderr, "pfx-tui: cannot write the results file: %v\n", err)
			}
			p.observe(ev)
			if d, ok := ev.(runner.RunDone); ok {
				done = d
			}
		case <-tick.C:
			p.line()
		}
	}
	billingErr := runBilling(ctx, s, o, done)
	if done.Err == nil && !done.Interrupted && ctx.Err() == nil {
		fmt.Fprintf(o.Stderr, "pfx-tui: done in %s; results in %s\n", time.Since(p.start).Round(100*time.Millisecond), s.Path)
	}
	if err := report.Render(o.Stdout, s.Results, o.Format, report.RenderOptions{Styled: o.Styled}); err != nil {
		return err
	}
	switch {
	case done.Err != nil:
		return fmt.Errorf("run failed: %w", done.Err)
	case done.Interrupted:
		return errext.Errorf(errext.Interrupted, "interrupted; %d batches measured are kept in %s", len(done.Results), s.Path)
	case ctx.Err() != nil:
		return errext.Errorf(errext.Interrupted, "interrupted during billing; every batch and the billing records read so far are kept in %s", s.Path)
	case saveErr != nil:
		return fmt.Errorf("cannot write the results file: %w", saveErr)
	case billingErr != nil:
		return billingErr
	case allFailed(done.Results):
		return errors.New("every batch failed; see the notes above")
	}
	return nil
}

func allFailed(rs []experiment.BatchResult) bool {
	if len(rs) == 0 {
		return false
	}
	for _, b := range rs {
		if b.Status == experiment.StatusOK {
			return false
		}
	}
	return true
}

// progress keeps what the next progress line says.
type progress struct {
	w        io.Writer
	start    time.Time
	plan     experiment.Plan
	specs    []experiment.BatchSpec
	current  *experiment.BatchSpec
	ops      int
	lastMs   float64
	finished int
	failed   int
	dirty    bool
}

func (p *progress) observe(ev runner.Event) {
	switch e := ev.(type) {
	case runner.BatchStarted:
		spec := e.Spec
		p.current, p.ops, p.lastMs, p.dirty = &spec, 0, 0, true
	case runner.OpProgress:
		p.ops, p.lastMs, p.dirty = e.Completed, e.SampleMs, true
	case runner.AwaitingMinute:
		fmt.Fprintf(p.w, "  --order minute: batch %s waits for %s (each cell owns whole minutes, a quiet minute apart)\n", e.Spec.ID, e.Until.Format("15:04:05.0"))
	case runner.BatchDone:
		p.finished++
		if e.Result.Errors > 0 {
			fmt.Fprintf(p.w, "  batch %s (%s @ %s): %d of %d ops failed: %v\n", e.Result.ID, e.Result.Approach, experiment.FormatDuration(e.Result.DurationMs), e.Result.Errors, e.Result.Ops, e.Result.ErrorMessages)
		}
	case runner.BatchFailed:
		p.finished++
		p.failed++
		fmt.Fprintf(p.w, "  batch %s (%s @ %s) %s: %v\n", e.Result.ID, e.Result.Approach, experiment.FormatDuration(e.Result.DurationMs), e.Result.Status, e.Err)
	}
}

func (p *progress) line() {
	if p.current == nil || !p.dirty {
		return
	}
	p.dirty = false
	c := p.current
	what := fmt.Sprintf("%s @ %s batch %d/%d", c.Approach, experiment.FormatDuration(c.DurationMs), c.Batch, p.plan.Batches)
	if c.Warmup {
		what = fmt.Sprintf("%s warmup", c.Approach)
	}
	last := ""
	if p.lastMs > 0 {
		last = ", last " + report.FormatMs(p.lastMs)
	}
	failed := ""
	if p.failed > 0 {
		failed = fmt.Sprintf(", %d failed", p.failed)
	}
	fmt.Fprintf(p.w, "[%d/%d%s] %s: op %d/%d%s — elapsed %s, ETA %s\n", p.finished, len(p.specs), failed, what, p.ops, c.Ops, last,
		report.FormatClock(time.Since(p.start)), report.FormatClock(p.eta()))
}

// eta is the upstream delay still ahead: a lower bound, like the plan's estimate.
func (p *progress) eta() time.Duration {
	var rest time.Duration
	if p.current == nil {
		return 0
	}
	for _, s := range p.specs[p.current.Index:] {
		ops := s.Ops
		if s.Index == p.current.Index {
			ops -= p.ops
		}
		rest += time.Duration(ops) * time.Duration(s.DurationMs) * time.Millisecond
	}
	return rest
}

// runBilling polls for the run's Logpush records when a billing source is
// configured, printing one line per poll, and attaches what it found (even
// when interrupted: partial billing is saved and marked incomplete).
func runBilling(ctx context.Context, s *session.Session, o Options, done runner.RunDone) error {
	plans := session.PlanSources(s.Cfg, s.Target)
	for _, why := range plans.Skipped(s.Cfg) {
		fmt.Fprintf(o.Stderr, "pfx-tui: billing: %s\n", why)
	}
	if !plans.On() {
		fmt.Fprintf(o.Stderr, "pfx-tui: billing: none — %s\n", plans.Logpush.Why)
		return nil
	}
	if done.Interrupted || ctx.Err() != nil || len(done.Results) == 0 {
		fmt.Fprintf(o.Stderr, "pfx-tui: billing skipped (interrupted); %s\n", s.Results.RefreshHint(s.Path))
		return nil
	}
	if plans.Logpush.Source == session.BillingLogpush {
		fmt.Fprintf(o.Stderr, "pfx-tui: billing: waiting for Logpush records in %s (poll every %s, up to %s; Ctrl-C keeps what has arrived)\n",
			plans.Logpush.Where, session.PollInterval(s.Cfg, s.Target), session.PollTimeout(s.Cfg, s.Target))
	}
	if plans.Analytics.On {
		fmt.Fprintf(o.Stderr, "pfx-tui: billing: analytics from %s, once the run's minutes have settled\n", plans.Analytics.Where)
	}
	b, err := session.StartChain(ctx, s.Cfg, s.Target, s.Results, s.Path)
	if err != nil {
		return fmt.Errorf("billing: %w", err)
	}
	out := b.Wait(func(ev session.BillingEvent) { fmt.Fprintf(o.Stderr, "  billing %s\n", session.Describe(ev)) })
	if err := out.Err(); err != nil {
		return err
	}
	if out.Complete() {
		msg := "every expected record matched"
		switch {
		case plans.Analytics.On && plans.Logpush.Source != session.BillingLogpush:
			msg = "analytics settled"
		case plans.Analytics.On:
			msg += "; analytics settled"
		}
		fmt.Fprintf(o.Stderr, "pfx-tui: billing complete: %s\n", msg)
		return nil
	}
	fmt.Fprintf(o.Stderr, "pfx-tui: billing incomplete (%s); %s\n", out.Last.Reason, s.Results.RefreshHint(s.Path))
	for _, w := range out.Suspicions {
		fmt.Fprintf(o.Stderr, "  ! %s\n", w)
	}
	return nil
}
