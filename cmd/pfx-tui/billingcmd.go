package main

import (
	"fmt"
	stdio "io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/pfx-tui/pfx-tui/internal/billing"
	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/headless"
	"github.com/pfx-tui/pfx-tui/internal/localtarget"
	"github.com/pfx-tui/pfx-tui/internal/logpush"
	"github.com/pfx-tui/pfx-tui/internal/r2"
	"github.com/pfx-tui/pfx-tui/internal/report"
	"github.com/pfx-tui/pfx-tui/internal/session"
)

// costLookup gives threshold gates the run's billing figures, when it has any.
func costLookup(r *report.Results) report.CostLookup {
	if r.Billing == nil {
		return nil
	}
	return r.Billing
}

// bucketFlags are the R2 / S3 access flags shared by run, billing and logs scan.
type bucketFlags struct {
	bucket, prefix, endpoint, jurisdiction, devVars string
	pathStyle                                       bool
}

func (b *bucketFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&b.bucket, "bucket", "", "R2 bucket of the Logpush job (env CLOUDFLARE_R2_BUCKET_NAME)")
	fs.StringVar(&b.prefix, "prefix", "", "the Logpush job's path inside the bucket, above the date folders")
	fs.StringVar(&b.endpoint, "r2-endpoint", "", "any S3-compatible endpoint instead of https://<CLOUDFLARE_ACCOUNT_ID>.r2.cloudflarestorage.com")
	fs.StringVar(&b.jurisdiction, "jurisdiction", "", "R2 jurisdiction of the bucket (eu, fedramp)")
	fs.BoolVar(&b.pathStyle, "path-style", false, "path-style S3 addressing (always on for a loopback endpoint)")
	if fs.Lookup("dev-vars") == nil {
		fs.StringVar(&b.devVars, "dev-vars", ".dev.vars", "wrangler-style KEY=VALUE file read before the environment")
	}
}

func (b *bucketFlags) bucketSet(cmd *cobra.Command) bool {
	return config.Changed(cmd.Flags(), "bucket") || config.Changed(cmd.Flags(), "prefix") || config.Changed(cmd.Flags(), "r2-endpoint")
}

// apply layers the bucket flags over cfg (which already holds .dev.vars and env).
func (b *bucketFlags) apply(cmd *cobra.Command, cfg *config.Config) {
	fs := cmd.Flags()
	if config.Changed(fs, "bucket") {
		cfg.Bucket = b.bucket
	}
	if config.Changed(fs, "prefix") {
		cfg.Prefix = strings.Trim(b.prefix, "/")
	}
	if config.Changed(fs, "r2-endpoint") {
		cfg.R2Endpoint = b.endpoint
	}
	if config.Changed(fs, "jurisdiction") {
		cfg.Jurisdiction = b.jurisdiction
	}
	cfg.PathStyle = b.pathStyle
}

// baseConfig is defaults < .dev.vars < env, for commands without run flags.
func baseConfig(io IO, devVars string) (config.Config, error) {
	cfg := config.Defaults()
	vars, err := config.LoadDevVars(devVars)
	if err != nil {
		return cfg, &config.UsageError{Flag: "dev-vars", Msg: err.Error()}
	}
	cfg.Layer(vars, ".dev.vars")
	cfg.Layer(io.Env, "env")
	return cfg, nil
}

// billingFlags tune the billing poll and attribution (run and billing).
type billingFlags struct {
	source                    string
	pollInterval, pollTimeout time.Duration
	script, pricing           string
	roles                     []string
	cost                      costFlags
}

func (f *billingFlags) register(fs *pflag.FlagSet, defTimeout time.Duration) {
	d := config.Defaults()
	fs.StringVar(&f.source, "billing", d.Billing, "billing source: auto (local emulator, or R2 when configured), logpush, none")
	fs.DurationVar(&f.pollInterval, "poll-interval", d.PollInterval, "time between Logpush polls (each list is an R2 Class A operation)")
	fs.DurationVar(&f.pollTimeout, "poll-timeout", defTimeout, "how long to wait for every expected Logpush record (0: poll once)")
	fs.StringVar(&f.script, "script", "", "ScriptName of the Worker whose records count (default: any; pfx-local on the local target)")
	fs.StringArrayVar(&f.roles, "role", nil, "map a class to a role, repeatable: Class=origin|orchestrator|executor|controller|upstream|entry")
	fs.StringVar(&f.pricing, "pricing", "", "JSON file overriding the dated price table (a partial file changes only its fields)")
	f.cost.register(fs)
}

func (f *billingFlags) apply(cmd *cobra.Command, cfg *config.Config) error {
	switch f.source {
	case "auto", session.BillingLogpush, session.BillingNone:
	default:
		return &config.UsageError{Flag: "billing", Msg: fmt.Sprintf("%q is not one of auto, logpush, none", f.source)}
	}
	if f.pollInterval <= 0 {
		return &config.UsageError{Flag: "poll-interval", Msg: "must be positive"}
	}
	if f.pollTimeout < 0 {
		return &config.UsageError{Flag: "poll-timeout", Msg: "must not be negative"}
	}
	if _, err := billing.ParseRoleOverrides(f.roles); err != nil {
		return &config.UsageError{Flag: "role", Msg: err.Error()}
	}
	if f.pricing != "" {
		if _, err := billing.LoadPrices(f.pricing); err != nil {
			return &config.UsageError{Flag: "pricing", Msg: err.Error()}
		}
	}
	cfg.Billing, cfg.PollInterval, cfg.PollTimeout = f.source, f.pollInterval, f.pollTimeout
	cfg.PollIntervalSet = config.Changed(cmd.Flags(), "poll-interval")
	cfg.PollTimeoutSet = config.Changed(cmd.Flags(), "poll-timeout")
	cfg.ScriptName, cfg.Roles, cfg.PricingFile = f.script, f.roles, f.pricing
	o, err := f.cost.options(cmd, billing.CostOptions{})
	cfg.IncludeHarness, cfg.MonthlyOps = o.IncludeHarness, o.MonthlyOps
	return err
}

func newBilling(io IO) *cobra.Command {
	bf := &billingFlags{}
	bk := &bucketFlags{}
	var format string
	cmd := &cobra.Command{
		Use:   "billing FILE",
		Short: "Attach or refresh billing for a saved run (Logpush files often land minutes later)",
		Long: `billing reads the Logpush records of a saved run from R2 (or --r2-endpoint), attributes them
to its batches and roles, and rewrites the results file with billing and cost. It polls once by
default; --poll-timeout 10m keeps polling until every expected record is in.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := baseConfig(io, bk.devVars)
			if err != nil {
				return err
			}
			bk.apply(cmd, &cfg)
			if err := bf.apply(cmd, &cfg); err != nil {
				return err
			}
			if format != "text" && format != "json" {
				return &config.UsageError{Flag: "format", Msg: fmt.Sprintf("%q is not one of text, json", format)}
			}
			res, err := report.Load(args[0])
			if err != nil {
				return err
			}
			if len(res.Batches) == 0 {
				return fmt.Errorf("%s has no batches to bill", args[0])
			}
			var target *session.Target
			if res.Target.Kind == config.TargetLocal && cfg.R2Endpoint == "" {
				v := res.Target.Version
				if res.Target.Embedded || v == nil || v.Logpush == nil {
					return fmt.Errorf("%s ran on the local target, whose Logpush bucket lived only during the run: its billing was collected then (rerun, or point --r2-endpoint at a `pfx-tui serve-local` bucket)", args[0])
				}
				// A serve-local target: its bucket is where /version said,
				// with the emulator's fixed local keys.
				info := res.Target.TargetInfo
				vv := *v
				bucket := *v.Logpush
				bucket.AccessKeyID, bucket.SecretAccessKey = localtarget.S3LocalAccessKeyID, localtarget.S3LocalSecretAccessKey
				vv.Logpush = &bucket
				info.Version = &vv
				target = &session.Target{Kind: config.TargetLocal, URL: res.Target.URL, Info: info}
			} else if !cfg.R2Configured() {
				return &config.UsageError{Flag: "bucket", Msg: "R2 is not configured: set " + strings.Join(session.MissingR2(cfg), ", ") + " (env or .dev.vars), or --bucket/--r2-endpoint"}
			}
			ctx := cmd.Context()
			b, err := session.StartBilling(ctx, cfg, target, res)
			if err != nil {
				return err
			}
			fmt.Fprintf(io.Stderr, "pfx-tui: billing %s from %s\n", res.ID, b.Client.Endpoint())
			var last r2.PollEvent
			for ev := range b.Events {
				last = ev
				fmt.Fprintf(io.Stderr, "  %s\n", session.Describe(ev))
			}
			if err := b.Finish(res, args[0]); err != nil {
				return err
			}
			if format == "json" {
				if err := report.WriteJSON(io.Stdout, res); err != nil {
					return err
				}
			} else {
				fmt.Fprintln(io.Stdout, report.BillingSection(res))
				fmt.Fprint(io.Stdout, report.CostSection(res))
			}
			switch {
			case ctx.Err() != nil:
				fmt.Fprintf(io.Stderr, "pfx-tui: interrupted; the records read so far are attached to %s (billing incomplete)\n", args[0])
				return exitError{headless.ExitInterrupted}
			case last.Reason == r2.ReasonError:
				return fmt.Errorf("billing stopped: %s", last.LastError)
			case last.Reason != r2.ReasonComplete:
				fmt.Fprintf(io.Stderr, "pfx-tui: billing incomplete; what arrived is saved in %s. Run this again later, or wait with --poll-timeout 10m\n", args[0])
				_, to := session.RunWindow(res.Batches)
				for _, w := range billing.Suspicions(last.Progress, time.Since(to), last.FilesSeen) {
					fmt.Fprintf(io.Stderr, "  ! %s\n", w)
				}
			}
			return nil
		},
	}
	bf.register(cmd.Flags(), 0)
	bk.register(cmd.Flags())
	cmd.Flags().StringVar(&format, "format", "text", "text or json")
	return cmd
}

// scanSink feeds bucket objects to a logs scan.
type scanSink struct{ scan *logpush.Scan }

func (s scanSink) AddObject(key string, body stdio.Reader) error { return s.scan.AddFile(key, body) }
func (s scanSink) Progress() billing.Progress                    { return billing.Progress{} }

// scanBucket reads the Logpush objects of the --since..--until window (the
// last 24 h by default) from the bucket with one fetch.
func (f *scanFlags) scanBucket(cmd *cobra.Command, io IO, scan *logpush.Scan, filter logpush.Filter) (int, error) {
	cfg, err := baseConfig(io, f.devVars)
	if err != nil {
		return 0, err
	}
	f.bucketFlags.apply(cmd, &cfg)
	if cfg.Bucket == "" && !f.bucketSet(cmd) {
		return 0, &config.UsageError{Flag: "dir", Msg: "give --dir DIR, or --bucket/--prefix (or CLOUDFLARE_R2_BUCKET_NAME) to scan R2"}
	}
	if !cfg.R2Configured() {
		return 0, &config.UsageError{Flag: "bucket", Msg: "R2 is not configured: set " + strings.Join(session.MissingR2(cfg), ", ") + " (env or .dev.vars)"}
	}
	from, to := filter.Since, filter.Until
	if to.IsZero() {
		to = time.Now()
	}
	if from.IsZero() {
		from = to.Add(-24 * time.Hour)
		fmt.Fprintf(io.Stderr, "pfx-tui: scanning the last 24 hours (set --since for more)\n")
	}
	rc := session.R2Config(cfg, nil)
	rc.Lookback = 0
	client, err := r2.New(cmd.Context(), rc)
	if err != nil {
		return 0, err
	}
	res, err := client.NewFetcher(from, to).Fetch(cmd.Context(), scanSink{scan})
	if err != nil {
		return 0, err
	}
	fmt.Fprintf(io.Stderr, "pfx-tui: %s: %s read (%s, %s)\n", client.Endpoint(), report.Count(res.New, "object", "objects"),
		report.Count(int(client.Ops().ClassA), "list operation", "list operations"), report.Count(int(client.Ops().ClassB), "get operation", "get operations"))
	if res.Ignored > 0 {
		fmt.Fprintf(io.Stderr, "pfx-tui: %d keys are not Logpush object names and were not read\n", res.Ignored)
	}
	return res.Failed + res.SinkErrors, nil
}
