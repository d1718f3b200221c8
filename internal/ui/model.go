package ui

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/errext"
	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/report"
	"github.com/pfx-tui/pfx-tui/internal/runner"
	"github.com/pfx-tui/pfx-tui/internal/session"
)

// Model is the root bubbletea model: it owns the session, the runner and
// poller channels, global keys, the window size, the footer and the quit
// dialog, and which screen shows. Screens only render and turn keys into
// requests (see msgs.go).
type Model struct {
	c        *common
	ctx      context.Context
	opts     Options
	cfg      config.Config
	target   *session.Target
	help     help.Model
	spin     spinner.Model
	spinning bool // a spinner tick is on its way
	w, h     int

	screen  screenID
	screens [screenCount]screen

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

	// The results shown and where `e` exports them.
	results   *report.Results
	exportDir string
	exported  []string

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

// nextBefore is next that gives up when timeout fires; got is false when
// no event came by then.
func (r *recorder) nextBefore(timeout <-chan time.Time) (ev runner.Event, ok, got bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	select {
	case ev, ok = <-r.events:
	case <-timeout:
		return nil, false, false, nil
	}
	if !ok || r.record == nil {
		return ev, ok, true, nil
	}
	return ev, true, true, r.record(ev)
}

// eventFrame is how long waitRunEvent gathers events after the first one
// before handing them over: the screen is drawn once per message, and a
// run of 0 ms ops sends an event every ~100 µs, so drawing each would
// spend the CPU the measurement runs on (BENCHMARKS.md, "The TUI attached
// vs headless"). 50 ms is 20 screen updates a second.
const eventFrame = 50 * time.Millisecond

// maxEventsPerMsg bounds one message's events.
const maxEventsPerMsg = 4096

// waitRunEvent reads the next runner event, and the ones that follow it
// within eventFrame, records them, and hands them to Update in one
// message, which re-arms it: the bubbletea realtime pattern, one frame per
// message rather than one per event. The runner never waits for the UI: its
// outbox queues (and coalesces progress) while the UI gathers.
func waitRunEvent(rec *recorder) tea.Cmd {
	if rec == nil || rec.events == nil {
		return nil
	}
	return func() tea.Msg {
		ev, ok, err := rec.next()
		if !ok {
			return runClosedMsg{}
		}
		msgs := runEventsMsg{{ev: ev, recordErr: err}}
		frame := time.NewTimer(eventFrame)
		defer frame.Stop()
		for len(msgs) < maxEventsPerMsg {
			if _, done := ev.(runner.RunDone); done {
				break
			}
			var got bool
			ev, ok, got, err = rec.nextBefore(frame.C)
			if !got || !ok { // the frame is over, or the run (the next wait says so)
				break
			}
			msgs = append(msgs, runEventMsg{ev: ev, recordErr: err})
		}
		if len(msgs) == 1 {
			return msgs[0]
		}
		return msgs
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

// newRoot is the part of the root model every entry point shares.
func newRoot(ctx context.Context, c *common, opts Options) Model {
	spin := spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(c.st.Focused))
	c.spin = spin.View()
	return Model{c: c, ctx: ctx, opts: opts, help: c.st.helpModel(), spin: spin}
}

// newModel builds the root model on an opened target. now may be nil.
func newModel(ctx context.Context, cfg config.Config, opts Options, t *session.Target, st *styles, now func() time.Time) Model {
	m := newRoot(ctx, newCommon(st, now, t), opts)
	m.cfg, m.target = cfg, t
	m.screens[screenSetup] = newSetup(m.c, cfg, t.Info.Patterns, opts.StartBilling != nil, opts.BillingSource)
	m.screens[screenStarting] = newStarting(m.c)
	if opts.SkipSetup {
		m.screen = screenStarting
	}
	return m
}

// newSavedModel opens a saved run on the results screen (report FILE --tui).
func newSavedModel(ctx context.Context, r *report.Results, path string, opts Options, st *styles, now func() time.Time) Model {
	m := newRoot(ctx, commonOfResults(st, now, r), opts)
	m.results, m.exportDir = r, filepath.Dir(path)
	m.screens[screenResults] = newResults(m.c, r, path, nil)
	m.screen = screenResults
	return m
}

// Accessors for the screens, by their concrete types.
func (m Model) cur() screen { return m.screens[m.screen] }

func (m Model) setupScreen() setupModel { s, _ := m.screens[screenSetup].(setupModel); return s }
func (m Model) runScreen() runModel     { s, _ := m.screens[screenRun].(runModel); return s }
func (m Model) resultsScreen() resultsModel {
	s, _ := m.screens[screenResults].(resultsModel)
	return s
}

func (m Model) Init() tea.Cmd {
	var cmds []tea.Cmd
	if m.opts.SkipSetup {
		cfg, billing := m.cfg, m.opts.StartBilling != nil
		cmds = append(cmds, func() tea.Msg { return startRunMsg{cfg: cfg, billing: billing} })
	}
	if w, ok := m.cur().(waiter); ok && w.waiting() {
		cmds = append(cmds, m.spin.Tick)
	}
	return tea.Batch(cmds...)
}

func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m, cmd := m.update(msg)
	// The spinner turns while the screen waits on the background.
	if w, ok := m.cur().(waiter); ok && w.waiting() && !m.spinning {
		m.spinning = true
		cmd = tea.Batch(cmd, m.spin.Tick)
	}
	return m, cmd
}

func (m Model) update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
		m.layout()
		return m, nil
	case tea.KeyMsg:
		return m.key(msg)
	case spinner.TickMsg:
		if w, ok := m.cur().(waiter); !ok || !w.waiting() {
			m.spinning = false
			return m, nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		m.c.spin = m.spin.View()
		return m, cmd
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
	case runEventsMsg:
		// Every event reaches the run screen; the last (RunDone, if the
		// run ended) also does what an event ending a wait does.
		for _, e := range msg[:len(msg)-1] {
			m = m.observeRunEvent(e)
		}
		return m.onRunEvent(msg[len(msg)-1])
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
		if s := m.screens[screenBilling]; s != nil {
			m.screens[screenBilling], _ = s.Update(msg)
		}
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
		if m.results == nil {
			return m, nil
		}
		dir, r := m.exportDir, m.results
		return m, func() tea.Msg {
			paths, err := report.Export(dir, r)
			return exportedMsg{paths, err}
		}
	case exportedMsg:
		m.exported = append(m.exported[:0:0], msg.paths...)
		return m.route(msg, nil)
	}
	return m, nil
}

// route hands msg to the current screen, plus extra.
func (m Model) route(msg tea.Msg, extra tea.Cmd) (Model, tea.Cmd) {
	var cmd tea.Cmd
	if s := m.cur(); s != nil {
		m.screens[m.screen], cmd = s.Update(msg)
	}
	return m, tea.Batch(cmd, extra)
}

func (m Model) key(msg tea.KeyMsg) (Model, tea.Cmd) {
	// Fast typing (and tmux send-keys) can deliver several runes in one
	// message; each is a key of its own here ("jj" is down, down).
	if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste {
		var cmds []tea.Cmd
		for _, r := range msg.Runes {
			var cmd tea.Cmd
			m, cmd = m.key(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt})
			cmds = append(cmds, cmd)
		}
		return m, tea.Batch(cmds...)
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
		if m.runInFlight() || m.screen == screenBilling {
			m.confirm = true
			m.layout()
			return m, nil
		}
		return m.quit()
	}
	return m.route(msg, nil)
}

func (m Model) runInFlight() bool {
	return (m.screen == screenRun || m.screen == screenStarting) && m.sess != nil && m.runDone == nil
}

// quit leaves the program; a run in flight is stopped first (after its
// current op) so that its results file is complete.
func (m Model) quit() (Model, tea.Cmd) {
	switch {
	case m.runInFlight() && m.cancelRun != nil:
		m.quitting = true
		m.screens[screenRun] = m.runScreen().stop()
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
func (m Model) interrupt() (Model, tea.Cmd) {
	again := m.interrupted
	m.interrupted = true
	if m.cancelRun != nil && m.runDone == nil && !again {
		m.screens[screenRun] = m.runScreen().stop()
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
func (m Model) startRun(msg startRunMsg) (Model, tea.Cmd) {
	if m.sess != nil {
		return m, nil
	}
	s, err := session.New(m.target, msg.cfg, m.opts.Tool)
	if err != nil {
		if m.opts.SkipSetup {
			m.fatal = err.Error()
			st, _ := m.screens[screenStarting].(startingModel)
			st.fatal = m.fatal
			m.screens[screenStarting] = st
			return m, tea.Quit
		}
		m.screens[screenSetup] = m.setupScreen().refuse(err.Error())
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
	m.screens[screenRun] = newRun(m.c, s.Results.ID, s.Path, s.Plan, specs)
	m.screen = screenRun
	m.layout()
	return m
}

// observeRunEvent shows a runner event on the run screen and keeps the
// first results-file error.
func (m Model) observeRunEvent(msg runEventMsg) Model {
	if m.sess == nil {
		return m
	}
	m.screens[screenRun], _ = m.screens[screenRun].Update(msg)
	if msg.recordErr != nil && m.saveErr == nil {
		m.saveErr = msg.recordErr
	}
	return m
}

func (m Model) onRunEvent(msg runEventMsg) (Model, tea.Cmd) {
	if m.sess == nil {
		return m, nil
	}
	m = m.observeRunEvent(msg)
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
			m.screens[screenBilling] = newBilling(m.c, m.sess.Results.ID, m.opts.BillingSource)
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

func (m Model) toResults() (Model, tea.Cmd) {
	var notes []string
	if m.cancelled {
		notes = append(notes, "run cancelled: these are the results so far")
	}
	if m.billNote != "" {
		notes = append(notes, m.billNote)
	}
	m.results, m.exportDir = m.sess.Results, m.sess.Cfg.Out
	m.screens[screenResults] = newResults(m.c, m.sess.Results, m.sess.Path, notes)
	m.screen = screenResults
	m.layout()
	return m, nil
}

// quitQuestion is what the quit dialog asks on the current screen.
func (m Model) quitQuestion() string {
	if m.screen == screenBilling {
		return "Billing polling stops; the latency results are already saved."
	}
	return "The run stops after the current op; finished batches stay in the results file."
}

// footer is the help line: the screen's short help on the left, help and
// quit always on the right; with `?`, the full help above it instead of
// the short one.
func (m Model) footer() string {
	k := m.c.keys
	st := m.c.st
	sep := st.Rule.Render(" · ")
	right := st.Key.Render("?") + " " + st.Subtle.Render("help") + sep + st.Key.Render("q") + " " + st.Subtle.Render("quit")
	var km help.KeyMap = screenHelp{}
	if s := m.cur(); s != nil {
		km = s.KeyMap()
	}
	if m.confirm {
		km = k.confirmHelp()
		right = ""
	}
	h := m.help
	h.Width = max(1, m.w-width(right)-2)
	line := spread(h.ShortHelpView(km.ShortHelp()), right, m.w)
	if !m.showHelp || m.confirm {
		return line
	}
	// With the full help open every key shows once: the screen's keys
	// above, help and quit on the right of the footer.
	return m.fullHelp(append(km.FullHelp(), []key.Binding{k.Interrupt})) + "\n" + spread("", right, m.w)
}

// fullHelp is `?`'s help: bubbles/help's columns when they fit the
// width, else every binding flowed onto as many lines as it takes.
func (m Model) fullHelp(groups [][]key.Binding) string {
	h := m.help
	h.Width = 0
	if full := h.FullHelpView(groups); lipgloss.Width(full) <= m.w {
		return full
	}
	st := m.c.st
	var items []string
	for _, g := range groups {
		for _, b := range g {
			items = append(items, st.Key.Render(b.Help().Key)+" "+st.Subtle.Render(b.Help().Desc))
		}
	}
	return joinLines(flow("", items, st.Rule.Render(" · "), m.w))
}

// dialog is the quit question in a centred box.
func (m Model) dialog() []string {
	st := m.c.st
	inner := max(10, min(dialogWidth, m.w-4)-6)
	question := wrap(m.quitQuestion(), inner)
	inner = 0
	for _, l := range question {
		inner = max(inner, width(l))
	}
	lines := []string{st.Warn.Bold(true).Render("Quit?"), ""}
	lines = append(lines, question...)
	lines = append(lines, "", st.Key.Render("y")+" "+st.Subtle.Render("quit")+st.Rule.Render(" · ")+st.Key.Render("n")+" "+st.Subtle.Render("keep going"))
	return strings.Split(st.Dialog.Width(inner+4).Render(joinLines(lines)), "\n")
}

// layout gives every screen the space above the footer.
func (m *Model) layout() {
	if m.w == 0 {
		return
	}
	bh := max(1, m.h-lipgloss.Height(m.footer()))
	for i, s := range m.screens {
		if s != nil {
			m.screens[i] = s.SetSize(m.w, bh)
		}
	}
}

func (m Model) View() string {
	if m.w == 0 {
		return ""
	}
	if m.w < minWidth || m.h < minHeight {
		return m.tooSmall()
	}
	footer := m.footer()
	fh := lipgloss.Height(footer)
	bh := max(1, m.h-fh)
	body := ""
	if s := m.cur(); s != nil {
		body = s.View()
	}
	body = fit(body, m.w, bh)
	if m.confirm {
		body = fit(joinLines(overlay(strings.Split(body, "\n"), m.dialog(), m.w)), m.w, bh)
	}
	return body + "\n" + fit(footer, m.w, fh)
}

// tooSmall asks for a bigger window, wrapped to whatever width there is.
func (m Model) tooSmall() string {
	var lines []string
	for _, p := range []string{"terminal too small", fmt.Sprintf("need %d×%d, have %d×%d", minWidth, minHeight, m.w, m.h), "enlarge the window or press q to quit"} {
		lines = append(lines, wrap(p, m.w)...)
	}
	return fit(lipgloss.Place(m.w, m.h, lipgloss.Center, lipgloss.Center, joinLines(lines)), m.w, m.h)
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
