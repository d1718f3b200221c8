package billing

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/logpush"
)

// SuspicionDelay is how long after the run Suspicions waits before it
// suspects the Logpush set-up rather than ordinary delivery delay.
const SuspicionDelay = 5 * time.Minute

// Advice shared by warnings and Suspicions, so the wording stays one.
const (
	adviceFieldNames = "the Logpush job predates 2025-04-09 or its field_names lack CPUTimeMs/WallTimeMs: update field_names"
	adviceLogpushOn  = `is "logpush": true set in wrangler.jsonc? is the Logpush job enabled and not stalled (last_complete)? delivery often takes minutes`
)

// warnings lists what the user can act on; c.mu is held.
func (c *Collector) warnings(aggs []*cellAgg, rows []Count) []string {
	var out []string
	missing, attributed := 0, 0
	outcomes := map[string]int{}
	for _, b := range c.batches {
		for role, r := range b.roles {
			missing += r.missing
			attributed += r.count
			if !b.warmup && !IsHarness(role) {
				for o, n := range r.outcomes {
					outcomes[o] += n
				}
			}
		}
	}
	if missing > 0 {
		out = append(out, fmt.Sprintf("%d of %d attributed records have no CPUTimeMs/WallTimeMs: %s (costs use the records that have them)", missing, attributed, adviceFieldNames))
	}
	var surplus []string
	for _, r := range rows {
		if n := r.Matched - r.FromFailedBatches; r.Expected >= 0 && n > r.Expected {
			surplus = append(surplus, fmt.Sprintf("%s %s %s (%d of %d)", r.Approach, experiment.FormatDuration(r.DurationMs), r.Role, n, r.Expected))
		}
	}
	if len(surplus) > 0 {
		out = append(out, fmt.Sprintf("more records than expected for %s: duplicates or overlapping windows; check the clock offset and the guard, other traffic on the Worker, or the expectation table for this target", listSome(surplus, 4)))
	}
	if c.opts.ScriptName != "" && c.forScript == 0 && len(c.otherScripts) > 0 {
		out = append(out, fmt.Sprintf("no records for script %q, only for other scripts: %s: set the script name to the Worker's name as written there", c.opts.ScriptName, countList(c.otherScripts, 5)))
	}
	if len(c.unknownEP) > 0 {
		out = append(out, fmt.Sprintf("records of classes with no role: %s: map each with --role Class=role (%s) so it is costed", countList(c.unknownEP, 5), strings.Join(AssignableRoles, ", ")))
	}
	if len(outcomes) > 0 {
		total := 0
		for _, n := range outcomes {
			total += n
		}
		out = append(out, fmt.Sprintf("%d invocations of the approaches did not end ok (%s): their cost is included; check the Worker's exceptions in the records or with wrangler tail", total, countList(outcomes, 4)))
	}
	if c.ambiguous > 0 {
		out = append(out, fmt.Sprintf(`%d records without a batch tag fell where batch windows overlap and went to the nearest batch: log console.log("pfx", batchId, op) in every invocation for exact attribution`, c.ambiguous))
	}
	if n := c.unattributed - c.foreignTags; n > 0 {
		guard := time.Duration(c.guardMs * float64(time.Millisecond)).String()
		out = append(out, fmt.Sprintf("%d untagged records%s fell outside every batch window: other traffic on the Worker, or a clock offset (now %.0f ms) wrong by more than the %s guard", n, c.scriptPhrase(), c.opts.ClockOffsetMs, guard))
	}
	f := c.files
	if f.Truncated > 0 {
		out = append(out, fmt.Sprintf("%d Logpush objects were cut short: their complete lines were used; if counts stay short, download them again", f.Truncated))
	}
	if f.Malformed+f.BadType > 0 {
		out = append(out, fmt.Sprintf("%d lines could not be read (%d malformed, %d with a field of the wrong type): see the per-file counts; badType lines suggest a changed Logpush schema", f.Malformed+f.BadType, f.Malformed, f.BadType))
	}
	if f.TooLong > 0 {
		out = append(out, fmt.Sprintf("%d of the malformed lines were over the %d MiB limit per line and were refused unread", f.TooLong, logpush.MaxLineBytes>>20))
	}
	if f.ReadErrors > 0 {
		out = append(out, fmt.Sprintf("%d Logpush objects could not be read to the end: see the per-file errors and fetch them again", f.ReadErrors))
	}
	return out
}

func (c *Collector) scriptPhrase() string {
	if c.opts.ScriptName == "" {
		return ""
	}
	return fmt.Sprintf(" of %q", c.opts.ScriptName)
}

// listSome joins up to n items and says how many more there are.
func listSome(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + fmt.Sprintf(" and %d more", len(items)-n)
}

// countList renders "name (n)" pairs, most frequent first.
func countList(m map[string]int, n int) string {
	type kv struct {
		k string
		v int
	}
	var all []kv
	for k, v := range m {
		all = append(all, kv{k, v})
	}
	slices.SortFunc(all, func(a, b kv) int {
		if c := cmp.Compare(b.v, a.v); c != 0 {
			return c
		}
		return cmp.Compare(a.k, b.k)
	})
	items := make([]string, len(all))
	for i, x := range all {
		name := x.k
		if name == "" {
			name = `""`
		}
		items[i] = fmt.Sprintf("%s (%d)", name, x.v)
	}
	return listSome(items, n)
}

// Suspicions says, while waiting for billing, what is probably wrong: the
// time-dependent hints first (ordinary delay at first, the Logpush set-up
// after SuspicionDelay with nothing delivered), then p.Warnings. filesSeen
// is the number of Logpush objects found for the run so far.
func Suspicions(p Progress, sinceRunEnd time.Duration, filesSeen int) []string {
	var out []string
	late := sinceRunEnd >= SuspicionDelay
	waited := sinceRunEnd.Round(time.Second).String()
	script := "the Worker"
	if p.ScriptName != "" {
		script = fmt.Sprintf("script %q", p.ScriptName)
	}
	switch {
	case filesSeen == 0 && !late:
		out = append(out, "no Logpush files yet: delivery often takes minutes (the job's batch interval, 30 s by default, plus upload)")
	case filesSeen == 0:
		out = append(out, fmt.Sprintf("no Logpush files %s after the run: is the Logpush job enabled and not stalled (last_complete)? does its destination match the bucket and prefix used here (CLOUDFLARE_R2_BUCKET_NAME)?", waited))
	case p.RecordsForScript == 0 && !late:
		out = append(out, fmt.Sprintf("no records for %s yet: delivery often takes minutes", script))
	case p.RecordsForScript == 0:
		out = append(out, fmt.Sprintf("no records for %s %s after the run: %s", script, waited, adviceLogpushOn))
	case late && !p.Complete:
		if got, want, short := p.Shortfall(4); short != "" {
			out = append(out, fmt.Sprintf("%d of %d expected records in %s after the run; still short: %s: Logpush may still be delivering, or the Logpush job is stalled (last_complete)", got, want, waited, short))
		}
	}
	return append(out, p.Warnings...)
}
