package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pfx-tui/pfx-tui/internal/analytics"
	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/errext"
	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/localtarget"
	"github.com/pfx-tui/pfx-tui/internal/report"
	"github.com/pfx-tui/pfx-tui/internal/session"
)

func newCmdBilling(ios IOStreams) *cobra.Command {
	bf := &billingFlags{}
	bk := &bucketFlags{}
	var format, source string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "billing FILE",
		Short: "Attach or refresh billing for a saved run (Logpush files and analytics often land minutes later)",
		Long: `billing reads the Logpush records of a saved run from R2 (or --r2-endpoint), attributes them
to its batches and roles, and rewrites the results file with billing and cost. It polls once by
default; --poll-timeout 10m keeps polling until every expected record is in.

--source analytics reads what Cloudflare billed instead (GraphQL Analytics: active time, requests
and SQLite rows per Durable Object namespace and minute; CLOUDFLARE_ACCOUNT_ID and a
CLOUDFLARE_API_TOKEN with Account Analytics: Read; it polls until two looks 2 minutes apart
agree, however short --poll-timeout is), and --source logpush,analytics both, compared
side by side; --source tail --tail-file FILE reads a
'npx wrangler tail --format json > FILE' capture instead of Logpush (tail,analytics: both). --dry-run prints the analytics queries (without the token) and sends nothing.`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := baseConfig(ios, bk.devVars)
			if err != nil {
				return err
			}
			bk.apply(cmd, &cfg)
			if err := bf.apply(cmd, &cfg); err != nil {
				return err
			}
			if format != "text" && format != "json" {
				return errext.Usagef("format", "%q is not one of text, json", format)
			}
			if cfg.TailFile != "" && !config.Changed(cmd.Flags(), "source") {
				source = session.BillingTail // --tail-file alone means: bill from the capture
			}
			if err := session.CheckBillingFlag(source); err != nil || strings.Contains(source, "auto") || strings.Contains(source, session.BillingNone) {
				return errext.Usagef("source", "%q is not one of logpush, tail, analytics, logpush,analytics, tail,analytics", source)
			}
			cfg.Billing = source
			wantLogpush, wantAnalytics := session.BillingSources(source)
			switch {
			case wantLogpush == session.BillingTail && cfg.TailFile == "":
				return errext.Usagef("tail-file", "--source tail reads a capture: give --tail-file FILE (from `npx wrangler tail --format json > FILE`)")
			case cfg.TailFile != "" && wantLogpush != session.BillingTail:
				return errext.Usagef("tail-file", "goes with --source tail, not %s", source)
			}
			if dryRun && !wantAnalytics {
				return errext.Usagef("dry-run", "--dry-run prints the analytics queries: use it with --source analytics")
			}
			res, err := report.Load(args[0])
			if err != nil {
				return err
			}
			if len(res.Batches) == 0 {
				return fmt.Errorf("%s has no batches to bill", args[0])
			}
			var target *session.Target
			if wantLogpush == session.BillingTail {
				// A capture file: no bucket needed.
			} else if res.Target.Kind == experiment.TargetLocal && (cfg.R2Endpoint == "" || wantAnalytics) {
				v := res.Target.Version
				if res.Target.Embedded || v == nil || (wantLogpush == session.BillingLogpush && v.Logpush == nil) || (wantAnalytics && v.Analytics == nil) {
					return fmt.Errorf("%s ran on the local target, whose Logpush bucket and analytics lived only during the run: its billing was collected then (rerun, or point --r2-endpoint at a `pfx-tui serve-local` bucket)", args[0])
				}
				// A serve-local target: its bucket and analytics are where
				// /version said, with the emulator's fixed local keys.
				info := res.Target.TargetInfo
				vv := *v
				if v.Logpush != nil {
					bucket := *v.Logpush
					bucket.AccessKeyID, bucket.SecretAccessKey = localtarget.S3LocalAccessKeyID, localtarget.S3LocalSecretAccessKey
					vv.Logpush = &bucket
				}
				info.Version = &vv
				target = &session.Target{Kind: experiment.TargetLocal, URL: res.Target.URL, Info: info}
			} else if wantLogpush == session.BillingLogpush && !cfg.R2Configured() {
				return &errext.UsageError{Flag: "bucket", Msg: "R2 is not configured: set " + config.JoinAnd(cfg.MissingR2()) + " (env or .dev.vars), or --bucket/--r2-endpoint"}
			}
			if wantAnalytics {
				pc := cfg
				if dryRun && !pc.APIToken.Set() {
					pc.APIToken = config.NewSecret("unused") // a dry run sends nothing: the token may be absent
				}
				plan := session.PlanAnalytics(pc, target)
				if !plan.On {
					return &errext.UsageError{Flag: "source", Msg: plan.Why}
				}
				if dryRun {
					tl := analytics.NewTimeline(res.Batches, plan.Minute, res.Target.ClockOffsetMs)
					return analytics.DryRun(ios.Stdout, plan.Base, plan.Account, plan.Script, tl.From, tl.To, len(cfg.DONamespaces) == 0)
				}
			}
			ctx := cmd.Context()
			b, err := session.StartChain(ctx, cfg, target, res, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(ios.Stderr, "pfx-tui: billing %s from %s\n", res.ID, strings.Join(b.Sources(), " then ")+" ("+b.Endpoint+")")
			out := b.Wait(func(ev session.BillingEvent) { fmt.Fprintf(ios.Stderr, "  %s\n", session.Describe(ev)) })
			if out.SaveErr != nil {
				return out.Err()
			}
			if format == "json" {
				if err := report.WriteJSON(ios.Stdout, res); err != nil {
					return err
				}
			} else {
				for _, sec := range []func(*report.Results) string{report.BillingSection, report.CostSection, report.AnalyticsSection, report.BilledVsLoggedSection, report.BilledCostSection} {
					if txt := sec(res); txt != "" {
						fmt.Fprintln(ios.Stdout, txt)
					}
				}
			}
			switch {
			case ctx.Err() != nil:
				return errext.Errorf(errext.Interrupted, "interrupted; what was read so far is attached to %s (billing incomplete)", args[0])
			case out.Err() != nil:
				return out.Err()
			case !out.Complete():
				fmt.Fprintf(ios.Stderr, "pfx-tui: billing incomplete; what arrived is saved in %s. Run this again later, or wait with --poll-timeout 10m\n", args[0])
				for _, w := range out.Suspicions {
					fmt.Fprintf(ios.Stderr, "  ! %s\n", w)
				}
			}
			return nil
		},
	}
	bf.register(cmd.Flags(), 0)
	bk.register(cmd.Flags())
	cmd.Flags().StringVar(&format, "format", "text", "text or json")
	cmd.Flags().StringVar(&source, "source", session.BillingLogpush, "what to read: logpush, tail (with --tail-file), analytics (Cloudflare's GraphQL Analytics), or logpush,analytics / tail,analytics")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "with --source analytics: print the queries (curl commands, token read from the environment) and send nothing")
	return cmd
}
