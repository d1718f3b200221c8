package billing

import "testing"

// Shortfall counts only rows with an expectation, caps each row at what it
// expects, leaves failed batches' records out, and names at most n rows.
func TestProgressShortfall(t *testing.T) {
	t.Parallel()
	p := Progress{Counts: []Count{
		{Approach: "direct", DurationMs: 100, Role: "origin", Matched: 7, Expected: 5},                         // over: counts 5
		{Approach: "simple", DurationMs: 500, Role: "executor", Matched: 4, Expected: 5, FromFailedBatches: 1}, // 3 of 5
		{Approach: "simple", DurationMs: 500, Role: "origin", Matched: 9, Expected: ExpectedUnknown},           // ignored
		{Approach: "current", DurationMs: 1000, Role: "orchestrator", Matched: 0, Expected: 2},                 // 0 of 2
	}}
	got, want, short := p.Shortfall(1)
	if got != 8 || want != 12 {
		t.Errorf("got %d of %d, want 8 of 12", got, want)
	}
	if short != "simple 500ms executor (3 of 5) and 1 more" {
		t.Errorf("short %q", short)
	}
	if _, _, short := p.Shortfall(4); short != "simple 500ms executor (3 of 5), current 1s orchestrator (0 of 2)" {
		t.Errorf("short %q", short)
	}
	if _, _, short := (Progress{Counts: p.Counts[:1]}).Shortfall(4); short != "" {
		t.Errorf("nothing short, got %q", short)
	}
}
