package experiment

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestSpecsOrders(t *testing.T) {
	t.Parallel()
	p := Plan{Approaches: []string{"direct", "simple"}, Durations: []time.Duration{100 * time.Millisecond, time.Second}, Batches: 2, Ops: 3, Warmup: 2, Order: OrderInterleave}
	got := func(p Plan) []string {
		var out []string
		for _, s := range p.Specs("r") {
			tag := "w"
			if !s.Warmup {
				tag = string(rune('0' + s.Batch))
			}
			out = append(out, s.Approach[:1]+FormatDuration(s.DurationMs)+"#"+tag)
		}
		return out
	}
	want := []string{"d100ms#w", "s100ms#w", "d100ms#1", "s100ms#1", "d1s#1", "s1s#1", "d100ms#2", "s100ms#2", "d1s#2", "s1s#2"}
	if g := got(p); !reflect.DeepEqual(g, want) {
		t.Errorf("interleave:\n got %v\nwant %v", g, want)
	}
	p.Order = OrderSequential
	want = []string{"d100ms#w", "s100ms#w", "d100ms#1", "d100ms#2", "s100ms#1", "s100ms#2", "d1s#1", "d1s#2", "s1s#1", "s1s#2"}
	if g := got(p); !reflect.DeepEqual(g, want) {
		t.Errorf("sequential:\n got %v\nwant %v", g, want)
	}
	p.Order = OrderRandom
	a, b := got(p), got(p)
	if !reflect.DeepEqual(a, b) {
		t.Error("random order is not reproducible with the same seed")
	}
	p.Seed = 2
	if c := got(p); reflect.DeepEqual(a, c) {
		t.Error("a different seed gave the same order")
	}
	specs := p.Specs("abc")
	if specs[0].ID != "abc-000" || specs[9].ID != "abc-009" || specs[9].Index != 9 {
		t.Errorf("ids: %s %s", specs[0].ID, specs[9].ID)
	}
	// Random keeps batch numbers ascending per cell.
	seen := map[Cell]int{}
	for _, s := range specs {
		if s.Warmup {
			continue
		}
		c := s.Cell()
		if s.Batch != seen[c]+1 {
			t.Errorf("random: %v batch %d after %d", c, s.Batch, seen[c])
		}
		seen[c] = s.Batch
	}
}

func TestParseDurations(t *testing.T) {
	t.Parallel()
	ds, err := ParseDurations("1s, 100ms,500")
	if err != nil || !reflect.DeepEqual(ds, []time.Duration{100 * time.Millisecond, 500 * time.Millisecond, time.Second}) {
		t.Errorf("%v %v", ds, err)
	}
	for _, bad := range []string{"", "fast", "31s", "-1s", "1.5ms", "1s,1000ms"} {
		if _, err := ParseDurations(bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestValidateNamesFlag(t *testing.T) {
	t.Parallel()
	base := Plan{Approaches: []string{"direct"}, Durations: []time.Duration{0}, Batches: 1, Ops: 1, Order: OrderInterleave}
	mod := []struct {
		f    func(*Plan)
		flag string
	}{
		{func(p *Plan) { p.Ops = 0 }, "ops"},
		{func(p *Plan) { p.Batches = 0 }, "batches"},
		{func(p *Plan) { p.Warmup = -1 }, "warmup"},
		{func(p *Plan) { p.Order = "x" }, "order"},
		{func(p *Plan) { p.Approaches = nil }, "approaches"},
		{func(p *Plan) { p.Durations = nil }, "durations"},
	}
	for _, m := range mod {
		p := base
		m.f(&p)
		err := p.Validate()
		pe, ok := err.(*PlanError)
		if !ok || pe.Flag != m.flag {
			t.Errorf("want a --%s error, got %v", m.flag, err)
		}
	}
	if err := base.Validate(); err != nil {
		t.Error(err)
	}
}

func TestForTarget(t *testing.T) {
	base := Plan{Approaches: []string{"direct"}, Durations: []time.Duration{100 * time.Millisecond, time.Second}, Batches: 1, Ops: 1, Order: OrderInterleave}
	ours := &TargetVersion{Version: 1, Capabilities: []string{CapDurationMs, CapBatchID, CapProgressEveryOp}}
	third := &TargetVersion{Version: 1}
	ms := func(n int) *int { return &n }
	reported := &TargetVersion{Version: 1, DelayMs: ms(250)}
	cases := []struct {
		name    string
		v       *TargetVersion
		req     DurationRequest
		want    []time.Duration
		source  string
		errFlag string
	}{
		{"ours keeps the plan", ours, DurationRequest{Given: true}, base.Durations, DurationsRequested, ""},
		{"ours refuses an assumption", ours, DurationRequest{Assumed: time.Second}, nil, "", "assume-server-duration"},
		{"third party, defaults: server-defined", third, DurationRequest{}, []time.Duration{-time.Millisecond}, DurationsServerDefined, ""},
		{"nil version: server-defined", nil, DurationRequest{}, []time.Duration{-time.Millisecond}, DurationsServerDefined, ""},
		{"third party refuses --durations", third, DurationRequest{Given: true}, nil, "", "durations"},
		{"assumed label", third, DurationRequest{Assumed: 100 * time.Millisecond}, []time.Duration{100 * time.Millisecond}, DurationsAssumed, ""},
		{"--durations must repeat the assumption", third, DurationRequest{Given: true, Assumed: 100 * time.Millisecond}, nil, "", "durations"},
		{"bad assumption", third, DurationRequest{Assumed: 31 * time.Second}, nil, "", "assume-server-duration"},
		{"server-reported", reported, DurationRequest{}, []time.Duration{250 * time.Millisecond}, DurationsServerReported, ""},
		{"assumption contradicts the report", reported, DurationRequest{Assumed: time.Second}, nil, "", "assume-server-duration"},
	}
	for _, c := range cases {
		p, err := base.ForTarget(c.v, c.req)
		if c.errFlag != "" {
			pe, ok := err.(*PlanError)
			if !ok || pe.Flag != c.errFlag {
				t.Errorf("%s: want a --%s error, got %v", c.name, c.errFlag, err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(p.Durations, c.want) || p.DurationSource != c.source {
			t.Errorf("%s: %v %q %v", c.name, p.Durations, p.DurationSource, err)
			continue
		}
		if err := p.Validate(); err != nil {
			t.Errorf("%s: the plan does not validate: %v", c.name, err)
		}
	}
	// --durations naming the reported delay is accepted.
	p := base
	p.Durations = []time.Duration{250 * time.Millisecond}
	if _, err := p.ForTarget(reported, DurationRequest{Given: true}); err != nil {
		t.Error(err)
	}
	// The refusal says why and how to go on.
	_, err := base.ForTarget(third, DurationRequest{Given: true})
	if msg := err.Error(); !strings.Contains(msg, "--durations") || !strings.Contains(msg, "durationMs") || !strings.Contains(msg, "--assume-server-duration") {
		t.Errorf("refusal: %s", msg)
	}
}

func TestServerDefinedDuration(t *testing.T) {
	p := Plan{Approaches: []string{"direct"}, Durations: []time.Duration{-time.Millisecond}, Batches: 2, Ops: 3, Warmup: 1, Order: OrderInterleave, DurationSource: DurationsServerDefined}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if FormatDuration(p.DurationsMs()[0]) != "server-defined" {
		t.Error(FormatDuration(p.DurationsMs()[0]))
	}
	if p.EstimatedDuration() != 0 || p.HonouredDelayMs(ServerDefinedMs) != -1 {
		t.Errorf("estimate %s honoured %d", p.EstimatedDuration(), p.HonouredDelayMs(ServerDefinedMs))
	}
	p.DurationSource = ""
	if p.Validate() == nil {
		t.Error("a negative duration validated without the server-defined source")
	}
	p.DurationSource = DurationsAssumed
	if p.HonouredDelayMs(100) != -1 {
		t.Error("an assumed delay counted as honoured")
	}
	p.DurationSource = DurationsServerReported
	if p.HonouredDelayMs(100) != 100 {
		t.Error("a reported delay is honoured")
	}
}

func TestBatchResultCountsAndMeans(t *testing.T) {
	b := BatchResult{Status: StatusOK, Samples: []Sample{{Ops: 5, Ms: 500}, {Ops: 2, Ms: 240}}}
	if m, ok := b.MeanPerOpMs(); !ok || m != 740.0/7 {
		t.Errorf("mean %v %v", m, ok)
	}
	if xs := b.PerOpMs(); len(xs) != 2 || xs[0] != 100 || xs[1] != 120 {
		t.Errorf("per op %v", xs)
	}
	b.Status = StatusImpossible
	if len(b.PerOpMs()) != 0 || b.Counts() {
		t.Error("an impossible batch counted")
	}
	if _, ok := b.MeanPerOpMs(); ok {
		t.Error("an impossible batch has a mean")
	}
	var v *TargetVersion
	if v.Has(CapBatchID) || !(&TargetVersion{Capabilities: []string{CapBatchID}}).Has(CapBatchID) {
		t.Error("Has")
	}
}

// Rounds: K ops in flight finish ops in ⌈ops/K⌉ rounds; one at a time, ops.
func TestBatchSpecRounds(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ k, ops, want int }{{0, 5, 5}, {1, 5, 5}, {2, 5, 3}, {4, 8, 2}, {4, 0, 0}} {
		if got := (BatchSpec{Concurrency: c.k}).Rounds(c.ops); got != c.want {
			t.Errorf("K=%d, %d ops: %d rounds, want %d", c.k, c.ops, got, c.want)
		}
	}
}
