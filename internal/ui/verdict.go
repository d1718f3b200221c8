package ui

import (
	"fmt"
	"strings"

	"github.com/pfx-tui/pfx-tui/internal/experiment"

	"github.com/pfx-tui/pfx-tui/internal/report"
)

// The verdict strip: the run's answer above the results tabs, on every
// tab, drawn from report.Verdict (the same data the text and Markdown
// reports print). It never scrolls: when it has more lines than budget it
// keeps the title and break-evens and says where the rest is.

// verdictStrip is the strip in w cells (its accent edge included), in at
// most budget lines; roomy adds the break-even within the allowances.
func verdictStrip(c *common, v report.Verdict, w, budget int, roomy bool) []string {
	inner := w - 2 // the edge and its padding
	lines := verdictLines(c, v, inner, budget, roomy)
	return splitLines(c.st.Strip.Render(joinLines(lines)))
}

func verdictLines(c *common, v report.Verdict, w, budget int, roomy bool) []string {
	st := c.st
	badge := ""
	if v.Emulated {
		badge = st.Emulated.Render("EMULATED")
	}
	label := st.Title.Render("Verdict") + "  "
	var title, hint []string
	switch v.Kind {
	case report.VerdictCost:
		title = []string{st.Subtle.Render("cheapest at list prices, $/M ops")}
	case report.VerdictIncomplete:
		title = []string{st.Warn.Render(fmt.Sprintf("no verdict: %d of %d billing records matched, need ≥ %.0f%% per cell", v.Matched, v.Expected, v.MinMatched*100))}
		hint = []string{st.Subtle.Render(v.Hint)}
	default:
		title = []string{"fastest by median", st.Subtle.Render(v.Reason + ": " + v.Hint)}
	}
	heading := func(items []string) []string {
		head := flow(label, items, st.Subtle.Render(" · "), w)
		if badge != "" {
			// The badge keeps the first line's right end.
			if width(head[0])+2+width(badge) > w {
				head = flow(label, items, st.Subtle.Render(" · "), w-width(badge)-2)
			}
			head[0] = spread(head[0], badge, w)
		}
		return head
	}
	fastest := []string{}
	if v.Kind == report.VerdictIncomplete {
		fastest = []string{"fastest by median:"}
	}
	head := heading(append(title[:len(title):len(title)], fastest...))

	// One line per duration, labels right-aligned in one column.
	lw := 0
	for _, d := range v.Durations {
		lw = max(lw, width(experiment.FormatDuration(d.DurationMs)))
	}
	for _, f := range v.Fastest {
		lw = max(lw, width(experiment.FormatDuration(f.DurationMs)))
	}
	if w >= alignedStripWidth {
		lw = max(lw, width("break-even"))
	}
	durLabel := func(ms int) string { return st.Section.Render(padLeft(experiment.FormatDuration(ms), lw)) + "  " }
	sep := st.Subtle.Render(" · ")
	var body []string
	var breakEvens []string
	switch v.Kind {
	case report.VerdictCost:
		for _, d := range v.Durations {
			var items []string
			if d.Cheapest == "" {
				items = []string{st.Warn.Render(d.CostText())}
			} else {
				items = append(items, st.Good.Render("◆ "+d.Cheapest)+" "+st.Title.Render(report.Money(d.PerMillion)))
				for _, o := range d.Others {
					items = append(items, o.Approach+" "+st.Warn.Render(o.DeltaText()))
				}
			}
			body = append(body, flow(durLabel(d.DurationMs), items, sep, w)...)
		}
		beLabel := st.Section.Render(padLeft("break-even", max(lw, width("break-even")))) + "  "
		if roomy && len(v.AllowanceBreakEvens) > 0 {
			// Both regimes, each on lines of its own.
			list, allow := "at list price", "in allowances"
			sub := max(width(list), width(allow)) + 2
			breakEvens = flow(beLabel+st.Subtle.Render(pad(list, sub)), beItems(c, v.BreakEvens), sep, w)
			breakEvens = append(breakEvens, flow(strings.Repeat(" ", width(beLabel))+st.Subtle.Render(pad(allow, sub)), beItems(c, v.AllowanceBreakEvens), sep, w)...)
		} else {
			breakEvens = flow(beLabel, beItems(c, v.BreakEvens), sep, w)
		}
		if len(v.BreakEvens) == 0 {
			breakEvens = nil
		}
	default:
		for _, f := range v.Fastest {
			items := []string{st.Good.Render(f.Approach) + " " + st.Title.Render(report.FormatMs(f.MedianMs))}
			for _, o := range f.Others {
				items = append(items, o.Approach+" "+st.Warn.Render(o.Text()))
			}
			body = append(body, flow(durLabel(f.DurationMs), items, sep, w)...)
		}
	}
	// Within the budget: the title and break-evens stay; a hint on how to
	// complete billing shows when there is room; durations give way.
	if withHint := heading(append(append(title[:len(title):len(title)], hint...), fastest...)); len(hint) > 0 && len(withHint)+len(body)+len(breakEvens) <= budget {
		head = withHint
	}
	if room := budget - len(head) - len(breakEvens); len(body) > room {
		keep := max(0, room-1)
		tab := tabCost
		if v.Kind != report.VerdictCost {
			tab = tabLatency
		}
		more := fmt.Sprintf("the other durations are on the %s tab (%d)", tabNames[tab], tab+1)
		body = append(body[:keep], st.Subtle.Render(padLeft("", lw)+"  "+more))
	}
	out := append(head, body...)
	return append(out, breakEvens...)
}

func beItems(c *common, bes []report.BreakEvenVerdict) []string {
	var items []string
	for _, be := range bes {
		items = append(items, c.st.Title.Render(be.Approach)+" "+be.Short)
	}
	return items
}
