package ui

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/r2"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/pfx-tui/pfx-tui/internal/billing"
	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/localtarget"
	"github.com/pfx-tui/pfx-tui/internal/logpush"
	"github.com/pfx-tui/pfx-tui/internal/report"
	"github.com/pfx-tui/pfx-tui/internal/runner"
	"github.com/pfx-tui/pfx-tui/internal/session"
	"github.com/pfx-tui/pfx-tui/internal/stats"
)

// Deterministic fixtures: a fixed clock, a fake local target and generated
// batch results, so that golden files never change between runs.

var t0 = time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)

const testRunID = "a1b2c3"

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func testTarget() *session.Target {
	url := "http://127.0.0.1:8787"
	return &session.Target{URL: url, Kind: experiment.TargetLocal, Local: &localtarget.Server{},
		Info: experiment.TargetInfo{URL: url, Patterns: localtarget.Patterns}}
}

func testConfig() config.Config {
	cfg := config.Defaults()
	cfg.Out = "results"
	return cfg
}

func testPlan(cfg config.Config) experiment.Plan { return planOf(cfg) }

type fakeBilling struct {
	polls, stops int
	extended     time.Duration
}

func (f *fakeBilling) PollNow()               { f.polls++ }
func (f *fakeBilling) Extend(d time.Duration) { f.extended += d }
func (f *fakeBilling) Stop()                  { f.stops++ }

// newTestModel is the root model at w×h with colour off and a fixed clock.
func newTestModel(t testing.TB, w, h int, opts Options) (Model, *fakeClock) {
	t.Helper()
	clk := &fakeClock{t: t0}
	if opts.BillingSource == "" {
		opts.BillingSource = "none"
	}
	m := newModel(context.Background(), testConfig(), opts, testTarget(), newStyles(io.Discard, true), clk.now)
	m = send(m, tea.WindowSizeMsg{Width: w, Height: h})
	return m, clk
}

// send is one Update, ignoring the command.
func send(m Model, msg tea.Msg) Model {
	nm, _ := m.Update(msg)
	return nm.(Model)
}

// sendCmd is one Update, returning the command.
func sendCmd(m Model, msg tea.Msg) (Model, tea.Cmd) {
	nm, cmd := m.Update(msg)
	return nm.(Model), cmd
}

func keyMsg(s string) tea.KeyMsg {
	switch s {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	case "shift+tab":
		return tea.KeyMsg{Type: tea.KeyShiftTab}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "left":
		return tea.KeyMsg{Type: tea.KeyLeft}
	case "right":
		return tea.KeyMsg{Type: tea.KeyRight}
	case "space":
		return tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
	case "pgdown":
		return tea.KeyMsg{Type: tea.KeyPgDown}
	case "pgup":
		return tea.KeyMsg{Type: tea.KeyPgUp}
	case "backspace":
		return tea.KeyMsg{Type: tea.KeyBackspace}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "ctrl+c":
		return tea.KeyMsg{Type: tea.KeyCtrlC}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

func keys(m Model, ks ...string) Model {
	for _, k := range ks {
		m = send(m, keyMsg(k))
	}
	return m
}

// typeText sends each rune as a key.
func typeText(m Model, s string) Model {
	for _, r := range s {
		m = send(m, keyMsg(string(r)))
	}
	return m
}

// runMsgs executes cmd (and batches) and returns the messages produced
// within a short wait; ticks and blocking reads are left behind.
func runMsgs(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	select {
	case msg := <-ch:
		if b, ok := msg.(tea.BatchMsg); ok {
			var out []tea.Msg
			for _, c := range b {
				out = append(out, runMsgs(c)...)
			}
			return out
		}
		if msg == nil {
			return nil
		}
		return []tea.Msg{msg}
	case <-time.After(200 * time.Millisecond):
		return nil
	}
}

func hasQuit(msgs []tea.Msg) bool {
	for _, m := range msgs {
		if _, ok := m.(tea.QuitMsg); ok {
			return true
		}
	}
	return false
}

// overhead per approach in the fake measurements, ms.
var overhead = map[string]float64{"direct": 1.4, "current": 6.8, "simple": 3.1}

// fakeResult is a deterministic batch result starting at start.
func fakeResult(spec experiment.BatchSpec, start time.Time) experiment.BatchResult {
	res := experiment.BatchResult{BatchSpec: spec, Status: experiment.StatusOK, Completed: spec.Ops, OpsSeen: spec.Ops,
		StartedAt: start, TimingStartAt: start.Add(3 * time.Millisecond), Granularity: 1}
	at := 0.0
	for i := 1; i <= spec.Ops; i++ {
		ms := float64(spec.DurationMs) + overhead[spec.Approach] + float64((i*37+spec.Index*11)%23)/10
		at += ms
		res.Samples = append(res.Samples, experiment.Sample{Op: i, Ops: 1, Ms: ms, AtMs: at})
	}
	res.BatchMs = at
	res.EndedAt = res.TimingStartAt.Add(time.Duration(at * float64(time.Millisecond)))
	return res
}

// fakeRun replays the first n batches of the plan (the n+1th started with
// `inflight` ops done when inflight > 0) through the model, as the runner
// would send them. failAt marks one batch that times out (-1: none).
type fakeRun struct {
	cfg     config.Config
	plan    experiment.Plan
	specs   []experiment.BatchSpec
	results []experiment.BatchResult
	sess    *session.Session
	cancels int
}

func newFakeRun(cfg config.Config) *fakeRun {
	plan := testPlan(cfg)
	f := &fakeRun{cfg: cfg, plan: plan, specs: plan.Specs(testRunID)}
	r := &report.Results{SchemaVersion: report.SchemaVersion, Tool: "pfx-tui test", ID: testRunID, CreatedAt: t0,
		Status: report.StatusRunning, Emulated: true, Target: report.Target{Kind: experiment.TargetLocal},
		Plan: report.PlanInfoOf(plan, "direct"), Batches: []experiment.BatchResult{}, PercentileMethod: stats.PercentileMethod}
	f.sess = &session.Session{Cfg: cfg, Results: r, Path: "results/" + report.FileName(t0, testRunID), Plan: plan}
	return f
}

// start attaches the fake run to m (as startRun does with a real runner).
func (f *fakeRun) start(m Model, billing bool) Model {
	return m.attach(f.sess, nil, f.specs, nil, func() { f.cancels++ }, billing)
}

// event sends one runner event, recording it in the fake results as the
// session would.
func (f *fakeRun) event(m Model, ev runner.Event) (Model, tea.Cmd) {
	switch e := ev.(type) {
	case runner.BatchDone:
		f.sess.Results.Batches = append(f.sess.Results.Batches, e.Result)
	case runner.BatchFailed:
		f.sess.Results.Batches = append(f.sess.Results.Batches, e.Result)
	case runner.RunDone:
		switch {
		case e.Interrupted:
			f.sess.Results.Status = report.StatusInterrupted
		case e.Err != nil:
			f.sess.Results.Status = report.StatusFailed
		default:
			f.sess.Results.Status = report.StatusComplete
		}
	}
	return sendCmd(m, runEventMsg{ev: ev})
}

// play runs batches [from, to) to completion, advancing clk; batch failAt
// (if in range) times out after 3 of its ops, and batch errAt reports one
// failed op.
func (f *fakeRun) play(m Model, clk *fakeClock, from, to, failAt, errAt int) Model {
	remaining := map[experiment.Cell]int{}
	for _, s := range f.specs {
		if !s.Warmup {
			remaining[experiment.Cell{Approach: s.Approach, DurationMs: s.DurationMs}]++
		}
	}
	for _, s := range f.specs[:from] {
		if !s.Warmup {
			remaining[experiment.Cell{Approach: s.Approach, DurationMs: s.DurationMs}]--
		}
	}
	for i := from; i < to; i++ {
		spec := f.specs[i]
		res := fakeResult(spec, clk.now())
		m, _ = f.event(m, runner.BatchStarted{Spec: spec, Total: len(f.specs), At: clk.now()})
		ops := spec.Ops
		if i == failAt {
			ops = 3
		}
		for k := 1; k <= ops; k++ {
			m, _ = f.event(m, runner.OpProgress{Spec: spec, Completed: k, Total: spec.Ops, SampleMs: res.Samples[k-1].Ms})
		}
		clk.t = res.EndedAt
		if i == failAt {
			res.Status, res.Failure = experiment.StatusTimeout, "no batch-complete within 1m0s"
			res.Samples, res.OpsSeen, res.Completed, res.BatchMs = res.Samples[:3], 3, 0, 0
			m, _ = f.event(m, runner.BatchFailed{Result: res, Err: fmt.Errorf("batch %s: %s", res.ID, res.Failure)})
		} else {
			if i == errAt {
				res.Errors, res.Completed = 1, spec.Ops-1
				res.ErrorMessages = []string{"upstream answered HTTP 502"}
			}
			m, _ = f.event(m, runner.BatchDone{Result: res})
		}
		f.results = append(f.results, res)
		if !spec.Warmup {
			c := experiment.Cell{Approach: spec.Approach, DurationMs: spec.DurationMs}
			remaining[c]--
			if remaining[c] == 0 {
				m, _ = f.event(m, runner.CellDone{Cell: c})
			}
		}
	}
	return m
}

// inflight starts batch i and reports ops of it.
func (f *fakeRun) inflight(m Model, clk *fakeClock, i, ops int) Model {
	spec := f.specs[i]
	res := fakeResult(spec, clk.now())
	m, _ = f.event(m, runner.BatchStarted{Spec: spec, Total: len(f.specs), At: clk.now()})
	for k := 1; k <= ops; k++ {
		m, _ = f.event(m, runner.OpProgress{Spec: spec, Completed: k, Total: spec.Ops, SampleMs: res.Samples[k-1].Ms})
	}
	clk.t = res.TimingStartAt.Add(time.Duration(res.Samples[ops-1].AtMs * float64(time.Millisecond)))
	return m
}

func (f *fakeRun) done(m Model, interrupted bool) (Model, tea.Cmd) {
	return f.event(m, runner.RunDone{Results: f.results, Interrupted: interrupted})
}

// pollEvent is a billing poll part-way through.
func pollEvent(clk *fakeClock, done bool) session.BillingEvent {
	ev := session.BillingEvent{PollEvent: r2.PollEvent{Deadline: clk.now().Add(4*time.Minute + 32*time.Second), NextPoll: clk.now().Add(12 * time.Second),
		Polls: 3, FilesSeen: 5, FilesNew: 2, LastError: "ListObjectsV2: connection reset by peer (will retry)"}}
	ev.Progress.RecordsRead = 118
	for _, d := range []int{100, 500, 1000} {
		for _, a := range []string{"direct", "current", "simple"} {
			roles := []string{billing.RoleOrigin, billing.RoleUpstream}
			switch a {
			case "current":
				roles = append(roles, billing.RoleOrchestrator, billing.RoleExecutor)
			case "simple":
				roles = append(roles, billing.RoleExecutor)
			}
			for i, role := range roles {
				matched := 10
				if d == 1000 {
					matched = (i * 3) % 11
				}
				ev.Progress.Counts = append(ev.Progress.Counts, billing.Count{Approach: a, DurationMs: d, Role: role, Matched: matched, Expected: 10})
			}
		}
	}
	ev.Progress.Warnings = []string{"no records for script pfx-local after 5 minutes: is \"logpush\": true set in wrangler.jsonc, and is the Logpush job stalled (last_complete empty)?"}
	if done {
		ev.Done, ev.Reason = true, "complete"
	}
	return ev
}

var startBillingNoop = startBillingWith(nil, &fakeBilling{})

// startBillingWith returns a StartBilling that hands out ch and ctl.
func startBillingWith(ch chan session.BillingEvent, ctl BillingControls) func(context.Context, *session.Session) (<-chan session.BillingEvent, BillingControls, error) {
	return func(context.Context, *session.Session) (<-chan session.BillingEvent, BillingControls, error) {
		if ch == nil {
			ch = make(chan session.BillingEvent, 1)
		}
		return ch, ctl, nil
	}
}

// fakeBillingReport attributes synthetic, tagged Logpush records to the
// fake run's batches with the real collector, in the emulator's record
// pattern (billing.LocalExpectations): direct's origin waits the whole
// delay; the proxied approaches' origin and orchestrator calls are short
// and their executor carries the wait. keep(i) admits the i-th record
// made (nil: all), to model a poll that found few or none.
func fakeBillingReport(batches []experiment.BatchResult, keep func(int) bool) *billing.Report {
	var recs []logpush.Record
	seq := int64(0)
	rec := func(entry, event string, wall, cpu int64, id string, op int, ts int64) logpush.Record {
		seq++ // distinct timestamps: identical records would be duplicates
		return logpush.Record{WallTimeMs: logpush.Int64(wall), CPUTimeMs: logpush.Int64(cpu), EventTimestampMs: ts + seq, ScriptName: "pfx-local",
			Entrypoint: entry, EventType: event, Outcome: "ok", Logs: []logpush.Log{{Level: "log", Message: []any{"pfx", id, op}}}}
	}
	for _, b := range batches {
		ts := b.StartedAt.UnixMilli()
		d := int64(b.DurationMs)
		recs = append(recs, rec("PerformanceController", "fetch", 1, 0, b.ID, -1, ts),
			rec("PerformanceController", "hibernatable_web_socket", int64(b.OpsSeen)*d, 1, b.ID, -1, ts))
		for op := 0; op < b.OpsSeen; op++ {
			seq++
			recs = append(recs, logpush.Record{WallTimeMs: logpush.Int64(d), CPUTimeMs: logpush.Int64(0), EventTimestampMs: ts + seq, ScriptName: "pfx-local", EventType: "fetch", Outcome: "ok",
				Event: &logpush.Event{Request: &logpush.Request{URL: "http://x/delay/1", Method: "GET"}}, Logs: []logpush.Log{{Level: "log", Message: []any{"pfx", b.ID, op}}}})
			switch b.Approach {
			case "direct":
				recs = append(recs, rec("OriginDO", "worker_rpc", d, 1, b.ID, op, ts))
			case "simple", "current":
				recs = append(recs, rec("OriginDO", "worker_rpc", 1, 1, b.ID, op, ts), rec("OriginDO", "worker_rpc", 1, 1, b.ID, op, ts),
					rec("FetchExecutor", "worker_rpc", d+2, 2, b.ID, op, ts), rec("PerformanceController", "worker_rpc", 1, 0, b.ID, op, ts))
				if b.Approach == "current" {
					recs = append(recs, rec("FetchOrchestrator", "worker_rpc", 2, 1, b.ID, op, ts), rec("FetchOrchestrator", "alarm", 3, 1, b.ID, op, ts),
						rec("FetchOrchestrator", "worker_rpc", 1, 1, b.ID, op, ts))
				}
			}
		}
	}
	c := billing.NewCollector(batches, billing.Options{Expectations: billing.LocalExpectations(), Source: billing.SourceLogpush})
	for i, x := range recs {
		if keep == nil || keep(i) {
			c.AddRecord(x)
		}
	}
	rep := c.Report()
	rep.Emulated = true
	return &rep
}

// resultsModelWithBilling is the results screen of the fake run after a
// billing poll found keep's records (nil: all of them).
func resultsModelWithBilling(t testing.TB, w, h int, keep func(int) bool) Model {
	t.Helper()
	ch := make(chan session.BillingEvent, 1)
	m, clk := newTestModel(t, w, h, Options{StartBilling: startBillingWith(ch, &fakeBilling{}), BillingSource: "logpush (local emulator S3, emulated)"})
	f := newFakeRun(testConfig())
	m = f.start(m, true)
	m = f.play(m, clk, 0, len(f.specs), 9, 4)
	m, _ = f.done(m, false)
	if m.screen != screenBilling {
		t.Fatalf("screen = %v, want billing", m.screen)
	}
	f.sess.Results.Billing = fakeBillingReport(f.sess.Results.Batches, keep)
	m = send(m, billEventMsg{pollEvent(clk, true)})
	if m.screen != screenResults {
		t.Fatalf("screen = %v, want results", m.screen)
	}
	return m
}
