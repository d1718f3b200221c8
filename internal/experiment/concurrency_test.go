package experiment

import (
	"strings"
	"testing"
	"time"
)

func TestParseConcurrency(t *testing.T) {
	ks, err := ParseConcurrency("4, 1")
	if err != nil || len(ks) != 2 || ks[0] != 1 || ks[1] != 4 {
		t.Fatalf("got %v, %v", ks, err)
	}
	for _, bad := range []string{"0", "x", "1,1", "", "65"} {
		if _, err := ParseConcurrency(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestConcurrencyIsACellDimension(t *testing.T) {
	p := Plan{Approaches: []string{"direct", "simple"}, Durations: []time.Duration{500 * time.Millisecond},
		Batches: 2, Ops: 20, Order: OrderSequential, Concurrency: []int{1, 4}}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	cells := p.Cells()
	if len(cells) != 4 || cells[0] != (Cell{"direct", 500, 1}) || cells[3] != (Cell{"simple", 500, 4}) {
		t.Fatalf("cells %v", cells)
	}
	if got := cells[3].Label(); got != "simple @ 500ms ×4" {
		t.Errorf("label %q", got)
	}
	specs := p.Specs("r")
	if len(specs) != 8 || specs[4].Concurrency != 4 || specs[4].Cell() != cells[2] {
		t.Fatalf("specs %+v", specs)
	}
	// 20 ops at K=1: 10 s per batch; at K=4: 5 rounds, 2.5 s.
	if got, want := p.EstimatedDuration(), 2*2*(10*time.Second+2500*time.Millisecond); got != want {
		t.Errorf("estimate %s, want %s", got, want)
	}
	// No dimension: cells keep Concurrency 0 and the old labels.
	p.Concurrency = nil
	if c := p.Cells()[0]; c.Concurrency != 0 || c.Label() != "direct @ 500ms" {
		t.Errorf("cell %+v %q", c, c.Label())
	}
}

func TestConcurrencyForTarget(t *testing.T) {
	p := Plan{Concurrency: []int{1, 4}}
	if q := p.ConcurrencyForTarget(&TargetVersion{Capabilities: []string{CapConcurrency}}); q.ConcurrencyNote != "" || len(q.Concurrency) != 2 {
		t.Fatalf("capable target: %+v", q)
	}
	q := p.ConcurrencyForTarget(&TargetVersion{})
	if len(q.Concurrency) != 1 || q.Concurrency[0] != 1 || !strings.Contains(q.ConcurrencyNote, "K = 1") {
		t.Fatalf("incapable target: %+v", q)
	}
	p.Concurrency[1] = 0
	if err := (Plan{Approaches: []string{"a"}, Durations: []time.Duration{0}, Ops: 1, Batches: 1, Order: OrderInterleave, Concurrency: []int{0}}).Validate(); err == nil {
		t.Error("K = 0 accepted")
	}
}

// A warm run over N objects warms each of them: the warmup batch has at
// least N ops (op i runs on object i mod N), whatever the order; a cold
// run, and one without warmup, keep --warmup as asked.
func TestWarmupCoversEveryObject(t *testing.T) {
	for _, tc := range []struct {
		warmup, objects int
		cold            bool
		want            int
	}{
		{2, 8, false, 8}, {10, 8, false, 10}, {2, 1, false, 2}, {2, 0, false, 2}, {2, 8, true, 2}, {0, 8, false, 0},
	} {
		for _, order := range []string{OrderSequential, OrderMinute} {
			p := Plan{Approaches: []string{"direct", "simple"}, Durations: []time.Duration{0}, Batches: 1, Ops: 1, Warmup: tc.warmup, Objects: tc.objects, Cold: tc.cold, Order: order}
			if got := p.WarmupOps(); got != tc.want {
				t.Errorf("%+v: WarmupOps %d, want %d", tc, got, tc.want)
			}
			warm := 0
			for _, s := range p.Specs("w") {
				if s.Warmup {
					warm++
					if s.Ops != tc.want {
						t.Errorf("%s %+v: warmup batch of %d ops, want %d", order, tc, s.Ops, tc.want)
					}
				}
			}
			if want := map[bool]int{true: 2, false: 0}[tc.want > 0]; warm != want {
				t.Errorf("%s %+v: %d warmup batches, want %d", order, tc, warm, want)
			}
		}
	}
}
