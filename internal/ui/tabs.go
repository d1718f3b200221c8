package ui

import (
	"fmt"
	"strings"
)

// tabs is a row of tabs on one line, in the style of soft-serve's: the
// active one bold, underlined and in the accent colour, and marked with a
// dot so that it shows without colour too. Each tab's number is its key.
type tabs struct {
	names  []string
	active int
}

// view draws the tabs with right (e.g. the scroll position) at the far end:
// full names when they fit, else short ones (every tab still says what it
// is), else numbers and the active name only.
func (t tabs) view(st *styles, w int, right string) string {
	fits := func(line string) bool { return width(line) <= w && (right == "" || width(line)+1+width(right) <= w) }
	parts := make([]string, len(t.names))
	labels := func(short bool) string {
		for i, name := range t.names {
			if short && i != t.active {
				name = shortTab(name)
			}
			label := fmt.Sprintf("%d %s", i+1, name)
			if i == t.active {
				parts[i] = st.Focused.Render("•") + " " + st.TabOn.Render(label)
			} else {
				parts[i] = "  " + st.TabOff.Render(label)
			}
		}
		sep := "  "
		if short {
			sep = " "
		}
		return strings.Join(parts, sep)
	}
	line := labels(false)
	if !fits(line) {
		line = labels(true)
	}
	if !fits(line) {
		// Too narrow for the labels: numbers and the active name only.
		for i := range t.names {
			if i == t.active {
				continue
			}
			parts[i] = " " + st.TabOff.Render(fmt.Sprint(i+1))
		}
		line = strings.Join(parts, " ")
	}
	return spread(line, right, w)
}

func (t tabs) next() tabs { t.active = (t.active + 1) % len(t.names); return t }
func (t tabs) prev() tabs { t.active = (t.active + len(t.names) - 1) % len(t.names); return t }

// shortTab is a tab's short name, for narrow terminals.
func shortTab(name string) string {
	if s, ok := shortTabNames[name]; ok {
		return s
	}
	return name
}

var shortTabNames = map[string]string{"Latency": "Lat", "Billing": "Bill", "Details": "Det", "Charts": "Chart"}
