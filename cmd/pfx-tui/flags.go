package main

import (
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/pfx-tui/pfx-tui/internal/billing"
	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/errext"
	"github.com/pfx-tui/pfx-tui/internal/session"
)

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
func baseConfig(ios IOStreams, devVars string) (config.Config, error) {
	cfg := config.Defaults()
	vars, err := config.LoadDevVars(devVars)
	if err != nil {
		return cfg, &errext.UsageError{Flag: "dev-vars", Msg: err.Error()}
	}
	cfg.Layer(vars)
	cfg.Layer(ios.Env)
	return cfg, nil
}

// billingFlags tune the billing poll and attribution (run and billing).
type billingFlags struct {
	source                    string
	pollInterval, pollTimeout time.Duration
	script, pricing           string
	roles                     []string
	analyticsFlags
}

func (f *billingFlags) register(fs *pflag.FlagSet, defTimeout time.Duration) {
	d := config.Defaults()
	fs.StringVar(&f.source, "billing", d.Billing, "billing source: auto (local emulator, or R2 when configured), logpush, analytics (Cloudflare's GraphQL Analytics: billed active time and rows), logpush,analytics, none")
	fs.DurationVar(&f.pollInterval, "poll-interval", d.PollInterval, "time between Logpush polls (each list is an R2 Class A operation)")
	fs.DurationVar(&f.pollTimeout, "poll-timeout", defTimeout, "how long to wait for every expected Logpush record (0: poll once)")
	fs.StringVar(&f.script, "script", "", "ScriptName of the Worker whose records count (default: any; pfx-local on the local target)")
	fs.StringArrayVar(&f.roles, "role", nil, "map a class to a role, repeatable: Class=origin|orchestrator|executor|controller|upstream|entry")
	fs.StringVar(&f.pricing, "pricing", "", "JSON file overriding the dated price table (a partial file changes only its fields)")
	f.analyticsFlags.register(fs)
}

func (f *billingFlags) apply(cmd *cobra.Command, cfg *config.Config) error {
	if err := session.CheckBillingFlag(f.source); err != nil {
		return &errext.UsageError{Flag: "billing", Msg: err.Error()}
	}
	if f.pollInterval <= 0 {
		return &errext.UsageError{Flag: "poll-interval", Msg: "must be positive"}
	}
	if f.pollTimeout < 0 {
		return &errext.UsageError{Flag: "poll-timeout", Msg: "must not be negative"}
	}
	if _, err := billing.ParseRoleOverrides(f.roles); err != nil {
		return &errext.UsageError{Flag: "role", Msg: err.Error()}
	}
	if f.pricing != "" {
		if _, err := billing.LoadPrices(f.pricing); err != nil {
			return &errext.UsageError{Flag: "pricing", Msg: err.Error()}
		}
	}
	cfg.Billing, cfg.PollInterval, cfg.PollTimeout = f.source, f.pollInterval, f.pollTimeout
	cfg.PollIntervalSet = config.Changed(cmd.Flags(), "poll-interval")
	cfg.PollTimeoutSet = config.Changed(cmd.Flags(), "poll-timeout")
	cfg.ScriptName, cfg.Roles, cfg.PricingFile = f.script, f.roles, f.pricing
	return f.analyticsFlags.apply(cfg)
}
