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

	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/localtarget"
	"github.com/pfx-tui/pfx-tui/internal/report"
	"github.com/pfx-tui/pfx-tui/internal/runner"
	"github.com/pfx-tui/pfx-tui/internal/stats"
)

// Session is a prepared run.
type Session struct {
	Cfg     config.Config
	Results *report.Results
	Path    string // results file
	Runner  *runner.Runner
	Local   *localtarget.Server // nil unless the target is local
	Plan    runner.Plan
}

// NewRunID is a short random id for results file names and batch tags.
func NewRunID() string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Prepare starts (or reaches) the target, checks the plan against what the
// target offers, and writes the initial results file.
func Prepare(ctx context.Context, cfg config.Config, tool string) (*Session, error) {
	s := &Session{Cfg: cfg}
	target, kind := cfg.Target, "url"
	if cfg.IsLocal() {
		srv, err := localtarget.Start(localtarget.Options{HopLatency: cfg.HopLatency})
		if err != nil {
			return nil, err
		}
		s.Local, target, kind = srv, srv.URL(), config.TargetLocal
	}
	info, err := runner.Probe(ctx, target)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("target %s is not answering: %w", displayTarget(cfg, target), err)
	}
	if len(info.Patterns) > 0 {
		offered := make([]string, len(info.Patterns))
		for i, p := range info.Patterns {
			offered[i] = p.Mode
		}
		for _, a := range cfg.Approaches {
			if !slices.Contains(offered, a) {
				s.Close()
				return nil, &config.UsageError{Flag: "approaches", Msg: fmt.Sprintf("%q is not offered by the target (it offers: %s)", a, strings.Join(offered, ", "))}
			}
		}
	}
	s.Plan = runner.Plan{Approaches: cfg.Approaches, Durations: cfg.Durations, Batches: cfg.Batches, Ops: cfg.Ops, Warmup: cfg.Warmup, Order: cfg.Order, Seed: cfg.Seed}
	id := NewRunID()
	s.Runner, err = runner.New(runner.Options{Target: target, Plan: s.Plan, RunID: id, BatchTimeout: cfg.BatchTimeout})
	if err != nil {
		s.Close()
		return nil, err
	}
	now := time.Now().UTC()
	reference := "direct"
	if !slices.Contains(cfg.Approaches, reference) {
		reference = cfg.Approaches[0]
	}
	s.Results = &report.Results{
		SchemaVersion:    report.SchemaVersion,
		Tool:             tool,
		ID:               id,
		CreatedAt:        now,
		Status:           report.StatusRunning,
		Emulated:         s.Local != nil,
		Target:           report.Target{Kind: kind, TargetInfo: info},
		Plan:             report.PlanInfoOf(s.Plan, reference),
		Config:           cfg,
		Batches:          []runner.BatchResult{},
		PercentileMethod: stats.PercentileMethod,
	}
	s.Path = filepath.Join(cfg.Out, report.FileName(now, id))
	if err := report.Save(s.Path, s.Results); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func displayTarget(cfg config.Config, url string) string {
	if cfg.IsLocal() {
		return "local (" + url + ")"
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

// Close stops the local target, if any.
func (s *Session) Close() {
	if s.Local != nil {
		_ = s.Local.Close()
		s.Local = nil
	}
}
