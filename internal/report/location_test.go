package report

import (
	"strings"
	"testing"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
)

func located(colo, country string) *Results {
	r := &Results{ID: colo, Plan: PlanInfo{Approaches: []string{"direct"}, DurationsMs: []int{100}, Batches: 1, Ops: 1, Reference: "direct"}}
	r.Target.URL = "https://x.example"
	if colo != "" || country != "" {
		r.Target.Version = &experiment.TargetVersion{Version: 1, Colo: colo, Country: country}
	}
	return r
}

func TestLocationShownAndCompared(t *testing.T) {
	if h := Headline(located("SJC", "US")); !strings.Contains(h, "ran in colo SJC, US") {
		t.Errorf("headline %q", h)
	}
	if h := Headline(located("", "")); strings.Contains(h, "ran in") {
		t.Errorf("headline without location %q", h)
	}
	if w := LocationWarning(located("SJC", "US"), located("SJC", "US")); w != "" {
		t.Errorf("same place warned: %q", w)
	}
	if w := LocationWarning(located("SJC", "US"), located("", "")); w != "" {
		t.Errorf("unknown place warned: %q", w)
	}
	var b strings.Builder
	if err := WriteCompare(&b, located("SJC", "US"), located("FRA", "DE")); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "warning: the runs ran in different locations (base: colo SJC, US; new: colo FRA, DE)") {
		t.Errorf("compare:\n%s", b.String())
	}
	if c := CompareRuns(located("SJC", "US"), located("FRA", "DE")); c.LocationWarning == "" {
		t.Error("no location warning in the JSON comparison")
	}
}
