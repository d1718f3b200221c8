package session

import (
	"context"
	"fmt"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/errext"
	"github.com/pfx-tui/pfx-tui/internal/experiment"

	"github.com/pfx-tui/pfx-tui/internal/billing"
	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/protocol"
	"github.com/pfx-tui/pfx-tui/internal/r2"
	"github.com/pfx-tui/pfx-tui/internal/report"
	"github.com/pfx-tui/pfx-tui/internal/tail"
)

// Billing sources.
const (
	BillingLogpush = billing.SourceLogpush
	BillingNone    = "none"
)

// BillingPlan says where billing comes from for a target and config, and
// why; Source is "logpush" or "none".
type BillingPlan struct {
	Source string
	Where  string // e.g. "local emulator S3 http://127.0.0.1:…/pfx-logpush/workers"
	Why    string // for none: what to set to get billing
}

// PlanBilling decides the billing source: --billing auto reads the local
// emulator's bucket for the local target, R2 when it is configured for a
// deployed target, and nothing for wrangler dev (local workerd reports no
// wall or CPU time) unless R2 is configured and --billing logpush asked.
func PlanBilling(cfg config.Config, t *Target) BillingPlan {
	emu := emulatorBucket(t)
	switch cfg.Billing {
	case BillingTail:
		return planTail(cfg)
	case BillingNone:
		return BillingPlan{Source: BillingNone, Why: "--billing none"}
	case BillingLogpush:
		if emu != nil {
			return BillingPlan{Source: BillingLogpush, Where: "local emulator S3 " + emu.Endpoint + "/" + emu.Bucket + "/" + emu.Prefix}
		}
		if !cfg.R2Configured() {
			return BillingPlan{Source: BillingNone, Why: "--billing logpush needs " + config.JoinAnd(cfg.MissingR2())}
		}
		return BillingPlan{Source: BillingLogpush, Where: r2Where(cfg)}
	}
	switch {
	case emu != nil:
		return BillingPlan{Source: BillingLogpush, Where: "local emulator S3 " + emu.Endpoint + "/" + emu.Bucket + "/" + emu.Prefix}
	case t != nil && t.Kind == experiment.TargetWrangler:
		return BillingPlan{Source: BillingNone, Why: "wrangler dev runs local workerd, which reports no wall or CPU time (use --billing logpush with R2 to read a deployed Worker's logs)"}
	case cfg.R2Configured():
		return BillingPlan{Source: BillingLogpush, Where: r2Where(cfg)}
	}
	return BillingPlan{Source: BillingNone, Why: "R2 is not configured: set " + config.JoinAnd(cfg.MissingR2()) + " (env or .dev.vars) to read Logpush from R2"}
}

func r2Where(cfg config.Config) string {
	where := "R2 bucket " + cfg.Bucket
	if cfg.R2Endpoint != "" {
		where = "bucket " + cfg.Bucket + " at " + cfg.R2Endpoint
	}
	if cfg.Prefix != "" {
		where += "/" + cfg.Prefix
	}
	return where
}

// emulatorBucket is the local target's Logpush bucket, whether the emulator
// runs in this process or is a `serve-local` reached by URL (its /version
// says where its bucket is).
func emulatorBucket(t *Target) *protocol.EmulatorBucket {
	if t == nil {
		return nil
	}
	if t.Local != nil {
		return &protocol.EmulatorBucket{Endpoint: t.Local.S3Endpoint(), Bucket: t.Local.S3Bucket(), Prefix: t.Local.LogpushPrefix(),
			AccessKeyID: t.Local.S3AccessKeyID(), SecretAccessKey: t.Local.S3SecretAccessKey()}
	}
	if t.Kind == experiment.TargetLocal && t.Info.Version != nil {
		return t.Info.Version.Logpush
	}
	return nil
}

// R2Config builds the S3 client config: the emulator's bucket for a local
// target, else R2 (or --r2-endpoint) from the config.
func R2Config(cfg config.Config, t *Target) r2.Config {
	if emu := emulatorBucket(t); emu != nil {
		return r2.Config{Endpoint: emu.Endpoint, Bucket: emu.Bucket, Prefix: emu.Prefix,
			AccessKeyID: emu.AccessKeyID, SecretAccessKey: emu.SecretAccessKey, PathStyle: true}
	}
	c := r2.FromConfig(cfg)
	c.Endpoint, c.Jurisdiction, c.Prefix, c.PathStyle = cfg.R2Endpoint, cfg.Jurisdiction, cfg.Prefix, cfg.PathStyle
	return c
}

// CostOptions are the user's cost options (--include-harness,
// --monthly-ops): the logged and the billed (analytics) costs both follow them.
func CostOptions(cfg config.Config) billing.CostOptions {
	return billing.CostOptions{IncludeHarness: cfg.IncludeHarness, MonthlyOps: cfg.MonthlyOps}
}

// CollectorOptions builds attribution options from the config and the run.
func CollectorOptions(cfg config.Config, res *report.Results) (billing.Options, error) {
	opts := billing.Options{ScriptName: cfg.ScriptName, ClockOffsetMs: res.Target.ClockOffsetMs, Source: billing.SourceLogpush,
		Cost: CostOptions(cfg)}
	if len(cfg.Roles) > 0 {
		roles, err := billing.ParseRoleOverrides(cfg.Roles)
		if err != nil {
			return opts, &errext.UsageError{Flag: "role", Msg: err.Error()}
		}
		opts.Roles = roles
	}
	if cfg.PricingFile != "" {
		p, err := billing.LoadPrices(cfg.PricingFile)
		if err != nil {
			return opts, &errext.UsageError{Flag: "pricing", Msg: err.Error()}
		}
		opts.Prices = &p
	}
	if res.Target.Kind == experiment.TargetLocal {
		opts.Expectations = billing.LocalExpectations()
		if opts.ScriptName == "" {
			opts.ScriptName = "pfx-local"
		}
	} else {
		opts.Expectations = billing.WorkersExpectations()
	}
	return opts, nil
}

// RunWindow is the wall-clock span of a run's batches.
func RunWindow(batches []experiment.BatchResult) (from, to time.Time) {
	for _, b := range batches {
		if from.IsZero() || b.StartedAt.Before(from) {
			from = b.StartedAt
		}
		if b.EndedAt.After(to) {
			to = b.EndedAt
		}
	}
	return from, to
}

// BillingEvent is one poll's news with the attribution progress it brought.
type BillingEvent struct {
	r2.PollEvent
	Progress billing.Progress
	// Source is the billing source polled ("" = logpush; sources.go).
	// Next, on the last event of a source another one follows, names it
	// (Done is then false: the billing loop goes on).
	Source, Next string
}

// Billing is a running billing poll for a finished (or saved) run. Every
// front end drives it the same way: Wait, rendering each event.
type Billing struct {
	// Poller is the front end's lever: poll now, extend, stop.
	Poller    *r2.Poller
	Collector *billing.Collector
	Client    *r2.Client
	events    <-chan r2.PollEvent
	res       *report.Results
	path      string
	emulated  bool
	source    string

	// Where names what is read, for messages (an S3 endpoint, a file).
	Where string
	// tail and tailPoller are set when a wrangler tail capture is read.
	tail       *tail.Reader
	tailPoller *tail.Poller
}

// StartBilling starts polling for a run's Logpush records; Wait follows it
// to the end and attaches the report to res, saved at path.
func StartBilling(ctx context.Context, cfg config.Config, t *Target, res *report.Results, path string) (*Billing, error) {
	if cfg.Billing == BillingTail {
		return startTailBilling(ctx, cfg, res, path)
	}
	opts, err := CollectorOptions(cfg, res)
	if err != nil {
		return nil, err
	}
	client, err := r2.New(ctx, R2Config(cfg, t))
	if err != nil {
		return nil, err
	}
	col := billing.NewCollector(res.Batches, opts)
	from, to := RunWindow(res.Batches)
	interval, timeout := PollInterval(cfg, t), PollTimeout(cfg, t)
	if timeout == 0 {
		timeout = time.Nanosecond // --poll-timeout 0: exactly one poll
	}
	p := r2.NewPoller(client, col, r2.PollerOptions{Interval: interval, Timeout: timeout, From: from, To: to})
	ch := make(chan r2.PollEvent, 16)
	go p.Run(ctx, ch)
	return &Billing{Poller: p, Collector: col, Client: client, Where: client.Endpoint(), events: ch, res: res, path: path,
		emulated: res.Emulated, source: BillingLogpush}, nil
}

// BillingOutcome is how a billing poll ended.
type BillingOutcome struct {
	Last BillingEvent
	// SaveErr is set when the results file could not be rewritten.
	SaveErr error
	// Suspicions name likely causes when records are missing (see
	// billing.Suspicions); empty when billing is complete.
	Suspicions []string
}

// Complete reports whether every expected record was matched.
func (o BillingOutcome) Complete() bool { return o.Last.Reason == r2.ReasonComplete }

// Err is the outcome as an error: a permanent poll failure or an unsaved
// results file. Incomplete billing is not an error (what arrived is saved).
func (o BillingOutcome) Err() error {
	switch {
	case o.SaveErr != nil:
		return fmt.Errorf("cannot write the results file: %w", o.SaveErr)
	case o.Last.Reason == r2.ReasonError:
		return fmt.Errorf("billing stopped: %s", o.Last.LastError)
	}
	return nil
}

// Wait is the one billing loop: it calls onEvent for every poll event and,
// before the last one, attaches the collector's report to the results and
// saves them, so whatever renders the last event reads complete figures.
func (b *Billing) Wait(onEvent func(BillingEvent)) BillingOutcome {
	out := waitPolls(b.events, "", b.Collector.Progress, b.finish, onEvent)
	if !out.Complete() && b.tail != nil {
		out.Suspicions = tailSuspicions(b.tail, out.Last)
	} else if !out.Complete() {
		_, to := RunWindow(b.res.Batches)
		out.Suspicions = billing.Suspicions(out.Last.Progress, time.Since(to), out.Last.FilesSeen)
	}
	return out
}

// Forward runs a billing loop (a source's or a chain's Wait) in the
// background and hands its events over a channel that closes when the loop
// ends: how a screen follows billing without running the loop itself.
func Forward(loop interface {
	Wait(func(BillingEvent)) BillingOutcome
}) <-chan BillingEvent {
	out := make(chan BillingEvent, 16)
	go func() {
		defer close(out)
		loop.Wait(func(ev BillingEvent) { out <- ev })
	}()
	return out
}

// waitPolls is the loop every billing source's Wait runs: it calls onEvent
// for every poll event with the source's progress and, before the last one,
// calls finish (attach the source's report to the results and save them),
// so whatever renders the last event reads complete figures.
func waitPolls(events <-chan r2.PollEvent, source string, progress func() billing.Progress, finish func() error, onEvent func(BillingEvent)) BillingOutcome {
	var out BillingOutcome
	for pe := range events {
		ev := BillingEvent{PollEvent: pe, Progress: progress(), Source: source}
		if pe.Done {
			if err := finish(); err != nil {
				out.SaveErr = err
				if ev.LastError == "" {
					ev.LastError = "cannot write the results file: " + err.Error()
				}
			}
		}
		out.Last = ev
		if onEvent != nil {
			onEvent(ev)
		}
	}
	return out
}

// finish attaches the collector's report to the results and saves them.
func (b *Billing) finish() error {
	rep := b.Collector.Report()
	rep.Emulated = b.emulated
	rep.Source = b.source
	if b.tail != nil {
		amendTailReport(&rep, b.tail.Path(), b.tail.Stats())
	}
	b.res.Billing = &rep
	if b.Client != nil { // R2 (or the emulator's S3); a tail capture costs no request
		ops := b.Client.Ops()
		if prev := b.res.BillingOps; prev != nil { // a refresh adds to earlier polls
			ops.ClassA += prev.ClassA
			ops.ClassB += prev.ClassB
		}
		b.res.BillingOps = &report.BillingOps{ClassA: ops.ClassA, ClassB: ops.ClassB, CostUSD: ops.CostUSD(),
			Prices: fmt.Sprintf("R2 Standard: $%.2f/M Class A, $%.2f/M Class B, list price", r2.PriceClassAPerMillion, r2.PriceClassBPerMillion)}
	}
	Reconcile(b.res) // analytics read earlier: compare again (analytics.go)
	return report.Save(b.path, b.res)
}

// Describe is a one-line summary of a poll event for progress output.
func Describe(ev BillingEvent) string {
	if ev.Source == BillingAnalytics {
		return DescribeAnalytics(ev)
	}
	m, e := 0, 0
	for _, c := range ev.Progress.Counts {
		m += c.Matched
		if c.Expected > 0 {
			e += c.Expected
		}
	}
	s := fmt.Sprintf("poll %d: %d files (%d new), %d records read, matched %d of %d expected", ev.Polls, ev.FilesSeen, ev.FilesNew, ev.Progress.RecordsRead, m, e)
	if ev.Next != "" {
		s += fmt.Sprintf(" (%s); next: %s", ev.Reason, ev.Next)
	} else if !ev.Done {
		s += fmt.Sprintf("; next poll in %s, deadline in %s", roundS(time.Until(ev.NextPoll)), roundS(time.Until(ev.Deadline)))
	}
	if ev.LastError != "" {
		s += "; last error: " + ev.LastError
	}
	return s
}

func roundS(d time.Duration) time.Duration {
	if d < 0 {
		return 0
	}
	return d.Round(time.Second)
}

// LocalPollTimeout is how long billing waits on the local target: three push
// intervals and a margin.
func LocalPollTimeout(cfg config.Config) time.Duration {
	return 3*cfg.LocalPushInterval + 15*time.Second
}

// PollInterval is the billing poll interval: the emulator pushes every
// LocalPushInterval, so it is polled twice as often unless the user chose.
func PollInterval(cfg config.Config, t *Target) time.Duration {
	if cfg.Billing == BillingTail {
		return tailPollInterval(cfg)
	}
	if emulatorBucket(t) != nil && !cfg.PollIntervalSet {
		return cfg.LocalPushInterval / 2
	}
	return cfg.PollInterval
}

// PollTimeout is how long billing waits: on the emulator, which has pushed
// every record within one push interval of the run's end, waiting minutes
// for a missing one would only hide it.
func PollTimeout(cfg config.Config, t *Target) time.Duration {
	if cfg.Billing == BillingTail {
		return tailPollTimeout(cfg)
	}
	if emulatorBucket(t) != nil && !cfg.PollTimeoutSet {
		return LocalPollTimeout(cfg)
	}
	return cfg.PollTimeout
}
