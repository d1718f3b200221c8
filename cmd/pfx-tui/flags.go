package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/pfx-tui/pfx-tui/internal/billing"
	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/errext"
	"github.com/pfx-tui/pfx-tui/internal/report"
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
	cost                      costFlags
	tailFile                  string
	analyticsFlags
}

func (f *billingFlags) register(fs *pflag.FlagSet, defTimeout time.Duration) {
	d := config.Defaults()
	fs.StringVar(&f.source, "billing", d.Billing, "billing source: auto (local emulator, or R2 when configured), logpush, tail (a wrangler tail capture, --tail-file), analytics (Cloudflare's GraphQL Analytics: billed active time and rows), logpush,analytics or tail,analytics, none")
	fs.StringVar(&f.tailFile, "tail-file", "", "a `npx wrangler tail --format json > FILE` capture to read billing from (implies --billing tail)")
	fs.DurationVar(&f.pollInterval, "poll-interval", d.PollInterval, "time between Logpush polls (each list is an R2 Class A operation)")
	fs.DurationVar(&f.pollTimeout, "poll-timeout", defTimeout, "how long to wait for every expected Logpush record (0: poll once)")
	fs.StringVar(&f.script, "script", "", "ScriptName of the Worker whose records count (default: any; pfx-local on the local target)")
	fs.StringArrayVar(&f.roles, "role", nil, "map a class to a role, repeatable: Class=origin|orchestrator|executor|controller|upstream|entry")
	fs.StringVar(&f.pricing, "pricing", "", "JSON file overriding the dated price table (a partial file changes only its fields)")
	f.cost.register(fs)
	f.analyticsFlags.register(fs)
}

func (f *billingFlags) apply(cmd *cobra.Command, cfg *config.Config) error {
	if f.tailFile != "" && f.source == "auto" {
		f.source = session.BillingTail
	}
	if err := session.CheckBillingFlag(f.source); err != nil {
		return &errext.UsageError{Flag: "billing", Msg: err.Error()}
	}
	records, _ := session.BillingSources(f.source)
	switch {
	case f.tailFile != "" && records != session.BillingTail:
		return &errext.UsageError{Flag: "tail-file", Msg: "goes with --billing tail, not " + f.source}
	case f.tailFile == "" && records == session.BillingTail:
		return &errext.UsageError{Flag: "tail-file", Msg: "--billing tail reads a capture: give --tail-file FILE (from `npx wrangler tail --format json > FILE`)"}
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
	cfg.TailFile = f.tailFile
	o, err := f.cost.options(cmd, billing.CostOptions{})
	if err != nil {
		return err
	}
	cfg.IncludeHarness, cfg.MonthlyOps = o.IncludeHarness, o.MonthlyOps
	return f.analyticsFlags.apply(cfg)
}

// exportFlags write the report in several formats in one run, as
// hyperfine's --export-json / --export-markdown / --export-csv do.
type exportFlags struct{ json, markdown, csv string }

func (e *exportFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&e.json, "export-json", "", "also write the JSON report to this file")
	fs.StringVar(&e.markdown, "export-markdown", "", "also write the Markdown report to this file")
	fs.StringVar(&e.csv, "export-csv", "", "also write the CSV report (one row per cell) to this file")
}

// write renders each requested export; every file is attempted, and the
// first failure is returned naming its path. Files are written whatever the
// run came to (interrupted runs keep their partial figures).
func (e *exportFlags) write(ios IOStreams, r *report.Results) error {
	var first error
	for _, x := range []struct{ path, format string }{{e.json, "json"}, {e.markdown, "markdown"}, {e.csv, "csv"}} {
		if x.path == "" {
			continue
		}
		var b bytes.Buffer
		err := report.Render(&b, r, x.format, report.RenderOptions{})
		if err == nil {
			err = os.WriteFile(x.path, b.Bytes(), 0o644)
		}
		if err != nil {
			if first == nil {
				first = fmt.Errorf("cannot write the %s export %s: %w (the results file is intact)", x.format, x.path, err)
			}
			continue
		}
		fmt.Fprintf(ios.Stderr, "pfx-tui: exported %s\n", x.path)
	}
	return first
}
