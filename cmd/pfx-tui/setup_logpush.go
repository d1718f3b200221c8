package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pfx-tui/pfx-tui/internal/cfapi"
	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/errext"
)

func newCmdSetup(ios IOStreams) *cobra.Command {
	setup := &cobra.Command{
		Use:   "setup",
		Short: "Set up Cloudflare for billed runs (setup logpush)",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			return errext.Usagef("", "setup needs a subcommand: logpush")
		},
	}
	setup.AddCommand(newSetupLogpush(ios))
	return setup
}

type setupLogpushFlags struct {
	bucketFlags
	name, script            string
	jobID                   int64
	dryRun, remove, restart bool
}

// Output options that change how records are written: pfx-tui reads
// Logpush's plain NDJSON, so setup drops them.
var recordFormatting = []string{"record_template", "record_prefix", "record_suffix", "record_delimiter", "field_delimiter", "batch_prefix", "batch_suffix"}

func newSetupLogpush(ios IOStreams) *cobra.Command {
	f := &setupLogpushFlags{}
	cmd := &cobra.Command{
		Use:   "logpush",
		Short: "Create or update the Logpush job that bills runs (workers_trace_events → R2)",
		Long: `setup logpush makes the account's Logpush job right for billing, through the Cloudflare API
(CLOUDFLARE_API_TOKEN with the account permission Logs: Edit; account CLOUDFLARE_ACCOUNT_ID):

  - no job for workers_trace_events writes to the bucket (CLOUDFLARE_R2_BUCKET_NAME, --prefix):
    it creates one, enabled, writing NDJSON to r2://<bucket>[/<prefix>]/{DATE} with every
    workers_trace_events field. Logpush writes with its own R2 keys, from an R2 API token with
    Object Read & Write on the bucket: LOGPUSH_R2_ACCESS_KEY_ID and LOGPUSH_R2_SECRET_ACCESS_KEY
    (.dev.vars or the environment). R2 destinations need no ownership challenge.
  - a job exists: it is updated in place: enabled, field_names completed (jobs created before
    2025-04-09 lack CPUTimeMs and WallTimeMs until then), unsampled NDJSON; its destination is
    replaced only when it is wrong or new LOGPUSH_R2_* keys are given.

--dry-run prints the requests (keys masked) and changes nothing; --restart disables and re-enables
the job (the cure for a stalled job); --delete removes it. --script NAME adds a filter keeping only
that Worker's events. Check the result with pfx-tui doctor.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			s := loadCloudflare(ios, f.devVars)
			if s.varsErr != nil {
				return &errext.UsageError{Flag: "dev-vars", Msg: s.varsErr.Error()}
			}
			cfg := s.cfg
			f.bucketFlags.apply(cmd, &cfg)
			if f.remove && f.restart {
				return &errext.UsageError{Flag: "delete", Msg: "--delete and --restart contradict each other"}
			}
			c, err := s.api()
			if err != nil {
				return err
			}
			keyID, secret := config.NewSecret(s.lookup(envLogpushKeyID)), config.NewSecret(s.lookup(envLogpushSecret))
			if keyID.Set() != secret.Set() {
				return &errext.UsageError{Msg: "set both " + envLogpushKeyID + " and " + envLogpushSecret + ", or neither"}
			}
			p := &logpushSetup{ios: ios, c: c, cfg: cfg, f: f, keyID: keyID, secret: secret}
			return p.run(cmd.Context())
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.name, "name", cfapi.DefaultJobName, "name of a job to create")
	fs.StringVar(&f.script, "script", "", "keep only this Worker's events (a Logpush filter on ScriptName)")
	fs.Int64Var(&f.jobID, "job-id", 0, "the job to update or delete (default: the workers_trace_events job writing to the bucket)")
	fs.BoolVar(&f.dryRun, "dry-run", false, "print the requests (keys masked) and change nothing")
	fs.BoolVar(&f.remove, "delete", false, "delete the job")
	fs.BoolVar(&f.restart, "restart", false, "disable and re-enable the job (a stalled job's cure)")
	f.bucketFlags.register(fs)
	return cmd
}

type logpushSetup struct {
	ios           IOStreams
	c             *cfapi.Client
	cfg           config.Config
	f             *setupLogpushFlags
	keyID, secret config.Secret
}

func (p *logpushSetup) say(format string, args ...any) {
	fmt.Fprintf(p.ios.Stdout, format+"\n", args...)
}

// send performs one request, or prints it under --dry-run.
func (p *logpushSetup) send(ctx context.Context, method string, id int64, body *cfapi.JobRequest) (cfapi.LogpushJob, error) {
	if p.f.dryRun {
		p.say("%s", p.c.Endpoint(method, p.c.JobsPath(id)))
		if body != nil {
			enc := json.NewEncoder(p.ios.Stdout) // Destination masks its keys
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			_ = enc.Encode(body)
		}
		return cfapi.LogpushJob{ID: id}, nil
	}
	switch method {
	case http.MethodPost:
		return p.c.CreateLogpushJob(ctx, *body)
	case http.MethodPut:
		return p.c.UpdateLogpushJob(ctx, id, *body)
	}
	return cfapi.LogpushJob{}, p.c.DeleteLogpushJob(ctx, id)
}

func (p *logpushSetup) run(ctx context.Context) error {
	cfg := p.cfg
	if cfg.Bucket == "" {
		return &errext.UsageError{Flag: "bucket", Msg: "no bucket: set " + config.EnvBucket + " or --bucket"}
	}
	jobs, err := p.c.ListLogpushJobs(ctx)
	if err != nil {
		return p.apiError(err)
	}
	job, found, err := p.find(jobs)
	if err != nil {
		return err
	}
	if p.f.dryRun {
		p.say("pfx-tui setup logpush --dry-run: nothing is changed; the requests would be:")
	}
	switch {
	case p.f.remove:
		if !found {
			return errext.Errorf(errext.Runtime, "no %s job writes to bucket %s: nothing to delete (--job-id N names one)", cfapi.DatasetWorkersTraceEvents, cfg.Bucket)
		}
		if _, err := p.send(ctx, http.MethodDelete, job.ID, nil); err != nil {
			return p.apiError(err)
		}
		if !p.f.dryRun {
			p.say("deleted Logpush job %d %q (it wrote to %s)", job.ID, job.Name, job.Destination)
		}
		return nil
	case !found:
		if err := p.create(ctx); err != nil {
			return err
		}
	default:
		if err := p.update(ctx, job); err != nil {
			return err
		}
	}
	if !p.f.dryRun {
		p.say("check it with: pfx-tui doctor (the first objects land minutes after the Worker's first traffic)")
	}
	return nil
}

// find picks the job to work on: --job-id, else the workers_trace_events
// job writing to the bucket (matching prefix and enabled preferred).
func (p *logpushSetup) find(jobs []cfapi.LogpushJob) (cfapi.LogpushJob, bool, error) {
	if p.f.jobID != 0 {
		for _, j := range jobs {
			if j.ID == p.f.jobID {
				if j.Dataset != cfapi.DatasetWorkersTraceEvents {
					return j, false, &errext.UsageError{Flag: "job-id", Msg: fmt.Sprintf("job %d pushes %s, not %s", j.ID, j.Dataset, cfapi.DatasetWorkersTraceEvents)}
				}
				return j, true, nil
			}
		}
		return cfapi.LogpushJob{}, false, &errext.UsageError{Flag: "job-id", Msg: fmt.Sprintf("account %s has no Logpush job %d", p.cfg.AccountID, p.f.jobID)}
	}
	var best cfapi.LogpushJob
	score := -1
	for _, j := range jobs {
		r, ok := j.Destination.R2()
		if j.Dataset != cfapi.DatasetWorkersTraceEvents || !ok || r.Bucket != p.cfg.Bucket {
			continue
		}
		s := 0
		if prefix, _ := r.Prefix(); prefix == strings.Trim(p.cfg.Prefix, "/") {
			s += 2
		}
		if j.Enabled {
			s++
		}
		if s > score {
			best, score = j, s
		}
	}
	return best, score >= 0, nil
}

func (p *logpushSetup) destination() (cfapi.Destination, error) {
	if !p.keyID.Set() {
		return "", &errext.UsageError{Msg: fmt.Sprintf("the job's destination needs the R2 keys Logpush writes with: set %s and %s (an R2 API token with Object Read & Write on bucket %s; pfx-tui's own keys are read-only), in .dev.vars or the environment",
			envLogpushKeyID, envLogpushSecret, p.cfg.Bucket)}
	}
	return cfapi.R2DestinationConf(p.cfg.Bucket, p.cfg.Prefix, p.cfg.AccountID, p.keyID.Reveal(), p.secret.Reveal()), nil
}

func (p *logpushSetup) where() string {
	w := "r2://" + p.cfg.Bucket
	if pre := strings.Trim(p.cfg.Prefix, "/"); pre != "" {
		w += "/" + pre
	}
	return w + "/{DATE}"
}

func (p *logpushSetup) create(ctx context.Context) error {
	dest, err := p.destination()
	if err != nil {
		return err
	}
	body := cfapi.JobRequest{
		Name: p.f.name, Dataset: cfapi.DatasetWorkersTraceEvents, Enabled: cfapi.Bool(true), Destination: dest,
		OutputOptions: map[string]any{"output_type": "ndjson", "field_names": cfapi.JobFields},
	}
	if p.f.script != "" {
		body.Filter = cfapi.ScriptFilter(p.f.script)
	}
	job, err := p.send(ctx, http.MethodPost, 0, &body)
	if err != nil {
		return p.apiError(err)
	}
	if !p.f.dryRun {
		p.say("created Logpush job %d %q: %s → %s, %d fields, enabled", job.ID, job.Name, cfapi.DatasetWorkersTraceEvents, p.where(), len(cfapi.JobFields))
	}
	return nil
}

func (p *logpushSetup) update(ctx context.Context, job cfapi.LogpushJob) error {
	var body cfapi.JobRequest
	var changes []string
	if !job.Enabled {
		body.Enabled = cfapi.Bool(true)
		changes = append(changes, "enabled")
	}
	// output_options: complete field_names, unsampled NDJSON, keeping the
	// options pfx-tui does not care about (timestamp_format, CVE-2021-44228).
	out := job.OutputMap()
	have, _ := job.Fields()
	fields := slices.Clone(cfapi.JobFields)
	for _, f := range have {
		if !slices.Contains(fields, f) {
			fields = append(fields, f)
		}
	}
	outChanged := false
	if miss := job.MissingFields(cfapi.JobFields); len(miss) > 0 || len(job.OutputMap()) == 0 {
		outChanged = true
		if len(miss) > 0 {
			changes = append(changes, "field_names += "+strings.Join(miss, ", "))
		} else {
			changes = append(changes, "field_names moved from logpull_options to output_options")
		}
	}
	if t, _ := out["output_type"].(string); t != "" && t != "ndjson" {
		outChanged = true
		changes = append(changes, "output_type ndjson")
	}
	if job.SampleRate() < 1 {
		outChanged = true
		changes = append(changes, "sample_rate 1")
	}
	for _, k := range recordFormatting {
		if _, ok := out[k]; ok {
			outChanged = true
			changes = append(changes, "no "+k)
			delete(out, k)
		}
	}
	if outChanged {
		out["field_names"], out["output_type"] = fields, "ndjson"
		if _, ok := out["sample_rate"]; ok || job.SampleRate() < 1 {
			out["sample_rate"] = 1.0
		}
		body.OutputOptions = out
	}
	r, _ := job.Destination.R2()
	prefix, dated := r.Prefix()
	wrongPlace := r.Bucket != p.cfg.Bucket || !dated || prefix != strings.Trim(p.cfg.Prefix, "/") || r.AccountID != "" && r.AccountID != p.cfg.AccountID
	switch {
	case wrongPlace:
		dest, err := p.destination()
		if err != nil {
			return fmt.Errorf("job %d writes to %s, not %s: %w", job.ID, job.Destination, p.where(), err)
		}
		body.Destination = dest
		changes = append(changes, "destination "+p.where())
	case p.keyID.Set():
		// New keys given: replace them unless the job already has these.
		if dest, _ := p.destination(); dest.Reveal() != job.Destination.Reveal() {
			body.Destination = dest
			changes = append(changes, "destination keys")
		}
	}
	if p.f.script != "" && job.Filter != cfapi.ScriptFilter(p.f.script) {
		body.Filter = cfapi.ScriptFilter(p.f.script)
		changes = append(changes, "filter ScriptName = "+p.f.script)
	}
	if len(changes) == 0 && !p.f.restart {
		p.say("Logpush job %d %q is already right: %s → %s, enabled, every required field", job.ID, job.Name, cfapi.DatasetWorkersTraceEvents, p.where())
		return nil
	}
	if len(changes) > 0 {
		if _, err := p.send(ctx, http.MethodPut, job.ID, &body); err != nil {
			return p.apiError(err)
		}
		if !p.f.dryRun {
			p.say("updated Logpush job %d %q: %s", job.ID, job.Name, strings.Join(changes, "; "))
		}
	}
	if p.f.restart {
		for _, on := range []bool{false, true} {
			if _, err := p.send(ctx, http.MethodPut, job.ID, &cfapi.JobRequest{Enabled: cfapi.Bool(on)}); err != nil {
				return p.apiError(err)
			}
		}
		if !p.f.dryRun {
			p.say("restarted Logpush job %d %q (disabled, then enabled)", job.ID, job.Name)
		}
	}
	return nil
}

// apiError adds the fix to an API failure.
func (p *logpushSetup) apiError(err error) error {
	var hint string
	switch {
	case errors.Is(err, cfapi.ErrAuth):
		hint = "check " + cfapi.EnvAPIToken + " (expired, revoked or mistyped)"
	case errors.Is(err, cfapi.ErrPermission):
		hint = "give the token the account permission Logs: Edit for account " + p.cfg.AccountID
	case strings.Contains(strings.ToLower(err.Error()), "ownership"):
		hint = "the API wants an ownership challenge for this destination: delete the job (pfx-tui setup logpush --delete) and run pfx-tui setup logpush again"
	default:
		return errext.WithExitCode(err, errext.Runtime)
	}
	return errext.Errorf(errext.Runtime, "%v: %s", err, hint)
}

// Settings only setup logpush reads (.dev.vars < environment).
const (
	// envLogpushKeyID and envLogpushSecret are the R2 token Logpush writes
	// with (Object Read & Write), apart from pfx-tui's read-only keys.
	envLogpushKeyID  = "LOGPUSH_R2_ACCESS_KEY_ID"
	envLogpushSecret = "LOGPUSH_R2_SECRET_ACCESS_KEY"
)

// api builds the API client, or says what is missing as a usage error.
func (s cfSettings) api() (*cfapi.Client, error) {
	if !s.token().Set() {
		return nil, &errext.UsageError{Msg: cfapi.EnvAPIToken + " is not set: create an API token with the account permission Logs: Edit and put it in .dev.vars or the environment"}
	}
	if s.cfg.AccountID == "" {
		return nil, &errext.UsageError{Msg: config.EnvAccountID + " is not set (the dashboard's Account ID; .dev.vars or the environment)"}
	}
	c, err := cfapi.New(cfapi.Options{BaseURL: s.apiBaseURL(), Token: s.token(), AccountID: s.cfg.AccountID})
	if err != nil {
		return nil, &errext.UsageError{Msg: err.Error()}
	}
	return c, nil
}
