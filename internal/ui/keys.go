package ui

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
)

// keyMap is every key binding of the console; screens pick theirs through
// the help maps below so that `?` shows exactly what works where. Help and
// quit are always on the footer's right, so no short help repeats them.
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
	Top      key.Binding
	Bottom   key.Binding

	// setup
	Toggle    key.Binding
	All       key.Binding
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
	Tab     [tabCount]key.Binding
	Export  key.Binding
}

func defaultKeys() keyMap {
	k := keyMap{
		Interrupt: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "interrupt")),
		Help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:      key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		Yes:       key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "quit")),
		No:        key.NewBinding(key.WithKeys("n", "N", "esc"), key.WithHelp("n/esc", "keep going")),

		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Left:     key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "less")),
		Right:    key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "more")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "b"), key.WithHelp("pgup/b", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "f", " "), key.WithHelp("pgdn/f", "page down")),
		Top:      key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g/home", "top")),
		Bottom:   key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G/end", "bottom")),

		Toggle:    key.NewBinding(key.WithKeys(" ", "x"), key.WithHelp("space/x", "toggle")),
		All:       key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "all/none")),
		NextPanel: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next panel")),
		PrevPanel: key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "prev panel")),
		Start:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "start")),
		Edit:      key.NewBinding(key.WithKeys("0"), key.WithHelp("0-9 ⌫", "type a value")),
		Adjust:    key.NewBinding(key.WithKeys("+"), key.WithHelp("←/→", "change value")),

		Cancel: key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "cancel run (keep results)")),

		SkipBilling: key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "finish without billing")),
		PollNow:     key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "poll now")),
		Extend:      key.NewBinding(key.WithKeys("+", "="), key.WithHelp("+", "extend 5 min")),

		PrevTab: key.NewBinding(key.WithKeys("left", "h", "shift+tab"), key.WithHelp("←/shift+tab", "previous tab")),
		NextTab: key.NewBinding(key.WithKeys("right", "l", "tab"), key.WithHelp("→/tab", "next tab")),
		Export:  key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "export md/svg/csv/json")),
	}
	for i, name := range tabNames {
		n := string(rune('1' + i))
		k.Tab[i] = key.NewBinding(key.WithKeys(n), key.WithHelp(n, name))
	}
	return k
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
		short: []key.Binding{k.Start, k.Toggle, move, k.NextPanel, k.All},
		full: [][]key.Binding{
			{k.Up, k.Down, k.NextPanel, k.PrevPanel},
			{k.Toggle, k.All, k.Adjust, k.Edit},
			{k.Start},
		},
	}
}

func (k keyMap) runHelp() screenHelp {
	return screenHelp{
		short: []key.Binding{k.Cancel},
		full:  [][]key.Binding{{k.Cancel}},
	}
}

func (k keyMap) billingHelp() screenHelp {
	return screenHelp{
		short: []key.Binding{k.SkipBilling, k.PollNow, k.Extend},
		full:  [][]key.Binding{{k.SkipBilling, k.PollNow, k.Extend}},
	}
}

func (k keyMap) resultsHelp(details bool) screenHelp {
	tabs := key.NewBinding(key.WithKeys("1"), key.WithHelp("1-5/←/→", "tabs"))
	scroll := key.NewBinding(key.WithKeys("up"), key.WithHelp("↑/↓", "scroll"))
	if details {
		scroll = key.NewBinding(key.WithKeys("up"), key.WithHelp("↑/↓", "pick cell"))
	}
	return screenHelp{
		short: []key.Binding{tabs, scroll, k.Export},
		full: [][]key.Binding{
			{k.Tab[0], k.Tab[1], k.Tab[2], k.Tab[3], k.Tab[4], k.PrevTab, k.NextTab},
			{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
			{k.Export},
		},
	}
}

func (k keyMap) confirmHelp() screenHelp {
	return screenHelp{short: []key.Binding{k.Yes, k.No}, full: [][]key.Binding{{k.Yes, k.No}}}
}
