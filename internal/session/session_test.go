package session

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/errext"
	"github.com/pfx-tui/pfx-tui/internal/experiment"

	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/localtarget"
	"github.com/pfx-tui/pfx-tui/internal/protocol"
	"github.com/pfx-tui/pfx-tui/internal/runner"
)

func r2Cfg() config.Config {
	c := config.Defaults()
	c.Layer(map[string]string{config.EnvAccountID: "acct", config.EnvBucket: "logs", config.EnvAccessKeyID: "AKID", config.EnvSecretAccessKey: "SECRET"})
	return c
}

func TestPlanBilling(t *testing.T) {
	t.Parallel()
	emu := &Target{Kind: experiment.TargetLocal, Info: experiment.TargetInfo{Version: &protocol.Version{Logpush: &protocol.EmulatorBucket{Endpoint: "http://127.0.0.1:9", Bucket: "b", Prefix: "workers"}}}}
	wr := &Target{Kind: experiment.TargetWrangler}
	url := &Target{Kind: "url"}
	none := config.Defaults()
	off := r2Cfg()
	off.Billing = BillingNone
	forced := none
	forced.Billing = BillingLogpush
	cases := []struct {
		name   string
		cfg    config.Config
		t      *Target
		source string
		why    string
	}{
		{"serve-local by URL bills from its bucket", none, emu, BillingLogpush, ""},
		{"wrangler dev: local workerd has no timing", r2Cfg(), wr, BillingNone, "workerd"},
		{"deployed Worker with R2 set", r2Cfg(), url, BillingLogpush, ""},
		{"deployed Worker without R2 names the variables", none, url, BillingNone, "CLOUDFLARE_ACCOUNT_ID, CLOUDFLARE_R2_BUCKET_NAME, CLOUDFLARE_R2_ACCESS_KEY_ID and CLOUDFLARE_R2_SECRET_ACCESS_KEY"},
		{"--billing none wins", off, url, BillingNone, "--billing none"},
		{"--billing logpush without R2 says what is missing", forced, url, BillingNone, "CLOUDFLARE_R2_SECRET_ACCESS_KEY"},
	}
	for _, c := range cases {
		p := PlanBilling(c.cfg, c.t)
		if p.Source != c.source || !strings.Contains(p.Why, c.why) {
			t.Errorf("%s: %+v", c.name, p)
		}
		if strings.Contains(p.Why+p.Where, "SECRET") && !strings.Contains(p.Why, "SECRET_ACCESS_KEY") {
			t.Errorf("%s: a secret in %+v", c.name, p)
		}
	}
}

func TestR2ConfigFromEmulatorOrConfig(t *testing.T) {
	t.Parallel()
	emu := &Target{Kind: experiment.TargetLocal, Info: experiment.TargetInfo{Version: &protocol.Version{Logpush: &protocol.EmulatorBucket{Endpoint: "http://127.0.0.1:9", Bucket: "b", Prefix: "workers", AccessKeyID: "k", SecretAccessKey: "s"}}}}
	if c := R2Config(config.Defaults(), emu); c.Endpoint != "http://127.0.0.1:9" || c.Bucket != "b" || c.Prefix != "workers" || !c.PathStyle || c.SecretAccessKey != "s" {
		t.Errorf("emulator: %+v", c)
	}
	cfg := r2Cfg()
	cfg.Prefix, cfg.Jurisdiction = "logs/workers", "eu"
	if c := R2Config(cfg, &Target{Kind: "url"}); c.AccountID != "acct" || c.Bucket != "logs" || c.Prefix != "logs/workers" || c.Jurisdiction != "eu" || c.SecretAccessKey != "SECRET" {
		t.Errorf("R2: %+v", c)
	}
}

func TestPollTimingOnTheEmulator(t *testing.T) {
	t.Parallel()
	emu := &Target{Kind: experiment.TargetLocal, Info: experiment.TargetInfo{Version: &protocol.Version{Logpush: &protocol.EmulatorBucket{}}}}
	cfg := config.Defaults()
	if PollInterval(cfg, emu) != cfg.LocalPushInterval/2 || PollTimeout(cfg, emu) != 3*cfg.LocalPushInterval+15*time.Second {
		t.Errorf("emulator: %s %s", PollInterval(cfg, emu), PollTimeout(cfg, emu))
	}
	cfg.PollTimeoutSet, cfg.PollTimeout = true, time.Minute
	if PollTimeout(cfg, emu) != time.Minute || PollTimeout(cfg, &Target{Kind: "url"}) != time.Minute {
		t.Error("a chosen poll timeout is not kept")
	}
}

func TestResolveApproachesAndRunWindow(t *testing.T) {
	t.Parallel()
	tgt := &Target{Info: experiment.TargetInfo{Patterns: []protocol.Pattern{{Mode: "direct"}, {Mode: "simple"}, {Mode: "rpctarget"}}}}
	cfg := config.Defaults()
	cfg.AllApproaches = true
	if got := ResolveApproaches(cfg, tgt).Approaches; !reflect.DeepEqual(got, []string{"direct", "simple", "rpctarget"}) {
		t.Errorf("all: %v", got)
	}
	cfg.AllApproaches, cfg.Approaches = false, []string{"simple"}
	if got := ResolveApproaches(cfg, tgt).Approaches; !reflect.DeepEqual(got, []string{"simple"}) {
		t.Errorf("chosen: %v", got)
	}
	// Optional patterns run only when named.
	opt := &Target{Info: experiment.TargetInfo{Patterns: []protocol.Pattern{{Mode: "direct"}, {Mode: "direct-timer", Optional: true}, {Mode: "simple"}}}}
	cfg.AllApproaches = true
	if got := ResolveApproaches(cfg, opt).Approaches; !reflect.DeepEqual(got, []string{"direct", "simple"}) {
		t.Errorf("all but optional: %v", got)
	}
	cfg.AllApproaches, cfg.Approaches = false, []string{"direct", "direct-timer"}
	if got := ResolveApproaches(cfg, opt).Approaches; !reflect.DeepEqual(got, []string{"direct", "direct-timer"}) {
		t.Errorf("named optional: %v", got)
	}
	t0 := time.Date(2026, 11, 26, 23, 59, 0, 0, time.UTC)
	from, to := RunWindow([]experiment.BatchResult{{StartedAt: t0.Add(time.Minute), EndedAt: t0.Add(2 * time.Minute)}, {StartedAt: t0, EndedAt: t0.Add(30 * time.Second)}})
	if !from.Equal(t0) || !to.Equal(t0.Add(2*time.Minute)) {
		t.Errorf("window %s..%s", from, to)
	}
}

func TestNewRefusesAnApproachTheTargetLacks(t *testing.T) {
	t.Parallel()
	tgt := &Target{URL: "http://127.0.0.1:1", Kind: "url", Info: experiment.TargetInfo{Patterns: []protocol.Pattern{{Mode: "direct"}}}}
	cfg := config.Defaults()
	cfg.Approaches, cfg.Out = []string{"direct", "current"}, t.TempDir()
	_, err := New(tgt, cfg, "test")
	ue, ok := err.(*errext.UsageError)
	if !ok || ue.Flag != "approaches" || !strings.Contains(ue.Msg, `"current" is not offered`) {
		t.Fatalf("err = %v", err)
	}
}

func TestOpenTargetLocalIsEmulatedAndCloses(t *testing.T) {
	t.Parallel()
	cfg := config.Defaults()
	tgt, err := OpenTarget(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !tgt.Emulated() || tgt.Local == nil || len(tgt.Modes()) != len(localtarget.Patterns) || emulatorBucket(tgt) == nil {
		t.Errorf("local target: %+v", tgt)
	}
	// By default the local target runs its three approaches, not the optional variants.
	all := cfg
	all.AllApproaches = true
	if got := ResolveApproaches(all, tgt).Approaches; !reflect.DeepEqual(got, []string{"direct", "current", "simple"}) {
		t.Errorf("default approaches on the local target: %v", got)
	}
	url := tgt.URL
	tgt.Close()
	if _, err := runner.Probe(context.Background(), url); err == nil {
		t.Error("the local target still answers after Close")
	}
}

func TestNewFitsThePlanToWhatTheTargetHonours(t *testing.T) {
	third := &Target{URL: "http://127.0.0.1:1", Kind: "url", Info: experiment.TargetInfo{Version: &protocol.Version{Version: 1}}}
	ours := &Target{URL: "http://127.0.0.1:1", Kind: "url", Info: experiment.TargetInfo{Version: &protocol.Version{Version: 1, Capabilities: protocol.Capabilities()}}}
	cfg := config.Defaults()
	cfg.Out = t.TempDir()
	s, err := New(third, cfg, "test")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Results.Plan; !reflect.DeepEqual(got.DurationsMs, []int{experiment.ServerDefinedMs}) || got.DurationSource != experiment.DurationsServerDefined || s.Cfg.DurationSource != experiment.DurationsServerDefined {
		t.Errorf("third-party plan: %+v", got)
	}
	cfg.DurationsGiven = true
	_, err = New(third, cfg, "test")
	if pe, ok := err.(*experiment.PlanError); !ok || pe.Flag != "durations" {
		t.Errorf("--durations with a third-party target: %v", err)
	}
	cfg.AssumeServerDuration, cfg.Durations = 250*time.Millisecond, []time.Duration{250 * time.Millisecond}
	if s, err := New(third, cfg, "test"); err != nil || s.Plan.DurationSource != experiment.DurationsAssumed || s.Plan.DurationsMs()[0] != 250 {
		t.Errorf("assumed: %v", err)
	}
	cfg.AssumeServerDuration, cfg.Durations = 0, config.Defaults().Durations
	if s, err := New(ours, cfg, "test"); err != nil || len(s.Plan.Durations) != 3 || s.Plan.DurationSource != "" {
		t.Errorf("our target: %v", err)
	}
}
