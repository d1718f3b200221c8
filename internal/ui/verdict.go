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
// most budget lines; roomy gives the break-even within the allowances
// the list price's layout (short of rows it is one terse line).
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
		switch {
		case sameBreakEvens(v.BreakEvens, v.AllowanceBreakEvens):
			// Both regimes give the same answer (or there is one regime):
			// said once.
			breakEvens = flow(beLabel, beItems(c, v.BreakEvens), sep, w)
		case roomy:
			// Both regimes, each on lines of its own.
			list, allow := "at list price", "in allowances"
			sub := max(width(list), width(allow)) + 2
			breakEvens = flow(beLabel+st.Subtle.Render(pad(list, sub)), beItems(c, v.BreakEvens), sep, w)
			breakEvens = append(breakEvens, flow(strings.Repeat(" ", width(beLabel))+st.Subtle.Render(pad(allow, sub)), beItems(c, v.AllowanceBreakEvens), sep, w)...)
		default:
			// Short of rows: the list price's break-evens, then the
			// allowances' on one line, a few characters each — never one
			// regime alone, whose answer can be the opposite.
			breakEvens = compactBreakEvens(c, v, beLabel, sep, w)
			budget++ // the allowances' line is extra: durations keep theirs
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

// sameBreakEvens: allowances is empty, or says what list says for each
// approach.
func sameBreakEvens(list, allowances []report.BreakEvenVerdict) bool {
	if len(allowances) == 0 {
		return true
	}
	if len(list) != len(allowances) {
		return false
	}
	for i := range list {
		if list[i].Approach != allowances[i].Approach || list[i].Short != allowances[i].Short {
			return false
		}
	}
	return true
}

// compactBreakEvens is both regimes' break-evens in as few lines as the
// width allows: the list price's items as in the roomy strip, under a
// short regime label, then one line with the allowances' in terse form
// (">≈406ms"). The labels shorten, then "(extrapolated)", when a list
// item would not fit on its line.
func compactBreakEvens(c *common, v report.Verdict, beLabel, sep string, w int) []string {
	st := c.st
	items := beItems(c, v.BreakEvens)
	fits := func(prefix int, items []string) bool {
		for _, it := range items {
			if prefix+width(it) > w {
				return false
			}
		}
		return true
	}
	list, allow := "at list price", "in allowances"
	if !fits(width(beLabel)+max(width(list), width(allow))+2, items) {
		list, allow = "list", "allow."
	}
	sub := max(width(list), width(allow)) + 2
	if !fits(width(beLabel)+sub, items) {
		for i, it := range items {
			items[i] = strings.Replace(it, " (extrapolated)", " (extrap.)", 1)
		}
	}
	out := flow(beLabel+st.Subtle.Render(pad(list, sub)), items, sep, w)
	var terse []string
	for _, be := range v.AllowanceBreakEvens {
		terse = append(terse, st.Title.Render(be.Approach)+" "+terseBreakEven(be))
	}
	return append(out, flow(strings.Repeat(" ", width(beLabel))+st.Subtle.Render(pad(allow, sub)), terse, sep, w)...)
}

// terseBreakEven is a break-even in a few characters: ">≈406ms" for
// "cheaper above ≈406ms", "<2s" for "cheaper below 2s", its Short for the
// kinds without a duration.
func terseBreakEven(be report.BreakEvenVerdict) string {
	s := strings.TrimSuffix(be.Short, " (extrapolated)")
	for long, short := range map[string]string{"cheaper above ": ">", "cheaper below ": "<"} {
		if rest, ok := strings.CutPrefix(s, long); ok {
			return short + rest
		}
	}
	return be.Short
}

func beItems(c *common, bes []report.BreakEvenVerdict) []string {
	var items []string
	for _, be := range bes {
		items = append(items, c.st.Title.Render(be.Approach)+" "+be.Short)
	}
	return items
}
