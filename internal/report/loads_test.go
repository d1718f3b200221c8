package report

import (
	"strings"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
)

func loadBatch(id, approach string, k int, ms float64) experiment.BatchResult {
	b := experiment.BatchResult{BatchSpec: experiment.BatchSpec{ID: id, Approach: approach, DurationMs: 500, Ops: 4, Batch: 1, Concurrency: k},
		Status: experiment.StatusOK, Completed: 4, OpsSeen: 4, StartedAt: time.Unix(0, 0), Granularity: 1,
		BatchMs: 4 * 500 / float64(k), OpsPerSec: float64(2 * k)}
	for i := range 4 {
		b.Samples = append(b.Samples, experiment.Sample{Op: i + 1, Ops: 1, Ms: ms + float64(i)})
	}
	return b
}

// A run with --concurrency 1,4: cells per K, labelled, never pooled.
func TestConcurrencyCells(t *testing.T) {
	r := &Results{Plan: PlanInfo{Approaches: []string{"direct", "simple"}, DurationsMs: []int{500}, Batches: 1, Ops: 4, Concurrency: []int{1, 4}, Reference: "direct"},
		Batches: []experiment.BatchResult{loadBatch("r-0", "direct", 1, 500), loadBatch("r-1", "simple", 1, 510), loadBatch("r-2", "direct", 4, 600), loadBatch("r-3", "simple", 4, 610)}}
	an := Analyze(r)
	if len(an.Cells) != 4 {
		t.Fatalf("cells %+v", an.Cells)
	}
	if c, ok := an.CellAt("direct", 500, 4); !ok || c.Summary.N != 4 || c.Summary.Min != 600 || c.Label() != "direct @ 500ms ×4" {
		t.Fatalf("direct ×4: %+v", c)
	}
	rows := LatencyRows(r, an, 500)
	if len(rows) != 4 || rows[0][0] != "direct ×1" || rows[3][0] != "simple ×4" {
		t.Fatalf("rows %v", rows)
	}
	lines := LoadLines(r)
	if len(lines) != 4 || lines[2].Cell.Concurrency != 4 || lines[2].OpsPerSec != 8 || lines[2].BatchMs != 500 || lines[2].BilledDOMsPerOp != -1 {
		t.Fatalf("load lines %+v", lines)
	}
	var b strings.Builder
	if err := WriteText(&b, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "direct @ 500ms ×4") || !strings.Contains(b.String(), "loads — ops in flight") {
		t.Errorf("text:\n%s", b.String())
	}
	// Without the dimension: no loads section, old labels.
	r.Plan.Concurrency = nil
	for i := range r.Batches {
		r.Batches[i].Concurrency = 0
	}
	if LoadLines(r) != nil || LatencyRows(r, Analyze(r), 500)[0][0] != "direct" {
		t.Error("a plan without concurrency changed")
	}
}

// --cold: the cold ops are shown apart from the per-op latency.
func TestColdOpsReportedApart(t *testing.T) {
	b := loadBatch("r-0", "direct", 0, 500)
	b.Cold, b.Objects = true, 2
	b.ColdSamples = []experiment.Sample{{Op: 1, Ops: 1, Ms: 540}, {Op: 2, Ops: 1, Ms: 560}}
	r := &Results{Plan: PlanInfo{Approaches: []string{"direct"}, DurationsMs: []int{500}, Batches: 1, Ops: 4, Objects: 2, Cold: true, Reference: "direct"},
		Batches: []experiment.BatchResult{b}}
	lines := LoadLines(r)
	if len(lines) != 1 || lines[0].ColdOps != 2 || lines[0].ColdMedianMs != 550 || lines[0].MedianMs != 501.5 {
		t.Fatalf("lines %+v", lines)
	}
	if txt := loadsSection(r); !strings.Contains(txt, "550.0 ms (n=2)") || !strings.Contains(txt, "2 origin objects per batch, fresh for every batch") {
		t.Errorf("section:\n%s", txt)
	}
}

// A target without the capabilities: the plan's note is the section.
func TestConcurrencyNoteShown(t *testing.T) {
	r := &Results{Plan: PlanInfo{Approaches: []string{"direct"}, DurationsMs: []int{500}, Batches: 1, Ops: 4, Concurrency: []int{1}, ConcurrencyNote: "the target does not announce \"concurrency\"", Reference: "direct"}}
	if txt := loadsSection(r); !strings.Contains(txt, "loads: the target does not announce") {
		t.Errorf("section %q", txt)
	}
}

// report A B and Markdown keep the cells of each K apart.
func TestConcurrencyCompareAndMarkdown(t *testing.T) {
	run := func(ms float64) *Results {
		return &Results{ID: "x", Plan: PlanInfo{Approaches: []string{"direct"}, DurationsMs: []int{500}, Batches: 1, Ops: 4, Concurrency: []int{1, 4}, Reference: "direct"},
			Batches: []experiment.BatchResult{loadBatch("r-0", "direct", 1, 500), loadBatch("r-1", "direct", 4, ms)}}
	}
	deltas := Compare(run(600), run(700))
	if len(deltas) != 2 || deltas[1].Concurrency != 4 || deltas[1].Base != 601.5 || deltas[1].New != 701.5 || deltas[0].Base != 501.5 {
		t.Fatalf("deltas %+v", deltas)
	}
	var b strings.Builder
	if err := WriteMarkdown(&b, run(600)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "| 500ms | direct ×4 | 4 |") {
		t.Errorf("markdown:\n%s", b.String())
	}
}
