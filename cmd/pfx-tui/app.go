package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/headless"
	"github.com/pfx-tui/pfx-tui/internal/localtarget"
	"github.com/pfx-tui/pfx-tui/internal/protocol"
	"github.com/pfx-tui/pfx-tui/internal/runner"
	"github.com/pfx-tui/pfx-tui/internal/session"
)

// IO is everything a command may touch of the outside world; tests pass
// their own (the k6 manner), nothing deeper reads os directly.
type IO struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Env            map[string]string
}

// version is set at build time with -ldflags "-X main.version=…"; otherwise
// the module version is used.
var version = ""

func toolVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// exitError carries an exit code through cobra.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// Main runs the command line and returns the exit code.
func Main(ctx context.Context, args []string, io IO) int {
	root := newRoot(ctx, io)
	root.SetArgs(args)
	root.SetOut(io.Stdout)
	root.SetErr(io.Stderr)
	err := root.Execute()
	if err == nil {
		return 0
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	var ue *config.UsageError
	var pe *runner.PlanError
	if errors.As(err, &ue) || errors.As(err, &pe) || isCobraUsage(err) {
		fmt.Fprintf(io.Stderr, "pfx-tui: %v\nRun 'pfx-tui --help' for usage.\n", err)
		return headless.ExitUsage
	}
	fmt.Fprintf(io.Stderr, "pfx-tui: %v\n", err)
	return headless.ExitRuntime
}

// usageErr marks cobra's own argument and flag errors.
type usageErr struct{ error }

func isCobraUsage(err error) bool {
	var u usageErr
	if errors.As(err, &u) {
		return true
	}
	msg := err.Error()
	return strings.HasPrefix(msg, "unknown command") || strings.HasPrefix(msg, "unknown flag") ||
		strings.HasPrefix(msg, "unknown shorthand flag") || strings.Contains(msg, "flag needs an argument") ||
		strings.HasPrefix(msg, "invalid argument") || strings.HasPrefix(msg, "accepts ")
}

func newRoot(ctx context.Context, io IO) *cobra.Command {
	root := &cobra.Command{
		Use:   "pfx-tui",
		Short: "Measure what a slow fetch costs from a Durable Object: direct vs proxyFetch",
		Long: `pfx-tui runs proxy-fetch cost experiments: batches of fetches through each approach
(direct, current = proxyFetch via an Orchestrator DO, simple = proxyFetchSimple) at several
upstream durations, measured client-side over WebSockets.

With no command it runs an experiment (same as 'pfx-tui run'). The default target is the
embedded local emulator, so it works with no Cloudflare account; its figures are labelled
emulated.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr{err} })
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetContext(ctx)

	rf := &runFlags{}
	rf.register(root.Flags())
	root.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 {
			return usageErr{fmt.Errorf("unknown command %q for pfx-tui", args[0])}
		}
		return rf.run(cmd, io)
	}
	run := &cobra.Command{
		Use:   "run",
		Short: "Run an experiment (headless when stdout is not a terminal or with --no-tui)",
		Args:  cobra.NoArgs,
	}
	rf2 := &runFlags{}
	rf2.register(run.Flags())
	run.RunE = func(cmd *cobra.Command, args []string) error { return rf2.run(cmd, io) }
	root.AddCommand(run, newReport(io), newBilling(io), newLogs(io), newServeLocal(io), newVersion(io))
	return root
}

func newVersion(io IO) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintf(io.Stdout, "pfx-tui %s\n", toolVersion())
			return nil
		},
	}
}

// runFlags are the flags of `run` (also accepted by the bare command).
type runFlags struct {
	fs           *pflag.FlagSet
	cmd          *cobra.Command
	target       string
	approaches   string
	durations    string
	ops          int
	batches      int
	warmup       int
	order        string
	seed         int64
	out          string
	format       string
	noTUI        bool
	tui          bool
	yes          bool
	noColor      bool
	hopLatency   time.Duration
	batchTimeout time.Duration
	devVars      string
	workersDir   string
	pushInterval time.Duration
	thresholds   []string
	billingFlags
	bucketFlags
}

func (f *runFlags) register(fs *pflag.FlagSet) {
	d := config.Defaults()
	f.fs = fs
	fs.StringVar(&f.target, "target", d.Target, "where the Workers run: 'local' (embedded emulator), 'wrangler' (workers/ under wrangler dev) or the URL of a deployed Worker (env TEST_URL)")
	fs.StringVar(&f.approaches, "approaches", "", "approaches to compare, comma-separated, as the target names them in /patterns (default: every one it offers; "+strings.Join(d.Approaches, ",")+" for a target without /patterns)")
	fs.StringVar(&f.durations, "durations", "100ms,500ms,1s", "upstream delays, comma-separated (e.g. 100ms,1s,5s; 0..30s)")
	fs.IntVar(&f.ops, "ops", d.Ops, "ops per batch")
	fs.IntVar(&f.batches, "batches", d.Batches, "batches per cell (approach × duration)")
	fs.IntVar(&f.warmup, "warmup", d.Warmup, "warmup ops per approach, run first and excluded from statistics")
	fs.StringVar(&f.order, "order", d.Order, "batch order: interleave (cycle through cells), sequential, random")
	fs.Int64Var(&f.seed, "seed", d.Seed, "seed for --order random")
	fs.StringVar(&f.out, "out", d.Out, "results folder; the file is rewritten after every batch")
	fs.StringVar(&f.format, "format", d.Format, "report format on stdout: text or json")
	fs.BoolVar(&f.noTUI, "no-tui", false, "headless: progress on stderr, report on stdout (automatic when stdout is not a terminal)")
	fs.BoolVar(&f.tui, "tui", false, "force the full-screen TUI")
	fs.BoolVar(&f.yes, "yes", false, "TUI: skip the setup screen and run the plan given by the flags")
	fs.BoolVar(&f.noColor, "no-color", false, "no colour (also NO_COLOR=1)")
	fs.DurationVar(&f.hopLatency, "hop-latency", 0, "local target: latency added to every internal hop, to mimic the network")
	fs.DurationVar(&f.batchTimeout, "batch-timeout", 0, "per-batch timeout (default max(60s, 3 × ops × duration + 10s))")
	fs.StringVar(&f.devVars, "dev-vars", ".dev.vars", "wrangler-style KEY=VALUE file read before the environment")
	fs.StringVar(&f.workersDir, "workers-dir", d.WorkersDir, "the workers/ project that --target wrangler runs under wrangler dev")
	fs.DurationVar(&f.pushInterval, "local-push-interval", d.LocalPushInterval, "local target: how often its Logpush emulator writes a .log.gz object")
	fs.StringArrayVar(&f.thresholds, "threshold", nil, "CI gate checked after the run, repeatable: e.g. simple.p95<1.2s, savings(simple,1s)>50%; exit 3 when one fails")
	f.billingFlags.register(fs, d.PollTimeout)
	f.bucketFlags.register(fs)
}

// config resolves defaults < .dev.vars < environment < flags.
func (f *runFlags) config(io IO) (config.Config, error) {
	cfg := config.Defaults()
	vars, err := config.LoadDevVars(f.devVars)
	if err != nil {
		return cfg, &config.UsageError{Flag: "dev-vars", Msg: err.Error()}
	}
	cfg.Layer(vars, ".dev.vars")
	cfg.Layer(io.Env, "env")
	fs := f.fs
	if config.Changed(fs, "target") {
		cfg.Target = f.target
		cfg.Sources["target"] = "flag"
	}
	cfg.Target = strings.TrimSpace(cfg.Target)
	if !cfg.IsLocal() && cfg.Target != session.TargetWrangler && !strings.HasPrefix(cfg.Target, "http://") && !strings.HasPrefix(cfg.Target, "https://") {
		return cfg, &config.UsageError{Flag: "target", Msg: fmt.Sprintf("%q is not 'local', 'wrangler' or an http(s) URL", cfg.Target)}
	}
	cfg.WorkersDir = f.workersDir
	if f.pushInterval < 100*time.Millisecond || f.pushInterval > 5*time.Minute {
		return cfg, &config.UsageError{Flag: "local-push-interval", Msg: "must be within 100ms..5m"}
	}
	cfg.LocalPushInterval = f.pushInterval
	f.bucketFlags.apply(f.cmd, &cfg)
	if err := f.billingFlags.apply(f.cmd, &cfg); err != nil {
		return cfg, err
	}
	cfg.AllApproaches = !config.Changed(fs, "approaches")
	if !cfg.AllApproaches {
		cfg.Approaches = config.SplitList(f.approaches)
	} // else the defaults stand until the target's /patterns replace them
	if len(cfg.Approaches) == 0 {
		return cfg, &config.UsageError{Flag: "approaches", Msg: "at least one approach is needed"}
	}
	ds, err := runner.ParseDurations(f.durations)
	if err != nil {
		return cfg, &config.UsageError{Flag: "durations", Msg: err.Error()}
	}
	cfg.Durations = ds
	cfg.Ops, cfg.Batches, cfg.Warmup, cfg.Order, cfg.Seed = f.ops, f.batches, f.warmup, f.order, f.seed
	cfg.Out, cfg.Format, cfg.HopLatency, cfg.BatchTimeout = f.out, f.format, f.hopLatency, f.batchTimeout
	if cfg.Format != "text" && cfg.Format != "json" {
		return cfg, &config.UsageError{Flag: "format", Msg: fmt.Sprintf("%q is not one of text, json", cfg.Format)}
	}
	if cfg.HopLatency < 0 || cfg.HopLatency > 10*time.Second {
		return cfg, &config.UsageError{Flag: "hop-latency", Msg: "must be within 0..10s"}
	}
	if cfg.BatchTimeout < 0 {
		return cfg, &config.UsageError{Flag: "batch-timeout", Msg: "must not be negative"}
	}
	plan := runner.Plan{Approaches: cfg.Approaches, Durations: cfg.Durations, Batches: cfg.Batches, Ops: cfg.Ops, Warmup: cfg.Warmup, Order: cfg.Order, Seed: cfg.Seed}
	if err := plan.Validate(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

func (f *runFlags) run(cmd *cobra.Command, io IO) error {
	f.cmd = cmd
	cfg, err := f.config(io)
	if err != nil {
		return err
	}
	ts, err := parseThresholds(f.thresholds)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	if f.tui && f.noTUI {
		return &config.UsageError{Flag: "tui", Msg: "--tui and --no-tui contradict each other"}
	}
	if f.tui || (!f.noTUI && len(ts) == 0 && isTerminal(io.Stdout) && isTerminalReader(io.Stdin)) {
		if code := runTUI(ctx, cfg, io, f.yes, f.noColor); code != 0 {
			return exitError{code}
		}
		return nil
	}
	s, err := session.Prepare(ctx, cfg, "pfx-tui "+toolVersion())
	if err != nil {
		return err
	}
	defer s.Close()
	code := headless.Run(ctx, s, headless.Options{Stdout: io.Stdout, Stderr: io.Stderr, Format: cfg.Format,
		Styled: isTerminal(io.Stdout) && io.Env[config.EnvNoColor] == "" && !f.noColor})
	if code != 0 {
		return exitError{code}
	}
	// Gates are checked on what was written, results kept either way.
	return gate(gateWriter(io, cfg.Format), s.Results, ts)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func isTerminalReader(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func newServeLocal(io IO) *cobra.Command {
	var addr string
	var hop, push, defaultDelay time.Duration
	cmd := &cobra.Command{
		Use:   "serve-local",
		Short: "Run the embedded local target standalone (WebSocket protocol + delay upstream)",
		Long: `serve-local runs the embedded emulator of the Cloudflare experiment until interrupted,
so other clients (for example Lumenize's Node client) can use it. Its figures are emulated.

It speaks the dialect of the original Node tooling (@lumenize/for-experiments), whose modes
are direct and proxyfetch: besides direct, current and simple it offers the pattern
proxyfetch, the original name of the simple design, which runs exactly as simple (on an
origin of its own), and direct-timer (direct with its abort timer left pending). /patterns
marks those two optional, so pfx-tui runs them only when named in --approaches.

That tooling sends run-batch without durationMs; such a batch fetches the delay upstream
with --default-delay (100ms unless set; 0 for none). pfx-tui always sends durationMs.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if defaultDelay < 0 || defaultDelay > protocol.MaxDelayMs*time.Millisecond || defaultDelay%time.Millisecond != 0 {
				return &config.UsageError{Flag: "default-delay", Msg: fmt.Sprintf("%s: want whole milliseconds within 0..%dms", defaultDelay, protocol.MaxDelayMs)}
			}
			opts := localtarget.Options{Addr: addr, HopLatency: hop, PushInterval: push, DefaultDelay: defaultDelay}
			if defaultDelay == 0 {
				opts.DefaultDelay = -1 // no delay (zero would mean the 100ms default)
			}
			srv, err := localtarget.Start(opts)
			if err != nil {
				return err
			}
			defer srv.Close()
			ws, _ := runner.WebSocketURL(srv.URL(), "")
			fmt.Fprintf(io.Stdout, "pfx-tui local target (emulated) listening\n  URL:       %s\n  WebSocket: %s\n  patterns:  %s/patterns\n  upstream:  %s/delay/{ms} (%s for a run-batch without durationMs)\n", srv.URL(), ws, srv.URL(), srv.URL(), defaultDelay)
			fmt.Fprintf(io.Stdout, "Logpush emulator (a .log.gz object every %s while there are new records):\n  S3 endpoint: %s (path-style, region auto)\n  bucket:      %s\n  prefix:      %s\n  access key:  %s\n  secret key:  %s   (the emulator's fixed local key, not a credential)\n",
				push, srv.S3Endpoint(), srv.S3Bucket(), srv.LogpushPrefix(), srv.S3AccessKeyID(), srv.S3SecretAccessKey())
			fmt.Fprintf(io.Stdout, "Scan it with: pfx-tui logs scan --r2-endpoint %s --bucket %s --prefix %s (with CLOUDFLARE_R2_ACCESS_KEY_ID / _SECRET_ACCESS_KEY set to the keys above)\nPress Ctrl-C to stop.\n", srv.S3Endpoint(), srv.S3Bucket(), srv.LogpushPrefix())
			<-cmd.Context().Done()
			fmt.Fprintf(io.Stderr, "pfx-tui: stopping the local target (%d trace events recorded)\n", srv.Traces().Len())
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8787", "listen address (use 127.0.0.1:0 for a random port)")
	cmd.Flags().DurationVar(&hop, "hop-latency", 0, "latency added to every internal hop")
	cmd.Flags().DurationVar(&push, "local-push-interval", config.Defaults().LocalPushInterval, "how often the Logpush emulator writes an object")
	cmd.Flags().DurationVar(&defaultDelay, "default-delay", localtarget.DefaultDelay, "upstream delay of a run-batch that has no durationMs (Lumenize's client sends none); 0..30s, whole ms")
	return cmd
}
