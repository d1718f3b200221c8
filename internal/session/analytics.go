package session

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/analytics"
	"github.com/pfx-tui/pfx-tui/internal/billing"
	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/errext"
	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/localtarget"
	"github.com/pfx-tui/pfx-tui/internal/r2"
	"github.com/pfx-tui/pfx-tui/internal/report"
)

// BillingAnalytics is the GraphQL Analytics billing source.
const BillingAnalytics = analytics.SourceAnalytics

// DefaultAnalyticsScript is the Worker's name in workers/wrangler.jsonc,
// whose namespaces analytics look for unless --script names another.
const DefaultAnalyticsScript = "pfx-experiment"

// BillingSources splits a --billing value into the Logpush part ("auto",
// "logpush" or "none") and whether analytics were asked for:
// "logpush,analytics" → ("logpush", true); "analytics" → ("none", true).
func BillingSources(value string) (logpush string, withAnalytics bool) {
	logpush = BillingNone
	parts := config.SplitList(value)
	if len(parts) == 0 {
		return "auto", false
	}
	for _, p := range parts {
		switch p {
		case BillingAnalytics:
			withAnalytics = true
		default:
			logpush = p
		}
	}
	return logpush, withAnalytics
}

// CheckBillingFlag validates a --billing value.
func CheckBillingFlag(value string) error {
	parts := config.SplitList(value)
	seen := map[string]bool{}
	for _, p := range parts {
		switch p {
		case "auto", BillingLogpush, BillingTail, BillingNone, BillingAnalytics:
		default:
			return fmt.Errorf("%q is not one of auto, logpush, tail, analytics, none (combine: logpush,analytics or tail,analytics)", p)
		}
		if seen[p] {
			return fmt.Errorf("%q is listed twice", p)
		}
		seen[p] = true
	}
	if len(parts) > 1 && (seen["auto"] || seen[BillingNone]) {
		return errors.New("auto and none cannot be combined with another source")
	}
	if seen[BillingLogpush] && seen[BillingTail] {
		return errors.New("logpush and tail are two readings of the same invocations: choose one (each combines with analytics)")
	}
	if len(parts) == 0 {
		return errors.New("no billing source given")
	}
	return nil
}

// AnalyticsPlan says whether and where analytics billing is read.
type AnalyticsPlan struct {
	On       bool
	Where    string // e.g. "GraphQL Analytics https://api.cloudflare.com/client/v4/graphql"
	Why      string // when off: what to set
	Base     string
	Account  string
	Script   string
	Token    config.Secret
	Minute   time.Duration
	Emulated bool
}

// emulatorAnalytics is the local target's analytics endpoint, in process or
// announced by a serve-local's /version.
func emulatorAnalytics(t *Target) *experiment.EmulatorAnalytics {
	if t == nil {
		return nil
	}
	if t.Local != nil {
		return t.Local.AnalyticsInfo()
	}
	if t.Kind == experiment.TargetLocal && t.Info.Version != nil && t.Info.Version.Analytics != nil {
		a := *t.Info.Version.Analytics
		if a.Token == "" {
			a.Token = localtarget.AnalyticsToken // stripped from results files; the emulator's fixed one
		}
		return &a
	}
	return nil
}

// PlanAnalytics decides analytics billing for a target: the local target's
// emulated endpoint, or Cloudflare's with CLOUDFLARE_ACCOUNT_ID and
// CLOUDFLARE_API_TOKEN. wrangler dev runs on this machine: Cloudflare has
// no analytics of it.
func PlanAnalytics(cfg config.Config, t *Target) AnalyticsPlan {
	if _, on := BillingSources(cfg.Billing); !on {
		return AnalyticsPlan{Why: "--billing does not include analytics"}
	}
	if emu := emulatorAnalytics(t); emu != nil {
		return AnalyticsPlan{On: true, Base: emu.Base, Account: emu.AccountID, Script: emu.ScriptName, Token: config.NewSecret(emu.Token),
			Minute: time.Duration(emu.MinuteMs) * time.Millisecond, Emulated: true,
			Where: "GraphQL Analytics emulated by the local target at " + emu.Base + analytics.GraphQLPath}
	}
	if t != nil && t.Kind == experiment.TargetWrangler {
		return AnalyticsPlan{Why: "wrangler dev runs local workerd, which Cloudflare's analytics never see"}
	}
	var miss []string
	if cfg.AccountID == "" {
		miss = append(miss, config.EnvAccountID)
	}
	if !cfg.APIToken.Set() {
		miss = append(miss, config.EnvAPIToken+" (Account Analytics: Read)")
	}
	if len(miss) > 0 {
		return AnalyticsPlan{Why: "analytics need " + config.JoinAnd(miss) + " (env or .dev.vars)"}
	}
	p := AnalyticsPlan{On: true, Base: cfg.AnalyticsBase, Account: cfg.AccountID, Script: cfg.ScriptName, Token: cfg.APIToken, Minute: time.Minute}
	if p.Base == "" {
		p.Base = analytics.DefaultBase
	}
	if p.Script == "" {
		p.Script = DefaultAnalyticsScript
	}
	p.Where = "GraphQL Analytics " + strings.TrimSuffix(p.Base, "/") + analytics.GraphQLPath
	return p
}

// PlanMinute is the minute --order minute aligns to: the local target's
// emulated analytics minute, else Cloudflare's one minute.
func PlanMinute(cfg config.Config, t *Target) time.Duration {
	if emu := emulatorAnalytics(t); emu != nil && emu.MinuteMs > 0 {
		return time.Duration(emu.MinuteMs) * time.Millisecond
	}
	return time.Minute
}

func (p AnalyticsPlan) client() *analytics.Client {
	return &analytics.Client{Base: p.Base, Account: p.Account, Script: p.Script, Token: p.Token}
}

// AnalyticsBilling is a running settle wait for a run's analytics; Wait
// follows it to the end like Billing.Wait.
type AnalyticsBilling struct {
	Poller    *analytics.Poller
	Collector *analytics.Collector
	Client    *analytics.Client
	Plan      AnalyticsPlan
	events    <-chan r2.PollEvent
	res       *report.Results
	path      string
}

// StartAnalytics resolves the experiment's namespaces and starts polling
// the datasets for the run's window until the figures settle.
func StartAnalytics(ctx context.Context, cfg config.Config, t *Target, res *report.Results, path string) (*AnalyticsBilling, error) {
	plan := PlanAnalytics(cfg, t)
	if !plan.On {
		return nil, errors.New("analytics: " + plan.Why)
	}
	roles, err := billing.ParseRoleOverrides(cfg.Roles)
	if err != nil {
		return nil, &errext.UsageError{Flag: "role", Msg: err.Error()}
	}
	overrides, err := analytics.ParseNamespaceOverrides(cfg.DONamespaces)
	if err != nil {
		return nil, &errext.UsageError{Flag: "do-namespace", Msg: err.Error()}
	}
	var prices *billing.Prices
	if cfg.PricingFile != "" {
		p, err := billing.LoadPrices(cfg.PricingFile)
		if err != nil {
			return nil, &errext.UsageError{Flag: "pricing", Msg: err.Error()}
		}
		prices = &p
	}
	client := plan.client()
	all, listErr := client.Namespaces(ctx)
	if listErr != nil && len(overrides) == 0 {
		return nil, fmt.Errorf("analytics: %w", listErr)
	}
	// With --do-namespace the run goes on with the named namespaces; the
	// listing's failure is kept for the warnings, and a role it would have
	// found is missing (its cells not costed), not silently left out.
	nsErr := ""
	if listErr != nil {
		nsErr = listErr.Error()
	}
	nss := analytics.ForScript(all, plan.Script, roles, overrides)
	if len(nss) == 0 {
		return nil, fmt.Errorf("analytics: the account has no Durable Object namespace of script %q (%s): name the deployed Worker with --script, or its namespaces with --do-namespace Class=ID", plan.Script, scriptsOf(all))
	}
	exp := billing.WorkersExpectations()
	if res.Target.Kind == experiment.TargetLocal {
		exp = billing.LocalExpectations()
	}
	col := analytics.NewCollector(res.Batches, analytics.Options{Unit: plan.Minute, ClockOffsetMs: res.Target.ClockOffsetMs,
		ScriptName: plan.Script, Endpoint: client.Endpoint(), Emulated: plan.Emulated || res.Emulated, Namespaces: nss, NamespaceError: nsErr,
		Roles: roles, Prices: prices, Expectations: exp, Cost: CostOptions(cfg)})
	interval, timeout, settle := cfg.PollInterval, cfg.PollTimeout, analytics.SettleGap
	if plan.Emulated {
		if !cfg.PollIntervalSet {
			interval = max(plan.Minute/2, 10*time.Millisecond)
		}
		if !cfg.PollTimeoutSet {
			timeout = 10*plan.Minute + 15*time.Second
		}
		// The emulator's minutes are seconds long: the settle gap is as
		// many of its minutes as SettleGap is of Cloudflare's.
		settle = time.Duration(analytics.SettleGap.Minutes() * float64(plan.Minute))
	}
	if timeout == 0 {
		// --poll-timeout 0: no longer than settling needs (a look after the
		// window closed and an agreeing one a settle gap later).
		timeout = time.Nanosecond
	}
	p := analytics.NewPoller(client, col, analytics.PollerOptions{Interval: interval, Timeout: timeout, SettleGap: settle})
	ch := make(chan r2.PollEvent, 16)
	go p.Run(ctx, ch)
	return &AnalyticsBilling{Poller: p, Collector: col, Client: client, Plan: plan, events: ch, res: res, path: path}, nil
}

// PollNow, Extend and Stop are the billing screen's levers.
func (a *AnalyticsBilling) PollNow()               { a.Poller.PollNow() }
func (a *AnalyticsBilling) Extend(d time.Duration) { a.Poller.Extend(d) }
func (a *AnalyticsBilling) Stop()                  { a.Poller.Stop() }

// Wait calls onEvent for every poll and, before the last event, attaches
// the analytics report (and its comparison with Logpush) and saves.
func (a *AnalyticsBilling) Wait(onEvent func(BillingEvent)) BillingOutcome {
	out := waitPolls(a.events, BillingAnalytics, a.Collector.Progress, a.finish, onEvent)
	if !out.Complete() {
		out.Suspicions = analyticsSuspicions(out.Last, a.Collector.Timeline())
	}
	return out
}

func (a *AnalyticsBilling) finish() error {
	rep := a.Collector.Report(analytics.LoggedWorkerOf(a.res.Billing))
	a.res.Analytics = &rep
	Reconcile(a.res)
	return report.Save(a.path, a.res)
}

// Reconcile refreshes the billed-vs-logged comparison of a run that has
// both sources (after either is read or refreshed).
func Reconcile(res *report.Results) {
	if res.Analytics != nil {
		res.Analytics.Comparisons = analytics.Reconcile(res.Billing, res.Analytics)
	}
}

func analyticsSuspicions(last BillingEvent, tl analytics.Timeline) []string {
	var out []string
	if time.Now().Before(tl.Closed().Add(5 * time.Minute)) {
		out = append(out, "analytics usually lag a few minutes: refresh later with `pfx-tui billing FILE --source analytics`")
	}
	if last.Progress.RecordsRead == 0 {
		out = append(out, "no row at all: check that --script names the deployed Worker and that the token's account is the Worker's (CLOUDFLARE_ACCOUNT_ID)")
	}
	return out
}

// DescribeAnalytics is one progress line for an analytics poll event.
func DescribeAnalytics(ev BillingEvent) string {
	m, e := analytics.RolesWithData(ev.Progress.Counts)
	s := fmt.Sprintf("analytics poll %d: %d rows, %d of %d cell roles with data", ev.Polls, ev.FilesSeen, m, e)
	switch {
	case ev.Next != "":
		s += fmt.Sprintf(" (%s); next: %s", ev.Reason, ev.Next)
	case !ev.Done:
		s += fmt.Sprintf("; next poll in %s, deadline in %s", roundS(time.Until(ev.NextPoll)), roundS(time.Until(ev.Deadline)))
	default:
		s += " (" + ev.Reason + ")"
	}
	if ev.LastError != "" {
		s += "; last error: " + ev.LastError
	}
	return s
}

// scriptsOf names the scripts that own namespaces, for an error message.
func scriptsOf(all []analytics.Namespace) string {
	seen := map[string]bool{}
	var names []string
	for _, n := range all {
		if n.Script != "" && !seen[n.Script] {
			seen[n.Script] = true
			names = append(names, n.Script)
		}
	}
	if len(names) == 0 {
		return "it lists none"
	}
	if len(names) > 8 {
		names = append(names[:8], "…")
	}
	return "scripts with namespaces: " + strings.Join(names, ", ")
}
