// Package experiment is the vocabulary every part of pfx-tui shares: the
// plan and its cells and batches, what a batch measured, and what a target
// says about itself. It imports nothing of ours, so the WebSocket client
// (runner), the billing model, the reports and the front ends can all use
// it without pulling in each other, the way vegeta's lib/ keeps its result
// types apart from the attacker.
package experiment

import (
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"time"
)

// Orders a plan can run its batches in.
const (
	OrderInterleave = "interleave"
	OrderSequential = "sequential"
	OrderRandom     = "random"
	OrderMinute     = "minute" // each cell in whole minutes of its own (minute.go)
)

// Plan is approaches × durations × batches per cell × ops per batch, plus
// warmup ops per approach that are run first and excluded from statistics.
type Plan struct {
	Approaches []string        `json:"approaches"`
	Durations  []time.Duration `json:"-"`
	Batches    int             `json:"batchesPerCell"`
	Ops        int             `json:"opsPerBatch"`
	Warmup     int             `json:"warmupOps"`
	Order      string          `json:"order"`
	Seed       int64           `json:"seed"`
	// DurationSource says where the durations come from (Durations*): the
	// zero value is durations the target honours batch by batch.
	DurationSource string `json:"durationSource,omitempty"`
	// Minute is the length of a minute for OrderMinute (0 = one minute;
	// the local target's emulated analytics use a shorter one), and
	// MinuteShift the target's clock minus ours: minutes are the target's.
	Minute, MinuteShift time.Duration `json:"-"`
	// Concurrency lists the ops a batch keeps in flight against its origin
	// object (--concurrency; concurrency.go): a plan dimension. Empty is [1].
	Concurrency []int `json:"concurrency,omitempty"`
	// ConcurrencyNote says why the plan runs at K = 1 when more was asked
	// (the target does not announce CapConcurrency).
	ConcurrencyNote string `json:"concurrencyNote,omitempty"`
	// Objects spreads each batch's ops over N origin objects (--objects;
	// 0 or 1: the approach's one origin); Cold gives every batch fresh
	// objects (--cold), its first op on each reported apart.
	Objects int  `json:"objects,omitempty"`
	Cold    bool `json:"cold,omitempty"`
}

// Where a plan's upstream delays come from.
const (
	// DurationsRequested: each batch asks for its delay with durationMs and
	// the target honours it (CapDurationMs).
	DurationsRequested = ""
	// DurationsServerReported: the target applies one delay of its own and
	// names it in /version (delayMs).
	DurationsServerReported = "server-reported"
	// DurationsAssumed: the target applies one delay of its own; the user
	// asserts its value (--assume-server-duration). A label, not a fact.
	DurationsAssumed = "assumed"
	// DurationsServerDefined: the target applies one delay of its own,
	// unknown to the client: the plan's one duration is ServerDefinedMs.
	DurationsServerDefined = "server-defined"
)

// ServerDefinedMs stands for the unknown delay of a target that applies its
// own: the plan's one duration, printed "server-defined".
const ServerDefinedMs = -1

// HonouredDelayMs is the upstream delay the target is known to apply to
// every op of a batch planned at durationMs: durationMs itself when the
// target honours it or reported it, -1 when the delay is only a label the
// user asserted or is unknown.
func (p Plan) HonouredDelayMs(durationMs int) int {
	if durationMs < 0 {
		return -1
	}
	switch p.DurationSource {
	case DurationsRequested, DurationsServerReported:
		return durationMs
	}
	return -1
}

// DurationRequest is what the user said about durations.
type DurationRequest struct {
	Given   bool          // --durations was given
	Assumed time.Duration // --assume-server-duration; 0 when not given
}

// ForTarget fits the plan's durations to what the target honours. A target
// announcing CapDurationMs runs the plan as it is. Any other target applies
// one delay of its own to every op (third-party servers take it from their
// configuration and ignore durationMs), so the plan gets exactly one
// duration: the one the target reports (delayMs in /version), else the one
// the user asserts, else ServerDefinedMs. --durations that such a target
// cannot honour are refused with the reason, naming the flag.
func (p Plan) ForTarget(v *TargetVersion, req DurationRequest) (Plan, error) {
	const assumeFlag = "assume-server-duration"
	if a := req.Assumed; a != 0 && (a < 0 || a > 30*time.Second || a%time.Millisecond != 0) {
		return p, &PlanError{Flag: assumeFlag, Msg: fmt.Sprintf("%s is not a whole number of milliseconds in 1ms..30s", a)}
	}
	if v.Has(CapDurationMs) {
		if req.Assumed != 0 {
			return p, &PlanError{Flag: assumeFlag, Msg: "the target honours durationMs (it runs each batch at the delay asked for): choose delays with --durations instead"}
		}
		p.DurationSource = DurationsRequested
		return p, nil
	}
	one, source := time.Duration(ServerDefinedMs)*time.Millisecond, DurationsServerDefined
	switch {
	case v != nil && v.DelayMs != nil:
		reported := time.Duration(*v.DelayMs) * time.Millisecond
		if req.Assumed != 0 && req.Assumed != reported {
			return p, &PlanError{Flag: assumeFlag, Msg: fmt.Sprintf("the target reports its delay as %s in /version; drop --%s", FormatDuration(*v.DelayMs), assumeFlag)}
		}
		one, source = reported, DurationsServerReported
	case req.Assumed != 0:
		one, source = req.Assumed, DurationsAssumed
	}
	if req.Given && (source == DurationsServerDefined || len(p.Durations) != 1 || p.Durations[0] != one) {
		msg := "the target does not honour durationMs (its /version announces no \"" + CapDurationMs + "\" capability): every op waits the delay the server is configured with, so delays cannot be chosen; drop --durations, or label that delay with --" + assumeFlag + " D"
		if source != DurationsServerDefined {
			msg = fmt.Sprintf("the target does not honour durationMs: every op waits its own delay (%s, %s), which --durations can only repeat", FormatDuration(int(one/time.Millisecond)), source)
		}
		return p, &PlanError{Flag: "durations", Msg: msg}
	}
	p.Durations, p.DurationSource = []time.Duration{one}, source
	return p, nil
}

// DurationsMs is the durations in milliseconds, as the wire and results use them.
func (p Plan) DurationsMs() []int {
	out := make([]int, len(p.Durations))
	for i, d := range p.Durations {
		out[i] = int(d / time.Millisecond)
	}
	return out
}

// Validate names the first problem with the plan in terms of its flag.
func (p Plan) Validate() error {
	switch {
	case len(p.Approaches) == 0:
		return &PlanError{Flag: "approaches", Msg: "at least one approach is needed"}
	case len(p.Durations) == 0:
		return &PlanError{Flag: "durations", Msg: "at least one duration is needed"}
	case p.Ops < 1:
		return &PlanError{Flag: "ops", Msg: fmt.Sprintf("must be at least 1, got %d", p.Ops)}
	case p.Batches < 1:
		return &PlanError{Flag: "batches", Msg: fmt.Sprintf("must be at least 1, got %d", p.Batches)}
	case p.Warmup < 0:
		return &PlanError{Flag: "warmup", Msg: fmt.Sprintf("must be 0 or more, got %d", p.Warmup)}
	}
	if err := p.validateConcurrency(); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, a := range p.Approaches {
		if a == "" || strings.ContainsAny(a, " ,") {
			return &PlanError{Flag: "approaches", Msg: fmt.Sprintf("invalid approach name %q", a)}
		}
		if seen[a] {
			return &PlanError{Flag: "approaches", Msg: fmt.Sprintf("%q is listed twice", a)}
		}
		seen[a] = true
	}
	for _, d := range p.Durations {
		if d == time.Duration(ServerDefinedMs)*time.Millisecond && p.DurationSource == DurationsServerDefined && len(p.Durations) == 1 {
			continue
		}
		if d < 0 || d > 30*time.Second || d%time.Millisecond != 0 {
			return &PlanError{Flag: "durations", Msg: fmt.Sprintf("%s is not a whole number of milliseconds in 0..30s", d)}
		}
	}
	switch p.Order {
	case OrderInterleave, OrderSequential, OrderRandom, OrderMinute:
	default:
		return &PlanError{Flag: "order", Msg: fmt.Sprintf("%q is not one of interleave, sequential, random, minute", p.Order)}
	}
	return nil
}

// PlanError is a usage error tied to one flag.
type PlanError struct{ Flag, Msg string }

func (e *PlanError) Error() string { return fmt.Sprintf("--%s: %s", e.Flag, e.Msg) }

// ExitCode makes a plan that cannot run a usage error: exit 2, like every
// bad flag (internal/errext reads this method; experiment imports nothing).
func (e *PlanError) ExitCode() int { return 2 }

// BatchSpec is one batch to run.
type BatchSpec struct {
	ID         string `json:"id"`
	Index      int    `json:"index"` // position in the run, from 0
	Approach   string `json:"approach"`
	DurationMs int    `json:"durationMs"`
	Batch      int    `json:"batch"` // 1-based within its cell; 0 for warmup
	Warmup     bool   `json:"warmup"`
	Ops        int    `json:"ops"`
	// Concurrency is the ops the batch keeps in flight (0 or 1: one at a time).
	Concurrency int `json:"concurrency,omitempty"`
	// Objects and Cold: the plan's (--objects, --cold); warmup is never cold.
	Objects int  `json:"objects,omitempty"`
	Cold    bool `json:"cold,omitempty"`
	// AlignMinute > 0: wait for the start of the minute AlignMinute
	// minutes after the current one before dialling (OrderMinute).
	AlignMinute int `json:"alignMinute,omitempty"`
	// Attempt > 0: a retry of a failed batch (--retries), its ID the
	// first attempt's with ".r<attempt>" appended (protocol.BatchID).
	Attempt int `json:"attempt,omitempty"`
}

// Cell names an approach × duration × concurrency.
type Cell struct {
	Approach   string `json:"approach"`
	DurationMs int    `json:"durationMs"`
	// Concurrency is 0 in a plan without the dimension (one op at a time).
	Concurrency int `json:"concurrency,omitempty"`
}

// Cells lists the plan's cells, durations outermost, then concurrency,
// approaches in plan order.
func (p Plan) Cells() []Cell {
	var out []Cell
	for _, d := range p.DurationsMs() {
		for _, k := range p.cellConcurrency() {
			for _, a := range p.Approaches {
				out = append(out, Cell{Approach: a, DurationMs: d, Concurrency: k})
			}
		}
	}
	return out
}

// WarmupOps is the ops of each approach's warmup batch: Warmup, and in a
// warm run over several objects (--objects N, not --cold) at least N, so
// every object the measured batches use has had its first op (its cold
// start) in the warmup; with fewer the first measured batch's ops on the
// others would be cold starts counted as warm latency. 0 stays 0 (no
// warmup asked for).
func (p Plan) WarmupOps() int {
	if p.Warmup > 0 && p.Objects > 1 && !p.Cold {
		return max(p.Warmup, p.Objects)
	}
	return p.Warmup
}

// Specs expands the plan into batches, in run order. Warmup batches (one per
// approach at the shortest duration) come first; batch IDs are runID-NNN.
func (p Plan) Specs(runID string) []BatchSpec {
	var out []BatchSpec
	if p.WarmupOps() > 0 {
		ms := p.DurationsMs()
		shortest := ms[0]
		for _, d := range ms {
			if d < shortest {
				shortest = d
			}
		}
		for _, a := range p.Approaches {
			out = append(out, BatchSpec{Approach: a, DurationMs: shortest, Warmup: true, Ops: p.WarmupOps()})
		}
	}
	var main []BatchSpec
	cells := p.Cells()
	switch p.Order {
	case OrderMinute:
		return p.minuteSpecs(runID)
	case OrderSequential:
		for _, c := range cells {
			for b := 1; b <= p.Batches; b++ {
				main = append(main, BatchSpec{Approach: c.Approach, DurationMs: c.DurationMs, Concurrency: c.Concurrency, Batch: b, Ops: p.Ops})
			}
		}
	default: // interleave, and the starting point for random
		for b := 1; b <= p.Batches; b++ {
			for _, c := range cells {
				main = append(main, BatchSpec{Approach: c.Approach, DurationMs: c.DurationMs, Concurrency: c.Concurrency, Batch: b, Ops: p.Ops})
			}
		}
		if p.Order == OrderRandom {
			rng := rand.New(rand.NewSource(p.Seed))
			rng.Shuffle(len(main), func(i, j int) { main[i], main[j] = main[j], main[i] })
			// Keep batch numbers ascending in run order within each cell.
			next := map[Cell]int{}
			for i := range main {
				c := main[i].Cell()
				next[c]++
				main[i].Batch = next[c]
			}
		}
	}
	out = append(out, main...)
	for i := range out {
		out[i].Index = i
		out[i].ID = fmt.Sprintf("%s-%03d", runID, i) // protocol.BatchID's form
	}
	return p.withObjects(out)
}

// EstimatedDuration is a lower bound on the run's length: every op waits at
// least its upstream delay (a server-defined delay counts as zero).
func (p Plan) EstimatedDuration() time.Duration {
	if p.Order == OrderMinute {
		return p.minuteEstimate()
	}
	var total time.Duration
	for _, s := range p.Specs("x") {
		total += time.Duration(s.Rounds(s.Ops)) * s.Delay()
	}
	return total
}

// Delay is the spec's upstream delay per op; zero when server-defined.
func (s BatchSpec) Delay() time.Duration {
	return time.Duration(max(s.DurationMs, 0)) * time.Millisecond
}

// ParseDurations reads "100ms,1s,500" (a bare number is milliseconds), sorted
// ascending, duplicates refused.
func ParseDurations(s string) ([]time.Duration, error) {
	var out []time.Duration
	seen := map[time.Duration]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		var d time.Duration
		var err error
		if isDigits(part) {
			d, err = time.ParseDuration(part + "ms")
		} else {
			d, err = time.ParseDuration(part)
		}
		if err != nil {
			return nil, fmt.Errorf("%q is not a duration (use e.g. 100ms, 1s, 5s)", part)
		}
		if d < 0 || d > 30*time.Second {
			return nil, fmt.Errorf("%s is outside 0..30s (the delay upstream's range)", d)
		}
		if d%time.Millisecond != 0 {
			return nil, fmt.Errorf("%s is not a whole number of milliseconds", d)
		}
		if seen[d] {
			return nil, fmt.Errorf("%s is listed twice", d)
		}
		seen[d] = true
		out = append(out, d)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no durations given")
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, nil
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// FormatDuration prints a delay the way users type it: 100ms, 1s, 1.5s;
// ServerDefinedMs prints as "server-defined".
func FormatDuration(ms int) string {
	if ms == ServerDefinedMs {
		return DurationsServerDefined
	}
	if ms >= 1000 && ms%100 == 0 {
		return strings.TrimSuffix(fmt.Sprintf("%gs", float64(ms)/1000), ".0")
	}
	return fmt.Sprintf("%dms", ms)
}
