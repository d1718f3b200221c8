package experiment

import (
	"reflect"
	"testing"
	"time"
)

func TestMinuteSpecs(t *testing.T) {
	t.Parallel()
	p := Plan{Approaches: []string{"direct", "simple"}, Durations: []time.Duration{100 * time.Millisecond, time.Second}, Batches: 2, Ops: 3, Warmup: 2, Order: OrderMinute}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range p.Specs("r") {
		tag := "w"
		if !s.Warmup {
			tag = string(rune('0' + s.Batch))
		}
		got = append(got, s.Approach[:1]+FormatDuration(s.DurationMs)+"#"+tag+"@"+string(rune('0'+s.AlignMinute)))
	}
	want := []string{"d100ms#w@1", "s100ms#w@0",
		"d100ms#1@2", "d100ms#2@0", "s100ms#1@2", "s100ms#2@0",
		"d1s#1@2", "d1s#2@0", "s1s#1@2", "s1s#2@0"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("minute specs:\n got %v\nwant %v", got, want)
	}
	specs := p.Specs("abc")
	if specs[9].ID != "abc-009" || specs[9].Index != 9 {
		t.Errorf("ids: %+v", specs[9])
	}
	// Without warmup the first cell waits for the next boundary only.
	p.Warmup = 0
	if s := p.Specs("r"); s[0].AlignMinute != AlignNextMinute || s[2].AlignMinute != AlignAfterQuiet {
		t.Errorf("no warmup: %+v", s[:3])
	}
	if g, q := p.MinuteGroups(); g != 4 || q != 4 {
		t.Errorf("groups %d quiet %d", g, q)
	}
}

func TestMinuteStart(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 34, 56, 789, time.UTC)
	cases := []struct {
		align int
		unit  time.Duration
		want  time.Time
	}{
		{0, time.Minute, now},
		{1, time.Minute, time.Date(2026, 3, 1, 12, 35, 0, 0, time.UTC)},
		{2, time.Minute, time.Date(2026, 3, 1, 12, 36, 0, 0, time.UTC)},
		{1, 2 * time.Second, time.Date(2026, 3, 1, 12, 34, 58, 0, time.UTC)},
		{1, 0, time.Date(2026, 3, 1, 12, 35, 0, 0, time.UTC)},
	}
	for _, c := range cases {
		if got := MinuteStart(now, c.unit, c.align); !got.Equal(c.want) {
			t.Errorf("MinuteStart(align %d, unit %s) = %s, want %s", c.align, c.unit, got, c.want)
		}
	}
}

func TestMinuteEstimate(t *testing.T) {
	t.Parallel()
	// One cell of 2 × 3 ops at 5 s (30 s of delay) and warmup of 2 × 5 s:
	// warmup 0:00–0:10, quiet minute 1, cell 2:00–2:30, quiet minute 3 → 4 min.
	p := Plan{Approaches: []string{"direct"}, Durations: []time.Duration{5 * time.Second}, Batches: 2, Ops: 3, Warmup: 2, Order: OrderMinute}
	if got := p.EstimatedDuration(); got != 4*time.Minute {
		t.Errorf("estimate %s, want 4m", got)
	}
	p.Minute = time.Second
	// warmup 0–10 s, quiet second 11, cell 12–42 s, quiet second 43 → 44 s.
	if got := p.EstimatedDuration(); got != 44*time.Second {
		t.Errorf("estimate with 1 s minutes %s, want 44s", got)
	}
}
