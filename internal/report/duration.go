package report

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// HumanDuration is the one way a duration is written for people, in the
// TUI and headless alike: estimates, elapsed times, ETAs, countdowns and
// break-evens. Below a minute it reads as the plan's flags do (150ms, 2s,
// 2.62s, 51.3s: seconds keep at most two decimals, as billing's break-even
// statements print them); then 8m04s and 1h05m. Clocks that tick once a
// second round to the second first, so they print 7s, never 7.02s.
func HumanDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case math.Round(ms) < 1000:
		return strconv.FormatFloat(math.Round(ms), 'f', 0, 64) + "ms"
	case d < time.Minute-5*time.Millisecond:
		return strconv.FormatFloat(math.Round(ms/10)/100, 'f', -1, 64) + "s"
	case d < time.Hour-500*time.Millisecond:
		d = d.Round(time.Second)
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	d = d.Round(time.Minute)
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// HumanSeconds is HumanDuration rounded to the second, for clocks that
// tick (elapsed, ETA, countdowns) and estimates.
func HumanSeconds(d time.Duration) string {
	if d > 0 && d < time.Second {
		return HumanDuration(d)
	}
	return HumanDuration(d.Round(time.Second))
}

// FormatClock is HumanSeconds, kept for callers written before it.
func FormatClock(d time.Duration) string { return HumanSeconds(d) }
