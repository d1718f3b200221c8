// Package headless is the --no-tui front end: about one progress line per
// second on stderr, the final report on stdout. It consumes the same runner
// events as the TUI.
package headless

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/experiment"

	"github.com/pfx-tui/pfx-tui/internal/billing"
	"github.com/pfx-tui/pfx-tui/internal/r2"
	"github.com/pfx-tui/pfx-tui/internal/report"
	"github.com/pfx-tui/pfx-tui/internal/runner"
	"github.com/pfx-tui/pfx-tui/internal/session"
)

// Exit codes shared by the commands.
const (
	ExitOK          = 0
	ExitRuntime     = 1
	ExitUsage       = 2
	ExitThreshold   = 3
	ExitInterrupted = 130
)

// Options for a headless run.
type Options struct {
	Stdout, Stderr io.Writer
	Format         string        // text | json
	Styled         bool          // text as bordered tables (stdout is a terminal, colour allowed)
	Interval       time.Duration // progress line interval (default 1 s)
}

// Run drives the session's runner to the end and prints the report. It
// returns the process exit code.
func Run(ctx context.Context, s *session.Session, o Options) int {
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	p := &progress{w: o.Stderr, start: time.Now(), plan: s.Plan, specs: s.Runner.Specs()}
	label := s.Results.Target.URL
	switch s.Results.Target.Kind {
	case "local":
		label = "local target (emulated)"
	case "wrangler":
		label = "wrangler dev at " + s.Results.Target.URL + " (local workerd, emulated; billing: none — local workerd reports no wall or CPU time)"
	}
	delay := fmt.Sprintf("at least %s of upstream delay", s.Plan.EstimatedDuration().Round(time.Second))
	if s.Plan.DurationSource == experiment.DurationsServerDefined {
		delay = "upstream delay server-defined (the target does not take durationMs)"
	}
	fmt.Fprintf(o.Stderr, "pfx-tui: run %s on %s: %d batches, %s; results → %s\n",
		s.Results.ID, label, len(p.specs), delay, s.Path)
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
	switch {
	case done.Err != nil:
		fmt.Fprintf(o.Stderr, "pfx-tui: run failed: %v\n", done.Err)
	case done.Interrupted:
		fmt.Fprintf(o.Stderr, "pfx-tui: interrupted; %d batches measured are kept in %s\n", len(done.Results), s.Path)
	case ctx.Err() != nil:
		fmt.Fprintf(o.Stderr, "pfx-tui: interrupted during billing; every batch and the billing records read so far are kept in %s\n", s.Path)
	default:
		fmt.Fprintf(o.Stderr, "pfx-tui: done in %s; results in %s\n", time.Since(p.start).Round(100*time.Millisecond), s.Path)
	}
	render := Render
	if o.Styled && (o.Format == "" || o.Format == "text") {
		render = func(w io.Writer, r *report.Results, _ string) error { return report.WriteTextStyled(w, r) }
	}
	if err := render(o.Stdout, s.Results, o.Format); err != nil {
		fmt.Fprintf(o.Stderr, "pfx-tui: %v\n", err)
		return ExitRuntime
	}
	switch {
	case done.Interrupted || ctx.Err() != nil:
		return ExitInterrupted
	case done.Err != nil || saveErr != nil || billingErr != nil:
		return ExitRuntime
	case allFailed(done.Results):
		fmt.Fprintln(o.Stderr, "pfx-tui: every batch failed; see the notes above")
		return ExitRuntime
	}
	return ExitOK
}

// Render prints a results file in the chosen format.
func Render(w io.Writer, r *report.Results, format string) error {
	switch format {
	case "", "text":
		return report.WriteText(w, r)
	case "json":
		return report.WriteJSON(w, r)
	}
	return fmt.Errorf("unknown format %q (want text or json)", format)
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
	etaAt    time.Time     // when the runner last estimated the time left
	etaLeft  time.Duration // its estimate then
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
		p.etaAt, p.etaLeft = time.Now(), e.ETA
	case runner.OpProgress:
		p.ops, p.lastMs, p.dirty = e.Completed, e.SampleMs, true
		p.etaAt, p.etaLeft = time.Now(), e.ETA
	case runner.BatchDone:
		p.finished++
		if e.Result.Errors > 0 {
			fmt.Fprintf(p.w, "  batch %s (%s @ %s): %d of %d ops failed: %s\n", e.Result.ID, e.Result.Approach, experiment.FormatDuration(e.Result.DurationMs), e.Result.Errors, e.Result.Ops, strings.Join(e.Result.ErrorMessages, "; "))
		}
	case runner.ForeignFrame:
		fmt.Fprintf(p.w, "  batch %s (%s @ %s): a %s frame not its own arrived and was not credited: %s\n", e.Spec.ID, e.Spec.Approach, experiment.FormatDuration(e.Spec.DurationMs), e.Frame.Type, e.Frame.Why)
	case runner.Draining:
		fmt.Fprintf(p.w, "  draining: batch %s (%s) was abandoned on a target that does not keep batches apart; waiting up to %s for it to end before the next batch\n", e.Spec.ID, e.Status, e.Bound.Round(100*time.Millisecond))
	case runner.ModesLearned:
		fmt.Fprintf(p.w, "  the target offers only %s: dropping %s (%d batches) from the plan\n", strings.Join(e.Available, ", "), strings.Join(e.Dropped, ", "), len(e.Skipped))
		p.specs = slices.DeleteFunc(slices.Clone(p.specs), func(s experiment.BatchSpec) bool {
			return slices.ContainsFunc(e.Skipped, func(x experiment.BatchSpec) bool { return x.ID == s.ID })
		})
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

// eta is the runner's estimate of the time left (ops ahead × the time per
// op observed, or the planned delay before any op was measured), counted
// down since it was made.
func (p *progress) eta() time.Duration {
	if p.current == nil {
		return 0
	}
	return max(0, p.etaLeft-time.Since(p.etaAt))
}

// runBilling polls for the run's Logpush records when a billing source is
// configured, printing one line per poll, and attaches what it found (even
// when interrupted: partial billing is saved and marked incomplete).
func runBilling(ctx context.Context, s *session.Session, o Options, done runner.RunDone) error {
	plan := session.PlanBilling(s.Cfg, s.Target)
	if plan.Source != session.BillingLogpush {
		fmt.Fprintf(o.Stderr, "pfx-tui: billing: none — %s\n", plan.Why)
		return nil
	}
	if done.Interrupted || ctx.Err() != nil || len(done.Results) == 0 {
		fmt.Fprintf(o.Stderr, "pfx-tui: billing skipped (interrupted); %s\n", s.Results.RefreshHint(s.Path))
		return nil
	}
	fmt.Fprintf(o.Stderr, "pfx-tui: billing: waiting for Logpush records in %s (poll every %s, up to %s; Ctrl-C keeps what has arrived)\n",
		plan.Where, session.PollInterval(s.Cfg, s.Target), session.PollTimeout(s.Cfg, s.Target))
	b, err := session.StartBilling(ctx, s.Cfg, s.Target, s.Results)
	if err != nil {
		fmt.Fprintf(o.Stderr, "pfx-tui: billing: %v\n", err)
		return err
	}
	var last r2.PollEvent
	for ev := range b.Events {
		last = ev
		fmt.Fprintf(o.Stderr, "  billing %s\n", session.Describe(ev))
	}
	if err := b.Finish(s.Results, s.Path); err != nil {
		fmt.Fprintf(o.Stderr, "pfx-tui: cannot write the results file: %v\n", err)
		return err
	}
	switch last.Reason {
	case r2.ReasonComplete:
		fmt.Fprintln(o.Stderr, "pfx-tui: billing complete: every expected record matched")
	case r2.ReasonError:
		fmt.Fprintf(o.Stderr, "pfx-tui: billing stopped: %s\n", last.LastError)
		return fmt.Errorf("billing: %s", last.LastError)
	default:
		fmt.Fprintf(o.Stderr, "pfx-tui: billing incomplete (%s); %s\n", last.Reason, s.Results.RefreshHint(s.Path))
		for _, w := range billingSuspicions(s, last) {
			fmt.Fprintf(o.Stderr, "  ! %s\n", w)
		}
	}
	return nil
}

func billingSuspicions(s *session.Session, ev r2.PollEvent) []string {
	_, to := session.RunWindow(s.Results.Batches)
	return billing.Suspicions(ev.Progress, time.Since(to), ev.FilesSeen)
}
