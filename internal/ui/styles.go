package ui

import (
	"io"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/progress"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Colours adapt to light and dark terminals; with colour off (NO_COLOR,
// --no-color, or an output that is not a terminal) every style renders plain
// text, so the screens never rely on colour alone: focus and state are also
// marked with characters (›, ▸, •, ✓, ○, ◆, ✗).
var (
	colAccent = lipgloss.AdaptiveColor{Light: "#5A3FD6", Dark: "#9D8CFF"}
	colGood   = lipgloss.AdaptiveColor{Light: "#027A48", Dark: "#3DDC97"}
	colBad    = lipgloss.AdaptiveColor{Light: "#C4203A", Dark: "#FF6B81"}
	colWarn   = lipgloss.AdaptiveColor{Light: "#A15C00", Dark: "#FFB547"}
	colSubtle = lipgloss.AdaptiveColor{Light: "#8A8A8A", Dark: "#7A7A7A"}
	colBorder = lipgloss.AdaptiveColor{Light: "#C8C8C8", Dark: "#4A4A4A"}
	colSelect = lipgloss.AdaptiveColor{Light: "#E9E5FF", Dark: "#352F5C"}
)

// styles is every lipgloss style the screens use, made from one renderer so
// that colour detection follows the program's output, not os.Stdout.
type styles struct {
	r       *lipgloss.Renderer
	noColor bool

	App      lipgloss.Style // the product name in headers
	Title    lipgloss.Style // screen name in headers
	Section  lipgloss.Style // panel titles
	Focused  lipgloss.Style // focused panel title / selected row
	Subtle   lipgloss.Style
	Good     lipgloss.Style
	Bad      lipgloss.Style
	Warn     lipgloss.Style
	Emulated lipgloss.Style
	TabOn    lipgloss.Style
	TabOff   lipgloss.Style
	Rule     lipgloss.Style
	Header   lipgloss.Style // table headers
	Selected lipgloss.Style // the selection bar: the row under the cursor
	Strip    lipgloss.Style // the verdict strip's left edge
	Dialog   lipgloss.Style // the quit dialog's frame
	Key      lipgloss.Style // a key named in running text
}

// newStyles builds the styles for out. noColor forces the ASCII profile
// (termenv already honours NO_COLOR in the environment on its own).
func newStyles(out io.Writer, noColor bool) *styles {
	r := lipgloss.NewRenderer(out)
	if noColor {
		r.SetColorProfile(termenv.Ascii)
	}
	n := r.NewStyle
	return &styles{
		r:        r,
		noColor:  noColor || r.ColorProfile() == termenv.Ascii,
		App:      n().Bold(true).Foreground(colAccent),
		Title:    n().Bold(true),
		Section:  n().Bold(true),
		Focused:  n().Bold(true).Foreground(colAccent),
		Subtle:   n().Foreground(colSubtle),
		Good:     n().Foreground(colGood),
		Bad:      n().Foreground(colBad),
		Warn:     n().Foreground(colWarn),
		Emulated: n().Bold(true).Foreground(colWarn),
		TabOn:    n().Bold(true).Underline(true).Foreground(colAccent),
		TabOff:   n().Foreground(colSubtle),
		Rule:     n().Foreground(colBorder),
		Header:   n().Bold(true),
		Selected: n().Bold(true).Background(colSelect),
		Strip:    n().Border(lipgloss.ThickBorder(), false, false, false, true).BorderForeground(colAccent).PaddingLeft(1),
		Dialog:   n().Border(lipgloss.RoundedBorder()).BorderForeground(colAccent).Padding(0, 2),
		Key:      n().Foreground(colAccent),
	}
}

// helpModel is a bubbles/help model styled from the same renderer.
func (s *styles) helpModel() help.Model {
	h := help.New()
	key := s.r.NewStyle().Foreground(colAccent)
	desc := s.r.NewStyle().Foreground(colSubtle)
	sep := s.r.NewStyle().Foreground(colBorder)
	h.Styles = help.Styles{
		Ellipsis: sep, ShortKey: key, ShortDesc: desc, ShortSeparator: sep,
		FullKey: key, FullDesc: desc, FullSeparator: sep,
	}
	return h
}

// progressBar is a bubbles/progress bar in the renderer's colour profile;
// the percentage is left to the caller, which prints ops instead.
func (s *styles) progressBar() progress.Model {
	opts := []progress.Option{progress.WithoutPercentage(), progress.WithColorProfile(s.r.ColorProfile())}
	if s.noColor {
		opts = append(opts, progress.WithFillCharacters('█', '░'))
	} else {
		opts = append(opts, progress.WithGradient("#5A56E0", "#3DDC97"))
	}
	return progress.New(opts...)
}
