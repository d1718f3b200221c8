package ui

import (
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/pfx-tui/pfx-tui/internal/report"
	"github.com/pfx-tui/pfx-tui/internal/session"
)

// common is what every screen shares: styles, keys, the clock and what the
// target is. Screens hold a pointer to it; only the root model writes it.
type common struct {
	st   *styles
	keys keyMap
	// now is the wall clock, injected so that golden files are stable.
	now func() time.Time

	targetLabel string // "local target" or the URL
	emulated    bool

	// spin is the spinner's current frame, written by the root model on
	// each spinner tick while a screen is waiting.
	spin string
}

func newCommon(st *styles, now func() time.Time, t *session.Target) *common {
	c := &common{st: st, keys: defaultKeys(), now: now}
	if now == nil {
		c.now = time.Now
	}
	if t != nil {
		c.emulated = t.Emulated()
		c.targetLabel = t.URL
		if t.Emulated() {
			c.targetLabel = "local target"
		}
	}
	return c
}

// commonOfResults is common for a saved run, described by its results.
func commonOfResults(st *styles, now func() time.Time, r *report.Results) *common {
	c := newCommon(st, now, nil)
	c.emulated, c.targetLabel = r.Emulated, r.Target.URL
	if r.Emulated {
		c.targetLabel = "local target"
	}
	return c
}

// spinner is the spinner's frame in the accent colour.
func (c *common) spinner() string {
	if c.spin == "" {
		return c.st.Focused.Render("⣾")
	}
	return c.spin
}

// header is a screen's first line: product › screen on the left, the target
// (flagged EMULATED for the local one) or other facts on the right.
func (c *common) header(screen, right string, w int) string {
	left := c.st.App.Render("pfx-tui") + c.st.Subtle.Render(" › ") + c.st.Title.Render(screen)
	if ansi.StringWidth(left)+1+ansi.StringWidth(right) <= w || !c.emulated {
		return spread(left, right, w)
	}
	// Too narrow for everything: the EMULATED flag is the one fact that must
	// stay, so it leads what is left of the right side.
	badge := c.st.Emulated.Render("EMULATED")
	room := w - ansi.StringWidth(left) - 1
	if room < ansi.StringWidth(badge) {
		left = truncate(left, w-ansi.StringWidth(badge)-1)
		room = ansi.StringWidth(badge)
	}
	rest := strings.TrimSpace(strings.Replace(right, badge, "", 1))
	r := badge
	if rest != "" && room > ansi.StringWidth(badge)+2 {
		r = truncate(badge+" "+rest, room)
	}
	return spread(left, r, w)
}

// targetTag is the target as the headers show it.
func (c *common) targetTag() string {
	if c.emulated {
		return c.targetLabel + " " + c.st.Emulated.Render("EMULATED")
	}
	return c.targetLabel
}

// shortSource is a billing source without its details in brackets (the
// bucket's URL): "logpush (local emulator S3 http://…, emulated)" reads
// "logpush (emulated)". The full source is on the screens' hint lines.
func shortSource(src string) string {
	name, detail, ok := strings.Cut(src, " (")
	if !ok {
		return src
	}
	if strings.Contains(detail, "emulated") {
		return name + " (emulated)"
	}
	return name
}
