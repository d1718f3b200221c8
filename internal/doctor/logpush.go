package doctor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/pfx-tui/pfx-tui/internal/cfapi"
	"github.com/pfx-tui/pfx-tui/internal/config"
)

// Fixes shared by several checks.
const (
	fixSetup   = "pfx-tui setup logpush (creates the job, or updates this one)"
	fixRestart = "pfx-tui setup logpush --restart (disables and re-enables the job), or delete it and run pfx-tui setup logpush"
)

// logpush: the job, through the API, then the Worker's "logpush" setting.
func (d *doctor) logpush(ctx context.Context) {
	cfg := d.o.Cfg
	g := d.group("Logpush job (Cloudflare API)")
	if !d.o.APIToken.Set() {
		d.add(g, Fail, cfapi.EnvAPIToken+" is not set: the Logpush job cannot be checked",
			"create an API token (My Profile → API Tokens) with the account permissions Logs: Read (Logs: Edit for pfx-tui setup logpush) and Workers Scripts: Read, and put it in "+d.o.DevVarsPath+" as "+cfapi.EnvAPIToken)
		d.add(d.group("Worker "+d.o.Script), Skip, `"logpush": true not checked`, "needs "+cfapi.EnvAPIToken)
		return
	}
	if cfg.AccountID == "" {
		d.add(g, Skip, "not checked: "+config.EnvAccountID+" not set", "see settings above")
		return
	}
	c, err := cfapi.New(cfapi.Options{BaseURL: d.o.APIBaseURL, Token: d.o.APIToken, AccountID: cfg.AccountID})
	if err != nil {
		d.add(g, Fail, err.Error(), "fix the setting named")
		return
	}
	jobs, err := c.ListLogpushJobs(ctx)
	if err != nil {
		d.add(g, Fail, "cannot list the Logpush jobs: "+err.Error(), apiFix(err, "Logs: Read", cfg.AccountID))
		d.worker(ctx, c)
		return
	}
	var traces []cfapi.LogpushJob
	for _, j := range jobs {
		if j.Dataset == cfapi.DatasetWorkersTraceEvents {
			traces = append(traces, j)
		}
	}
	if len(traces) == 0 {
		d.add(g, Fail, fmt.Sprintf("no Logpush job for %s in account %s (%s of other datasets)", cfapi.DatasetWorkersTraceEvents, cfg.AccountID, plural(len(jobs), "job")), fixSetup)
		d.worker(ctx, c)
		return
	}
	job := pick(traces, cfg.Bucket, cfg.Prefix)
	name := fmt.Sprintf("job %d", job.ID)
	if job.Name != "" {
		name += fmt.Sprintf(" %q", job.Name)
	}
	title := name + " pushes " + cfapi.DatasetWorkersTraceEvents
	if len(traces) > 1 {
		title += fmt.Sprintf(" (%d jobs for this dataset; this is the one for bucket %s)", len(traces), cfg.Bucket)
	}
	d.add(g, OK, title, "")
	d.destination(g, job)
	if job.Enabled {
		d.add(g, OK, "enabled", "")
	} else {
		d.add(g, Fail, name+" is disabled: it pushes nothing", fixSetup+"; it enables the job")
	}
	d.health(g, job)
	d.fields(g, job)
	d.worker(ctx, c)
}

// apiFix says what to do about a failed API call.
func apiFix(err error, permission, account string) string {
	switch {
	case errors.Is(err, cfapi.ErrAuth):
		return "the token was refused: check " + cfapi.EnvAPIToken + " (expired, revoked or mistyped); verify it with curl https://api.cloudflare.com/client/v4/user/tokens/verify -H \"Authorization: Bearer $" + cfapi.EnvAPIToken + "\""
	case errors.Is(err, cfapi.ErrPermission):
		return "give the token the account permission " + permission + " for account " + account + " (My Profile → API Tokens → Edit), or check " + config.EnvAccountID
	case errors.Is(err, cfapi.ErrNotFound):
		return "check " + config.EnvAccountID + " (the dashboard's Account ID)"
	case errors.Is(err, cfapi.ErrUnreachable):
		return "check the network (and " + cfapi.EnvBaseURL + " if set)"
	}
	return "retry; if it persists, the API's message above says why"
}

// pick chooses the job to check: one writing to the configured bucket and
// prefix, enabled first; else the first enabled one.
func pick(jobs []cfapi.LogpushJob, bucket, prefix string) cfapi.LogpushJob {
	score := func(j cfapi.LogpushJob) int {
		s := 0
		if r, ok := j.Destination.R2(); ok && r.Bucket == bucket {
			s += 4
			if p, _ := r.Prefix(); p == strings.Trim(prefix, "/") {
				s += 2
			}
		}
		if j.Enabled {
			s++
		}
		return s
	}
	best := jobs[0]
	for _, j := range jobs[1:] {
		if score(j) > score(best) {
			best = j
		}
	}
	return best
}

// destination: the job writes to the bucket and prefix pfx-tui reads, in
// date folders, for this account. Only the bucket and path are printed.
func (d *doctor) destination(g string, job cfapi.LogpushJob) {
	cfg := d.o.Cfg
	r, ok := job.Destination.R2()
	if !ok {
		scheme, _, _ := strings.Cut(job.Destination.Reveal(), "://")
		d.add(g, Fail, fmt.Sprintf("writes to a %s:// destination, not R2", scheme), "pfx-tui reads R2: "+fixSetup)
		return
	}
	prefix, dated := r.Prefix()
	where := "r2://" + r.Bucket + "/" + r.Path
	want := cfg.Bucket
	if cfg.Prefix != "" {
		want += "/" + cfg.Prefix
	}
	switch {
	case cfg.Bucket != "" && r.Bucket != cfg.Bucket:
		d.add(g, Fail, fmt.Sprintf("writes to %s, but pfx-tui reads bucket %s", where, cfg.Bucket),
			fmt.Sprintf("set %s=%s (and its read keys), or point a job at %s: %s", config.EnvBucket, r.Bucket, cfg.Bucket, fixSetup))
	case !dated:
		d.add(g, Fail, "writes to "+where+" without a {DATE} folder: pfx-tui lists date folders", fixSetup+"; it writes to "+strings.Trim(where, "/")+"/{DATE}")
	case cfg.Bucket != "" && prefix != strings.Trim(cfg.Prefix, "/"):
		d.add(g, Fail, fmt.Sprintf("writes to %s, but pfx-tui lists %s/", where, want),
			fmt.Sprintf("run pfx-tui with --prefix %q, or %s", prefix, fixSetup))
	case r.AccountID != "" && cfg.AccountID != "" && r.AccountID != cfg.AccountID:
		d.add(g, Fail, fmt.Sprintf("writes to %s in account %s, not %s", where, r.AccountID, cfg.AccountID), "check "+config.EnvAccountID+", or "+fixSetup)
	default:
		d.add(g, OK, "writes to "+where, "")
	}
}

// health: last_error empty, last_complete set and recent.
func (d *doctor) health(g string, job cfapi.LogpushJob) {
	now := d.o.Now()
	if t, ok := job.LastErrorTime(); ok || job.LastError != "" || job.ErrorMessage != "" {
		when := job.LastError
		if ok {
			when = roundAge(now.Sub(t)) + " ago"
		}
		msg := strings.TrimSpace(job.ErrorMessage)
		if msg == "" {
			msg = "no message"
		}
		d.add(g, Fail, fmt.Sprintf("failing: last error %s: %s", when, msg),
			"fix what the message names (often the R2 keys in the destination: a revoked token, or one without Object Write), then "+fixRestart)
	} else {
		d.add(g, OK, "no error (last_error empty)", "")
	}
	t, ok := job.LastCompleteTime()
	switch {
	case !ok:
		d.add(g, Fail, "has never pushed (last_complete empty): stalled, or created minutes ago with no traffic since",
			"send the Worker some traffic and check again in a few minutes; if it stays empty, the job is stalled: "+fixRestart)
	case now.Sub(t) > d.o.StaleAfter:
		d.add(g, Fail, fmt.Sprintf("last push %s ago (last_complete %s): stalled, unless the Worker had no traffic since", roundAge(now.Sub(t)), t.UTC().Format("2006-01-02 15:04Z")),
			"send the Worker some traffic and check again; if last_complete does not move, "+fixRestart)
	default:
		d.add(g, OK, fmt.Sprintf("last push %s ago", roundAge(now.Sub(t))), "")
	}
}

// fields: every field billing needs, unsampled NDJSON.
func (d *doctor) fields(g string, job cfapi.LogpushJob) {
	have, from := job.Fields()
	switch miss := job.MissingFields(cfapi.RequiredFields); {
	case len(have) == 0:
		d.add(g, Fail, "names no fields (neither output_options.field_names nor logpull_options)", fixSetup)
	case len(miss) > 0:
		why := ""
		if slices.Contains(miss, "CPUTimeMs") || slices.Contains(miss, "WallTimeMs") {
			why = " (jobs created before 2025-04-09 do not get CPUTimeMs and WallTimeMs until their field_names are updated)"
		}
		d.add(g, Fail, fmt.Sprintf("%s lack %s", from, config.JoinAnd(miss)), fixSetup+why)
	default:
		d.add(g, OK, fmt.Sprintf("%s include %s", from, config.JoinAnd(cfapi.RequiredFields)), "")
		if miss := job.MissingFields(cfapi.RecommendedFields); len(miss) > 0 {
			d.add(g, Warn, fmt.Sprintf("%s lack %s", from, config.JoinAnd(miss)), "Event tells the delay upstream from the router, Outcome flags failed invocations: "+fixSetup)
		}
	}
	if r := job.SampleRate(); r < 1 {
		d.add(g, Fail, fmt.Sprintf("pushes a %.0f%% sample of the events: billing counts would fall short", r*100), fixSetup+"; it sets sample_rate 1")
	}
	if o, ok := job.Output(); ok {
		switch {
		case o.OutputType != "" && o.OutputType != "ndjson":
			d.add(g, Fail, "writes "+o.OutputType+": pfx-tui reads NDJSON records", fixSetup+"; it sets output_type ndjson")
		case o.RecordTemplate != "":
			d.add(g, Fail, "formats records with a record_template: pfx-tui reads Logpush's own NDJSON records", fixSetup+"; it drops the template")
		}
	}
	if f := job.Filter; f != "" && !strings.Contains(f, d.o.Script) {
		d.add(g, Warn, "has a filter that does not name "+d.o.Script+": "+f, "make sure it lets the Worker under test through (or --script NAME)")
	}
}

// worker: the Worker's "logpush": true.
func (d *doctor) worker(ctx context.Context, c *cfapi.Client) {
	g := d.group("Worker " + d.o.Script)
	s, err := c.WorkerScriptSettings(ctx, d.o.Script)
	switch {
	case errors.Is(err, cfapi.ErrNotFound):
		d.add(g, Fail, fmt.Sprintf("no Worker named %s in account %s", d.o.Script, d.o.Cfg.AccountID), "deploy it (cd workers && npx wrangler deploy), or name yours with --script NAME")
	case err != nil:
		d.add(g, Fail, "cannot read its settings: "+err.Error(), apiFix(err, "Workers Scripts: Read", d.o.Cfg.AccountID))
	case !s.Logpush:
		d.add(g, Fail, `"logpush": false: none of its events reach Logpush`, `add "logpush": true to wrangler.jsonc and redeploy (npx wrangler deploy)`)
	default:
		d.add(g, OK, `"logpush": true`, "")
	}
}
