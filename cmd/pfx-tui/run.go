package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/errext"
	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/headless"
	"github.com/pfx-tui/pfx-tui/internal/localtarget"
	"github.com/pfx-tui/pfx-tui/internal/report"
	"github.com/pfx-tui/pfx-tui/internal/session"
)

func newRunOptions(ios IOStreams) *runOptions { return &runOptions{ios: ios} }

func newCmdRun(ios IOStreams) *cobra.Command {
	o := newRunOptions(ios)
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run an experiment (headless when stdout is not a terminal or with --no-tui)",
		Args:  usageArgs(cobra.NoArgs),
		RunE:  func(cmd *cobra.Command, args []string) error { return o.run(cmd) },
	}
	o.register(cmd)
	return cmd
}

// runOptions are the flags of `run` (also accepted by the bare command).
type runOptions struct {
	ios          IOStreams
	fs           *pflag.FlagSet
	cmd          *cobra.Command
	target       string
	approaches   string
	durations    string
	concurrency  string
	objects      int
	cold         bool
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
	retries      int
	assumeDelay  time.Duration
	devVars      string
	workersDir   string
	pushInterval time.Duration
	localMinute  time.Duration
	thresholds   []string
	exports      exportFlags
	billingFlags
	bucketFlags
}

func (f *runOptions) register(cmd *cobra.Command) {
	d := config.Defaults()
	fs := cmd.Flags()
	f.fs = fs
	fs.StringVar(&f.target, "target", d.Target, "where the Workers run: 'local' (embedded emulator), 'wrangler' (workers/ under wrangler dev) or the URL of a deployed Worker (env TEST_URL)")
	fs.StringVar(&f.approaches, "approaches", "", "approaches to compare, comma-separated, as the target names them in /patterns (default: every one it offers but those it marks optional, which run only when named; "+strings.Join(d.Approaches, ",")+" for a target without /patterns)")
	fs.StringVar(&f.durations, "durations", "100ms,500ms,1s", "upstream delays, comma-separated (e.g. 100ms,1s,5s; 0..30s)")
	fs.StringVar(&f.concurrency, "concurrency", "1", "ops kept in flight against one origin object, comma-separated for a plan dimension (e.g. 1,4; 1.."+fmt.Sprint(experiment.MaxConcurrency)+")")
	fs.IntVar(&f.objects, "objects", 1, "origin objects each batch's ops are spread over (op i on object i mod N; names derived from the batch id)")
	fs.BoolVar(&f.cold, "cold", false, "every batch uses fresh origin objects; its first op on each is reported apart (cold op)")
	fs.IntVar(&f.ops, "ops", d.Ops, "ops per batch")
	fs.IntVar(&f.batches, "batches", d.Batches, "batches per cell (approach × duration)")
	fs.IntVar(&f.warmup, "warmup", d.Warmup, "warmup ops per approach, run first and excluded from statistics")
	fs.StringVar(&f.order, "order", d.Order, "batch order: interleave (cycle through cells), sequential, random, minute (each cell in whole minutes of its own; the default with --billing analytics)")
	fs.Int64Var(&f.seed, "seed", d.Seed, "seed for --order random")
	fs.StringVar(&f.out, "out", d.Out, "results folder; the file is rewritten after every batch")
	fs.StringVar(&f.format, "format", d.Format, "report format on stdout: "+strings.Join(report.Formats, ", "))
	fs.BoolVar(&f.noTUI, "no-tui", false, "headless: progress on stderr, report on stdout (automatic when stdout is not a terminal)")
	fs.BoolVar(&f.tui, "tui", false, "force the full-screen TUI")
	fs.BoolVar(&f.yes, "yes", false, "TUI: skip the setup screen and run the plan given by the flags")
	fs.BoolVar(&f.noColor, "no-color", false, "no colour (also NO_COLOR=1)")
	fs.DurationVar(&f.hopLatency, "hop-latency", 0, "local target: latency added to every internal hop, to mimic the network")
	fs.DurationVar(&f.batchTimeout, "batch-timeout", 0, "per-batch timeout (default max(60s, 3 × ops × duration + 10s))")
	fs.IntVar(&f.retries, "retries", d.Retries, "run a failed batch (dropped, timed out, an error frame) again up to this many times; the failed attempt stays in the results file, marked retried")
	fs.DurationVar(&f.assumeDelay, "assume-server-duration", 0, "for a target that applies its own upstream delay (no durationMs capability): the delay you assert it uses, as the plan's one duration label")
	fs.StringVar(&f.devVars, "dev-vars", ".dev.vars", "wrangler-style KEY=VALUE file read before the environment")
	fs.StringVar(&f.workersDir, "workers-dir", d.WorkersDir, "the workers/ project that --target wrangler runs under wrangler dev")
	fs.DurationVar(&f.pushInterval, "local-push-interval", d.LocalPushInterval, "local target: how often its Logpush emulator writes a .log.gz object")
	fs.DurationVar(&f.localMinute, "local-analytics-minute", localtarget.DefaultAnalyticsMinute, "local target: the emulated GraphQL Analytics minute (Cloudflare's is 1m; shorter keeps --order minute runs short)")
	fs.StringArrayVar(&f.thresholds, "threshold", nil, "CI gate checked after the run, repeatable: e.g. simple.p95<1.2s, savings(simple,1s)>50%; exit 3 when one fails")
	f.exports.register(fs)
	f.billingFlags.register(fs, d.PollTimeout)
	f.bucketFlags.register(fs)
}

// config resolves defaults < .dev.vars < environment < flags.
func (f *runOptions) config() (config.Config, error) {
	cfg := config.Defaults()
	vars, err := config.LoadDevVars(f.devVars)
	if err != nil {
		return cfg, &errext.UsageError{Flag: "dev-vars", Msg: err.Error()}
	}
	cfg.Layer(vars)
	cfg.Layer(f.ios.Env)
	fs := f.fs
	if config.Changed(fs, "target") {
		cfg.Target = f.target
	}
	cfg.Target = strings.TrimSpace(cfg.Target)
	if experiment.KindOf(cfg.Target) == experiment.TargetURL && !strings.HasPrefix(cfg.Target, "http://") && !strings.HasPrefix(cfg.Target, "https://") {
		return cfg, &errext.UsageError{Flag: "target", Msg: fmt.Sprintf("%q is not 'local', 'wrangler' or an http(s) URL", cfg.Target)}
	}
	cfg.WorkersDir = f.workersDir
	if f.pushInterval < 100*time.Millisecond || f.pushInterval > 5*time.Minute {
		return cfg, &errext.UsageError{Flag: "local-push-interval", Msg: "must be within 100ms..5m"}
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
		return cfg, &errext.UsageError{Flag: "approaches", Msg: "at least one approach is needed"}
	}
	ds, err := experiment.ParseDurations(f.durations)
	if err != nil {
		return cfg, &errext.UsageError{Flag: "durations", Msg: err.Error()}
	}
	cfg.Durations = ds
	cfg.DurationsGiven, cfg.AssumeServerDuration = config.Changed(fs, "durations"), f.assumeDelay
	if cfg.Concurrency, err = experiment.ParseConcurrency(f.concurrency); err != nil {
		return cfg, &errext.UsageError{Flag: "concurrency", Msg: err.Error()}
	}
	if f.objects < 1 || f.objects > experiment.MaxObjects {
		return cfg, &errext.UsageError{Flag: "objects", Msg: fmt.Sprintf("must be within 1..%d", experiment.MaxObjects)}
	}
	cfg.Objects, cfg.Cold = f.objects, f.cold
	cfg.Ops, cfg.Batches, cfg.Warmup, cfg.Order, cfg.Seed = f.ops, f.batches, f.warmup, f.order, f.seed
	if _, an := session.BillingSources(cfg.Billing); an && !config.Changed(fs, "order") {
		cfg.Order = experiment.OrderMinute // per-minute billing needs cells in minutes of their own
	}
	if f.localMinute < 10*time.Millisecond || f.localMinute > time.Minute {
		return cfg, &errext.UsageError{Flag: "local-analytics-minute", Msg: "must be within 10ms..1m"}
	}
	cfg.LocalAnalyticsMinute = f.localMinute
	cfg.Out, cfg.Format, cfg.HopLatency, cfg.BatchTimeout = f.out, f.format, f.hopLatency, f.batchTimeout
	if err := formatFlag(cfg.Format); err != nil {
		return cfg, err
	}
	if cfg.HopLatency < 0 || cfg.HopLatency > 10*time.Second {
		return cfg, &errext.UsageError{Flag: "hop-latency", Msg: "must be within 0..10s"}
	}
	if cfg.BatchTimeout < 0 {
		return cfg, &errext.UsageError{Flag: "batch-timeout", Msg: "must not be negative"}
	}
	if cfg.Retries = f.retries; cfg.Retries < 0 || cfg.Retries > 10 {
		return cfg, &errext.UsageError{Flag: "retries", Msg: "must be within 0..10"}
	}
	return cfg, cfg.Plan.Validate()
}

func (f *runOptions) run(cmd *cobra.Command) error {
	f.cmd = cmd
	ios := f.ios
	cfg, err := f.config()
	if err != nil {
		return err
	}
	ts, err := parseThresholds(f.thresholds)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	if f.tui && f.noTUI {
		return &errext.UsageError{Flag: "tui", Msg: "--tui and --no-tui contradict each other"}
	}
	if f.tui || (!f.noTUI && len(ts) == 0 && isTerminal(ios.Stdout) && isTerminalReader(ios.Stdin)) {
		return runTUI(ctx, cfg, ios, f.yes, f.noColor)
	}
	// The plan is final once the target's /patterns are known: refuse a
	// gate it could never pass before spending the run's time.
	checkGates := func(p experiment.Plan) error {
		if err := report.CheckThresholds(ts, p); err != nil {
			return &errext.UsageError{Flag: "threshold", Msg: err.Error()}
		}
		return nil
	}
	s, err := session.Prepare(ctx, cfg, "pfx-tui "+toolVersion(), checkGates)
	if err != nil {
		return err
	}
	defer s.Close()
	var gateErr error
	err = headless.Run(ctx, s, headless.Options{Stdout: ios.Stdout, Stderr: ios.Stderr, Format: cfg.Format,
		Styled: isTerminal(ios.Stdout) && ios.Env[config.EnvNoColor] == "" && !f.noColor,
		Live:   isTerminal(ios.Stderr), Width: terminalWidth(ios.Stderr),
		// Gates are checked once billing is in, before the report is
		// written, so the results file and the JSON carry their outcome.
		BeforeReport: func(r *report.Results) { gateErr = gates(r, ts) }})
	csvGates(ios, s.Results, cfg.Format)
	if exportErr := f.exports.write(ios, s.Results); err == nil {
		err = exportErr
	}
	if err != nil {
		return err
	}
	return gateErr
}
