package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/localtarget"
	"github.com/pfx-tui/pfx-tui/internal/report"
)

// The acceptance run: both sources on the local target print, per cell,
// billed active time and rows next to logged wall time with their ratio,
// and cost from both; the results file keeps the minute rows.
func TestEndToEndLogpushAndAnalytics(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	stdout, stderr, code := runBinary(t, dir, "run", "--no-tui", "--billing", "logpush,analytics", "--approaches", "direct,current,simple",
		"--durations", "20ms", "--ops", "2", "--batches", "1", "--warmup", "1", "--local-push-interval", "100ms", "--local-analytics-minute", "100ms",
		"--monthly-ops", "2e6")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"billing from analytics", "DO active ms/op", "rows written/op",
		"billed vs logged", "billed active ms", "logged wall Σ ms", "billed/logged",
		"cost per million ops from billed figures", "verdict source: analytics",
		"cost per million ops (USD",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "--order minute") || !strings.Contains(stderr, "analytics settled") {
		t.Errorf("stderr:\n%s", stderr)
	}
	r := onlyResultsFile(t, dir)
	if r.Plan.Order != experiment.OrderMinute {
		t.Errorf("order %s: analytics should choose minute", r.Plan.Order)
	}
	if r.Analytics == nil || !r.Analytics.Complete || len(r.Analytics.Rows) == 0 || len(r.Analytics.Comparisons) == 0 || len(r.Analytics.Costs) != 3 {
		t.Fatalf("analytics in the results file: %+v", r.Analytics)
	}
	// The run's cost options reach the billed costs as they reach the logged ones.
	if r.Analytics.CostOptions.MonthlyOps != 2e6 || r.Billing == nil || r.Billing.CostOptions != r.Analytics.CostOptions {
		t.Errorf("cost options: analytics %+v, billing %+v", r.Analytics.CostOptions, r.Billing)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "results", "*.json"))
	raw, _ := os.ReadFile(files[0])
	if strings.Contains(string(raw), localtarget.AnalyticsToken) {
		t.Error("the emulator's token is in the results file")
	}
}

// billing FILE --source analytics attaches analytics to a run made against
// a serve-local by URL; --dry-run prints the queries and sends nothing.
func TestBillingCommandAnalyticsFromServeLocal(t *testing.T) {
	t.Parallel()
	srv, err := localtarget.Start(localtarget.Options{AnalyticsMinute: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()
	_, stderr, code := runBinary(t, dir, "run", "--no-tui", "--target", srv.URL(), "--approaches", "direct,simple", "--durations", "20ms",
		"--ops", "2", "--batches", "1", "--warmup", "0", "--order", "minute", "--billing", "none")
	if code != 0 {
		t.Fatalf("run: exit %d %s", code, stderr)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "results", "*.json"))
	args := []string{"billing", files[0], "--source", "analytics", "--dev-vars", filepath.Join(dir, "none")}

	var o, e bytes.Buffer
	code = Main(context.Background(), append(args, "--dry-run"), IOStreams{Stdout: &o, Stderr: &e, Env: map[string]string{}})
	if code != 0 {
		t.Fatalf("dry run: exit %d %s", code, e.String())
	}
	for _, want := range []string{"durableObjectsPeriodicGroups", "durableObjectsInvocationsAdaptiveGroups", "workersInvocationsAdaptive",
		"$CLOUDFLARE_API_TOKEN", srv.AnalyticsBase() + "/graphql", "datetimeMinute_geq"} {
		if !strings.Contains(o.String(), want) {
			t.Errorf("dry run lacks %q:\n%s", want, o.String())
		}
	}
	if strings.Contains(o.String()+e.String(), localtarget.AnalyticsToken) {
		t.Error("dry run printed a token")
	}
	if r, _ := report.Load(files[0]); r.Analytics != nil {
		t.Error("dry run attached analytics")
	}

	o.Reset()
	e.Reset()
	code = Main(context.Background(), append(args, "--poll-interval", "50ms"), IOStreams{Stdout: &o, Stderr: &e, Env: map[string]string{}})
	if code != 0 {
		t.Fatalf("billing: exit %d %s", code, e.String())
	}
	r, err := report.Load(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if r.Analytics == nil || !r.Analytics.Complete || len(r.Analytics.Cells) != 2 || r.Billing != nil {
		t.Fatalf("analytics %+v billing %+v\n%s", r.Analytics, r.Billing, e.String())
	}
	if !strings.Contains(o.String(), "billing from analytics") || !strings.Contains(o.String(), "verdict source: analytics") {
		t.Errorf("stdout:\n%s", o.String())
	}

	// Again long after the window closed (many emulated minutes), with
	// --poll-timeout 0: it still settles (the first look and the agreeing
	// one a settle gap later), rather than stopping after one poll.
	r.Analytics = nil
	if err := report.Save(files[0], r); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	o.Reset()
	e.Reset()
	code = Main(context.Background(), append(args, "--poll-interval", "50ms", "--poll-timeout", "0"), IOStreams{Stdout: &o, Stderr: &e, Env: map[string]string{}})
	if r, err := report.Load(files[0]); code != 0 || err != nil || r.Analytics == nil || !r.Analytics.Complete || strings.Contains(e.String(), "billing incomplete") {
		t.Fatalf("--poll-timeout 0 after the fact: exit %d %v\n%s", code, err, e.String())
	}

	// Bad usage: dry run without analytics; an unknown source.
	for _, bad := range [][]string{{"billing", files[0], "--dry-run"}, {"billing", files[0], "--source", "graphql"}} {
		o.Reset()
		e.Reset()
		if code := Main(context.Background(), bad, IOStreams{Stdout: &o, Stderr: &e, Env: map[string]string{}}); code != 2 {
			t.Errorf("%v: exit %d %s", bad, code, e.String())
		}
	}
}

// Against a deployed Worker the token comes from CLOUDFLARE_API_TOKEN: it
// goes into the Authorization header and nowhere else — not the dry run,
// not an error, not the results file.
func TestAnalyticsTokenIsNeverPrinted(t *testing.T) {
	t.Parallel()
	const token = "cf-token-that-must-not-leak-123456"
	var seen atomic.Value
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Store(r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"success":false,"errors":[{"code":10000,"message":"Authentication error for ` + token + `"}],"messages":[],"result":null}`))
	}))
	defer api.Close()
	dir := t.TempDir()
	res := &report.Results{SchemaVersion: report.SchemaVersion, ID: "abc123", Status: report.StatusComplete,
		Target: report.Target{Kind: experiment.TargetURL, TargetInfo: experiment.TargetInfo{URL: "https://pfx-experiment.example.workers.dev"}},
		Batches: []experiment.BatchResult{{BatchSpec: experiment.BatchSpec{ID: "abc123-000", Approach: "direct", DurationMs: 100, Batch: 1, Ops: 2},
			Status: experiment.StatusOK, StartedAt: time.Date(2026, 3, 1, 12, 0, 5, 0, time.UTC), EndedAt: time.Date(2026, 3, 1, 12, 0, 6, 0, time.UTC)}}}
	path := filepath.Join(dir, "run.json")
	if err := report.Save(path, res); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CLOUDFLARE_ACCOUNT_ID": "0123456789abcdef0123456789abcdef", "CLOUDFLARE_API_TOKEN": token}
	args := []string{"billing", path, "--source", "analytics", "--analytics-endpoint", api.URL, "--dev-vars", filepath.Join(dir, "none")}
	var o, e bytes.Buffer
	if code := Main(context.Background(), append(args, "--dry-run"), IOStreams{Stdout: &o, Stderr: &e, Env: env}); code != 0 {
		t.Fatalf("dry run: exit %d %s", code, e.String())
	}
	if strings.Contains(o.String()+e.String(), token) || !strings.Contains(o.String(), "0123456789abcdef0123456789abcdef") {
		t.Errorf("dry run:\n%s", o.String())
	}
	o.Reset()
	e.Reset()
	code := Main(context.Background(), args, IOStreams{Stdout: &o, Stderr: &e, Env: env})
	if code != 1 || !strings.Contains(e.String(), "Workers Scripts: Read") {
		t.Errorf("refused token: exit %d\n%s", code, e.String())
	}
	if strings.Contains(o.String()+e.String(), token) {
		t.Errorf("the token was printed:\n%s%s", o.String(), e.String())
	}
	if got, _ := seen.Load().(string); got != "Bearer "+token {
		t.Errorf("Authorization %q", got)
	}
	raw, _ := os.ReadFile(path)
	if strings.Contains(string(raw), token) {
		t.Error("the token is in the results file")
	}
	// Without the token, the variables to set are named; a dry run needs none.
	o.Reset()
	e.Reset()
	delete(env, "CLOUDFLARE_API_TOKEN")
	if code := Main(context.Background(), append(args, "--dry-run"), IOStreams{Stdout: &o, Stderr: &e, Env: env}); code != 0 || !strings.Contains(o.String(), "$CLOUDFLARE_API_TOKEN") {
		t.Errorf("dry run without a token: exit %d %s", code, e.String())
	}
	o.Reset()
	e.Reset()
	if code := Main(context.Background(), args, IOStreams{Stdout: &o, Stderr: &e, Env: env}); code != 2 || !strings.Contains(e.String(), "CLOUDFLARE_API_TOKEN") {
		t.Errorf("no token: exit %d %s", code, e.String())
	}
}
