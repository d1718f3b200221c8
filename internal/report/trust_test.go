package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
)

// thirdPartyRun is a run against a Lumenize-like target at a delay the user
// asserted (100 ms): direct per op, proxyfetch chained (one batch-mean
// sample per batch), simple whose every op failed, current refused by the
// target, and a batch that ended impossibly fast.
func thirdPartyRun(directMs float64) *Results {
	r := &Results{
		SchemaVersion: SchemaVersion, Tool: "pfx-tui test", ID: "tp0001",
		CreatedAt: time.Date(2026, 11, 26, 10, 15, 0, 0, time.UTC), Status: StatusComplete,
		Target:           Target{Kind: "url", TargetInfo: experiment.TargetInfo{URL: "https://lumenize.example"}},
		Plan:             PlanInfo{Approaches: []string{"direct", "proxyfetch", "simple", "current"}, DurationsMs: []int{100}, Batches: 2, Ops: 5, Order: "interleave", Reference: "direct", DurationSource: experiment.DurationsAssumed},
		PercentileMethod: "R-7",
	}
	id := 0
	add := func(b experiment.BatchResult) {
		b.ID, b.Index, b.DurationMs, b.Ops = "tp0001-"+string(rune('a'+id)), id, 100, 5
		if b.Status == "" {
			b.Status = experiment.StatusOK
		}
		id++
		r.Batches = append(r.Batches, b)
	}
	add(experiment.BatchResult{BatchSpec: experiment.BatchSpec{Approach: "current", Warmup: true}, Status: experiment.StatusError, Failure: "server error: Unknown mode: current. Available: direct, proxyfetch", NotOffered: true})
	for batch := 1; batch <= 2; batch++ {
		var ss []experiment.Sample
		for op := 1; op <= 5; op++ {
			ss = append(ss, experiment.Sample{Op: op, Ops: 1, Ms: directMs + float64(op)/10})
		}
		add(experiment.BatchResult{BatchSpec: experiment.BatchSpec{Approach: "direct", Batch: batch}, Completed: 5, OpsSeen: 5, Granularity: 1, Samples: ss})
		add(experiment.BatchResult{BatchSpec: experiment.BatchSpec{Approach: "proxyfetch", Batch: batch}, Completed: 5, OpsSeen: 5, Granularity: 5, Chained: true,
			Samples: []experiment.Sample{{Op: 5, Ops: 5, Ms: 5 * (110 + float64(batch))}}})
		add(experiment.BatchResult{BatchSpec: experiment.BatchSpec{Approach: "simple", Batch: batch}, Errors: 5, OpsSeen: 5, ErrorMessages: []string{"Op 0: upstream answered 500"},
			FailedSamples: []experiment.Sample{{Op: 5, Ops: 5, Ms: 12}}})
	}
	add(experiment.BatchResult{BatchSpec: experiment.BatchSpec{Approach: "direct", Batch: 3}, Status: experiment.StatusImpossible, Completed: 5, OpsSeen: 5,
		Failure: "impossible: 5 successful ops ended 3.0 ms after run-batch was sent", Samples: []experiment.Sample{{Op: 5, Ops: 5, Ms: 3}}})
	return r
}

func TestAnalyzeTrustRules(t *testing.T) {
	an := Analyze(thirdPartyRun(101))
	d, _ := an.Cell("direct", 100)
	if d.Summary.N != 10 || d.ImpossibleBatches != 1 || d.Warning != "" || d.Summary.Min < 100 {
		t.Errorf("direct: n %d impossible %d warning %q min %v", d.Summary.N, d.ImpossibleBatches, d.Warning, d.Summary.Min)
	}
	p, _ := an.Cell("proxyfetch", 100)
	if !p.Chained || p.CompareLevel != BatchMeanLevel || len(p.BatchMeans) != 2 || p.Ratio == 0 {
		t.Fatalf("proxyfetch: %+v", p)
	}
	// Batch means: proxyfetch 111, 112 against direct 101.3, 101.3.
	if want := 111.5 / 101.3; p.Ratio < want-1e-9 || p.Ratio > want+1e-9 {
		t.Errorf("ratio %v, want %v (of batch means)", p.Ratio, want)
	}
	s, _ := an.Cell("simple", 100)
	if !s.NoSuccessfulOp || s.Status() != "no successful op" || s.Errors != 10 || s.Summary.N != 0 {
		t.Errorf("simple: %+v", s)
	}
	c, _ := an.Cell("current", 100)
	if !c.NotOffered || c.Status() != "not offered by the target" {
		t.Errorf("current: %+v", c)
	}
	// An approach dropped without a batch of its own, because the refusal
	// named what the target offers.
	r := thirdPartyRun(101)
	r.Plan.Approaches = append(r.Plan.Approaches, "rpctarget")
	if c, _ := Analyze(r).Cell("rpctarget", 100); c.Batches != 0 || c.Status() != "not offered by the target" {
		t.Errorf("rpctarget: %+v", c)
	}
}

func TestEveryRendererCarriesTheCellWarnings(t *testing.T) {
	r := thirdPartyRun(60) // direct's median 60 ms, under the asserted 100 ms
	an := Analyze(r)
	if d, _ := an.Cell("direct", 100); !strings.Contains(d.Warning, "below the 100ms delay (asserted with --assume-server-duration)") {
		t.Fatalf("warning %q", d.Warning)
	}
	render := map[string]func(*bytes.Buffer) error{
		"text":     func(b *bytes.Buffer) error { return WriteText(b, r) },
		"markdown": func(b *bytes.Buffer) error { return WriteMarkdown(b, r) },
		"csv":      func(b *bytes.Buffer) error { return WriteCSV(b, r, false) },
		"json":     func(b *bytes.Buffer) error { return WriteJSON(b, r) },
	}
	for name, f := range render {
		var b bytes.Buffer
		if err := f(&b); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		for _, want := range []string{"no successful op", "not offered by the target", "below the 100ms delay"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s lacks %q", name, want)
			}
		}
		if name == "json" {
			var v struct {
				Analysis Analysis `json:"analysis"`
			}
			if err := json.Unmarshal(b.Bytes(), &v); err != nil {
				t.Fatal(err)
			}
			if c, _ := v.Analysis.Cell("proxyfetch", 100); c.CompareLevel != BatchMeanLevel || !c.Chained {
				t.Errorf("json analysis: %+v", c)
			}
			continue
		}
		if name == "csv" {
			if !strings.Contains(out, ",batch-mean,") {
				t.Errorf("csv lacks the compare level:\n%s", out)
			}
			continue
		}
		for _, want := range []string{"⚠", "no progress frames (chained): one sample per batch = batch mean", "compare batch means", "asserted with --assume-server-duration", "impossible", "failed ops only kept out of the latencies"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s lacks %q:\n%s", name, want, out)
			}
		}
	}
}

func TestNotesOnForeignFramesAndDrains(t *testing.T) {
	r := thirdPartyRun(101)
	b := &r.Batches[1]
	b.ForeignFrames = []experiment.ForeignFrame{{FrameStamp: experiment.FrameStamp{Type: "batch-complete", Completed: 5}, Mode: "proxyfetch", Why: `mode "proxyfetch", but the batch runs "direct"`}}
	r.Batches[2].Status = experiment.StatusTimeout
	r.Batches[2].Drain = &experiment.Drain{Ms: 1234, Outcome: experiment.DrainEnded}
	notes := strings.Join(Notes(r, Analyze(r)), "\n")
	for _, want := range []string{"1 frame not its own arrived and was not credited (batch-complete: mode \"proxyfetch\"", "abandoned (timeout) on a target that does not keep batches apart; waited 1234.0 ms until its end arrived"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
}

// Retried attempts are out of the statistics: the text and markdown
// reports say how many there were.
func TestReportsSayHowManyAttemptsWereRetried(t *testing.T) {
	r := thirdPartyRun(101)
	for _, i := range []int{1, 2} {
		r.Batches[i].Status, r.Batches[i].Failure, r.Batches[i].Retried = experiment.StatusDropped, "connection closed after 1 of 5 ops", true
	}
	want := "2 batch attempts failed and ran again (--retries): the failed attempts stay in the results file, marked retried, but are out of every statistic"
	for name, f := range map[string]func(*bytes.Buffer) error{
		"text":     func(b *bytes.Buffer) error { return WriteText(b, r) },
		"markdown": func(b *bytes.Buffer) error { return WriteMarkdown(b, r) },
	} {
		var b bytes.Buffer
		if err := f(&b); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), want) {
			t.Errorf("%s lacks %q:\n%s", name, want, b.String())
		}
	}
	r.Batches[1].Retried, r.Batches[2].Retried = false, false
	if notes := strings.Join(Notes(r, Analyze(r)), "\n"); strings.Contains(notes, "ran again") {
		t.Errorf("notes speak of retries in a run without any:\n%s", notes)
	}
}
