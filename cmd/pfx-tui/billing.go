package main

import (
	"fmt"

	"github.com/spf13/cobra"

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
	var format string
	cmd := &cobra.Command{
		Use:   "billing FILE",
		Short: "Attach or refresh billing for a saved run (Logpush files often land minutes later)",
		Long: `billing reads the Logpush records of a saved run from R2 (or --r2-endpoint), attributes them
to its batches and roles, and rewrites the results file with billing and cost. It polls once by
default; --poll-timeout 10m keeps polling until every expected record is in.

--source tail --tail-file FILE reads a 'npx wrangler tail --format json > FILE' capture instead.`,
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
			res, err := report.Load(args[0])
			if err != nil {
				return err
			}
			if len(res.Batches) == 0 {
				return fmt.Errorf("%s has no batches to bill", args[0])
			}
			var target *session.Target
			if cfg.Billing == session.BillingTail {
				// A capture file: no bucket needed.
			} else if res.Target.Kind == experiment.TargetLocal && cfg.R2Endpoint == "" {
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
				target = &session.Target{Kind: experiment.TargetLocal, URL: res.Target.URL, Info: info}
			} else if !cfg.R2Configured() {
				return &errext.UsageError{Flag: "bucket", Msg: "R2 is not configured: set " + config.JoinAnd(cfg.MissingR2()) + " (env or .dev.vars), or --bucket/--r2-endpoint"}
			}
			ctx := cmd.Context()
			b, err := session.StartBilling(ctx, cfg, target, res, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(ios.Stderr, "pfx-tui: billing %s from %s\n", res.ID, b.Where)
			out := b.Wait(func(ev session.BillingEvent) { fmt.Fprintf(ios.Stderr, "  %s\n", session.Describe(ev)) })
			if out.SaveErr != nil {
				return out.Err()
			}
			if format == "json" {
				if err := report.WriteJSON(ios.Stdout, res); err != nil {
					return err
				}
			} else {
				fmt.Fprintln(ios.Stdout, report.BillingSection(res))
				fmt.Fprint(ios.Stdout, report.CostSection(res))
			}
			switch {
			case ctx.Err() != nil:
				return errext.Errorf(errext.Interrupted, "interrupted; the records read so far are attached to %s (billing incomplete)", args[0])
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
	cmd.Flags().StringVar(&bf.source, "source", "auto", "billing source, the same as --billing: auto, logpush, tail (with --tail-file)")
	return cmd
}
