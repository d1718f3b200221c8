package session

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/experiment"

	"github.com/pfx-tui/pfx-tui/internal/billing"
	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/protocol"
	"github.com/pfx-tui/pfx-tui/internal/r2"
	"github.com/pfx-tui/pfx-tui/internal/report"
)

// Billing sources.
const (
	BillingLogpush = "logpush"
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
	case BillingNone:
		return BillingPlan{Source: BillingNone, Why: "--billing none"}
	case BillingLogpush:
		if emu != nil {
			return BillingPlan{Source: BillingLogpush, Where: "local emulator S3 " + emu.Endpoint + "/" + emu.Bucket + "/" + emu.Prefix}
		}
		if !cfg.R2Configured() {
			return BillingPlan{Source: BillingNone, Why: "--billing logpush needs " + r2Missing(cfg)}
		}
		return BillingPlan{Source: BillingLogpush, Where: r2Where(cfg)}
	}
	switch {
	case emu != nil:
		return BillingPlan{Source: BillingLogpush, Where: "local emulator S3 " + emu.Endpoint + "/" + emu.Bucket + "/" + emu.Prefix}
	case t != nil && t.Kind == TargetWrangler:
		return BillingPlan{Source: BillingNone, Why: "wrangler dev runs local workerd, which reports no wall or CPU time (use --billing logpush with R2 to read a deployed Worker's logs)"}
	case cfg.R2Configured():
		return BillingPlan{Source: BillingLogpush, Where: r2Where(cfg)}
	}
	return BillingPlan{Source: BillingNone, Why: "R2 is not configured: set " + r2Missing(cfg) + " (env or .dev.vars) to read Logpush from R2"}
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

// MissingR2 names the settings still needed to read a real bucket.
func MissingR2(cfg config.Config) []string {
	var miss []string
	if cfg.AccountID == "" && cfg.R2Endpoint == "" {
		miss = append(miss, config.EnvAccountID)
	}
	if cfg.Bucket == "" {
		miss = append(miss, config.EnvBucket)
	}
	if !cfg.AccessKeyID.Set() {
		miss = append(miss, config.EnvAccessKeyID)
	}
	if !cfg.SecretAccessKey.Set() {
		miss = append(miss, config.EnvSecretAccessKey)
	}
	return miss
}

func r2Missing(cfg config.Config) string {
	miss := MissingR2(cfg)
	switch len(miss) {
	case 0:
		return "nothing more"
	case 1:
		return miss[0]
	}
	return strings.Join(miss[:len(miss)-1], ", ") + " and " + miss[len(miss)-1]
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
	if t.Kind == config.TargetLocal && t.Info.Version != nil {
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

// Billing is a running billing poll for a finished (or saved) run.
type Billing struct {
	Events    <-chan r2.PollEvent
	Poller    *r2.Poller
	Collector *billing.Collector
	Client    *r2.Client
	emulated  bool
	source    string
}

// CollectorOptions builds attribution options from the config and the run.
func CollectorOptions(cfg config.Config, res *report.Results) (billing.Options, error) {
	opts := billing.Options{ScriptName: cfg.ScriptName, ClockOffsetMs: res.Target.ClockOffsetMs, Source: billing.SourceLogpush,
		Cost: billing.CostOptions{IncludeHarness: cfg.IncludeHarness, MonthlyOps: cfg.MonthlyOps}}
	if len(cfg.Roles) > 0 {
		roles, err := billing.ParseRoleOverrides(cfg.Roles)
		if err != nil {
			return opts, &config.UsageError{Flag: "role", Msg: err.Error()}
		}
		opts.Roles = roles
	}
	if cfg.PricingFile != "" {
		p, err := billing.LoadPrices(cfg.PricingFile)
		if err != nil {
			return opts, &config.UsageError{Flag: "pricing", Msg: err.Error()}
		}
		opts.Prices = &p
	}
	if res.Target.Kind == config.TargetLocal {
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

// StartBilling starts polling for a run's Logpush records; the returned
// events end with a Done event, after which Finish attaches the report.
func StartBilling(ctx context.Context, cfg config.Config, t *Target, res *report.Results) (*Billing, error) {
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
	return &Billing{Events: ch, Poller: p, Collector: col, Client: client, emulated: res.Emulated, source: BillingLogpush}, nil
}

// Finish attaches the collector's report to the results and saves them.
func (b *Billing) Finish(res *report.Results, path string) error {
	rep := b.Collector.Report()
	rep.Emulated = b.emulated
	rep.Source = b.source
	res.Billing = &rep
	return report.Save(path, res)
}

// Describe is a one-line summary of a poll event for progress output.
func Describe(ev r2.PollEvent) string {
	m, e := 0, 0
	for _, c := range ev.Progress.Counts {
		m += c.Matched
		if c.Expected > 0 {
			e += c.Expected
		}
	}
	s := fmt.Sprintf("poll %d: %d files (%d new), %d records read, matched %d of %d expected", ev.Polls, ev.FilesSeen, ev.FilesNew, ev.RecordsRead, m, e)
	if !ev.Done {
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
	if emulatorBucket(t) != nil && !cfg.PollIntervalSet {
		return cfg.LocalPushInterval / 2
	}
	return cfg.PollInterval
}

// PollTimeout is how long billing waits: on the emulator, which has pushed
// every record within one push interval of the run's end, waiting minutes
// for a missing one would only hide it.
func PollTimeout(cfg config.Config, t *Target) time.Duration {
	if emulatorBucket(t) != nil && !cfg.PollTimeoutSet {
		return LocalPollTimeout(cfg)
	}
	return cfg.PollTimeout
}
