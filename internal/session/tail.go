package session

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/billing"
	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/r2"
	"github.com/pfx-tui/pfx-tui/internal/report"
	"github.com/pfx-tui/pfx-tui/internal/tail"
)

// BillingTail reads billing from a `wrangler tail --format json` capture
// (--tail-file) instead of Logpush.
const BillingTail = "tail"

// BillingControls are a front end's levers on a running billing poll,
// whichever source it reads.
type BillingControls interface {
	PollNow()
	Extend(d time.Duration)
	Stop()
}

// Controls returns the levers of the poll b runs.
func (b *Billing) Controls() BillingControls {
	if b.tailPoller != nil {
		return b.tailPoller
	}
	return b.Poller
}

// Tail read defaults: the capture is a local file that tail events reach
// within seconds of the invocation, so it is read often, and waiting
// minutes for a missing event would only hide it.
const (
	tailInterval = time.Second
	tailTimeout  = 2 * time.Minute
)

func planTail(cfg config.Config) BillingPlan {
	if cfg.TailFile == "" {
		return BillingPlan{Source: BillingNone, Why: "--billing tail needs --tail-file (a `wrangler tail --format json` capture)"}
	}
	return BillingPlan{Source: BillingTail, Where: "wrangler tail capture " + cfg.TailFile}
}

func tailPollInterval(cfg config.Config) time.Duration {
	if cfg.PollIntervalSet {
		return cfg.PollInterval
	}
	return tailInterval
}

func tailPollTimeout(cfg config.Config) time.Duration {
	if cfg.PollTimeoutSet {
		return cfg.PollTimeout
	}
	return min(cfg.PollTimeout, tailTimeout)
}

// startTailBilling follows the capture into the collector. Attribution is
// the collector's (batch tag first, then time window), with windows that
// never overlap: see TailGuard.
func startTailBilling(ctx context.Context, cfg config.Config, res *report.Results, path string) (*Billing, error) {
	if cfg.TailFile == "" {
		return nil, fmt.Errorf("billing from a tail capture needs --tail-file")
	}
	opts, err := CollectorOptions(cfg, res)
	if err != nil {
		return nil, err
	}
	opts.Source = BillingTail
	opts.Guard = TailGuard(res.Batches)
	col := billing.NewCollector(res.Batches, opts)
	rd := tail.NewReader(cfg.TailFile)
	p := tail.NewPoller(rd, col, tail.PollerOptions{Interval: tailPollInterval(cfg), Timeout: tailPollTimeout(cfg)})
	ch := make(chan r2.PollEvent, 16)
	go p.Run(ctx, ch)
	return &Billing{Collector: col, events: ch, res: res, path: path, emulated: res.Emulated, source: BillingTail,
		Where: "wrangler tail capture " + cfg.TailFile, tailPoller: p, tail: rd}, nil
}

// TailGuard is the window guard for records without a batch tag: at most
// billing.DefaultGuard, and less than half the smallest gap between two
// consecutive batches, so no guarded window reaches into the next batch's.
// (Lumenize's published analysis widened each batch's window by 1 s before
// and 2 s after and filtered the capture once per batch: events near a
// boundary were counted in two batches.) Negative means no guard: batches
// that touch or overlap.
func TailGuard(batches []experiment.BatchResult) time.Duration {
	type span struct{ from, to time.Time }
	var spans []span
	for _, b := range batches {
		if b.StartedAt.IsZero() {
			continue
		}
		to := b.EndedAt
		if to.Before(b.StartedAt) {
			to = b.StartedAt
		}
		spans = append(spans, span{b.StartedAt, to})
	}
	slices.SortFunc(spans, func(a, b span) int { return a.from.Compare(b.from) })
	guard := billing.DefaultGuard
	for i := 1; i < len(spans); i++ {
		gap := spans[i].from.Sub(spans[i-1].to)
		if gap <= 0 {
			return -1
		}
		// Strictly less than half: the two guards must not meet.
		guard = min(guard, (gap-1)/2)
	}
	if guard <= 0 {
		return -1
	}
	return guard
}

// amendTailReport adds what the capture held to the billing report: the
// events dropped as duplicates count among the records read, and what could
// not be read is said.
func amendTailReport(rep *billing.Report, path string, st tail.Stats) {
	rep.Records.Read += st.Duplicates
	rep.Records.Duplicates += st.Duplicates
	rep.Files = billing.FileCounts{Files: 1, Records: st.Events + st.Duplicates, Malformed: st.Malformed, MissingTiming: st.MissingTiming}
	if st.Broken > 0 {
		rep.Files.Truncated = 1
	}
	if st.Duplicates > 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%d events appear twice in the tail capture (two tail sessions into one file, or a capture appended again): each was counted once", st.Duplicates))
	}
	if st.Broken+st.Malformed > 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%d objects of the tail capture could not be read (%d cut short, %d not valid JSON): if counts are short, capture again", st.Broken+st.Malformed, st.Broken, st.Malformed))
	}
	rep.Notes = append(rep.Notes, fmt.Sprintf("Billing read from the wrangler tail capture %s (%d events; %d other objects and %d lines of other text skipped). A tail session sees only what happened while it was connected, and may drop events under heavy traffic; Logpush is the complete record.",
		path, st.Events, st.NotEvents, st.OtherLines))
}

// tailSuspicions says what is probably wrong when the capture does not
// hold every expected record.
func tailSuspicions(rd *tail.Reader, last BillingEvent) []string {
	p := last.Progress
	st := rd.Stats()
	var out []string
	switch {
	case !rd.Exists():
		out = append(out, fmt.Sprintf("no tail capture at %s: from workers/, run `npx wrangler tail <worker> --format json > %s` before the run and stop it after billing", rd.Path(), rd.Path()))
	case st.Events == 0:
		out = append(out, fmt.Sprintf("the tail capture %s holds no events: was wrangler tail connected to the Worker under test during the run (with --format json)?", rd.Path()))
	case !p.Complete:
		if got, want, short := p.Shortfall(4); short != "" {
			out = append(out, fmt.Sprintf("%d of %d expected records are in the tail capture; short: %s: the tail may have connected after the run began or stopped before it ended, or dropped events under load", got, want, short))
		}
	}
	return append(out, p.Warnings...)
}
