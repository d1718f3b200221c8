package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pfx-tui/pfx-tui/internal/cfapi"
	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/doctor"
	"github.com/pfx-tui/pfx-tui/internal/errext"
	"github.com/pfx-tui/pfx-tui/internal/experiment"
)

func newCmdDoctor(ios IOStreams) *cobra.Command {
	bk := &bucketFlags{}
	var target, script string
	var staleAfter time.Duration
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check the Cloudflare set-up billing needs: settings, the Worker, R2, the Logpush job",
		Long: `doctor checks, in order, everything a billed run on Cloudflare depends on, and prints ✓ or ✗
with the fix for each:

  settings   .dev.vars and the environment: which variables are set (never their values)
  target     the deployed Worker (TEST_URL or --target): protected (/version without PFX_TOKEN
             answers 401), /version and /patterns with PFX_TOKEN, the clock offset
  R2         the read keys may list the bucket; when Logpush last wrote there
  Logpush    through the Cloudflare API (CLOUDFLARE_API_TOKEN, account CLOUDFLARE_ACCOUNT_ID): a job
             for workers_trace_events exists, is enabled, pushes (last_complete recent, last_error
             empty), sends CPUTimeMs, WallTimeMs, Entrypoint, Logs, EventTimestampMs, EventType and
             ScriptName, unsampled, to the bucket and prefix pfx-tui reads
  Worker     "logpush": true in its settings (--script, default pfx-experiment)

The API token needs the account permissions Logs: Read and Workers Scripts: Read. doctor exits 1
when a check fails. It makes a few R2 list requests (Class A operations) and read-only API calls.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			s := loadCloudflare(ios, bk.devVars)
			cfg := s.cfg
			bk.apply(cmd, &cfg)
			if config.Changed(cmd.Flags(), "target") {
				cfg.Target = target
			}
			cfg.Target = strings.TrimSpace(cfg.Target)
			if experiment.KindOf(cfg.Target) == experiment.TargetURL && !strings.HasPrefix(cfg.Target, "http://") && !strings.HasPrefix(cfg.Target, "https://") {
				return &errext.UsageError{Flag: "target", Msg: fmt.Sprintf("%q is not an http(s) URL", cfg.Target)}
			}
			if staleAfter <= 0 {
				return &errext.UsageError{Flag: "stale-after", Msg: "must be positive"}
			}
			rep := doctor.Run(cmd.Context(), doctor.Options{
				Cfg: cfg, DevVarsPath: bk.devVars, DevVars: s.vars, DevVarsErr: s.varsErr, Env: ios.Env,
				APIToken: s.token(), APIBaseURL: s.apiBaseURL(), Script: script, StaleAfter: staleAfter,
			})
			fmt.Fprintln(ios.Stdout, "pfx-tui doctor")
			fmt.Fprintln(ios.Stdout)
			rep.Render(ios.Stdout)
			if n := rep.Count(doctor.Fail); n > 0 {
				return errext.Errorf(errext.Runtime, "doctor: %d of %d checks failed (fixes above)", n, len(rep.Checks))
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&target, "target", "", "the deployed Worker's URL (env TEST_URL)")
	fs.StringVar(&script, "script", cfapi.DefaultScript, "the Worker whose \"logpush\" setting is checked (its name in wrangler.jsonc)")
	fs.DurationVar(&staleAfter, "stale-after", 24*time.Hour, "a Logpush job whose last push is older fails")
	bk.register(fs)
	return cmd
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
