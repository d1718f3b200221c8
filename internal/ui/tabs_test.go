package ui

import (
	"io"
	"strings"
	"testing"
)

// Every tab keeps a name the user can read, down to 60 columns: full names
// when they fit, short ones otherwise; numbers alone only below that.
func TestTabsNameEveryTabAt60Columns(t *testing.T) {
	st := newStyles(io.Discard, true)
	tb := tabs{names: tabNames[:], active: 2}
	for _, c := range []struct {
		w    int
		want []string
	}{
		{120, []string{"1 Latency", "2 Billing", "3 Cost", "4 Details", "5 Charts"}},
		{60, []string{"1 Lat", "2 Bill", "3 Cost", "4 Det", "5 Chart"}},
	} {
		line := tb.view(st, c.w, "↓ 1–10/152")
		for _, w := range c.want {
			if !strings.Contains(line, w) {
				t.Errorf("%d columns: %q lacks %q", c.w, line, w)
			}
		}
		if width(line) > c.w {
			t.Errorf("%d columns: %d wide", c.w, width(line))
		}
	}
}
