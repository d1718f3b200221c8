// Package headless is the --no-tui front end: about one progress line per
// second on stderr, the final report on stdout. It consumes the same runner
// events as the TUI.
package headless

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

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
	// Live: stderr is a terminal, so progress is one status line rewritten
	// in place (as k6 and oha do) and long lines wrap to Width; otherwise
	// plain lines, one per interval, for logs and CI.
	Live  bool
	Width int
	// BeforeReport runs after billing, before the report is rendered and
	// the results file is saved one last time (threshold gates use it).
	BeforeReport func(*report.Results)
}

// Run drives the session's runner to the end and prints the report. The
// error it returns carries the exit code (see errext): interrupted, a run
// or billing failure, or no batch measured.
func Run(ctx context.Context, s *session.Session, o Options) error {
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	if o.Width <= 0 {
		o.Width = 80
	}
	p := &progress{w: o.Stderr, start: time.Now(), plan: s.Plan, specs: s.Runner.Specs(), live: o.Live, width: o.Width}
	label := s.Results.Target.URL
	switch s.Results.Target.Kind {
	case experiment.TargetLocal:
		label = "local target (emulated)"
	case experiment.TargetWrangler:
		label = "wrangler dev at " + s.Results.Target.URL + " (local workerd, emulated; billing: none — local workerd reports no wall or CPU time)"
	}
	delay := fmt.Sprintf("≥ %s of upstream delay", report.HumanSeconds(s.Plan.EstimatedDuration()))
	switch {
	case s.Plan.DurationSource == experiment.DurationsServerDefined:
		delay = "upstream delay server-defined (the target does not take durationMs)"
	case s.Plan.Order == experiment.OrderMinute:
		g, q := s.Plan.MinuteGroups()
		delay = fmt.Sprintf("≥ %s (%d groups in whole %s minutes, %d quiet)", report.HumanSeconds(s.Plan.EstimatedDuration()), g, s.Plan.MinuteOf(), q)
	}
	if loc := s.Results.Target.Version.Location(); loc != "" {
		label += ", ran in " + loc
	}
	header := fmt.Sprintf("pfx-tui: run %s on %s: %d batches, %s; results → %s", s.Results.ID, label, len(p.specs), delay, s.Path)
	if n := s.Plan.ConcurrencyNote; n != "" {
		header += "\nloads: " + n
	}
	if o.Live {
		header = wrap(header, o.Width, "  ")
	}
	fmt.Fprintln(o.Stderr, header)
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
				p.say("pfx-tui: cannot write the results file: %v\n", err)
			}
			p.observe(ev)
			if d, ok := ev.(runner.RunDone); ok {
				done = d
			}
		case <-tick.C:
			p.line()
		}
	}
	p.clear()
	billingErr := runBilling(ctx, s, o, done)
	if done.Err == nil && !done.Interrupted && ctx.Err() == nil {
		fmt.Fprintf(o.Stderr, "pfx-tui: done in %s; results in %s\n", report.HumanSeconds(time.Since(p.start)), s.Path)
	}
	if o.BeforeReport != nil {
		o.BeforeReport(s.Results)
		if err := report.Save(s.Path, s.Results); err != nil && saveErr == nil {
			saveErr = err
		}
	}
	if err := report.Render(o.Stdout, s.Results, o.Format, report.RenderOptions{Styled: o.Styled, Path: s.Path}); err != nil {
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
	etaAt    time.Time     // when the runner last estimated the time left
	etaLeft  time.Duration // its estimate then
	ops      int
	lastMs   float64
	finished int
	failed   int
	dirty    bool
	live     bool // rewrite one status line in place
	width    int
	shown    bool // a status line is on screen (live only)
}

// clear removes the live status line so the next output starts clean.
func (p *progress) clear() {
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[2K")
		p.shown = false
	}
}

// say prints a permanent line above the status line.
func (p *progress) say(format string, args ...any) {
	p.clear()
	fmt.Fprintf(p.w, format, args...)
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
	case runner.AwaitingMinute:
		p.say("  --order minute: batch %s waits for %s (each cell owns whole minutes, a quiet minute apart)\n", e.Spec.ID, e.Until.Format("15:04:05.0"))
	case runner.BatchDone:
		p.finished++
		if e.Result.Errors > 0 {
			p.say("  batch %s (%s @ %s): %d of %d ops failed: %s\n", e.Result.ID, e.Result.Approach, experiment.FormatDuration(e.Result.DurationMs), e.Result.Errors, e.Result.Ops, strings.Join(e.Result.ErrorMessages, "; "))
		}
	case runner.ForeignFrame:
		p.say("  batch %s (%s @ %s): a %s frame not its own arrived and was not credited: %s\n", e.Spec.ID, e.Spec.Approach, experiment.FormatDuration(e.Spec.DurationMs), e.Frame.Type, e.Frame.Why)
	case runner.Draining:
		p.say("  draining: batch %s (%s) was abandoned on a target that does not keep batches apart; waiting up to %s for it to end before the next batch\n", e.Spec.ID, e.Status, e.Bound.Round(100*time.Millisecond))
	case runner.ModesLearned:
		p.say("  the target offers only %s: dropping %s (%d batches) from the plan\n", strings.Join(e.Available, ", "), strings.Join(e.Dropped, ", "), len(e.Skipped))
		p.specs = slices.DeleteFunc(slices.Clone(p.specs), func(s experiment.BatchSpec) bool {
			return slices.ContainsFunc(e.Skipped, func(x experiment.BatchSpec) bool { return x.ID == s.ID })
		})
	case runner.BatchFailed:
		if e.Result.Retried {
			p.say("  batch %s (%s @ %s) %s: %v; running it again\n", e.Result.ID, e.Result.Approach, experiment.FormatDuration(e.Result.DurationMs), e.Result.Status, e.Err)
			break
		}
		p.finished++
		p.failed++
		p.say("  batch %s (%s @ %s) %s: %v\n", e.Result.ID, e.Result.Approach, experiment.FormatDuration(e.Result.DurationMs), e.Result.Status, e.Err)
	}
}

func (p *progress) line() {
	if p.current == nil || !p.dirty {
		return
	}
	p.dirty = false
	c := p.current
	what := fmt.Sprintf("%s batch %d/%d", c.Cell().Label(), c.Batch, p.plan.Batches)
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
	status := fmt.Sprintf("[%d/%d%s] %s: op %d/%d%s — elapsed %s, ETA ≥ %s", p.finished, len(p.specs), failed, what, p.ops, c.Ops, last,
		report.HumanSeconds(time.Since(p.start)), report.HumanSeconds(p.eta()))
	if !p.live {
		fmt.Fprintln(p.w, status)
		return
	}
	if r := []rune(status); len(r) > p.width-1 {
		status = string(r[:p.width-2]) + "…"
	}
	fmt.Fprint(p.w, "\r\x1b[2K"+status)
	p.shown = true
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
	if plans.Logpush.Source != session.BillingNone {
		fmt.Fprintf(o.Stderr, "pfx-tui: billing: waiting for billing records in %s (poll every %s, up to %s; Ctrl-C keeps what has arrived)\n",
			plans.Logpush.Where, report.HumanDuration(session.PollInterval(s.Cfg, s.Target)), report.HumanDuration(session.PollTimeout(s.Cfg, s.Target)))
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

// wrap breaks s into lines of at most width runes at spaces, indenting the
// continuation lines.
func wrap(s string, width int, indent string) string {
	var out []string
	line := ""
	for _, word := range strings.Fields(s) {
		switch {
		case line == "":
			line = word
		case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) > width:
			out = append(out, line)
			line = indent + word
		default:
			line += " " + word
		}
	}
	return strings.Join(append(out, line), "\n")
}
