// Package doctor checks everything a billed run on Cloudflare depends on,
// in the order a user sets it up: the settings (.dev.vars and the
// environment), the deployed Worker (/version, /patterns, the clock), R2
// access and what Logpush last wrote there, the Logpush job (through the
// Cloudflare API: it exists, is enabled, pushes, has no error, sends the
// fields billing needs, to the bucket pfx-tui reads), and the Worker's
// "logpush": true. Every failed check says how to fix it. No check ever
// prints a credential: variables are named, values are not.
package doctor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/cfapi"
	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/r2"
	"github.com/pfx-tui/pfx-tui/internal/runner"
)

// Status of one check.
type Status int

// Statuses: a warning or a skipped check does not fail the doctor.
const (
	OK Status = iota
	Warn
	Fail
	Skip
)

// Mark is the status's symbol in the checklist.
func (s Status) Mark() string {
	switch s {
	case OK:
		return "✓"
	case Warn:
		return "!"
	case Fail:
		return "✗"
	}
	return "-"
}

// Check is one line of the checklist.
type Check struct {
	Group  string
	Status Status
	// Title is what was found.
	Title string
	// Fix says what to do (for anything but OK).
	Fix string
}

// Report is the checklist.
type Report struct {
	Groups []string // in order of appearance, with their headings
	Checks []Check
}

// Count returns how many checks have status s.
func (r Report) Count(s Status) int {
	n := 0
	for _, c := range r.Checks {
		if c.Status == s {
			n++
		}
	}
	return n
}

// Render writes the checklist, group by group.
func (r Report) Render(w io.Writer) {
	for i, g := range r.Groups {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w, g)
		for _, c := range r.Checks {
			if c.Group != g {
				continue
			}
			fmt.Fprintf(w, "  %s %s\n", c.Status.Mark(), c.Title)
			if c.Fix != "" && c.Status != OK {
				fmt.Fprintf(w, "      → %s\n", c.Fix)
			}
		}
	}
	fmt.Fprintln(w)
	fails, warns := r.Count(Fail), r.Count(Warn)
	switch {
	case fails > 0:
		fmt.Fprintf(w, "%s failed%s.\n", plural(fails, "check"), warnPart(warns))
	default:
		fmt.Fprintf(w, "All checks passed%s.\n", warnPart(warns))
	}
}

func warnPart(n int) string {
	if n == 0 {
		return ""
	}
	return ", " + plural(n, "warning")
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// Options are what the doctor checks.
type Options struct {
	// Cfg is the resolved configuration (defaults < .dev.vars < env < flags).
	Cfg config.Config
	// DevVarsPath is the .dev.vars file that was read; DevVars its
	// settings (nil when it does not exist), DevVarsErr a read failure.
	DevVarsPath string
	DevVars     map[string]string
	DevVarsErr  error
	// Env is the process environment (to say where a setting came from).
	Env map[string]string
	// APIToken and APIBaseURL reach the Cloudflare API.
	APIToken   config.Secret
	APIBaseURL string
	// Script is the Worker whose "logpush" setting is checked.
	Script string
	// StaleAfter: a Logpush job whose last push is older fails (default 24 h).
	StaleAfter time.Duration
	// Now, Probe (/version and /patterns with PFX_TOKEN) and Status (the
	// HTTP status of /version with a token, or none) are replaced by tests.
	Now    func() time.Time
	Probe  func(ctx context.Context, url, token string) (experiment.TargetInfo, error)
	Status func(ctx context.Context, url, token string) (int, error)
}

// Groups' headings.
const (
	groupConfig = "settings"
)

type doctor struct {
	o   Options
	rep Report
	// secrets are scrubbed from anything quoted from elsewhere.
	secrets []string
}

func (d *doctor) group(name string) string {
	d.rep.Groups = append(d.rep.Groups, name)
	return name
}

func (d *doctor) add(group string, s Status, title, fix string) {
	d.rep.Checks = append(d.rep.Checks, Check{Group: group, Status: s, Title: d.scrub(title), Fix: d.scrub(fix)})
}

// credParam masks credential-looking query parameters in quoted text.
var credParam = regexp.MustCompile(`(?i)((?:access-key-id|secret-access-key|[a-z_-]*(?:secret|token|password|api-key)[a-z_-]*)=)[^&\s"']+`)

func (d *doctor) scrub(s string) string {
	for _, v := range d.secrets {
		if len(v) >= 4 {
			s = strings.ReplaceAll(s, v, "[redacted]")
		}
	}
	return credParam.ReplaceAllString(s, "${1}"+cfapi.Redacted)
}

// Run performs every check; it never fails itself, each problem is a line.
func Run(ctx context.Context, o Options) Report {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Probe == nil {
		o.Probe = runner.ProbeToken
	}
	if o.Status == nil {
		o.Status = runner.VersionStatus
	}
	if o.StaleAfter <= 0 {
		o.StaleAfter = 24 * time.Hour
	}
	if o.Script == "" {
		o.Script = cfapi.DefaultScript
	}
	d := &doctor{o: o, secrets: []string{o.APIToken.Reveal(), o.Cfg.AccessKeyID.Reveal(), o.Cfg.SecretAccessKey.Reveal(), o.Cfg.Token.Reveal()}}
	d.settings()
	d.target(ctx)
	d.bucket(ctx)
	d.logpush(ctx)
	return d.rep
}

// settings: .dev.vars and which variables are set (never their values).
func (d *doctor) settings() {
	g := d.group(groupConfig)
	o := d.o
	switch {
	case o.DevVarsErr != nil:
		d.add(g, Fail, fmt.Sprintf("%s cannot be read: %v", o.DevVarsPath, o.DevVarsErr), "fix the line named: KEY=value, one a line, # for comments")
	case o.DevVars == nil:
		d.add(g, OK, fmt.Sprintf("no %s: settings come from the environment", o.DevVarsPath), "")
	default:
		d.add(g, OK, fmt.Sprintf("%s: %s read (values are never shown)", o.DevVarsPath, plural(len(o.DevVars), "setting")), "")
		if fi, err := os.Stat(o.DevVarsPath); err == nil && fi.Mode().Perm()&0o077 != 0 {
			d.add(g, Warn, fmt.Sprintf("%s is readable by other users (mode %v)", o.DevVarsPath, fi.Mode().Perm()), "chmod 600 "+o.DevVarsPath)
		}
	}
	if wd := o.Cfg.WorkersDir; wd != "" {
		inWorkers := filepath.Join(wd, ".dev.vars")
		if _, err := os.Stat(inWorkers); err == nil && filepath.Clean(inWorkers) != filepath.Clean(o.DevVarsPath) {
			d.add(g, Warn, inWorkers+" exists: wrangler dev loads it into the Worker's env", "keep the credentials in the .dev.vars of the directory you run pfx-tui from, not in "+wd+"/")
		}
	}
	names := []string{config.EnvAccountID, config.EnvBucket, config.EnvAccessKeyID, config.EnvSecretAccessKey, cfapi.EnvAPIToken}
	var missing, sources []string
	bySource := map[string][]string{}
	for _, n := range names {
		from := d.source(n)
		if from == "" {
			missing = append(missing, n)
			continue
		}
		if bySource[from] == nil {
			sources = append(sources, from)
		}
		bySource[from] = append(bySource[from], n)
	}
	for _, from := range sources {
		d.add(g, OK, "set in "+from+": "+strings.Join(bySource[from], ", "), "")
	}
	if len(missing) > 0 {
		d.add(g, Fail, "not set: "+config.JoinAnd(missing), "add them to "+o.DevVarsPath+" (KEY=value lines; keep the file out of git) or to the environment; docs/cloudflare.md says where each comes from")
	}
}

// source says where a setting came from: "environment", the .dev.vars
// file, "flag" or "" (not set).
func (d *doctor) source(name string) string {
	if d.o.Env[name] != "" {
		return "the environment"
	}
	if d.o.DevVars[name] != "" {
		return d.o.DevVarsPath
	}
	switch name {
	case config.EnvBucket:
		if d.o.Cfg.Bucket != "" {
			return "a flag"
		}
	}
	return ""
}

// protected: the target refuses /version without PFX_TOKEN (so strangers
// cannot open batches on the owner's bill), and pfx-tui has a token to send.
func (d *doctor) protected(ctx context.Context, g string) {
	cfg := d.o.Cfg
	put := "pick a random token (e.g. openssl rand -hex 32), run `npx wrangler secret put PFX_TOKEN` in workers/ with it and set " +
		config.EnvPFXToken + " in " + d.o.DevVarsPath + " to the same value"
	if !cfg.Token.Set() {
		d.add(g, Fail, config.EnvPFXToken+" is not set: pfx-tui sends no token to the Worker", put)
	}
	status, err := d.o.Status(ctx, cfg.Target, "")
	switch {
	case err != nil:
		// Unreachable: the probe below says so.
	case status == http.StatusUnauthorized:
		d.add(g, OK, "without "+config.EnvPFXToken+" /version answers 401: the Worker is protected", "")
	case status == http.StatusServiceUnavailable:
		d.add(g, Fail, "the Worker has no "+config.EnvPFXToken+" secret: it refuses everything but /health (503)", put)
	case status == http.StatusOK:
		d.add(g, Fail, "without a token /version answers 200: anyone who finds this URL can run batches on your bill",
			"deploy the current workers/ (npx wrangler deploy; it requires PFX_TOKEN), then "+put)
	default:
		d.add(g, Warn, fmt.Sprintf("without a token /version answers HTTP %d (a protected Worker answers 401)", status), "deploy the current workers/ (npx wrangler deploy)")
	}
}

// target: /version answers, /patterns, the clock.
func (d *doctor) target(ctx context.Context) {
	cfg := d.o.Cfg
	kind := experiment.KindOf(cfg.Target)
	if kind != experiment.TargetURL {
		g := d.group("target")
		d.add(g, Skip, "the target is the "+string(kind)+" one: nothing deployed to check", "set "+config.EnvTestURL+"=https://pfx-experiment.<subdomain>.workers.dev (or --target URL) to check the deployed Worker")
		return
	}
	g := d.group("target " + cfg.Target)
	d.protected(ctx, g)
	info, err := d.o.Probe(ctx, cfg.Target, cfg.Token.Reveal())
	if err != nil && strings.Contains(err.Error(), "HTTP 401") && cfg.Token.Set() {
		d.add(g, Fail, "/version refused "+config.EnvPFXToken+" (401): the token differs from the Worker's secret",
			"set "+config.EnvPFXToken+" in "+d.o.DevVarsPath+" to the value given to `npx wrangler secret put PFX_TOKEN` (or put a new one there and here)")
		return
	}
	if err != nil {
		d.add(g, Fail, "/version does not answer: "+err.Error(), "check the URL (npx wrangler deploy prints it) and that the Worker is deployed: curl "+strings.TrimSuffix(cfg.Target, "/")+"/version")
		return
	}
	what := ""
	if info.Version != nil {
		what = fmt.Sprintf(" (version %d)", info.Version.Version)
		if info.Version.Emulator != "" {
			what += ", a pfx-tui emulator: its figures are emulated"
		}
	}
	d.add(g, OK, fmt.Sprintf("/version answered in %.0f ms%s", info.RTTMs, what), "")
	if modes := experiment.Modes(info.Patterns); len(modes) > 0 {
		d.add(g, OK, "/patterns offers "+strings.Join(modes, ", "), "")
	} else {
		d.add(g, Warn, "/patterns lists no approach", "a target without /patterns runs the --approaches given; workers/ serves /patterns (redeploy it)")
	}
	off := math.Round(info.ClockOffsetMs)
	if off == 0 {
		off = 0 // no "-0"
	}
	switch {
	case info.Version == nil || info.Version.Timestamp == 0:
		d.add(g, Warn, "/version gave no timestamp: the clock offset is unknown", "untagged records are attributed by time; workers/ returns a timestamp (redeploy it)")
	case math.Abs(off) > 2000:
		d.add(g, Warn, fmt.Sprintf("this machine's clock is %+.0f ms off the Worker's (RTT %.0f ms)", off, info.RTTMs), "runs correct time windows by the offset, but sync this machine's clock (NTP); tagged records are not affected")
	default:
		d.add(g, OK, fmt.Sprintf("clock offset %+.0f ms (RTT %.0f ms)", off, info.RTTMs), "")
	}
}

// r2Config is how run reads the bucket (session.R2Config without the
// emulator).
func r2Config(cfg config.Config) r2.Config {
	c := r2.FromConfig(cfg)
	c.Endpoint, c.Jurisdiction, c.Prefix, c.PathStyle = cfg.R2Endpoint, cfg.Jurisdiction, cfg.Prefix, cfg.PathStyle
	c.MaxAttempts = 2
	return c
}

// bucket: list permission, and the newest Logpush object.
func (d *doctor) bucket(ctx context.Context) {
	cfg := d.o.Cfg
	where := cfg.Bucket
	if cfg.Prefix != "" {
		where += "/" + cfg.Prefix
	}
	if where == "" {
		where = "(no bucket)"
	}
	g := d.group("R2 " + where)
	if miss := cfg.MissingR2(); len(miss) > 0 {
		d.add(g, Skip, "not checked: "+config.JoinAnd(miss)+" not set", "see settings above")
		return
	}
	c, err := r2.New(ctx, r2Config(cfg))
	if err != nil {
		d.add(g, Fail, err.Error(), "fix the setting named")
		return
	}
	if err := c.Check(ctx); err != nil {
		fix := "check the network, or --r2-endpoint"
		switch {
		case errors.Is(err, r2.ErrCredentials):
			fix = fmt.Sprintf("create an R2 API token with Object Read on %s (R2 → Manage R2 API tokens) and put its Access Key ID and Secret Access Key in %s and %s", cfg.Bucket, config.EnvAccessKeyID, config.EnvSecretAccessKey)
		case errors.Is(err, r2.ErrNoSuchBucket):
			fix = fmt.Sprintf("check %s (npx wrangler r2 bucket list), and --jurisdiction for an EU bucket", config.EnvBucket)
		}
		d.add(g, Fail, "cannot list the bucket: "+err.Error(), fix)
		return
	}
	d.add(g, OK, "the R2 keys may list "+where, "")
	n, err := c.Newest(ctx)
	switch {
	case err != nil:
		d.add(g, Fail, "cannot list the date folders: "+err.Error(), "check the R2 token's permission")
		return
	case !n.Found():
		d.add(g, Fail, "no Logpush objects under "+where+"/ (no YYYYMMDD folder)", "if the job was created minutes ago, send the Worker some traffic and wait; else check the Logpush job below (destination bucket and path, enabled, pushing) and the Worker's \"logpush\": true")
	default:
		age := d.o.Now().Sub(n.LastModified)
		title := fmt.Sprintf("newest object %s old: %s (%s)", roundAge(age), n.Key, plural(n.Folders, "date folder"))
		if age > d.o.StaleAfter {
			d.add(g, Warn, title, "nothing pushed lately: fine if the Worker had no traffic; otherwise see the Logpush job below")
		} else {
			d.add(g, OK, title, "")
		}
	}
	if n.Undated > 0 {
		d.add(g, Fail, fmt.Sprintf("%s directly under %s/, outside date folders: pfx-tui does not read them", plural(n.Undated, "Logpush object"), where), "the job's path lacks {DATE}: pfx-tui setup logpush points it at "+where+"/{DATE}")
	}
}

func roundAge(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", max(0, int(d.Seconds())))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}
