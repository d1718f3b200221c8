package session

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/analytics"
	"github.com/pfx-tui/pfx-tui/internal/billing"
	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/localtarget"
	"github.com/pfx-tui/pfx-tui/internal/r2"
	"github.com/pfx-tui/pfx-tui/internal/report"
	"github.com/pfx-tui/pfx-tui/internal/runner"
)

func TestBillingSourcesAndFlag(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in      string
		logpush string
		an      bool
		ok      bool
	}{
		{"auto", "auto", false, true},
		{"logpush", "logpush", false, true},
		{"analytics", "none", true, true},
		{"logpush,analytics", "logpush", true, true},
		{"analytics, logpush", "logpush", true, true},
		{"none", "none", false, true},
		{"auto,analytics", "auto", true, false},
		{"logpush,logpush", "logpush", false, false},
		{"graphql", "graphql", false, false},
		{"", "auto", false, false},
	}
	for _, c := range cases {
		lp, an := BillingSources(c.in)
		err := CheckBillingFlag(c.in)
		if (err == nil) != c.ok || c.ok && (lp != c.logpush || an != c.an) {
			t.Errorf("%q: (%s, %v) err %v", c.in, lp, an, err)
		}
	}
}

func TestPlanAnalytics(t *testing.T) {
	t.Parallel()
	emu := &Target{Kind: experiment.TargetLocal, Info: experiment.TargetInfo{Version: &experiment.TargetVersion{
		Analytics: &experiment.EmulatorAnalytics{Base: "http://127.0.0.1:9/client/v4", AccountID: "acc", ScriptName: "pfx-local", MinuteMs: 500}}}}
	url := &Target{Kind: experiment.TargetURL}
	wr := &Target{Kind: experiment.TargetWrangler}
	with := config.Defaults()
	with.Billing = "logpush,analytics"
	creds := with
	creds.Layer(map[string]string{config.EnvAccountID: "acct", config.EnvAPIToken: "secret-token-value"})

	p := PlanAnalytics(with, emu)
	if !p.On || !p.Emulated || p.Minute != 500*time.Millisecond || p.Token.Reveal() != localtarget.AnalyticsToken {
		t.Errorf("serve-local by URL: %+v", p)
	}
	if p := PlanAnalytics(with, url); p.On || !strings.Contains(p.Why, "CLOUDFLARE_ACCOUNT_ID") || !strings.Contains(p.Why, "CLOUDFLARE_API_TOKEN (Account Analytics: Read)") {
		t.Errorf("no credentials: %+v", p)
	}
	p = PlanAnalytics(creds, url)
	if !p.On || p.Script != DefaultAnalyticsScript || p.Minute != time.Minute || !strings.HasPrefix(p.Where, "GraphQL Analytics https://api.cloudflare.com/client/v4/graphql") {
		t.Errorf("deployed: %+v", p)
	}
	if strings.Contains(p.Where+p.Why, "secret-token-value") {
		t.Error("the token is in the plan's text")
	}
	if p := PlanAnalytics(creds, wr); p.On || !strings.Contains(p.Why, "wrangler dev") {
		t.Errorf("wrangler: %+v", p)
	}
	if p := PlanAnalytics(config.Defaults(), emu); p.On {
		t.Errorf("not asked for: %+v", p)
	}
	if m := PlanMinute(with, emu); m != 500*time.Millisecond {
		t.Errorf("plan minute %s", m)
	}
	emu.Info.Version.Logpush = &experiment.EmulatorBucket{Endpoint: "http://127.0.0.1:9", Bucket: "b", Prefix: "workers"}
	if l := PlanSources(with, emu).Label(true); l != "logpush (local emulator S3 http://127.0.0.1:9/b/workers) + analytics (127.0.0.1:9), emulated" {
		t.Errorf("label %q", l)
	}
	plans := PlanSources(creds, url)
	if plans.Logpush.Source != BillingNone || !plans.Analytics.On || len(plans.Skipped(creds)) != 1 {
		t.Errorf("sources %+v skipped %v", plans, plans.Skipped(creds))
	}
}

// A minute-ordered run on the embedded target with both sources: Logpush
// first, then the emulated analytics, one event stream, one outcome; the
// results file keeps the rows and the comparison, and no token.
func TestChainBillsLogpushThenAnalyticsOnTheLocalTarget(t *testing.T) {
	t.Parallel()
	cfg := config.Defaults()
	cfg.Out = t.TempDir()
	cfg.Billing = "logpush,analytics"
	cfg.Approaches = []string{"direct", "simple"}
	cfg.Durations = []time.Duration{20 * time.Millisecond}
	cfg.Ops, cfg.Batches, cfg.Warmup = 2, 1, 0
	cfg.Order = experiment.OrderMinute
	cfg.LocalPushInterval = 50 * time.Millisecond
	cfg.LocalAnalyticsMinute = 100 * time.Millisecond
	ctx := context.Background()
	s, err := Prepare(ctx, cfg, "test")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Plan.Minute != 100*time.Millisecond {
		t.Fatalf("plan minute %s", s.Plan.Minute)
	}
	for ev := range s.Runner.Run(ctx) {
		if err := s.Record(ev); err != nil {
			t.Fatal(err)
		}
		if d, ok := ev.(runner.RunDone); ok && (d.Err != nil || len(d.Results) != 2) {
			t.Fatalf("run: %+v", d)
		}
	}
	c, err := StartChain(ctx, s.Cfg, s.Target, s.Results, s.Path)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Sources(); len(got) != 2 || got[0] != BillingLogpush || got[1] != BillingAnalytics {
		t.Fatalf("sources %v", got)
	}
	var sources []string
	nexts, dones := 0, 0
	out := c.Wait(func(ev BillingEvent) {
		if len(sources) == 0 || sources[len(sources)-1] != ev.Source {
			sources = append(sources, ev.Source)
		}
		if ev.Next != "" {
			nexts++
		}
		if ev.Done {
			dones++
		}
	})
	if !out.Complete() || out.Err() != nil || nexts != 1 || dones != 1 || len(sources) != 2 {
		t.Fatalf("outcome %+v; sources %v, %d next, %d done", out.Last, sources, nexts, dones)
	}
	a := s.Results.Analytics
	if a == nil || !a.Complete || !a.Emulated || len(a.Rows) == 0 || len(a.Cells) != 2 || len(a.Comparisons) == 0 {
		t.Fatalf("analytics %+v", a)
	}
	for _, cell := range a.Cells {
		if cell.SharedMinutes != 0 || cell.WorkerFrom != billing.SourceLogpush {
			t.Errorf("%s: %+v", cell.Approach, cell)
		}
		o, ok := cell.Role(billing.RoleOrigin)
		if !ok || o.ActiveTimeUs <= 0 {
			t.Errorf("%s: no origin active time", cell.Approach)
		}
		if cell.Approach == "simple" && cell.PerOp.RowsWritten != 2 {
			t.Errorf("simple writes %v rows per op, want 2", cell.PerOp.RowsWritten)
		}
	}
	for _, cmp := range a.Comparisons {
		if cmp.Approach == "direct" && cmp.Role == billing.RoleOrigin && (cmp.Flagged || cmp.Ratio == nil || *cmp.Ratio < 0.9 || *cmp.Ratio > 1.1) {
			t.Errorf("direct origin billed vs logged: %+v", cmp)
		}
	}
	data, err := os.ReadFile(s.Path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), localtarget.AnalyticsToken) {
		t.Error("the emulator's token is in the results file")
	}
	var back struct {
		Analytics *analytics.Report `json:"analytics"`
	}
	if err := json.Unmarshal(data, &back); err != nil || back.Analytics == nil || len(back.Analytics.Rows) != len(a.Rows) {
		t.Errorf("saved analytics: %v", err)
	}
}

// A chain whose analytics cannot start (no namespaces listing, no override)
// ends with an error event for that source and an outcome that says so.
func TestChainReportsAnAnalyticsStartFailure(t *testing.T) {
	t.Parallel()
	c := &Chain{names: []string{BillingLogpush, BillingAnalytics}}
	first := &fakeStage{events: []BillingEvent{{PollEvent: r2.PollEvent{Done: true, Reason: r2.ReasonComplete}}}}
	c.cur = first
	c.starts = []func() (stage, string, error){
		func() (stage, string, error) { return first, "", nil },
		func() (stage, string, error) {
			return nil, "", &analytics.Error{Kind: analytics.KindAuth, Status: 403, What: analytics.WhatNamespaces, Message: "Authentication error"}
		},
	}
	var evs []BillingEvent
	out := c.Wait(func(ev BillingEvent) { evs = append(evs, ev) })
	if len(evs) != 2 || evs[0].Next != BillingAnalytics || evs[0].Done || evs[1].Source != BillingAnalytics || !evs[1].Done {
		t.Fatalf("events %+v", evs)
	}
	if out.Complete() || out.Err() == nil || !strings.Contains(out.Err().Error(), "Workers Scripts: Read") {
		t.Errorf("outcome %+v err %v", out.Last, out.Err())
	}
}

type fakeStage struct {
	events  []BillingEvent
	stopped bool
}

func (f *fakeStage) Wait(on func(BillingEvent)) BillingOutcome {
	var out BillingOutcome
	for _, ev := range f.events {
		on(ev)
		out.Last = ev
	}
	return out
}
func (f *fakeStage) PollNow()             {}
func (f *fakeStage) Extend(time.Duration) {}
func (f *fakeStage) Stop()                { f.stopped = true }

// What the direct-timer mode will show once it records its abort timers:
// an origin held awake between ops is billed far above its logged wall
// time, and the comparison says why. The timer here is recorded by hand.
func TestHeldAwakeOriginIsBilledAboveLogged(t *testing.T) {
	t.Parallel()
	cfg := config.Defaults()
	cfg.Out = t.TempDir()
	cfg.Billing = "logpush,analytics"
	cfg.Approaches = []string{"direct"}
	cfg.Durations = []time.Duration{10 * time.Millisecond}
	cfg.Ops, cfg.Batches, cfg.Warmup = 2, 1, 0
	cfg.Order = experiment.OrderMinute
	cfg.LocalPushInterval = 50 * time.Millisecond
	cfg.LocalAnalyticsMinute = 200 * time.Millisecond
	ctx := context.Background()
	s, err := Prepare(ctx, cfg, "test")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for ev := range s.Runner.Run(ctx) {
		if err := s.Record(ev); err != nil {
			t.Fatal(err)
		}
	}
	b := s.Results.Batches[0]
	// The op's timer keeps the origin awake from the batch's start until
	// well into the quiet minute after it.
	s.Target.Local.Traces().HoldAwake(localtarget.EntrypointOrigin, "direct", b.StartedAt, b.EndedAt.Add(150*time.Millisecond))
	c, err := StartChain(ctx, s.Cfg, s.Target, s.Results, s.Path)
	if err != nil {
		t.Fatal(err)
	}
	if out := c.Wait(nil); !out.Complete() {
		t.Fatalf("outcome %+v", out.Last)
	}
	var origin *analytics.Comparison
	for i, cmp := range s.Results.Analytics.Comparisons {
		if cmp.Role == billing.RoleOrigin {
			origin = &s.Results.Analytics.Comparisons[i]
		}
	}
	if origin == nil || !origin.Flagged || origin.Ratio == nil || *origin.Ratio < 2 || origin.Causes[0] != analytics.CauseTimers {
		t.Fatalf("held-awake origin: %+v", origin)
	}
}

func TestStartAnalyticsNamesTheScriptsWhenNoneMatches(t *testing.T) {
	t.Parallel()
	srv, err := localtarget.Start(localtarget.Options{AnalyticsMinute: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cfg := config.Defaults()
	cfg.Billing = "analytics"
	tgt := &Target{Kind: experiment.TargetLocal, Info: experiment.TargetInfo{Version: &experiment.TargetVersion{Analytics: srv.AnalyticsInfo()}}}
	tgt.Info.Version.Analytics.ScriptName = "not-this-one"
	res := &report.Results{Batches: []experiment.BatchResult{{BatchSpec: experiment.BatchSpec{Approach: "direct", Ops: 1}, StartedAt: time.Now(), EndedAt: time.Now()}}}
	_, err = StartAnalytics(context.Background(), cfg, tgt, res, filepath.Join(t.TempDir(), "r.json"))
	if err == nil || !strings.Contains(err.Error(), `script "not-this-one"`) || !strings.Contains(err.Error(), "pfx-local") {
		t.Errorf("err %v", err)
	}
}

// --do-namespace given and the listing refused: the run goes on with the
// named namespaces, but the refusal is a warning, not swallowed, and a
// role it would have found (the orchestrator of current) is missing.
func TestStartAnalyticsKeepsTheListingError(t *testing.T) {
	t.Parallel()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		if strings.Contains(r.URL.Path, "durable_objects/namespaces") {
			_, _ = w.Write([]byte(`{"success":false,"errors":[{"code":10000,"message":"Authentication error"}],"messages":[],"result":null}`))
			return
		}
		_, _ = w.Write([]byte(`{"data":null,"errors":[{"message":"not authorized for that account"}]}`))
	}))
	defer api.Close()
	cfg := config.Defaults()
	cfg.Billing = "analytics"
	cfg.AnalyticsBase = api.URL
	cfg.Layer(map[string]string{config.EnvAccountID: "0123456789abcdef0123456789abcdef", config.EnvAPIToken: "tok"})
	cfg.DONamespaces = []string{"OriginDO=ns-origin,PerformanceController=ns-ctl"}
	start := time.Date(2026, 3, 1, 12, 0, 5, 0, time.UTC)
	res := &report.Results{Target: report.Target{Kind: experiment.TargetURL}, Batches: []experiment.BatchResult{
		{BatchSpec: experiment.BatchSpec{Approach: "current", DurationMs: 100, Ops: 2}, Status: experiment.StatusOK, StartedAt: start, EndedAt: start.Add(time.Second)}}}
	a, err := StartAnalytics(context.Background(), cfg, &Target{Kind: experiment.TargetURL}, res, filepath.Join(t.TempDir(), "r.json"))
	if err != nil {
		t.Fatal(err)
	}
	a.Wait(nil)
	rep := res.Analytics
	if rep == nil {
		t.Fatal("no analytics report attached")
	}
	w := strings.Join(rep.Warnings, "\n")
	if !strings.Contains(w, "listing the account's Durable Object namespaces failed") || !strings.Contains(w, "Authentication error") || !strings.Contains(w, "has role orchestrator") {
		t.Errorf("warnings %v", rep.Warnings)
	}
	if len(rep.Costs) != 1 || rep.Costs[0].Usable || !strings.Contains(strings.Join(rep.Costs[0].Missing, "\n"), "--do-namespace FetchOrchestrator=ID") {
		t.Errorf("costs %+v", rep.Costs)
	}
}
