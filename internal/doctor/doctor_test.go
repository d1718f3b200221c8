package doctor_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/cfapi"
	"github.com/pfx-tui/pfx-tui/internal/cfapi/cfapitest"
	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/doctor"
	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/localtarget"
)

const (
	account  = "0123456789abcdef0123456789abcdef"
	token    = "cf-token-DO-NOT-PRINT-0001"
	pfxToken = "pfx-token-DO-NOT-PRINT-0002"
	// The Logpush job's own R2 write keys, inside its destination.
	lpKeyID  = "LOGPUSH-KEY-ID-DO-NOT-PRINT"
	lpSecret = "logpush-secret-DO-NOT-PRINT"
)

// world is one set-up to check: a fake Cloudflare API, the embedded S3
// server (gofakes3, as the local target uses), a probe of the target.
type world struct {
	api  *cfapitest.Server
	s3   *localtarget.S3Server
	opts doctor.Options
	job  map[string]any
}

func dest(bucket, path string) string {
	return "r2://" + bucket + "/" + path + "?account-id=" + account + "&access-key-id=" + lpKeyID + "&secret-access-key=" + lpSecret
}

func newWorld(t *testing.T) *world {
	t.Helper()
	api := cfapitest.New(account, token)
	t.Cleanup(api.Close)
	s3, err := localtarget.StartS3(localtarget.S3Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s3.Close() })
	now := time.Now()
	key := "workers/" + now.UTC().Format("20060102") + "/" + now.Add(-time.Minute).UTC().Format("20060102T150405Z") + "_" + now.UTC().Format("20060102T150405Z") + "_0badc0de.log.gz"
	if err := s3.PutObject(key, []byte("x")); err != nil {
		t.Fatal(err)
	}
	api.SetScript(cfapi.DefaultScript, true)
	job := map[string]any{
		"dataset": cfapi.DatasetWorkersTraceEvents, "name": cfapi.DefaultJobName, "enabled": true, "kind": "",
		"destination_conf": dest(s3.Bucket(), "workers/{DATE}"),
		"output_options":   map[string]any{"field_names": cfapi.JobFields, "output_type": "ndjson"},
		"logpull_options":  nil,
		"last_complete":    now.Add(-2 * time.Minute).UTC().Format(time.RFC3339),
		"last_error":       nil, "error_message": nil,
	}
	cfg := config.Defaults()
	vars := map[string]string{config.EnvAccountID: account, config.EnvBucket: s3.Bucket(), config.EnvAccessKeyID: s3.AccessKeyID(), config.EnvSecretAccessKey: s3.SecretAccessKey(), cfapi.EnvAPIToken: token, config.EnvPFXToken: pfxToken}
	cfg.Layer(vars)
	cfg.Target, cfg.R2Endpoint, cfg.Prefix = "https://pfx-experiment.example.workers.dev", s3.Endpoint(), "workers"
	return &world{api: api, s3: s3, job: job, opts: doctor.Options{
		Cfg: cfg, DevVarsPath: filepath.Join(t.TempDir(), ".dev.vars"), DevVars: vars, Env: map[string]string{},
		APIToken: config.NewSecret(token), APIBaseURL: api.URL,
		Status: func(_ context.Context, _, tok string) (int, error) {
			if tok != pfxToken {
				return http.StatusUnauthorized, nil
			}
			return http.StatusOK, nil
		},
		Probe: func(ctx context.Context, url, tok string) (experiment.TargetInfo, error) {
			if tok != pfxToken {
				return experiment.TargetInfo{}, errors.New("GET " + url + "/version answered HTTP 401: wrong token")
			}
			return experiment.TargetInfo{URL: url, RTTMs: 40, ClockOffsetMs: 12,
				Version:  &experiment.TargetVersion{Version: 1, Timestamp: time.Now().UnixMilli()},
				Patterns: []experiment.Pattern{{Mode: "direct"}, {Mode: "current"}, {Mode: "simple"}}}, nil
		},
	}}
}

func (w *world) run(t *testing.T) (doctor.Report, string) {
	t.Helper()
	if w.job != nil {
		w.api.AddJob(w.job)
	}
	rep := doctor.Run(context.Background(), w.opts)
	var b bytes.Buffer
	rep.Render(&b)
	out := b.String()
	for _, s := range []string{token, pfxToken, "wrong-pfx-token-DO-NOT-PRINT", lpKeyID, lpSecret, w.s3.SecretAccessKey(), w.s3.AccessKeyID()} {
		if strings.Contains(out, s) {
			t.Errorf("the checklist shows a credential %q:\n%s", s, out)
		}
	}
	return rep, out
}

func TestHealthySetup(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	rep, out := w.run(t)
	if rep.Count(doctor.Fail) != 0 || rep.Count(doctor.Warn) != 0 || !strings.Contains(out, "All checks passed.") {
		t.Fatalf("healthy set-up:\n%s", out)
	}
	for _, want := range []string{
		"✓ without PFX_TOKEN /version answers 401: the Worker is protected", "✓ /version answered in 40 ms (version 1)", "✓ /patterns offers direct, current, simple", "✓ clock offset +12 ms",
		"✓ the R2 keys may list pfx-logpush/workers", "✓ newest object", "✓ job 1001 \"pfx-experiment-trace-events\" pushes workers_trace_events",
		"✓ writes to r2://pfx-logpush/workers/{DATE}", "✓ enabled", "✓ no error", "✓ last push 2m ago",
		"✓ output_options.field_names include CPUTimeMs, WallTimeMs, Entrypoint, Logs, EventTimestampMs, EventType and ScriptName",
		`✓ "logpush": true`, "set in " + w.opts.DevVarsPath + ": CLOUDFLARE_ACCOUNT_ID, CLOUDFLARE_R2_BUCKET_NAME,",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
}

// TestEachProblemHasItsCheckAndFix: one broken thing at a time, the right
// ✗ and the fix that repairs it.
func TestEachProblemHasItsCheckAndFix(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		break_     func(w *world)
		title, fix string
	}{
		{"stalled job, never pushed", func(w *world) { w.job["last_complete"] = nil },
			"has never pushed (last_complete empty)", "pfx-tui setup logpush --restart"},
		{"stalled job, last push days ago", func(w *world) {
			w.job["last_complete"] = time.Now().Add(-72 * time.Hour).UTC().Format(time.RFC3339)
		}, "last push 3d ago", "if last_complete does not move, pfx-tui setup logpush --restart"},
		{"job without timing fields (created before 2025-04-09)", func(w *world) {
			w.job["output_options"] = nil
			w.job["logpull_options"] = "fields=EventTimestampMs,Entrypoint,Logs,EventType,ScriptName,Outcome,Event&timestamps=rfc3339"
		}, "logpull_options lack CPUTimeMs and WallTimeMs", "jobs created before 2025-04-09 do not get CPUTimeMs and WallTimeMs"},
		{"empty bucket", func(w *world) {
			w.s3.Close()
			s3, err := localtarget.StartS3(localtarget.S3Options{})
			if err != nil {
				panic(err)
			}
			w.s3 = s3
			w.opts.Cfg.R2Endpoint = s3.Endpoint()
		}, "no Logpush objects under pfx-logpush/workers/", "send the Worker some traffic and wait"},
		{"wrong destination bucket", func(w *world) { w.job["destination_conf"] = dest("other-logs", "workers/{DATE}") },
			"writes to r2://other-logs/workers/{DATE}, but pfx-tui reads bucket pfx-logpush", "CLOUDFLARE_R2_BUCKET_NAME=other-logs"},
		{"destination without {DATE}", func(w *world) { w.job["destination_conf"] = dest("pfx-logpush", "workers") },
			"without a {DATE} folder", "pfx-tui setup logpush"},
		{"wrong prefix", func(w *world) { w.job["destination_conf"] = dest("pfx-logpush", "logs/{DATE}") },
			"but pfx-tui lists pfx-logpush/workers/", `--prefix "logs"`},
		{"token without the Logs permission", func(w *world) { w.api.Deny("logs") },
			"cannot list the Logpush jobs: Cloudflare API: list Logpush jobs: HTTP 403: Authentication error (code 10000)", "Logs: Read"},
		{"token without the Workers Scripts permission", func(w *world) { w.api.Deny("scripts") },
			"cannot read its settings", "Workers Scripts: Read"},
		{"token refused", func(w *world) { w.opts.APIToken = config.NewSecret("another-token-DO-NOT-PRINT") },
			"HTTP 401", "expired, revoked or mistyped"},
		{"no token", func(w *world) { w.opts.APIToken = config.Secret{}; delete(w.opts.DevVars, cfapi.EnvAPIToken) },
			"CLOUDFLARE_API_TOKEN is not set", "Logs: Read"},
		{"failing job", func(w *world) {
			w.job["last_error"] = time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
			w.job["error_message"] = "PUT r2://pfx-logpush/workers?access-key-id=" + lpKeyID + "&secret-access-key=" + lpSecret + ": AccessDenied"
		}, "failing: last error 1h ago: PUT r2://pfx-logpush/workers?access-key-id=REDACTED&secret-access-key=REDACTED", "Object Write"},
		{"disabled job", func(w *world) { w.job["enabled"] = false }, "is disabled", "it enables the job"},
		{"no job", func(w *world) { w.job = nil }, "no Logpush job for workers_trace_events", "pfx-tui setup logpush"},
		{"sampled job", func(w *world) {
			w.job["output_options"] = map[string]any{"field_names": cfapi.JobFields, "sample_rate": 0.1}
		}, "pushes a 10% sample", "sample_rate 1"},
		{"Worker without logpush", func(w *world) { w.api.SetScript(cfapi.DefaultScript, false) },
			`"logpush": false`, `add "logpush": true to wrangler.jsonc`},
		{"Worker not deployed", func(w *world) { w.opts.Script = "not-deployed" }, "no Worker named not-deployed", "npx wrangler deploy"},
		{"wrong R2 secret", func(w *world) { w.opts.Cfg.SecretAccessKey = config.NewSecret("wrong-secret-DO-NOT-PRINT") },
			"cannot list the bucket", "CLOUDFLARE_R2_SECRET_ACCESS_KEY"},
		{"missing settings", func(w *world) {
			w.opts.Cfg.Bucket = ""
			delete(w.opts.DevVars, config.EnvBucket)
		}, "not set: CLOUDFLARE_R2_BUCKET_NAME", ".dev.vars"},
		{"target down", func(w *world) {
			w.opts.Probe = func(context.Context, string, string) (experiment.TargetInfo, error) {
				return experiment.TargetInfo{}, errors.New("connection refused")
			}
		}, "/version does not answer: connection refused", "npx wrangler deploy prints it"},
		{"unprotected Worker", func(w *world) {
			w.opts.Status = func(context.Context, string, string) (int, error) { return http.StatusOK, nil }
		}, "without a token /version answers 200", "npx wrangler secret put PFX_TOKEN"},
		{"Worker without the secret", func(w *world) {
			w.opts.Status = func(context.Context, string, string) (int, error) { return http.StatusServiceUnavailable, nil }
		}, "the Worker has no PFX_TOKEN secret", "npx wrangler secret put PFX_TOKEN"},
		{"PFX_TOKEN not set", func(w *world) {
			w.opts.Cfg.Token = config.Secret{}
			delete(w.opts.DevVars, config.EnvPFXToken)
		}, "PFX_TOKEN is not set", ".dev.vars"},
		{"wrong PFX_TOKEN", func(w *world) { w.opts.Cfg.Token = config.NewSecret("wrong-pfx-token-DO-NOT-PRINT") },
			"/version refused PFX_TOKEN (401)", ".dev.vars"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			c.break_(w)
			rep, out := w.run(t)
			found := false
			for _, ch := range rep.Checks {
				if ch.Status == doctor.Fail && strings.Contains(ch.Title, c.title) && strings.Contains(ch.Fix, c.fix) {
					found = true
				}
			}
			if !found {
				t.Errorf("no ✗ %q with fix %q:\n%s", c.title, c.fix, out)
			}
			if !strings.Contains(out, "failed") {
				t.Errorf("no failure summary:\n%s", out)
			}
		})
	}
}

func TestSettingsChecks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, ".dev.vars")
	if err := os.WriteFile(path, []byte("CLOUDFLARE_ACCOUNT_ID=x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	workers := filepath.Join(dir, "workers")
	if err := os.MkdirAll(workers, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(workers, ".dev.vars"), []byte("X=1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config.Defaults()
	cfg.WorkersDir = workers
	rep := doctor.Run(context.Background(), doctor.Options{Cfg: cfg, DevVarsPath: path, DevVars: map[string]string{"CLOUDFLARE_ACCOUNT_ID": "x"}, Env: map[string]string{}})
	var b bytes.Buffer
	rep.Render(&b)
	out := b.String()
	for _, want := range []string{"! " + path + " is readable by other users", "chmod 600", "workers/.dev.vars exists", "- the target is the local one", "TEST_URL="} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q:\n%s", want, out)
		}
	}
}
