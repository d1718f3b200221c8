package experiment

import (
	"reflect"
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
		c := Cell{s.Approach, s.DurationMs}
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
