package ui

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
)

// keyMap is every key binding of the console; screens pick theirs through
// the help maps below so that `?` shows exactly what works where.
type keyMap struct {
	// global
	Interrupt key.Binding
	Help      key.Binding
	Quit      key.Binding
	Yes       key.Binding
	No        key.Binding

	// movement
	Up       key.Binding
	Down     key.Binding
	Left     key.Binding
	Right    key.Binding
	PageUp   key.Binding
	PageDown key.Binding

	// setup
	Toggle    key.Binding
	NextPanel key.Binding
	PrevPanel key.Binding
	Start     key.Binding
	Edit      key.Binding // help only: digits and the custom durations field
	Adjust    key.Binding // help only: ←/→ on a number or the order

	// run
	Cancel key.Binding

	// billing
	SkipBilling key.Binding
	PollNow     key.Binding
	Extend      key.Binding

	// results
	PrevTab key.Binding
	NextTab key.Binding
	Export  key.Binding
	Select  key.Binding // help only: ↑/↓ pick a cell in Details
}

func defaultKeys() keyMap {
	return keyMap{
		Interrupt: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "interrupt")),
		Help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:      key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		Yes:       key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "yes")),
		No:        key.NewBinding(key.WithKeys("n", "N", "esc"), key.WithHelp("n/esc", "no")),

		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Left:     key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "less")),
		Right:    key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "more")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "b"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "f"), key.WithHelp("pgdn", "page down")),

		Toggle:    key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "toggle")),
		NextPanel: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next panel")),
		PrevPanel: key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "prev panel")),
		Start:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "start")),
		Edit:      key.NewBinding(key.WithKeys("0"), key.WithHelp("0-9 ⌫", "type a value")),
		Adjust:    key.NewBinding(key.WithKeys("+"), key.WithHelp("←/→", "change value")),

		Cancel: key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "cancel run (keep results)")),

		SkipBilling: key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "finish without billing")),
		PollNow:     key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "poll now")),
		Extend:      key.NewBinding(key.WithKeys("+", "="), key.WithHelp("+", "extend 5 min")),

		PrevTab: key.NewBinding(key.WithKeys("left", "h", "shift+tab"), key.WithHelp("←", "previous tab")),
		NextTab: key.NewBinding(key.WithKeys("right", "l", "tab"), key.WithHelp("→", "next tab")),
		Export:  key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "export md/csv/json")),
		Select:  key.NewBinding(key.WithKeys("up"), key.WithHelp("↑/↓", "scroll / pick cell")),
	}
}

// screenHelp adapts a screen's bindings to help.KeyMap.
type screenHelp struct {
	short []key.Binding
	full  [][]key.Binding
}

func (h screenHelp) ShortHelp() []key.Binding  { return h.short }
func (h screenHelp) FullHelp() [][]key.Binding { return h.full }

var _ help.KeyMap = screenHelp{}

func (k keyMap) setupHelp() screenHelp {
	move := key.NewBinding(key.WithKeys("up"), key.WithHelp("↑/↓", "move"))
	return screenHelp{
		short: []key.Binding{move, k.Toggle, k.NextPanel, k.Start, k.Help, k.Quit},
		full: [][]key.Binding{
			{k.Up, k.Down, k.NextPanel, k.PrevPanel},
			{k.Toggle, k.Adjust, k.Edit},
			{k.Start, k.Help, k.Quit, k.Interrupt},
		},
	}
}

func (k keyMap) runHelp() screenHelp {
	return screenHelp{
		short: []key.Binding{k.Cancel, k.Quit, k.Help},
		full: [][]key.Binding{
			{k.Cancel, k.Quit},
			{k.Help, k.Interrupt},
		},
	}
}

func (k keyMap) billingHelp() screenHelp {
	return screenHelp{
		short: []key.Binding{k.SkipBilling, k.PollNow, k.Extend, k.Quit, k.Help},
		full: [][]key.Binding{
			{k.SkipBilling, k.PollNow, k.Extend},
			{k.Quit, k.Help, k.Interrupt},
		},
	}
}

func (k keyMap) resultsHelp() screenHelp {
	tabs := key.NewBinding(key.WithKeys("left"), key.WithHelp("←/→", "tabs"))
	return screenHelp{
		short: []key.Binding{tabs, k.Select, k.Export, k.Help, k.Quit},
		full: [][]key.Binding{
			{k.PrevTab, k.NextTab, k.Select, k.PageUp, k.PageDown},
			{k.Export, k.Help, k.Quit},
		},
	}
}

func (k keyMap) confirmHelp() screenHelp {
	return screenHelp{short: []key.Binding{k.Yes, k.No}, full: [][]key.Binding{{k.Yes, k.No}}}
}
