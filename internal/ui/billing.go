package ui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/session"

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

func (m *billingModel) SetSize(w, h int) {
	m.w, m.h = w, h
	m.bar.Width = max(10, w-24)
}

func (m billingModel) Update(msg tea.Msg) (billingModel, tea.Cmd) {
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
			a, m.note = billingExtend, fmt.Sprintf("deadline extended by %s", report.HumanSeconds(extendBy))
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
	compact := m.h < 26
	var lines []string
	lines = append(lines, m.c.header("billing", "run "+m.id+st.Subtle.Render(" · ")+m.source, w))
	if !compact {
		lines = append(lines, "")
	}
	if !m.have {
		lines = append(lines, st.Subtle.Render("waiting for the first poll of "+m.source+"…"))
		if m.note != "" {
			lines = append(lines, "", st.Warn.Render(m.note))
		}
		return fit(strings.Join(lines, "\n"), w, m.h)
	}
	ev := m.ev
	left := "deadline in " + st.Title.Render(report.HumanSeconds(m.until(ev.Deadline)))
	if ev.Done {
		left = st.Good.Render("polling finished") + st.Subtle.Render(" ("+ev.Reason+")")
	}
	facts := []string{left}
	if !ev.Done {
		facts = append(facts, fmt.Sprintf("next poll in %d s", int(m.until(ev.NextPoll).Round(time.Second)/time.Second)))
	}
	newFiles := ""
	if ev.FilesNew > 0 {
		newFiles = fmt.Sprintf(" (+%d new)", ev.FilesNew)
	}
	facts = append(facts, fmt.Sprintf("polls %d", ev.Polls), fmt.Sprintf("files %d%s", ev.FilesSeen, newFiles), fmt.Sprintf("records %d", ev.Progress.RecordsRead))
	lines = append(lines, strings.Join(facts, st.Subtle.Render(" · ")))

	matched, expected := 0, 0
	for _, c := range ev.Progress.Counts {
		matched += min(c.Matched, c.Expected)
		expected += c.Expected
	}
	frac := 0.0
	if expected > 0 {
		frac = float64(matched) / float64(expected)
	}
	mark := ""
	if ev.Progress.Complete {
		mark = st.Good.Render(" ✓ complete")
	}
	lines = append(lines, "matched "+m.bar.ViewAs(frac)+fmt.Sprintf(" %d/%d", matched, expected)+mark)
	lines = append(lines, "")

	// The bottom: note, last error, suspicions; the table gets the rest.
	var bottom []string
	if m.note != "" {
		bottom = append(bottom, st.Warn.Render(m.note))
	}
	if ev.LastError != "" {
		bottom = append(bottom, st.Bad.Render(truncate("last error: "+ev.LastError, w)))
	} else {
		bottom = append(bottom, st.Subtle.Render("last error: none"))
	}
	for _, warning := range ev.Progress.Warnings {
		for i, l := range wrap(warning, w-2) {
			prefix := "  "
			if i == 0 {
				prefix = "⚠ "
			}
			bottom = append(bottom, st.Warn.Render(prefix+l))
		}
	}
	room := m.h - len(lines) - len(bottom) - 1
	lines = append(lines, m.table(w, room)...)
	if rest := m.h - len(lines) - len(bottom); rest > 0 {
		lines = append(lines, strings.Repeat("\n", rest-1))
	}
	lines = append(lines, bottom...)
	return fit(strings.Join(lines, "\n"), w, m.h)
}

// table is matched/expected per cell (rows) and role (columns), in at most
// room lines.
func (m billingModel) table(w, room int) []string {
	st := m.c.st
	counts := m.ev.Progress.Counts
	if room < 2 {
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
	labelW := 10
	for _, c := range cells {
		labelW = max(labelW, len(cellName(c.Approach, c.DurationMs))+2)
	}
	colW := max(9, (w-labelW)/max(1, len(roles)))
	barW := min(8, colW-9)
	head := pad("cell", labelW)
	for _, r := range roles {
		head += pad(r, colW)
	}
	out := []string{st.Header.Render(strings.TrimRight(head, " "))}
	shown := cells
	if len(cells) > room-1 {
		shown = cells[:max(0, room-2)]
	}
	for _, c := range shown {
		name := cellName(c.Approach, c.DurationMs)
		row := pad(name, labelW)
		for _, r := range roles {
			cnt, ok := byKey[name+"/"+r]
			if !ok || cnt.Expected == 0 && cnt.Matched == 0 {
				row += pad(st.Subtle.Render("—"), colW)
				continue
			}
			frac := 1.0
			if cnt.Expected > 0 {
				frac = float64(cnt.Matched) / float64(cnt.Expected)
			}
			text := fmt.Sprintf("%d/%d", cnt.Matched, cnt.Expected)
			if barW >= 3 {
				b := bar(frac, barW)
				if cnt.Matched >= cnt.Expected {
					b = st.Good.Render(b)
				}
				text = b + " " + text
			}
			row += pad(text, colW)
		}
		out = append(out, row)
	}
	if len(shown) < len(cells) {
		out = append(out, st.Subtle.Render(fmt.Sprintf("… %d more cells", len(cells)-len(shown))))
	}
	return out
}

func roleRank(r string) int {
	if i := slices.Index(roleOrder, r); i >= 0 {
		return i
	}
	return len(roleOrder)
}
