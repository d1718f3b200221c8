package ui

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// screen is one of the console's screens (setup, starting, run, billing,
// results). The root model routes messages to the current one, gives each
// the space above the footer and shows its key map in the footer and the
// full help. Screens are values: Update and SetSize return the new one.
type screen interface {
	SetSize(w, h int) screen
	Update(msg tea.Msg) (screen, tea.Cmd)
	View() string
	KeyMap() help.KeyMap
}

// waiter is a screen that can be waiting on the background (the target,
// the first batch, the first billing poll): the spinner turns while it is.
type waiter interface{ waiting() bool }

type screenID int

const (
	screenSetup screenID = iota
	screenStarting
	screenRun
	screenBilling
	screenResults
	screenCount
)

// startingModel is the screen between setup and the first runner event
// (and what --yes opens on): a spinner, or why the run could not start.
type startingModel struct {
	c     *common
	w, h  int
	fatal string
}

func newStarting(c *common) startingModel { return startingModel{c: c} }

func (m startingModel) SetSize(w, h int) screen { m.w, m.h = w, h; return m }

func (m startingModel) Update(tea.Msg) (screen, tea.Cmd) { return m, nil }

func (m startingModel) waiting() bool { return m.fatal == "" }

func (m startingModel) View() string {
	text := m.c.spinner() + " starting the run…"
	if m.fatal != "" {
		text = m.c.st.Bad.Render("✗ " + m.fatal)
	}
	lines := []string{m.c.header("run", m.c.targetTag(), m.w), ""}
	lines = append(lines, hang(text, m.w, "", "  ")...)
	return fit(joinLines(lines), m.w, m.h)
}

func (m startingModel) KeyMap() help.KeyMap {
	return screenHelp{short: []key.Binding{m.c.keys.Interrupt}, full: [][]key.Binding{{m.c.keys.Interrupt}}}
}
