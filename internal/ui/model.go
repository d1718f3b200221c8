package ui

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/errext"
	"github.com/pfx-tui/pfx-tui/internal/experiment"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/report"
	"github.com/pfx-tui/pfx-tui/internal/runner"
	"github.com/pfx-tui/pfx-tui/internal/session"
)

// Smallest terminal the screens are laid out for.
const (
	minWidth  = 60
	minHeight = 20
)

type screenID int

const (
	screenSetup screenID = iota
	screenStarting
	screenRun
	screenBilling
	screenResults
)

// Model is the root bubbletea model: it owns the session, the runner and
// poller channels, global keys, the window size and which screen shows.
// Screens only render and turn keys into requests (see msgs.go).
type Model struct {
	c      *common
	ctx    context.Context
	opts   Options
	cfg    config.Config
	target *session.Target
	help   help.Model
	w, h   int

	screen screenID
	setup  setupModel
	run    runModel
	bill   billingModel
	res    resultsModel

	showHelp bool
	confirm  bool // asking whether to quit
	ticking  bool

	// The run. sess.Results is written by the event command (rec) until
	// RunDone has been handled; the screens never read it before.
	sess        *session.Session
	rec         *recorder
	events      <-chan runner.Event
	cancelRun   context.CancelFunc
	runDone     *runner.RunDone
	runClosed   bool
	saveErr     error
	wantBilling bool
	cancelled   bool // `c`: stop and show the results so far

	// Billing.
	billEvents <-chan session.BillingEvent
	billCtl    BillingControls
	cancelBill context.CancelFunc
	billDone   bool
	billNote   string

	interrupted bool   // Ctrl-C
	quitting    bool   // quit once the run has stopped
	fatal       string // a run that could not start with --yes
}

// recorder applies runner events to the session. The lock is held while
// reading the channel too, so whoever takes an event also records it — even
// a command left over after the program was killed — and draining after
// the program ends sees every event recorded.
type recorder struct {
	mu     sync.Mutex
	events <-chan runner.Event
	record func(runner.Event) error
}

func (r *recorder) next() (runner.Event, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ev, ok := <-r.events
	if !ok {
		return nil, false, nil
	}
	if r.record == nil {
		return ev, true, nil
	}
	return ev, true, r.record(ev)
}

// waitRunEvent reads one runner event, records it, and hands it to Update,
// which re-arms it: the bubbletea realtime pattern. The runner never waits
// for the UI beyond its own buffered channel.
func waitRunEvent(rec *recorder) tea.Cmd {
	if rec == nil || rec.events == nil {
		return nil
	}
	return func() tea.Msg {
		ev, ok, err := rec.next()
		if !ok {
			return runClosedMsg{}
		}
		return runEventMsg{ev: ev, recordErr: err}
	}
}

func waitBillEvent(ch <-chan session.BillingEvent) tea.Cmd {
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		ev, ok := <-ch
		if !ok {
			return billClosedMsg{}
		}
		return billEventMsg{ev}
	}
}

func tick() tea.Cmd {
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return tickMsg{} })
}

// newModel builds the root model on an opened target. now may be nil.
func newModel(ctx context.Context, cfg config.Config, opts Options, t *session.Target, st *styles, now func() time.Time) Model {
	c := newCommon(st, now, t)
	m := Model{c: c, ctx: ctx, opts: opts, cfg: cfg, target: t, help: st.helpModel()}
	var patterns = t.Info.Patterns
	m.setup = newSetup(c, cfg, patterns, opts.StartBilling != nil, opts.BillingSource)
	if opts.SkipSetup {
		m.screen = screenStarting
	}
	return m
}

func (m Model) Init() tea.Cmd {
	if m.opts.SkipSetup {
		cfg, billing := m.cfg, m.opts.StartBilling != nil
		return func() tea.Msg { return startRunMsg{cfg: cfg, billing: billing} }
	}
	return nil
}

func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
		m.layout()
		return m, nil
	case tea.KeyMsg:
		return m.key(msg)
	case tickMsg:
		if m.screen != screenRun && m.screen != screenBilling {
			m.ticking = false
			return m, nil
		}
		return m.route(tickMsg(m.c.now()), tick())
	case startRunMsg:
		return m.startRun(msg)
	case runEventMsg:
		return m.onRunEvent(msg)
	case runClosedMsg:
		m.runClosed = true
		return m, nil
	case cancelRunMsg:
		m.cancelled = true
		if m.cancelRun != nil {
			m.cancelRun()
		}
		return m, nil
	case billEventMsg:
		m.bill, _ = m.bill.Update(msg)
		if msg.ev.Done {
			m.billDone = true
			if r := msg.ev.Reason; r != "" && r != "complete" {
				m.billNote = "billing polling ended early (" + r + "); matched records so far are kept"
			}
			return m.toResults()
		}
		return m, waitBillEvent(m.billEvents)
	case billClosedMsg:
		if !m.billDone {
			m.billDone = true
			if m.screen == screenBilling {
				return m.toResults()
			}
		}
		return m, nil
	case billingActionMsg:
		return m, m.billingAction(msg.action)
	case exportMsg:
		if m.sess == nil {
			return m, nil
		}
		dir, r := m.sess.Cfg.Out, m.sess.Results
		return m, func() tea.Msg {
			paths, err := report.Export(dir, r)
			return exportedMsg{paths, err}
		}
	case exportedMsg:
		return m.route(msg, nil)
	}
	return m, nil
}

// route hands msg to the current screen, plus extra.
func (m Model) route(msg tea.Msg, extra tea.Cmd) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch m.screen {
	case screenSetup:
		m.setup, cmd = m.setup.Update(msg)
	case screenRun:
		m.run, cmd = m.run.Update(msg)
	case screenBilling:
		m.bill, cmd = m.bill.Update(msg)
	case screenResults:
		m.res, cmd = m.res.Update(msg)
	}
	return m, tea.Batch(cmd, extra)
}

func (m Model) key(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	// Fast typing (and tmux send-keys) can deliver several runes in one
	// message; each is a key of its own here ("jj" is down, down).
	if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste {
		var cmds []tea.Cmd
		var nm tea.Model = m
		for _, r := range msg.Runes {
			var cmd tea.Cmd
			nm, cmd = nm.(Model).key(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt})
			cmds = append(cmds, cmd)
		}
		return nm, tea.Batch(cmds...)
	}
	k := m.c.keys
	if key.Matches(msg, k.Interrupt) {
		return m.interrupt()
	}
	if m.confirm {
		switch {
		case key.Matches(msg, k.Yes):
			m.confirm = false
			m.layout()
			return m.quit()
		case key.Matches(msg, k.No), key.Matches(msg, k.Quit):
			m.confirm = false
			m.layout()
		}
		return m, nil
	}
	switch {
	case key.Matches(msg, k.Help):
		m.showHelp = !m.showHelp
		m.layout()
		return m, nil
	case key.Matches(msg, k.Quit):
		switch {
		case m.screen == screenRun && m.runDone == nil, m.screen == screenBilling:
			m.confirm = true
			m.layout()
			return m, nil
		}
		return m.quit()
	}
	return m.route(msg, nil)
}

// quit leaves the program; a run in flight is stopped first (after its
// current op) so that its results file is complete.
func (m Model) quit() (tea.Model, tea.Cmd) {
	switch {
	case m.screen == screenRun && m.runDone == nil && m.cancelRun != nil:
		m.quitting = true
		m.run.stopping = true
		m.cancelRun()
		return m, nil
	case m.screen == screenBilling:
		m.stopBilling()
	}
	return m, tea.Quit
}

// interrupt is Ctrl-C: stop the run (the first time, wait for RunDone so
// that the results file says interrupted; the second time, leave at once —
// Run drains the rest) and exit 130.
func (m Model) interrupt() (tea.Model, tea.Cmd) {
	again := m.interrupted
	m.interrupted = true
	if m.cancelRun != nil && m.runDone == nil && !again {
		m.run.stopping = true
		m.cancelRun()
		return m, nil
	}
	m.stopBilling()
	return m, tea.Quit
}

func (m *Model) stopBilling() {
	if m.billEvents != nil && !m.billDone {
		if m.billCtl != nil {
			m.billCtl.Stop()
		}
		m.cancelBill()
	}
}

func (m Model) billingAction(a billingAction) tea.Cmd {
	ctl := m.billCtl
	if ctl == nil || m.billDone {
		return nil
	}
	return func() tea.Msg {
		switch a {
		case billingStop:
			ctl.Stop()
		case billingPollNow:
			ctl.PollNow()
		case billingExtend:
			ctl.Extend(extendBy)
		}
		return nil
	}
}

func (m *Model) startTick() tea.Cmd {
	if m.ticking {
		return nil
	}
	m.ticking = true
	return tick()
}

// startRun creates the session (writing the first results file) and starts
// the runner. Both happen here, not in a command, so that the model always
// knows about a runner it has to stop.
func (m Model) startRun(msg startRunMsg) (tea.Model, tea.Cmd) {
	if m.sess != nil {
		return m, nil
	}
	s, err := session.New(m.target, msg.cfg, m.opts.Tool)
	if err != nil {
		if m.opts.SkipSetup {
			m.fatal = err.Error()
			return m, tea.Quit
		}
		m.setup.message = err.Error()
		return m, nil
	}
	ctx, cancel := context.WithCancel(m.ctx)
	m = m.attach(s, s.Runner.Run(ctx), s.Runner.Specs(), s.Record, cancel, msg.billing)
	return m, tea.Batch(waitRunEvent(m.rec), m.startTick())
}

// attach switches to the run screen for a started runner.
func (m Model) attach(s *session.Session, events <-chan runner.Event, specs []experiment.BatchSpec, record func(runner.Event) error, cancel context.CancelFunc, billing bool) Model {
	m.sess, m.cancelRun, m.wantBilling = s, cancel, billing
	m.events = events
	m.rec = &recorder{events: events, record: record}
	m.run = newRun(m.c, s.Results.ID, s.Path, s.Plan, specs)
	m.screen = screenRun
	m.layout()
	return m
}

func (m Model) onRunEvent(msg runEventMsg) (tea.Model, tea.Cmd) {
	if m.sess == nil {
		return m, nil
	}
	m.run, _ = m.run.Update(msg)
	if msg.recordErr != nil && m.saveErr == nil {
		m.saveErr = msg.recordErr
	}
	next := waitRunEvent(m.rec)
	d, ok := msg.ev.(runner.RunDone)
	if !ok {
		return m, next
	}
	m.runDone = &d
	if m.interrupted || m.quitting {
		return m, tea.Quit
	}
	if m.wantBilling && m.opts.StartBilling != nil && d.Err == nil && !d.Interrupted && !m.cancelled && len(d.Results) > 0 {
		ctx, cancel := context.WithCancel(m.ctx)
		ch, ctl, err := m.opts.StartBilling(ctx, m.sess)
		if err == nil && ch != nil {
			m.billEvents, m.billCtl, m.cancelBill = ch, ctl, cancel
			m.bill = newBilling(m.c, m.sess.Results.ID, m.opts.BillingSource)
			m.screen = screenBilling
			m.layout()
			return m, tea.Batch(next, waitBillEvent(ch), m.startTick())
		}
		cancel()
		if err != nil {
			m.billNote = "billing could not start: " + err.Error()
		}
	}
	nm, cmd := m.toResults()
	return nm, tea.Batch(next, cmd)
}

func (m Model) toResults() (tea.Model, tea.Cmd) {
	var notes []string
	if m.cancelled {
		notes = append(notes, "run cancelled: these are the results so far")
	}
	if m.billNote != "" {
		notes = append(notes, m.billNote)
	}
	m.res = newResults(m.c, m.sess.Results, m.sess.Path, notes)
	m.screen = screenResults
	m.layout()
	return m, nil
}

// footer is the help line(s), or the quit question.
func (m Model) footer() string {
	k := m.c.keys
	h := m.help
	h.Width = m.w
	h.ShowAll = m.showHelp
	if m.confirm {
		q := "Quit? The run stops after the current op; finished batches stay in the results file."
		if m.screen == screenBilling {
			q = "Quit? Billing polling stops; the latency results are already saved."
		}
		return m.c.st.Warn.Render(truncate(q, m.w)) + "\n" + h.View(k.confirmHelp())
	}
	var km help.KeyMap
	switch m.screen {
	case screenSetup:
		km = k.setupHelp()
	case screenRun:
		km = k.runHelp()
	case screenBilling:
		km = k.billingHelp()
	case screenResults:
		km = k.resultsHelp()
	default:
		km = screenHelp{short: []key.Binding{k.Interrupt}}
	}
	return h.View(km)
}

// layout gives every screen the space above the footer.
func (m *Model) layout() {
	if m.w == 0 {
		return
	}
	bh := max(1, m.h-lipgloss.Height(m.footer()))
	m.setup.SetSize(m.w, bh)
	m.run.SetSize(m.w, bh)
	m.bill.SetSize(m.w, bh)
	m.res.SetSize(m.w, bh)
}

func (m Model) View() string {
	if m.w == 0 {
		return ""
	}
	if m.w < minWidth || m.h < minHeight {
		msg := fmt.Sprintf("terminal too small (need %d×%d, have %d×%d)", minWidth, minHeight, m.w, m.h)
		return fit(lipgloss.Place(m.w, m.h, lipgloss.Center, lipgloss.Center, truncate(msg, m.w)+"\n"+truncate("enlarge the window or press q to quit", m.w)), m.w, m.h)
	}
	footer := m.footer()
	bh := max(1, m.h-lipgloss.Height(footer))
	var body string
	switch m.screen {
	case screenSetup:
		body = m.setup.View()
	case screenStarting:
		text := "starting the run…"
		if m.fatal != "" {
			text = m.c.st.Bad.Render("✗ " + m.fatal)
		}
		body = m.c.header("run", m.c.targetTag(), m.w) + "\n\n" + text
	case screenRun:
		body = m.run.View()
	case screenBilling:
		body = m.bill.View()
	case screenResults:
		body = m.res.View()
	}
	return fit(body, m.w, bh) + "\n" + fit(footer, m.w, lipgloss.Height(footer))
}

// Err is what the final model stands for, as an error carrying its exit
// code (see errext): nil when the run finished with at least one batch
// measured.
func (m Model) Err() error {
	switch {
	case m.fatal != "":
		return errors.New(m.fatal)
	case m.saveErr != nil:
		return fmt.Errorf("cannot write the results file: %w", m.saveErr)
	case m.interrupted || (m.runDone != nil && m.runDone.Interrupted):
		if m.sess != nil {
			return errext.Errorf(errext.Interrupted, "interrupted; finished batches are saved in %s", m.sess.Path)
		}
		return errext.Silent(errext.Interrupted)
	case m.runDone == nil:
		return nil
	case m.runDone.Err != nil:
		return fmt.Errorf("run failed: %w", m.runDone.Err)
	case allFailed(m.runDone.Results):
		return errors.New("every batch failed; see the events and notes")
	}
	return nil
}

// ExitCode is the process exit code the final model stands for.
func (m Model) ExitCode() int { return errext.Code(m.Err()) }

func allFailed(rs []experiment.BatchResult) bool {
	for _, b := range rs {
		if b.Status == experiment.StatusOK {
			return false
		}
	}
	return len(rs) > 0
}
