package experiment

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// CapConcurrency: the target honours run-batch's concurrency (K ops in
// flight against one origin object) and sends an "op" frame per op with
// the op's own start and duration, measured around its upstream call.
const CapConcurrency = "concurrency"

// MaxConcurrency bounds --concurrency.
const MaxConcurrency = 64

// ParseConcurrency reads "1,4" (each 1..MaxConcurrency), sorted ascending,
// duplicates refused.
func ParseConcurrency(s string) ([]int, error) {
	var out []int
	seen := map[int]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, err := strconv.Atoi(part)
		if err != nil || k < 1 || k > MaxConcurrency {
			return nil, fmt.Errorf("%q is not a whole number in 1..%d", part, MaxConcurrency)
		}
		if seen[k] {
			return nil, fmt.Errorf("%d is listed twice", k)
		}
		seen[k] = true
		out = append(out, k)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no concurrency given")
	}
	sort.Ints(out)
	return out, nil
}

// cellConcurrency is the plan's concurrency dimension as cells carry it:
// [0] (the dimension absent, one op at a time) unless some K > 1 is asked.
func (p Plan) cellConcurrency() []int {
	if !p.Concurrent() {
		return []int{0}
	}
	return p.Concurrency
}

// Concurrent reports whether the plan runs any batch with more than one
// op in flight.
func (p Plan) Concurrent() bool {
	for _, k := range p.Concurrency {
		if k > 1 {
			return true
		}
	}
	return false
}

// ConcurrencyForTarget fits the plan's concurrency to the target: one that
// does not announce CapConcurrency runs every batch at K = 1, and the plan
// says so in ConcurrencyNote.
func (p Plan) ConcurrencyForTarget(v *TargetVersion) Plan {
	var notes []string
	if p.Concurrent() && !v.Has(CapConcurrency) {
		notes = append(notes, fmt.Sprintf("the target does not announce the %q capability in /version: every batch runs one op at a time (K = 1), not %s", CapConcurrency, FormatConcurrency(p.Concurrency)))
		p.Concurrency = []int{1}
	}
	if (p.Objects > 1 || p.Cold) && !v.Has(CapObjects) {
		notes = append(notes, fmt.Sprintf("the target does not announce the %q capability in /version: every op runs on the approach's one origin object (N = 1, warm), not --objects %d%s", CapObjects, max(p.Objects, 1), map[bool]string{true: " --cold"}[p.Cold]))
		p.Objects, p.Cold = 0, false
	}
	p.ConcurrencyNote = strings.Join(notes, "; ")
	return p
}

// withObjects sets the plan's objects and cold on its batches (warmup
// batches warm the objects, so they are never cold).
func (p Plan) withObjects(specs []BatchSpec) []BatchSpec {
	for i := range specs {
		specs[i].Objects = p.Objects
		specs[i].Cold = p.Cold && !specs[i].Warmup
	}
	return specs
}

// ColdOps is how many of the batch's first ops run on an object no op
// touched before (one per object): reported apart as cold ops.
func (s BatchSpec) ColdOps() int {
	if !s.Cold {
		return 0
	}
	return min(max(s.Objects, 1), s.Ops)
}

// FormatConcurrency prints a list of K as the flag takes it: 1,4.
func FormatConcurrency(ks []int) string {
	parts := make([]string, len(ks))
	for i, k := range ks {
		parts[i] = strconv.Itoa(k)
	}
	return strings.Join(parts, ",")
}

// InFlight is the ops the batch keeps in flight: at least 1.
func (s BatchSpec) InFlight() int { return max(s.Concurrency, 1) }

// Rounds is how many rounds of InFlight ops it takes to finish ops ops: a
// batch of ops at K in flight lasts at least Rounds(ops) × the delay.
func (s BatchSpec) Rounds(ops int) int { return (ops + s.InFlight() - 1) / s.InFlight() }

// Cell is the batch's cell.
func (s BatchSpec) Cell() Cell {
	return Cell{Approach: s.Approach, DurationMs: s.DurationMs, Concurrency: s.Concurrency}
}

// Label names the cell as reports do: "direct @ 500ms", and in a plan with
// the concurrency dimension "direct @ 500ms ×4".
func (c Cell) Label() string {
	l := c.Approach + " @ " + FormatDuration(c.DurationMs)
	if c.Concurrency > 0 {
		l += fmt.Sprintf(" ×%d", c.Concurrency)
	}
	return l
}

func (p Plan) validateConcurrency() error {
	if p.Objects < 0 || p.Objects > MaxObjects {
		return &PlanError{Flag: "objects", Msg: fmt.Sprintf("%d is not in 1..%d", p.Objects, MaxObjects)}
	}
	for _, k := range p.Concurrency {
		if k < 1 || k > MaxConcurrency {
			return &PlanError{Flag: "concurrency", Msg: fmt.Sprintf("%d is not in 1..%d", k, MaxConcurrency)}
		}
	}
	return nil
}

// OpTime is one op as its op frame reported it: its number (0-based), its
// start in ms since timing-start on the server's clock, its duration, and
// the error when it failed.
type OpTime struct {
	Op      int     `json:"op"`
	StartMs float64 `json:"startMs"`
	Ms      float64 `json:"ms"`
	Error   string  `json:"error,omitempty"`
	Cold    bool    `json:"cold,omitempty"` // the op instantiated its object
}

// CapObjects: the target honours run-batch's objects (ops spread over N
// origin objects) and cold (origin objects of the batch's own).
const CapObjects = "objects"

// MaxObjects bounds --objects.
const MaxObjects = 1024
