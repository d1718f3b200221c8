package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/errext"
	"github.com/pfx-tui/pfx-tui/internal/experiment"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/pfx-tui/pfx-tui/internal/report"
	"github.com/pfx-tui/pfx-tui/internal/runner"
	"github.com/pfx-tui/pfx-tui/internal/session"
)

func startMsg(t *testing.T, cmd tea.Cmd) startRunMsg {
	t.Helper()
	for _, msg := range runMsgs(cmd) {
		if s, ok := msg.(startRunMsg); ok {
			return s
		}
	}
	t.Fatal("no startRunMsg")
	return startRunMsg{}
}

func TestSetupPrefilledFromConfig(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t, 80, 24, Options{})
	cfg, err := m.setupScreen().config()
	if err != nil {
		t.Fatal(err)
	}
	want := testConfig()
	if !slices.Equal(cfg.Approaches, want.Approaches) || !slices.Equal(cfg.Durations, want.Durations) ||
		cfg.Ops != want.Ops || cfg.Batches != want.Batches || cfg.Warmup != want.Warmup || cfg.Order != want.Order {
		t.Fatalf("setup config = %+v, want the flags' %+v", cfg, want)
	}
}

func TestSetupKeysBuildTheRun(t *testing.T) {
	t.Parallel()
	ctl := &fakeBilling{}
	m, _ := newTestModel(t, 80, 24, Options{StartBilling: startBillingWith(nil, ctl), BillingSource: "logpush"})
	// approaches: j moves, space drops current
	m = keys(m, "j", "space")
	// durations: tab, drop 100ms, add 5s, custom 250ms
	m = keys(m, "tab", "space", "j", "j", "j", "space", "j", "j")
	m = typeText(m, "250ms")
	// plan: ↓ flows into the plan panel; type ops (replaces), → batches, order ←
	m = keys(m, "down")
	m = typeText(m, "12")
	m = keys(m, "down", "right", "down", "left", "down", "left")
	// billing: shift+tab twice then back: tab order wraps
	m = keys(m, "tab", "shift+tab", "tab")
	if m.setupScreen().panel != panelBilling {
		t.Fatalf("panel = %v, want billing", m.setupScreen().panel)
	}
	m = keys(m, "space") // billing off
	m, cmd := sendCmd(m, keyMsg("enter"))
	s := startMsg(t, cmd)
	if got := s.cfg.Approaches; !slices.Equal(got, []string{"direct", "simple"}) {
		t.Errorf("approaches = %v", got)
	}
	wantD := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 5 * time.Second}
	if !slices.Equal(s.cfg.Durations, wantD) {
		t.Errorf("durations = %v, want %v", s.cfg.Durations, wantD)
	}
	if s.cfg.Ops != 12 || s.cfg.Batches != 3 || s.cfg.Warmup != 1 || s.cfg.Order != experiment.OrderMinute { // ← wraps to the last order
		t.Errorf("ops/batches/warmup/order = %d/%d/%d/%s", s.cfg.Ops, s.cfg.Batches, s.cfg.Warmup, s.cfg.Order)
	}
	if s.billing {
		t.Error("billing still on after space")
	}
	_ = m
}

func TestSetupOrderCyclesAndNumbersClamp(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t, 80, 24, Options{})
	m = keys(m, "tab", "tab") // plan: ops
	m = keys(m, "left", "left", "left", "left", "left", "left")
	if m.setupScreen().fields[rowOps].Value() != "1" {
		t.Errorf("ops = %q, want clamped to 1", m.setupScreen().fields[rowOps].Value())
	}
	m = keys(m, "down", "down")
	m = keys(m, "left", "left", "left")
	if m.setupScreen().fields[rowWarmup].Value() != "0" {
		t.Errorf("warmup = %q, want clamped to 0", m.setupScreen().fields[rowWarmup].Value())
	}
	m = keys(m, "down", "space")
	if got := orders[m.setupScreen().order]; got != experiment.OrderSequential {
		t.Errorf("order after space = %s", got)
	}
	m = keys(m, "right", "right")
	if got := orders[m.setupScreen().order]; got != experiment.OrderMinute {
		t.Errorf("order after →→ = %s", got)
	}
	m = keys(m, "right")
	if got := orders[m.setupScreen().order]; got != experiment.OrderInterleave {
		t.Errorf("order after →→→ = %s", got)
	}
	// backspace empties a number: the plan is then refused
	m = keys(m, "up", "up", "up", "backspace")
	if _, err := m.setupScreen().config(); err == nil || !strings.Contains(err.Error(), "ops per batch") {
		t.Errorf("empty ops: err = %v", err)
	}
}

func TestSetupRefusesInvalidPlans(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t, 80, 24, Options{})
	m = keys(m, "tab", "up") // wraps? no: up from the first durations row goes to the last approach
	if m.setupScreen().panel != panelApproaches {
		t.Fatalf("↑ from the first row of a panel should flow back, panel = %v", m.setupScreen().panel)
	}
	m = keys(m, "tab", "j", "j", "j", "j", "j")
	m = typeText(m, "31s") // outside 0..30s
	m, cmd := sendCmd(m, keyMsg("enter"))
	if cmd != nil {
		t.Fatal("enter started an invalid plan")
	}
	if !strings.Contains(m.setupScreen().message, "outside 0..30s") {
		t.Errorf("message = %q", m.setupScreen().message)
	}
	if !strings.Contains(m.View(), "✗ custom durations") {
		t.Errorf("the error is not shown:\n%s", m.View())
	}
	m = keys(m, "backspace", "backspace", "backspace", "backspace")
	// letters that are keys never become text
	m = typeText(m, "qjx")
	if m.setupScreen().customText() != "" {
		t.Errorf("custom = %q", m.setupScreen().customText())
	}
}

func TestSetupWithoutBillingSourceCannotTurnItOn(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t, 80, 24, Options{})
	m = keys(m, "shift+tab", "space", "right")
	if m.setupScreen().billingOn {
		t.Fatal("billing turned on without a source")
	}
	_, cmd := sendCmd(m, keyMsg("enter"))
	if startMsg(t, cmd).billing {
		t.Fatal("billing requested without a source")
	}
}

func TestGlobalKeys(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t, 80, 24, Options{})
	m = keys(m, "?")
	if !m.showHelp {
		t.Fatal("? did not open the full help")
	}
	m = keys(m, "?")
	if m.showHelp {
		t.Fatal("? did not close the full help")
	}
	_, cmd := sendCmd(m, keyMsg("q"))
	if !hasQuit(runMsgs(cmd)) {
		t.Fatal("q on setup does not quit")
	}
	m, cmd = sendCmd(m, keyMsg("ctrl+c"))
	if !hasQuit(runMsgs(cmd)) || m.ExitCode() != errext.Interrupted {
		t.Fatalf("ctrl+c on setup: quit=%v exit=%d", hasQuit(runMsgs(cmd)), m.ExitCode())
	}
}

func TestLiveResizeAndTooSmall(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t, 50, 15, Options{})
	if v := m.View(); !strings.Contains(v, "terminal too small") || !strings.Contains(v, "need 60×20, have 50×15") {
		t.Fatalf("too small:\n%s", v)
	}
	m = send(m, tea.WindowSizeMsg{Width: 60, Height: 20})
	v := m.View()
	if strings.Contains(v, "too small") || !strings.Contains(v, "Approaches") {
		t.Fatalf("60×20:\n%s", v)
	}
	if n := strings.Count(v, "\n") + 1; n != 20 {
		t.Fatalf("60×20 view has %d lines", n)
	}
	for _, l := range strings.Split(v, "\n") {
		if w := len([]rune(l)); w > 60 {
			t.Fatalf("line wider than 60: %q", l)
		}
	}
}

func TestSkipSetupStartsAtOnce(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t, 80, 24, Options{SkipSetup: true})
	if m.screen != screenStarting {
		t.Fatalf("screen = %v", m.screen)
	}
	s := startMsg(t, m.Init())
	if !slices.Equal(s.cfg.Approaches, testConfig().Approaches) {
		t.Fatalf("cfg = %+v", s.cfg)
	}
}

func TestStartFailure(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.Approaches = []string{"direct", "bogus"}
	cfg.Out = t.TempDir()
	// From setup: the error stays on the setup screen.
	m, _ := newTestModel(t, 80, 24, Options{})
	m = send(m, startRunMsg{cfg: cfg})
	if m.screen != screenSetup || !strings.Contains(m.setupScreen().message, "bogus") {
		t.Fatalf("screen %v, message %q", m.screen, m.setupScreen().message)
	}
	// With --yes: quit with exit 1.
	m, _ = newTestModel(t, 80, 24, Options{SkipSetup: true})
	m, cmd := sendCmd(m, startRunMsg{cfg: cfg})
	if !hasQuit(runMsgs(cmd)) || m.ExitCode() != errext.Runtime || !strings.Contains(m.View(), "bogus") {
		t.Fatalf("exit %d, view:\n%s", m.ExitCode(), m.View())
	}
}

func TestRunCancelShowsResultsSoFar(t *testing.T) {
	t.Parallel()
	m, clk := newTestModel(t, 80, 24, Options{StartBilling: startBillingNoop})
	f := newFakeRun(testConfig())
	m = f.start(m, true)
	m = f.play(m, clk, 0, 5, -1, -1)
	m = f.inflight(m, clk, 5, 2)
	m, cmd := sendCmd(m, keyMsg("c"))
	msgs := runMsgs(cmd)
	if len(msgs) != 1 {
		t.Fatalf("c produced %v", msgs)
	}
	m = send(m, msgs[0])
	if f.cancels != 1 || !m.runScreen().stopping {
		t.Fatalf("cancels = %d, stopping = %v", f.cancels, m.runScreen().stopping)
	}
	if !strings.Contains(m.View(), "stopping after the current op") {
		t.Errorf("no stopping notice:\n%s", m.View())
	}
	m, cmd = f.done(m, true)
	if hasQuit(runMsgs(cmd)) {
		t.Fatal("c quit the program")
	}
	if m.screen != screenResults {
		t.Fatalf("screen = %v, want results (billing is skipped after a cancel)", m.screen)
	}
	if !strings.Contains(m.View(), "run cancelled") {
		t.Errorf("no cancel note:\n%s", m.View())
	}
	if m.ExitCode() != errext.Interrupted {
		t.Errorf("exit = %d", m.ExitCode())
	}
}

func TestRunQuitAsksFirst(t *testing.T) {
	t.Parallel()
	m, clk := newTestModel(t, 80, 24, Options{})
	f := newFakeRun(testConfig())
	m = f.start(m, false)
	m = f.play(m, clk, 0, 2, -1, -1)
	m = keys(m, "q")
	if !m.confirm || !strings.Contains(m.View(), "Quit?") {
		t.Fatalf("q did not ask:\n%s", m.View())
	}
	m = keys(m, "n")
	if m.confirm || f.cancels != 0 {
		t.Fatal("n did not keep running")
	}
	m = keys(m, "q", "y")
	if f.cancels != 1 || !m.quitting {
		t.Fatalf("y: cancels %d quitting %v", f.cancels, m.quitting)
	}
	m, cmd := f.done(m, true)
	if !hasQuit(runMsgs(cmd)) {
		t.Fatal("no quit after the run stopped")
	}
	if m.ExitCode() != errext.Interrupted {
		t.Errorf("exit = %d", m.ExitCode())
	}
}

func TestCtrlCDuringRun(t *testing.T) {
	t.Parallel()
	m, clk := newTestModel(t, 80, 24, Options{})
	f := newFakeRun(testConfig())
	m = f.start(m, false)
	m = f.inflight(m, clk, 0, 1)
	m, cmd := sendCmd(m, keyMsg("ctrl+c"))
	if hasQuit(runMsgs(cmd)) || f.cancels != 1 {
		t.Fatalf("first ctrl+c: should cancel (%d) and wait for RunDone", f.cancels)
	}
	_, cmd = f.done(m, true)
	if !hasQuit(runMsgs(cmd)) {
		t.Fatal("no quit after RunDone")
	}
	// A second ctrl+c leaves at once.
	_, cmd = sendCmd(m, keyMsg("ctrl+c"))
	if !hasQuit(runMsgs(cmd)) {
		t.Fatal("second ctrl+c does not quit")
	}
	if m.ExitCode() != errext.Interrupted {
		t.Errorf("exit = %d", m.ExitCode())
	}
}

func TestRunFailureExitCodes(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t, 80, 24, Options{})
	f := newFakeRun(testConfig())
	m = f.start(m, false)
	m, _ = f.event(m, runner.RunDone{Err: errors.New("cannot open a WebSocket to the target")})
	if m.screen != screenResults || m.ExitCode() != errext.Runtime {
		t.Fatalf("screen %v exit %d", m.screen, m.ExitCode())
	}
	if !strings.Contains(m.View(), "failed") {
		t.Errorf("view:\n%s", m.View())
	}
	m, _ = newTestModel(t, 80, 24, Options{})
	m = newFakeRun(testConfig()).start(m, false)
	m = send(m, runEventMsg{ev: runner.RunDone{}, recordErr: errors.New("disk full")})
	if m.ExitCode() != errext.Runtime {
		t.Errorf("save error: exit %d", m.ExitCode())
	}
}

func TestBillingFlow(t *testing.T) {
	t.Parallel()
	ctl := &fakeBilling{}
	var gotSession *session.Session
	start := func(ctx context.Context, s *session.Session) (<-chan session.BillingEvent, BillingControls, error) {
		gotSession = s
		return make(chan session.BillingEvent), ctl, nil
	}
	m, clk := newTestModel(t, 120, 40, Options{StartBilling: start, BillingSource: "logpush"})
	f := newFakeRun(testConfig())
	m = f.start(m, true)
	m = f.play(m, clk, 0, len(f.specs), -1, -1)
	m, _ = f.done(m, false)
	if m.screen != screenBilling || gotSession != f.sess {
		t.Fatalf("screen %v, session %p", m.screen, gotSession)
	}
	m = send(m, billEventMsg{pollEvent(clk, false)})
	if v := m.View(); !strings.Contains(v, "deadline in 4m32s") || !strings.Contains(v, "next poll in 12s") {
		t.Fatalf("view:\n%s", v)
	}
	clk.advance(5 * time.Second)
	m = send(m, tickMsg{})
	if v := m.View(); !strings.Contains(v, "deadline in 4m27s") {
		t.Fatalf("countdown did not tick:\n%s", v)
	}
	for _, k := range []string{"r", "+", "s"} {
		var cmd tea.Cmd
		m, cmd = sendCmd(m, keyMsg(k))
		for _, msg := range runMsgs(cmd) {
			m, cmd = sendCmd(m, msg)
			runMsgs(cmd)
		}
	}
	if ctl.polls != 1 || ctl.extended != extendBy || ctl.stops != 1 {
		t.Fatalf("controls: %+v", ctl)
	}
	ev := pollEvent(clk, true)
	ev.Reason = "stopped"
	m = send(m, billEventMsg{ev})
	if m.screen != screenResults {
		t.Fatalf("screen = %v after Done", m.screen)
	}
	if m.ExitCode() != errext.OK {
		t.Errorf("exit = %d", m.ExitCode())
	}
}

func TestBillingQuitAsksAndStops(t *testing.T) {
	t.Parallel()
	ctl := &fakeBilling{}
	m, clk := newTestModel(t, 80, 24, Options{StartBilling: startBillingWith(nil, ctl), BillingSource: "logpush"})
	f := newFakeRun(testConfig())
	m = f.start(m, true)
	m = f.play(m, clk, 0, len(f.specs), -1, -1)
	m, _ = f.done(m, false)
	m = keys(m, "q")
	if !m.confirm {
		t.Fatal("q on billing did not ask")
	}
	m, cmd := sendCmd(m, keyMsg("y"))
	if !hasQuit(runMsgs(cmd)) || ctl.stops != 1 {
		t.Fatalf("y: stops %d", ctl.stops)
	}
}

func TestBillingStartErrorGoesToResults(t *testing.T) {
	t.Parallel()
	start := func(context.Context, *session.Session) (<-chan session.BillingEvent, BillingControls, error) {
		return nil, nil, errors.New("no R2 credentials")
	}
	m, clk := newTestModel(t, 80, 24, Options{StartBilling: start, BillingSource: "logpush"})
	f := newFakeRun(testConfig())
	m = f.start(m, true)
	m = f.play(m, clk, 0, len(f.specs), -1, -1)
	m, _ = f.done(m, false)
	if m.screen != screenResults || !strings.Contains(m.View(), "no R2 credentials") {
		t.Fatalf("screen %v:\n%s", m.screen, m.View())
	}
}

func TestResultsTabsScrollAndExport(t *testing.T) {
	t.Parallel()
	m := resultsModelAt(t, 80, 24)
	m.sess.Cfg.Out = t.TempDir()
	m.exportDir = m.sess.Cfg.Out
	if m.resultsScreen().tabs.active != tabLatency {
		t.Fatalf("without billing the results open on %d, want Latency", m.resultsScreen().tabs.active)
	}
	m = keys(m, "left")
	if m.resultsScreen().tabs.active != tabCharts {
		t.Fatalf("← from Latency: tab %d", m.resultsScreen().tabs.active)
	}
	m = keys(m, "right", "right")
	if m.resultsScreen().tabs.active != tabBilling || !strings.Contains(m.View(), "Billing was not collected") {
		t.Fatalf("tab %d:\n%s", m.resultsScreen().tabs.active, m.View())
	}
	m = keys(m, "3")
	if m.resultsScreen().tabs.active != tabCost {
		t.Fatalf("3: tab %d", m.resultsScreen().tabs.active)
	}
	m = keys(m, "1", "j", "j", "j")
	if off := m.resultsScreen().vp[tabLatency].YOffset; off != 3 || !strings.Contains(m.View(), "↕ 4–") {
		t.Fatalf("scroll: offset %d\n%s", off, m.View())
	}
	m = keys(m, "pgdown", "pgdown", "pgdown", "pgdown", "pgdown")
	if vp := m.resultsScreen().vp[tabLatency]; !vp.AtBottom() || !strings.Contains(m.View(), "↑ ") {
		t.Fatalf("pgdown past the end: offset %d of %d\n%s", vp.YOffset, vp.TotalLineCount(), m.View())
	}
	m = keys(m, "g")
	if !m.resultsScreen().vp[tabLatency].AtTop() {
		t.Fatal("g: not at the top")
	}
	m = keys(m, "4", "down", "down", "up")
	if m.resultsScreen().sel != 1 {
		t.Fatalf("details selection = %d", m.resultsScreen().sel)
	}
	m, cmd := sendCmd(m, keyMsg("e"))
	msgs := runMsgs(cmd)
	if len(msgs) != 1 {
		t.Fatalf("e produced %v", msgs)
	}
	m, cmd = sendCmd(m, msgs[0])
	msgs = runMsgs(cmd)
	if len(msgs) != 1 {
		t.Fatalf("export produced %v", msgs)
	}
	m = send(m, msgs[0])
	if len(m.resultsScreen().exportPaths) != 4 || m.resultsScreen().exportErr != "" { // .md .csv .export.json -latency.svg
		t.Fatalf("export: %v %q", m.resultsScreen().exportPaths, m.resultsScreen().exportErr)
	}
	for _, p := range m.resultsScreen().exportPaths {
		if _, err := os.Stat(p); err != nil {
			t.Error(err)
		}
	}
	if !strings.Contains(m.View(), "✓ exported") {
		t.Errorf("view:\n%s", m.View())
	}
	_, cmd = sendCmd(m, keyMsg("q"))
	if !hasQuit(runMsgs(cmd)) {
		t.Fatal("q on results does not quit")
	}
}

// The Billing and Cost tabs are laid out from report's structured rows:
// every approach's cost row and every role's billing row is on them.
func TestBillingAndCostTabsFromRows(t *testing.T) {
	t.Parallel()
	m := resultsModelWithBilling(t, 120, 40, nil)
	if m.resultsScreen().tabs.active != tabCost {
		t.Fatalf("with billing the results open on %d, want Cost", m.resultsScreen().tabs.active)
	}
	cost := strings.Join(m.resultsScreen().content(tabCost, 120), "\n")
	for _, l := range report.CostLines(m.results) {
		if !strings.Contains(cost, report.Money(l.Margin.Total)) || !strings.Contains(cost, l.VsDirect) {
			t.Errorf("cost tab lacks %s @ %d (%s, %s):\n%s", l.Approach, l.DurationMs, report.Money(l.Margin.Total), l.VsDirect, cost)
		}
	}
	bill := strings.Join(m.resultsScreen().content(tabBilling, 120), "\n")
	for _, l := range report.BillingLines(m.results) {
		want := fmt.Sprintf(`%d/%d`, l.Matched, l.Expected)
		if l.FromFailed > 0 {
			want += fmt.Sprintf(` +\+%d`, l.FromFailed)
		}
		if !regexp.MustCompile(want).MatchString(bill) {
			t.Errorf("billing tab lacks %s @ %d %s %s", l.Approach, l.DurationMs, l.Role, want)
		}
	}
	for _, tab := range []int{tabLatency, tabBilling, tabCost} {
		for _, w := range []int{60, 80, 120} {
			for _, l := range m.resultsScreen().content(tab, w) {
				if strings.HasSuffix(l, "…") {
					t.Errorf("tab %d at %d columns: a line ends in …: %q", tab, w, l)
				}
				if width(l) > w {
					t.Errorf("tab %d at %d columns: %q is wider", tab, w, l)
				}
			}
		}
	}
}

// An event that comes after the frame is over goes in the next message,
// and RunDone ends a message.
func TestWaitRunEventFrames(t *testing.T) {
	t.Parallel()
	ch := make(chan runner.Event, 4) // the sends after the pause do not wait for the reader
	rec := &recorder{events: ch}
	go func() {
		ch <- runner.BatchStarted{}
		time.Sleep(3 * eventFrame)
		ch <- runner.BatchStarted{}
		ch <- runner.RunDone{}
		ch <- runner.BatchStarted{} // not a real run's order: shows RunDone ends the message
		close(ch)
	}()
	cmd := waitRunEvent(rec)
	if _, ok := cmd().(runEventMsg); !ok {
		t.Fatal("first message: one event")
	}
	msgs, ok := cmd().(runEventsMsg)
	if !ok || len(msgs) != 2 {
		t.Fatalf("second message: %#v", msgs)
	}
	if _, done := msgs[1].ev.(runner.RunDone); !done {
		t.Fatal("RunDone is not last")
	}
	if _, ok := cmd().(runEventMsg); !ok {
		t.Fatal("third message")
	}
	if _, ok := cmd().(runClosedMsg); !ok {
		t.Fatal("closed")
	}
}

func TestRecorderRecordsEveryEventOnce(t *testing.T) {
	t.Parallel()
	ch := make(chan runner.Event, 4)
	var got []runner.Event
	rec := &recorder{events: ch, record: func(ev runner.Event) error { got = append(got, ev); return nil }}
	ch <- runner.BatchStarted{}
	ch <- runner.RunDone{}
	close(ch)
	cmd := waitRunEvent(rec)
	// Both events came within one frame: one message, in order.
	msgs, ok := cmd().(runEventsMsg)
	if !ok || len(msgs) != 2 {
		t.Fatalf("first read: %#v", msgs)
	}
	if _, started := msgs[0].ev.(runner.BatchStarted); !started {
		t.Fatal("first event")
	}
	if _, done := msgs[1].ev.(runner.RunDone); !done {
		t.Fatal("second event")
	}
	if _, ok := cmd().(runClosedMsg); !ok {
		t.Fatal("closed channel")
	}
	if len(got) != 2 {
		t.Fatalf("recorded %d events", len(got))
	}
}

func TestRunesArriveTogether(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t, 80, 24, Options{})
	m = send(m, keyMsg("jj"))
	if m.setupScreen().row[panelApproaches] != 2 {
		t.Fatalf(`"jj" moved to row %d, want 2`, m.setupScreen().row[panelApproaches])
	}
	m = keys(m, "tab", "j", "j", "j", "j", "j")
	m = send(m, keyMsg("250ms"))
	if m.setupScreen().customText() != "250ms" {
		t.Fatalf("custom = %q", m.setupScreen().customText())
	}
}

// With --approaches not given (every approach the target offers), what the
// setup screen shows ticked is what runs: dropping one must stick.
func TestSetupDropsApproachWhenAllWereDefault(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t, 80, 24, Options{})
	s := m.setupScreen()
	s.base.AllApproaches = true
	m.screens[screenSetup] = s
	m = keys(m, "j", "space") // drop current
	cfg, err := m.setupScreen().config()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.AllApproaches || slices.Contains(cfg.Approaches, "current") {
		t.Fatalf("approaches %v, all=%v", cfg.Approaches, cfg.AllApproaches)
	}
	if got := session.ResolveApproaches(cfg, &session.Target{}); slices.Contains(got.Approaches, "current") {
		t.Fatalf("the session would run current again: %v", got.Approaches)
	}
}

// The Cost tab prints no figure and no verdict when the run's billing
// matched nothing: it says so instead.
func TestCostTabNoVerdictWithoutBillingData(t *testing.T) {
	t.Parallel()
	m := resultsModelWithBilling(t, 120, 40, func(int) bool { return false })
	v := m.View()
	if !strings.Contains(v, "no verdict") || !strings.Contains(v, "no billing data") || strings.Contains(v, "break-even (") || strings.Contains(v, "saves $") {
		t.Errorf("cost tab with no billing data:\n%s", v)
	}
}
