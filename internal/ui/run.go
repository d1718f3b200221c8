package ui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/experiment"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/progress"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/pfx-tui/pfx-tui/internal/report"
	"github.com/pfx-tui/pfx-tui/internal/runner"
	"github.com/pfx-tui/pfx-tui/internal/stats"
)

// cellState is what the run screen knows of one approach × duration.
type cellState struct {
	batchesDone int
	failed      int
	errors      int
	samples     []float64 // per-op ms of finished batches
	done        bool      // CellDone received
}

// runModel is the run screen. It is built only from runner events (never
// from the session's results, which the event command writes), so nothing
// here races with the results file.
type runModel struct {
	c    *common
	w, h int
	bar  progress.Model

	id, path string
	plan     experiment.Plan
	specs    []experiment.BatchSpec
	totalOps int
	start    time.Time
	at       time.Time // the clock as of the last tick or event

	cells    map[experiment.Cell]cellState
	cur      *experiment.BatchSpec
	curOps   int       // ops completed in the current batch
	live     []float64 // samples of the current batch so far
	liveSum  stats.Summary
	recent   []float64 // last op samples, any batch
	finished int       // batches ended
	failed   int       // batches that did not end cleanly
	opsDone  int
	delay    time.Duration // upstream delay of the ops done (for the ETA)

	log      []logLine
	stopping bool
	done     *runner.RunDone
}

type logLine struct {
	at   time.Duration // since the run started
	text string
	bad  bool
}

const (
	maxRecent = 256
	maxLog    = 200
)

func newRun(c *common, id, path string, plan experiment.Plan, specs []experiment.BatchSpec) runModel {
	m := runModel{c: c, bar: c.st.progressBar(), id: id, path: path, plan: plan, specs: specs,
		start: c.now(), cells: map[experiment.Cell]cellState{}}
	m.at = m.start
	for _, s := range specs {
		m.totalOps += s.Ops
	}
	return m
}

func (m runModel) SetSize(w, h int) screen {
	m.w, m.h = w, h
	return m
}

func (m runModel) KeyMap() help.KeyMap { return m.c.keys.runHelp() }

// waiting: between batches (or before the first), nothing is in flight.
func (m runModel) waiting() bool { return m.done == nil && m.cur == nil && !m.stopping }

// stop marks the run as stopping after the current op.
func (m runModel) stop() runModel { m.stopping = true; return m }

func (m runModel) Update(msg tea.Msg) (screen, tea.Cmd) {
	switch msg := msg.(type) {
	case tickMsg:
		m.at = time.Time(msg)
	case runEventMsg:
		m.at = m.c.now()
		m.observe(msg.ev)
		if msg.recordErr != nil {
			m.addLog(m.at, "cannot write the results file: "+msg.recordErr.Error(), true)
		}
	case tea.KeyMsg:
		if key.Matches(msg, m.c.keys.Cancel) && m.done == nil && !m.stopping {
			m.stopping = true
			return m, func() tea.Msg { return cancelRunMsg{} }
		}
	}
	return m, nil
}

func (m *runModel) addLog(at time.Time, text string, bad bool) {
	m.log = append(m.log, logLine{at: at.Sub(m.start), text: text, bad: bad})
	if len(m.log) > maxLog {
		m.log = m.log[len(m.log)-maxLog:]
	}
}

func cellName(approach string, durationMs int) string {
	return approach + " @ " + experiment.FormatDuration(durationMs)
}

func specName(s experiment.BatchSpec) string {
	if s.Warmup {
		return "warmup " + s.Approach
	}
	return s.Cell().Label()
}

func (m *runModel) observe(ev runner.Event) {
	switch e := ev.(type) {
	case runner.BatchStarted:
		spec := e.Spec
		m.cur, m.curOps, m.live, m.liveSum = &spec, 0, nil, stats.Summary{}
		m.updateLive()
	case runner.OpProgress:
		if m.cur == nil || e.Spec.Index != m.cur.Index || e.Completed <= m.curOps {
			return
		}
		n := e.Completed - m.curOps
		m.curOps = e.Completed
		m.opsDone += n
		m.delay += time.Duration(n) * e.Spec.Delay()
		if e.SampleMs > 0 {
			m.live = append(m.live, e.SampleMs)
			m.recent = append(m.recent, e.SampleMs)
			if len(m.recent) > maxRecent {
				m.recent = m.recent[len(m.recent)-maxRecent:]
			}
		}
		m.updateLive()
	case runner.BatchDone:
		m.endBatch(e.Result, nil)
	case runner.BatchFailed:
		if e.Result.Retried {
			m.retrying(e.Result, e.Err) // retry.go
			break
		}
		m.endBatch(e.Result, e.Err)
	case runner.ForeignFrame:
		m.addLog(m.at, fmt.Sprintf("✗ %s: a %s frame not its own was not credited: %s", specName(e.Spec), e.Frame.Type, e.Frame.Why), true)
	case runner.Draining:
		m.addLog(m.at, fmt.Sprintf("… draining: %s was abandoned (%s); waiting up to %s for it to end before the next batch", specName(e.Spec), e.Status, e.Bound.Round(100*time.Millisecond)), false)
	case runner.ModesLearned:
		m.addLog(m.at, fmt.Sprintf("✗ the target offers only %s: %s dropped from the plan", strings.Join(e.Available, ", "), strings.Join(e.Dropped, ", ")), true)
		m.specs = slices.DeleteFunc(slices.Clone(m.specs), func(s experiment.BatchSpec) bool {
			return slices.ContainsFunc(e.Skipped, func(x experiment.BatchSpec) bool { return x.ID == s.ID })
		})
		for _, s := range e.Skipped {
			m.totalOps -= s.Ops
		}
	case runner.CellDone:
		cs := m.cells[e.Cell]
		cs.done = true
		m.cells[e.Cell] = cs
	case runner.RunDone:
		d := e
		m.done, m.cur = &d, nil
		switch {
		case e.Err != nil:
			m.addLog(m.at, "run failed: "+e.Err.Error(), true)
		case e.Interrupted:
			m.addLog(m.at, fmt.Sprintf("run interrupted: %d batches kept", len(e.Results)), false)
		default:
			m.addLog(m.at, fmt.Sprintf("run complete: %d batches", len(e.Results)), false)
		}
	}
}

func (m *runModel) endBatch(res experiment.BatchResult, err error) {
	m.finished++
	if m.cur != nil && m.cur.Index == res.Index {
		// Ops never reported by progress frames still count as done for the ETA.
		if rest := res.Ops - m.curOps; rest > 0 {
			m.opsDone += rest
			m.delay += time.Duration(rest) * res.Delay()
		}
		m.cur = nil
	}
	at := res.EndedAt
	if at.IsZero() {
		at = m.at
	}
	what := specName(res.BatchSpec)
	if !res.Warmup {
		what += fmt.Sprintf(" b%d/%d", res.Batch, m.plan.Batches)
		c := experiment.Cell{Approach: res.Approach, DurationMs: res.DurationMs}
		cs := m.cells[c]
		cs.batchesDone++
		cs.samples = append(cs.samples, res.PerOpMs()...)
		cs.errors += res.Errors
		if res.Status != experiment.StatusOK {
			cs.failed++
			cs.errors += max(0, res.Ops-res.OpsSeen)
		}
		m.cells[c] = cs
	}
	if err != nil || res.Status != experiment.StatusOK {
		m.failed++
		msg := res.Failure
		if err != nil {
			msg = err.Error()
		}
		m.addLog(at, fmt.Sprintf("✗ %s %s: %s", what, res.Status, msg), true)
		return
	}
	line := fmt.Sprintf("✓ %s: %d ops", what, res.Completed)
	if xs := res.PerOpMs(); len(xs) > 0 {
		line += ", median " + report.FormatMs(stats.Summarize(xs).Median)
	}
	m.addLog(at, line, false)
	if res.Errors > 0 {
		msg := ""
		if len(res.ErrorMessages) > 0 {
			msg = ": " + strings.Join(res.ErrorMessages, "; ")
		}
		m.addLog(at, fmt.Sprintf("✗ %s: %d of %d ops failed%s", what, res.Errors, res.Ops, msg), true)
	}
}

// updateLive recomputes the current cell's statistics (finished batches
// plus the samples of the batch in flight) once per event, not per frame.
func (m *runModel) updateLive() {
	if m.cur == nil {
		return
	}
	xs := m.live
	if !m.cur.Warmup {
		prev := m.cells[experiment.Cell{Approach: m.cur.Approach, DurationMs: m.cur.DurationMs}].samples
		xs = append(append([]float64(nil), prev...), m.live...)
	}
	m.liveSum = stats.Summarize(xs)
}

// eta is the upstream delay still ahead plus the per-op overhead seen so far.
func (m runModel) eta() (time.Duration, bool) {
	var planned time.Duration // the plan's upstream delay (less dropped batches)
	for _, s := range m.specs {
		planned += time.Duration(s.Ops) * s.Delay()
	}
	rest := planned - m.delay
	if m.opsDone == 0 {
		return rest, false
	}
	overhead := (m.at.Sub(m.start) - m.delay) / time.Duration(m.opsDone)
	if overhead < 0 {
		overhead = 0
	}
	return rest + overhead*time.Duration(m.totalOps-m.opsDone), true
}

func (m runModel) View() string {
	st := m.c.st
	w := m.w
	compact := m.h < compactHeight
	var lines []string
	clocks := "elapsed " + report.HumanSeconds(m.at.Sub(m.start))
	if m.done == nil {
		eta, measured := m.eta()
		if measured {
			clocks += " · ETA ~" + report.HumanSeconds(eta)
		} else {
			clocks += " · ETA ≥ " + report.HumanSeconds(eta)
		}
	}
	// On a narrow terminal the clocks matter more than the target's name,
	// but an emulated target keeps its EMULATED flag (header sees to it).
	right := m.c.targetTag() + st.Subtle.Render(" · ") + clocks
	if width(right)+len("pfx-tui › run ")+len(m.id)+1 > w {
		right = clocks
		if m.c.emulated {
			right = st.Emulated.Render("EMULATED") + st.Subtle.Render(" · ") + clocks
		}
	}
	lines = append(lines, m.c.header("run "+m.id, right, w))
	if !compact {
		lines = append(lines, "")
	}

	// The batch in flight, then the run-wide progress with the batch's own.
	counts := fmt.Sprintf("%d/%d batches done", m.finished, len(m.specs))
	if m.failed > 0 {
		counts += st.Bad.Render(fmt.Sprintf(" · %d failed", m.failed))
	}
	var status string
	switch {
	case m.done != nil && m.done.Err != nil:
		status = st.Bad.Render("✗ run failed")
	case m.done != nil && m.done.Interrupted:
		status = st.Warn.Render("■ run interrupted — results so far are kept")
	case m.done != nil:
		status = st.Good.Render("✓ run complete")
	case m.stopping:
		status = st.Warn.Render("■ stopping after the current op… (results so far are kept)")
	case m.cur != nil:
		status = st.Focused.Render("▶") + fmt.Sprintf(" batch %d/%d · %s", m.cur.Index+1, len(m.specs), st.Title.Render(specName(*m.cur)))
		if !m.cur.Warmup {
			status += st.Subtle.Render(fmt.Sprintf(" (cell batch %d/%d)", m.cur.Batch, m.plan.Batches))
		} else {
			status += st.Subtle.Render(" (excluded from statistics)")
		}
	case m.finished == 0:
		status = m.c.spinner() + " " + st.Subtle.Render("waiting for the target to start the first batch…")
	default:
		status = m.c.spinner() + " " + st.Subtle.Render("opening the next batch…")
	}
	if width(status)+1+width(counts) > w {
		lines = append(lines, truncate(status, w), padLeft(counts, w))
	} else {
		lines = append(lines, spread(status, counts, w))
	}
	lines = append(lines, m.progressLine(w))
	lines = append(lines, "")

	// The matrix.
	lines = append(lines, m.matrix(w)...)
	lines = append(lines, "")

	// Live figures of the current cell and recent ops.
	if m.cur != nil {
		s := m.liveSum
		label := cellName(m.cur.Approach, m.cur.DurationMs)
		if m.cur.Warmup {
			label = "warmup " + m.cur.Approach
		}
		live := st.Title.Render(label) + fmt.Sprintf("  n %d", s.N)
		if s.N > 0 {
			live += "  median " + report.FormatMs(s.Median) + "  p95 " + report.FormatMs(s.P95)
		}
		lines = append(lines, live)
	} else {
		lines = append(lines, st.Subtle.Render("no batch in flight"))
	}
	spark := "recent ops  "
	if len(m.recent) > 0 {
		w0 := max(8, min(64, w-40))
		shown := m.recent[max(0, len(m.recent)-w0):]
		lo, hi := shown[0], shown[0]
		for _, x := range shown {
			lo, hi = min(lo, x), max(hi, x)
		}
		spark += st.Focused.Render(sparkline(shown, w0)) + st.Subtle.Render("  "+report.FormatMs(lo)+" … "+report.FormatMs(hi))
	} else {
		spark += st.Subtle.Render("—")
	}
	lines = append(lines, spark)
	if !compact {
		lines = append(lines, "")
	}

	// Events fill what is left, newest last.
	room := m.h - len(lines) - 1
	if room >= 1 {
		lines = append(lines, spread(st.Section.Render("Events"), st.Subtle.Render("results → "+m.path), w))
		var log []string
		for _, l := range m.log {
			at := st.Subtle.Render(padLeft(report.HumanSeconds(l.at), 6)) + " "
			text := l.text
			if l.bad {
				text = st.Bad.Render(text)
			}
			log = append(log, hang(text, w, at, "       ")...)
		}
		if len(log) > room {
			log = log[len(log)-room:]
		}
		lines = append(lines, log...)
		if len(m.log) == 0 {
			lines = append(lines, st.Subtle.Render("no batch finished yet"))
		}
	}
	return fit(joinLines(lines), w, m.h)
}

// progressLine is the run-wide bar (ops of every batch, warmup included)
// with the batch in flight's own meter beside it.
func (m runModel) progressLine(w int) string {
	frac := 0.0
	if m.totalOps > 0 {
		frac = float64(m.opsDone) / float64(m.totalOps)
	}
	if m.done != nil && !m.done.Interrupted && m.done.Err == nil {
		frac = 1
	}
	pct := fmt.Sprintf(" %3.0f%%", frac*100)
	batch := ""
	if m.cur != nil && m.cur.Ops > 0 {
		batch = fmt.Sprintf("  batch %s %d/%d", bar(float64(m.curOps)/float64(m.cur.Ops), 8), m.curOps, m.cur.Ops)
	}
	b := m.bar
	b.Width = max(10, w-width(pct)-width(batch))
	return b.ViewAs(frac) + pct + batch
}

// matrix renders approach × duration with each cell's state.
func (m runModel) matrix(w int) []string {
	ds := m.plan.DurationsMs()
	cols := []column{{head: "approach"}}
	for _, d := range ds {
		// As wide as a cell gets ("◐ 502.5 ms 1/2 ✗1"), so that columns
		// do not shift as the run fills them in.
		cols = append(cols, column{head: experiment.FormatDuration(d), min: 17})
	}
	var rows [][]string
	for _, a := range m.plan.Approaches {
		row := []string{a}
		for _, d := range ds {
			row = append(row, m.cellText(experiment.Cell{Approach: a, DurationMs: d}))
		}
		rows = append(rows, row)
	}
	return renderTable(m.c.st, cols, rows, w, false)
}

func (m runModel) cellText(c experiment.Cell) string {
	st := m.c.st
	cs := m.cells[c]
	running := m.cur != nil && !m.cur.Warmup && m.cur.Approach == c.Approach && m.cur.DurationMs == c.DurationMs
	errs := ""
	if cs.errors > 0 {
		errs = st.Bad.Render(fmt.Sprintf(" ✗%d", cs.errors))
	}
	switch {
	case running:
		t := fmt.Sprintf("▶ %d/%d", m.curOps, m.cur.Ops)
		if m.plan.Batches > 1 {
			t += fmt.Sprintf(" b%d", m.cur.Batch)
		}
		return st.Focused.Render(t)
	case cs.batchesDone == 0:
		return st.Subtle.Render("· pending")
	case len(cs.samples) == 0:
		return st.Bad.Render("✗ failed") + errs
	}
	med := report.FormatMs(stats.Summarize(cs.samples).Median)
	if cs.done || cs.batchesDone >= m.plan.Batches {
		return st.Good.Render("✓") + " " + med + errs
	}
	return fmt.Sprintf("◐ %s %d/%d", med, cs.batchesDone, m.plan.Batches) + errs
}
