package ui

import (
	"fmt"
	"slices"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/session"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/progress"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/pfx-tui/pfx-tui/internal/billing"
	"github.com/pfx-tui/pfx-tui/internal/report"
)

// extendBy is what `+` adds to the poll deadline.
const extendBy = 5 * time.Minute

// roleOrder is the order role columns appear in: the hops of a proxied
// fetch from the client inwards.
var roleOrder = []string{billing.RoleController, billing.RoleEntry, billing.RoleOrigin, billing.RoleOrchestrator,
	billing.RoleExecutor, billing.RoleUpstream, billing.RoleUnknown}

// billingModel is the billing countdown: it shows the poller's progress
// while Logpush files trickle into R2.
type billingModel struct {
	c      *common
	w, h   int
	bar    progress.Model
	id     string
	source string
	at     time.Time
	ev     session.BillingEvent
	have   bool   // at least one event arrived
	note   string // acknowledgement of the last key
}

func newBilling(c *common, id, source string) billingModel {
	return billingModel{c: c, bar: c.st.progressBar(), id: id, source: source, at: c.now()}
}

func (m billingModel) SetSize(w, h int) screen {
	m.w, m.h = w, h
	return m
}

func (m billingModel) KeyMap() help.KeyMap { return m.c.keys.billingHelp() }

// waiting: no poll has reported yet.
func (m billingModel) waiting() bool { return !m.have }

func (m billingModel) Update(msg tea.Msg) (screen, tea.Cmd) {
	switch msg := msg.(type) {
	case tickMsg:
		m.at = time.Time(msg)
	case billEventMsg:
		m.at = m.c.now()
		m.ev, m.have, m.note = msg.ev, true, ""
	case tea.KeyMsg:
		k := m.c.keys
		var a billingAction
		switch {
		case key.Matches(msg, k.SkipBilling):
			a, m.note = billingStop, "finishing without billing…"
		case key.Matches(msg, k.PollNow):
			a, m.note = billingPollNow, "polling now…"
		case key.Matches(msg, k.Extend):
			a, m.note = billingExtend, "deadline extended by "+report.HumanSeconds(extendBy)
		default:
			return m, nil
		}
		return m, func() tea.Msg { return billingActionMsg{a} }
	}
	return m, nil
}

// until is a countdown from the screen's clock, never negative.
func (m billingModel) until(t time.Time) time.Duration {
	if t.IsZero() {
		return 0
	}
	return max(0, t.Sub(m.at))
}

func (m billingModel) View() string {
	st := m.c.st
	w := m.w
	compact := m.h < compactHeight
	var lines []string
	lines = append(lines, m.c.header("billing", "run "+m.id+st.Subtle.Render(" · ")+shortSource(m.source), w))
	if !compact {
		lines = append(lines, "")
	}
	if !m.have {
		lines = append(lines, hang(m.c.spinner()+" "+st.Subtle.Render("waiting for the first poll of "+m.source+"…"), w, "", "  ")...)
		if m.note != "" {
			lines = append(lines, "", st.Warn.Render(m.note))
		}
		return fit(joinLines(lines), w, m.h)
	}
	ev := m.ev
	left := "deadline in " + st.Title.Render(report.HumanSeconds(m.until(ev.Deadline)))
	if ev.Done {
		left = st.Good.Render("polling finished") + st.Subtle.Render(" ("+ev.Reason+")")
	}
	facts := []string{left}
	if !ev.Done {
		facts = append(facts, "next poll in "+report.HumanSeconds(m.until(ev.NextPoll)))
	}
	newFiles := ""
	if ev.FilesNew > 0 {
		newFiles = fmt.Sprintf(" (+%d new)", ev.FilesNew)
	}
	facts = append(facts, fmt.Sprintf("polls %d", ev.Polls), fmt.Sprintf("files %d%s", ev.FilesSeen, newFiles), fmt.Sprintf("records %d", ev.Progress.RecordsRead))
	lines = append(lines, flow("", facts, st.Subtle.Render(" · "), w)...)

	matched, expected := 0, 0
	for _, c := range ev.Progress.Counts {
		matched += min(c.Matched, c.Expected)
		expected += c.Expected
	}
	frac := 0.0
	if expected > 0 {
		frac = float64(matched) / float64(expected)
	}
	tail := fmt.Sprintf(" %d/%d", matched, expected)
	if ev.Progress.Complete {
		tail += st.Good.Render(" ✓ complete")
	}
	b := m.bar
	b.Width = max(10, w-len("matched ")-width(tail))
	lines = append(lines, "matched "+b.ViewAs(frac)+tail)
	lines = append(lines, "")

	// The bottom: source, note, last error, suspicions; the table gets
	// the rest.
	bottom := hang(st.Subtle.Render(m.source), w, st.Subtle.Render("source: "), "  ")
	if m.note != "" {
		bottom = append(bottom, st.Warn.Render(m.note))
	}
	if ev.LastError != "" {
		bottom = append(bottom, hang(st.Bad.Render("last error: "+ev.LastError), w, "", "  ")...)
	} else {
		bottom = append(bottom, st.Subtle.Render("last error: none"))
	}
	for _, warning := range ev.Progress.Warnings {
		bottom = append(bottom, hang(st.Warn.Render(warning), w, "⚠ ", "  ")...)
	}
	room := m.h - len(lines) - len(bottom) - 1
	lines = append(lines, m.table(w, room)...)
	if rest := m.h - len(lines) - len(bottom); rest > 0 {
		lines = append(lines, make([]string, rest)...)
	}
	lines = append(lines, bottom...)
	return fit(joinLines(lines), w, m.h)
}

// roleShort are the roles' short column headers, for narrow terminals.
var roleShort = map[string]string{
	billing.RoleController: "ctrl", billing.RoleEntry: "entry", billing.RoleOrigin: "origin", billing.RoleOrchestrator: "orch",
	billing.RoleExecutor: "exec", billing.RoleUpstream: "upstr", billing.RoleUnknown: "?",
}

// table is matched/expected per cell (rows) and role (columns), in at most
// room lines.
func (m billingModel) table(w, room int) []string {
	st := m.c.st
	counts := m.ev.Progress.Counts
	if room < 3 {
		return nil
	}
	if len(counts) == 0 {
		return []string{st.Subtle.Render("no expected invocations yet")}
	}
	var roles []string
	var cells []experiment.Cell
	byKey := map[string]billing.Count{}
	for _, c := range counts {
		if !slices.Contains(roles, c.Role) {
			roles = append(roles, c.Role)
		}
		cell := experiment.Cell{Approach: c.Approach, DurationMs: c.DurationMs}
		if !slices.Contains(cells, cell) {
			cells = append(cells, cell)
		}
		byKey[cellName(c.Approach, c.DurationMs)+"/"+c.Role] = c
	}
	slices.SortStableFunc(roles, func(a, b string) int { return roleRank(a) - roleRank(b) })
	short := w < shortHeadersWidth
	cols := []column{{head: "cell"}}
	for _, r := range roles {
		cols = append(cols, column{head: r, short: roleShort[r], right: true})
	}
	var rows [][]string
	for _, c := range cells {
		name := cellName(c.Approach, c.DurationMs)
		row := []string{name}
		for _, r := range roles {
			cnt, ok := byKey[name+"/"+r]
			if !ok || cnt.Expected == 0 && cnt.Matched == 0 {
				row = append(row, st.Subtle.Render("—"))
				continue
			}
			text := fmt.Sprintf("%d/%d", cnt.Matched, cnt.Expected)
			if !short {
				frac := 1.0
				if cnt.Expected > 0 {
					frac = float64(cnt.Matched) / float64(cnt.Expected)
				}
				b := bar(frac, 5)
				if cnt.Matched >= cnt.Expected {
					b = st.Good.Render(b)
				}
				text = b + " " + text
			} else if cnt.Matched >= cnt.Expected {
				text = st.Good.Render("✓") + " " + text
			}
			row = append(row, text)
		}
		rows = append(rows, row)
	}
	more := ""
	if len(rows) > room-2 {
		keep := max(0, room-3)
		more = st.Subtle.Render(fmt.Sprintf("%d more cells: the results' Billing tab lists them all", len(rows)-keep))
		rows = rows[:keep]
	}
	out := renderTable(st, cols, rows, w, short)
	if more != "" {
		out = append(out, hang(more, w, "", "  ")...)
	}
	return out
}

func roleRank(r string) int {
	if i := slices.Index(roleOrder, r); i >= 0 {
		return i
	}
	return len(roleOrder)
}
