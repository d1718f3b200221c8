package session

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/r2"
	"github.com/pfx-tui/pfx-tui/internal/report"
)

// Plans are the billing sources of a run, in the order they are read:
// Logpush first (its records are what billed figures are compared with),
// then analytics, which lag minutes anyway.
type Plans struct {
	Logpush   BillingPlan
	Analytics AnalyticsPlan
}

// PlanSources plans every source --billing asks for.
func PlanSources(cfg config.Config, t *Target) Plans {
	lp, _ := BillingSources(cfg.Billing)
	c := cfg
	c.Billing = lp
	p := Plans{Logpush: PlanBilling(c, t), Analytics: PlanAnalytics(cfg, t)}
	if lp == BillingNone {
		p.Logpush.Why = "--billing " + cfg.Billing
	}
	return p
}

// On reports whether any source will be read.
func (p Plans) On() bool { return p.records() || p.Analytics.On }

// records reports whether per-invocation records are read (Logpush or a
// tail capture: the Logpush slot of the chain).
func (p Plans) records() bool { return p.Logpush.Source != BillingNone && p.Logpush.Source != "" }

// Label names the sources for a screen or a progress line.
func (p Plans) Label(emulated bool) string {
	var parts []string
	both := p.records() && p.Analytics.On
	if p.records() {
		parts = append(parts, p.Logpush.Source+" ("+p.Logpush.Where+")")
	}
	if p.Analytics.On {
		where := p.Analytics.Where
		if both { // keep the pair short enough for a screen line
			where = hostOf(p.Analytics.Base)
		}
		parts = append(parts, "analytics ("+where+")")
	}
	if len(parts) == 0 {
		why := p.Logpush.Why
		if p.Analytics.Why != "" && !strings.Contains(p.Analytics.Why, "does not include") {
			why += "; " + p.Analytics.Why
		}
		return "none — " + why
	}
	s := strings.Join(parts, " + ")
	if emulated {
		s += ", emulated"
	}
	return s
}

// Skipped says why a requested source is not read (empty when none is).
func (p Plans) Skipped(cfg config.Config) []string {
	lp, an := BillingSources(cfg.Billing)
	var out []string
	if (lp == BillingLogpush || lp == BillingTail) && !p.records() {
		out = append(out, "logpush: "+p.Logpush.Why)
	}
	if an && !p.Analytics.On {
		out = append(out, "analytics: "+p.Analytics.Why)
	}
	return out
}

// stage is one source's billing loop.
type stage interface {
	Wait(onEvent func(BillingEvent)) BillingOutcome
	PollNow()
	Extend(d time.Duration)
	Stop()
}

type logpushStage struct{ *Billing }

func (s logpushStage) PollNow()               { s.Controls().PollNow() }
func (s logpushStage) Extend(d time.Duration) { s.Controls().Extend(d) }
func (s logpushStage) Stop()                  { s.Controls().Stop() }

// Chain runs the planned sources one after another as one billing loop:
// the same events (Source says whose; Next marks a source's end when another
// follows) and one outcome. It is the front ends' BillingControls: the
// levers act on the source being read, Stop ends them all.
type Chain struct {
	Plans  Plans
	starts []func() (stage, string, error)
	names  []string

	mu      sync.Mutex
	cur     stage
	stopped bool
	// Endpoint of the first source, for the billing command's first line.
	Endpoint string
}

// StartChain starts the first planned source at once (so that bad
// credentials show before any wait) and the others when their turn comes.
func StartChain(ctx context.Context, cfg config.Config, t *Target, res *report.Results, path string) (*Chain, error) {
	c := &Chain{Plans: PlanSources(cfg, t)}
	if c.Plans.records() {
		lp := cfg
		lp.Billing = c.Plans.Logpush.Source
		c.names = append(c.names, c.Plans.Logpush.Source)
		c.starts = append(c.starts, func() (stage, string, error) {
			b, err := StartBilling(ctx, lp, t, res, path)
			if err != nil {
				return nil, "", err
			}
			return logpushStage{b}, b.Where, nil
		})
	}
	if c.Plans.Analytics.On {
		c.names = append(c.names, BillingAnalytics)
		c.starts = append(c.starts, func() (stage, string, error) {
			a, err := StartAnalytics(ctx, cfg, t, res, path)
			if err != nil {
				return nil, "", err
			}
			return a, a.Client.Endpoint(), nil
		})
	}
	if len(c.starts) == 0 {
		return c, nil
	}
	first, ep, err := c.starts[0]()
	if err != nil {
		return nil, err
	}
	c.cur, c.Endpoint = first, ep
	return c, nil
}

// Sources names the sources in reading order.
func (c *Chain) Sources() []string { return c.names }

// PollNow polls the current source at once.
func (c *Chain) PollNow() {
	if s := c.current(); s != nil {
		s.PollNow()
	}
}

// Extend moves the current source's deadline.
func (c *Chain) Extend(d time.Duration) {
	if s := c.current(); s != nil {
		s.Extend(d)
	}
}

// Stop ends the current source and skips the rest.
func (c *Chain) Stop() {
	c.mu.Lock()
	c.stopped = true
	s := c.cur
	c.mu.Unlock()
	if s != nil {
		s.Stop()
	}
}

func (c *Chain) current() stage {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cur
}

// Wait runs every source to its end, calling onEvent for each event, and
// returns the combined outcome: complete only if every source was, the
// first error, every suspicion.
func (c *Chain) Wait(onEvent func(BillingEvent)) BillingOutcome {
	var out BillingOutcome
	complete := true
	incomplete := "" // the first source's reason for stopping short
	var firstErr BillingEvent
	for i := range c.starts {
		s := c.current()
		if i > 0 {
			c.mu.Lock()
			stopped := c.stopped
			c.mu.Unlock()
			if stopped {
				complete = false
				break
			}
			next, _, err := c.starts[i]()
			if err != nil {
				ev := BillingEvent{Source: c.names[i]}
				ev.Done, ev.Reason, ev.LastError = true, r2.ReasonError, err.Error()
				if onEvent != nil {
					onEvent(ev)
				}
				out.Last = ev
				complete = false
				if firstErr.LastError == "" {
					firstErr = ev
				}
				break
			}
			c.mu.Lock()
			c.cur = next
			c.mu.Unlock()
			s = next
		}
		more := i+1 < len(c.starts)
		name := c.names[i]
		o := s.Wait(func(ev BillingEvent) {
			if ev.Source == "" {
				ev.Source = name
			}
			if ev.Done && more {
				ev.Done, ev.Next = false, c.names[i+1]
			}
			if onEvent != nil {
				onEvent(ev)
			}
		})
		if o.Last.Source == "" {
			o.Last.Source = name
		}
		if !o.Complete() {
			complete = false
			if incomplete == "" {
				incomplete = name + " " + o.Last.Reason
			}
		}
		if o.Last.Reason == r2.ReasonError && firstErr.LastError == "" {
			firstErr = o.Last
		}
		if out.SaveErr == nil {
			out.SaveErr = o.SaveErr
		}
		out.Suspicions = append(out.Suspicions, o.Suspicions...)
		out.Last = o.Last
		if o.Last.Reason == r2.ReasonCancelled || o.Last.Reason == r2.ReasonStopped {
			complete = false
			break
		}
	}
	switch {
	case firstErr.LastError != "":
		out.Last = firstErr
	case !complete && out.Last.Reason == r2.ReasonComplete && incomplete != "":
		out.Last.Reason = incomplete // an earlier source did not complete
	}
	return out
}

func hostOf(base string) string {
	if u, err := url.Parse(base); err == nil && u.Host != "" {
		return u.Host
	}
	return base
}
