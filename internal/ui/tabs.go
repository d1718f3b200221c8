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
// full names when they fit, else short names from the last tab back until
// they do (every tab still says what it is, and as many as fit keep their
// full name), else numbers and the active name only.
func (t tabs) view(st *styles, w int, right string) string {
	fits := func(line string) bool { return width(line) <= w && (right == "" || width(line)+2+width(right) <= w) }
	parts := make([]string, len(t.names))
	// labels shortens the tabs from index from on (never the active one).
	labels := func(from int) string {
		for i, name := range t.names {
			if i >= from && i != t.active {
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
		if from < len(t.names) {
			sep = " "
		}
		return strings.Join(parts, sep)
	}
	var line string
	for from := len(t.names); from >= 0; from-- {
		if line = labels(from); fits(line) {
			break
		}
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
