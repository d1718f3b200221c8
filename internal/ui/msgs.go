package ui

import (
	"time"

	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/runner"
	"github.com/pfx-tui/pfx-tui/internal/session"
)

// Messages from the background (runner, poller, clock, file IO) to the
// root model.

// runEventMsg is one runner event, already recorded in the results file by
// the command that read it; recordErr is that write's error, if any.
type runEventMsg struct {
	ev        runner.Event
	recordErr error
}

// runEventsMsg is several runner events in the order they came (see
// waitRunEvent); only the last can be RunDone.
type runEventsMsg []runEventMsg

// runClosedMsg: the runner's channel is closed (after RunDone).
type runClosedMsg struct{}

// billEventMsg is one poller event.
type billEventMsg struct{ ev session.BillingEvent }

// billClosedMsg: the poller's channel is closed.
type billClosedMsg struct{}

// tickMsg drives the clocks (elapsed, ETA, countdown) once a second.
type tickMsg time.Time

// exportedMsg is the outcome of `e` on the results screen.
type exportedMsg struct {
	paths []string
	err   error
}

// Messages from the screens to the root model: a screen says what the user
// asked for; the root, which owns the session, does it.

// startRunMsg: the setup screen (or --yes) asks to run this configuration.
type startRunMsg struct {
	cfg     config.Config
	billing bool // collect billing after the run
}

// cancelRunMsg: `c` on the run screen — stop after the current op and show
// the results so far.
type cancelRunMsg struct{}

// billingActionMsg: `s`, `r` or `+` on the billing screen.
type billingActionMsg struct{ action billingAction }

type billingAction int

const (
	billingStop billingAction = iota
	billingPollNow
	billingExtend
)

// exportMsg: `e` on the results screen.
type exportMsg struct{}
