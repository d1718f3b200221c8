// Package session is one experiment run's lifecycle, shared by both front
// ends: start the target (the embedded emulator when --target is local),
// probe it, build the runner, and keep the results file up to date after
// every batch. It imports no UI.
package session

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/errext"
	"github.com/pfx-tui/pfx-tui/internal/experiment"

	"github.com/pfx-tui/pfx-tui/internal/billing"
	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/localtarget"
	"github.com/pfx-tui/pfx-tui/internal/protocol"
	"github.com/pfx-tui/pfx-tui/internal/report"
	"github.com/pfx-tui/pfx-tui/internal/runner"
	"github.com/pfx-tui/pfx-tui/internal/stats"
)

// Target is an opened target: the embedded emulator (started here) or a
// remote URL, probed for /version and /patterns.
type Target struct {
	URL   string // base URL the runner dials
	Kind  experiment.TargetKind
	Info  experiment.TargetInfo
	Local *localtarget.Server // nil unless Kind is local
	dev   *wranglerDev        // nil unless Kind is wrangler
	// token is the PFX_TOKEN sent to the target: the configured one, or
	// the one generated for this run's wrangler dev.
	token config.Secret
}

// Emulated reports whether figures from this target are not Cloudflare's:
// the embedded emulator, or workerd under wrangler dev.
func (t *Target) Emulated() bool {
	return t.Kind == experiment.TargetLocal || t.Kind == experiment.TargetWrangler
}

// Modes are the approaches the target offers, in its order (nil when it
// has no /patterns).
func (t *Target) Modes() []string {
	out := make([]string, len(t.Info.Patterns))
	for i, p := range t.Info.Patterns {
		out[i] = p.Mode
	}
	return out
}

// Close stops the local target, if any.
func (t *Target) Close() {
	if t == nil {
		return
	}
	if t.Local != nil {
		_ = t.Local.Close()
		t.Local = nil
	}
	if t.dev != nil {
		t.dev.stop()
		t.dev = nil
	}
}

// OpenTarget starts the embedded emulator when cfg.Target is local, then
// probes the target. The caller closes it.
func OpenTarget(ctx context.Context, cfg config.Config) (*Target, error) {
	t := &Target{URL: cfg.Target, Kind: experiment.TargetURL, token: cfg.Token}
	if cfg.IsLocal() {
		srv, err := localtarget.Start(localtarget.Options{HopLatency: cfg.HopLatency, PushInterval: cfg.LocalPushInterval, AnalyticsMinute: cfg.LocalAnalyticsMinute,
			BackstopSlack: emulatedBackstopSlack(cfg)})
		if err != nil {
			return nil, err
		}
		t.Local, t.URL, t.Kind = srv, srv.URL(), experiment.TargetLocal
	} else if experiment.KindOf(cfg.Target) == experiment.TargetWrangler {
		dev, err := startWrangler(ctx, cfg.WorkersDir, 90*time.Second)
		if err != nil {
			return nil, err
		}
		t.dev, t.URL, t.Kind, t.token = dev, dev.url, experiment.TargetWrangler, dev.token
	}
	info, err := runner.ProbeToken(ctx, t.URL, t.token.Reveal())
	if err != nil {
		t.Close()
		return nil, fmt.Errorf("target %s is not answering: %w", displayTarget(cfg, t.URL), err)
	}
	t.Info = info
	if t.Kind == experiment.TargetURL && info.Version != nil && info.Version.Emulator != "" {
		// A `pfx-tui serve-local` reached by URL: its figures are emulated too.
		t.Kind = experiment.TargetLocal
	}
	return t, nil
}

// Session is a prepared run on an open target.
type Session struct {
	Cfg     config.Config
	Target  *Target
	Results *report.Results
	Path    string // results file
	Runner  *runner.Runner
	Plan    experiment.Plan
	owned   bool // Close also closes the target
}

// NewRunID is a short random id for results file names and batch tags.
func NewRunID() string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// PlanCheck refuses a final plan before anything is written (a threshold
// naming an approach the target does not offer, say).
type PlanCheck func(experiment.Plan) error

// Prepare opens the target and starts a session on it; Close closes both.
func Prepare(ctx context.Context, cfg config.Config, tool string, checks ...PlanCheck) (*Session, error) {
	t, err := OpenTarget(ctx, cfg)
	if err != nil {
		return nil, err
	}
	s, err := New(t, cfg, tool, checks...)
	if err != nil {
		t.Close()
		return nil, err
	}
	s.owned = true
	return s, nil
}

// ResolveApproaches selects every approach the target offers when the user
// did not name any (--approaches not given), in the target's order, leaving
// out the ones /patterns marks optional (they run only when named).
func ResolveApproaches(cfg config.Config, t *Target) config.Config {
	if cfg.AllApproaches && len(t.Info.Patterns) > 0 {
		cfg.Approaches = protocol.Patterns{Patterns: t.Info.Patterns}.DefaultModes()
	}
	return cfg
}

// New checks the plan against what the target offers (and checks), builds
// the runner and writes the initial results file. The target stays the
// caller's to close.
func New(t *Target, cfg config.Config, tool string, checks ...PlanCheck) (*Session, error) {
	cfg = ResolveApproaches(cfg, t)
	s := &Session{Cfg: cfg, Target: t}
	if offered := t.Modes(); len(offered) > 0 {
		for _, a := range cfg.Approaches {
			if !slices.Contains(offered, a) {
				return nil, &errext.UsageError{Flag: "approaches", Msg: fmt.Sprintf("%q is not offered by the target (it offers: %s)", a, strings.Join(offered, ", "))}
			}
		}
	}
	// A target that applies its own upstream delay gets one duration.
	plan, err := cfg.Plan.ForTarget(t.Info.Version, experiment.DurationRequest{Given: cfg.DurationsGiven, Assumed: cfg.AssumeServerDuration})
	if err != nil {
		return nil, err
	}
	plan = plan.ConcurrencyForTarget(t.Info.Version) // K = 1 where not honoured
	// --order minute aligns to the analytics' minute, on the target's clock.
	plan.Minute = PlanMinute(cfg, t)
	plan.MinuteShift = time.Duration(t.Info.ClockOffsetMs * float64(time.Millisecond))
	cfg.Plan = plan
	s.Cfg, s.Plan = cfg, plan
	for _, check := range checks {
		if err := check(s.Plan); err != nil {
			return nil, err
		}
	}
	id := NewRunID()
	s.Runner, err = runner.New(runner.Options{Target: t.URL, Token: t.token.Reveal(), Plan: s.Plan, RunID: id, BatchTimeout: cfg.BatchTimeout, Retries: cfg.Retries, Server: t.Info.Version})
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	reference := "direct"
	if !slices.Contains(cfg.Approaches, reference) {
		reference = cfg.Approaches[0]
	}
	rt := billing.TargetRuntime(t.Kind, cfg.WorkersDir)
	s.Results = &report.Results{
		SchemaVersion:    report.SchemaVersion,
		Tool:             tool,
		ID:               id,
		CreatedAt:        now,
		Status:           report.StatusRunning,
		Emulated:         t.Emulated(),
		Target:           report.Target{Kind: t.Kind, Embedded: t.Local != nil, Runtime: &rt, TargetInfo: withoutKeys(t.Info)},
		Plan:             report.PlanInfoOf(s.Plan, reference),
		Config:           cfg,
		Batches:          []experiment.BatchResult{},
		PercentileMethod: stats.PercentileMethod,
	}
	s.Path = filepath.Join(cfg.Out, report.FileName(now, id))
	if err := report.Save(s.Path, s.Results); err != nil {
		return nil, err
	}
	return s, nil
}

func displayTarget(cfg config.Config, url string) string {
	switch {
	case cfg.IsLocal():
		return "local (" + url + ")"
	case experiment.KindOf(cfg.Target) == experiment.TargetWrangler:
		return "wrangler dev (" + url + ")"
	}
	return url
}

// Record applies one runner event to the results; after every batch the file
// is rewritten, so an interruption loses at most the batch in flight.
func (s *Session) Record(ev runner.Event) error {
	switch e := ev.(type) {
	case runner.BatchDone:
		s.Results.Batches = append(s.Results.Batches, e.Result)
	case runner.BatchFailed:
		s.Results.Batches = append(s.Results.Batches, e.Result)
	case runner.RunDone:
		switch {
		case e.Err != nil:
			s.Results.Status = report.StatusFailed
			s.Results.Error = e.Err.Error()
		case e.Interrupted:
			s.Results.Status = report.StatusInterrupted
		default:
			s.Results.Status = report.StatusComplete
		}
	default:
		return nil
	}
	return report.Save(s.Path, s.Results)
}

// Close closes the target when the session opened it.
func (s *Session) Close() {
	if s.owned {
		s.Target.Close()
	}
}

// withoutKeys drops the emulator's bucket keys from what the results file
// records: they are fixed local keys, but no key of any kind is written.
func withoutKeys(info experiment.TargetInfo) experiment.TargetInfo {
	if info.Version != nil && info.Version.Logpush != nil {
		v := *info.Version
		b := *v.Logpush
		b.AccessKeyID, b.SecretAccessKey = "", ""
		v.Logpush = &b
		info.Version = &v
	}
	if info.Version != nil && info.Version.Analytics != nil {
		v := *info.Version
		a := *v.Analytics
		a.Token = ""
		v.Analytics = &a
		info.Version = &v
	}
	return info
}

// emulatedBackstopSlack compresses the origin's backstop (and direct-timer's
// pending abort timer, d + 30 s on Cloudflare) in the proportion the local
// target compresses analytics minutes (2 s for 60 s), when analytics are
// read: on Cloudflare a timer of d + 30 s ends inside the cell's quiet minute;
// uncompressed, the emulator's would spill into the next cells' minutes of
// the same namespace and be billed to them. 0 keeps the 30 s default.
func emulatedBackstopSlack(cfg config.Config) time.Duration {
	_, analytics := BillingSources(cfg.Billing)
	minute := cfg.LocalAnalyticsMinute
	if minute <= 0 {
		minute = localtarget.DefaultAnalyticsMinute
	}
	if !analytics || minute >= time.Minute {
		return 0
	}
	return max(time.Second, 30*time.Second*minute/time.Minute)
}
