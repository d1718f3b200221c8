// Package report holds the results file (versioned JSON, rewritten after
// every batch) and renders it for people and tools.
package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/experiment"

	"github.com/pfx-tui/pfx-tui/internal/analytics"
	"github.com/pfx-tui/pfx-tui/internal/billing"
)

// SchemaVersion is bumped when a field changes meaning or is removed.
const SchemaVersion = 1

// Run status values.
const (
	StatusRunning     = "running"
	StatusComplete    = "complete"
	StatusInterrupted = "interrupted"
	StatusFailed      = "failed"
)

// Results is the results file: everything needed to re-render or re-bill a
// run later. It never holds a secret (config.Secret marshals as "(set)").
type Results struct {
	SchemaVersion int       `json:"schemaVersion"`
	Tool          string    `json:"tool"`
	ID            string    `json:"id"`
	CreatedAt     time.Time `json:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt"`
	Status        string    `json:"status"`
	Error         string    `json:"error,omitempty"`
	// Emulated is true when the figures come from the embedded local target,
	// not from Cloudflare.
	Emulated bool                     `json:"emulated"`
	Target   Target                   `json:"target"`
	Plan     PlanInfo                 `json:"plan"`
	Config   any                      `json:"config"`
	Batches  []experiment.BatchResult `json:"batches"`
	// Billing is attached after the run (or later by `pfx-tui billing`).
	Billing *billing.Report `json:"billing,omitempty"`
	// Analytics is the billed truth from Cloudflare's GraphQL Analytics
	// (--billing analytics), attached like Billing (internal/analytics).
	Analytics *analytics.Report `json:"analytics,omitempty"`
	// PercentileMethod names how p90/p95/p99 are computed.
	PercentileMethod string `json:"percentileMethod"`
	// BillingOps are the R2 requests the console made to read billing
	// (every poll and `pfx-tui billing` refresh added up) and their cost.
	BillingOps *BillingOps `json:"billingOps,omitempty"`
	// Thresholds are the CI gates checked on this run (--threshold), with
	// their outcome, so machine readers see them next to the figures.
	Thresholds []ThresholdResult `json:"thresholds,omitempty"`
}

// Target describes what was measured.
type Target struct {
	Kind experiment.TargetKind `json:"kind"`
	// Embedded: the emulator ran inside the pfx-tui process that wrote the
	// file, so its Logpush bucket is gone and billing cannot be refreshed.
	Embedded bool `json:"embedded,omitempty"`
	// Runtime is the target's compatibility date and flags, which decide
	// the Durable Object lifecycle rules its bill follows: the emulator's
	// mimicked date, workers/wrangler.jsonc's for wrangler, unknown for a
	// deployed URL.
	Runtime *billing.Runtime `json:"runtime,omitempty"`
	experiment.TargetInfo
}

// PlanInfo is the plan as run.
type PlanInfo struct {
	Approaches  []string `json:"approaches"`
	DurationsMs []int    `json:"durationsMs"`
	Batches     int      `json:"batchesPerCell"`
	Ops         int      `json:"opsPerBatch"`
	Warmup      int      `json:"warmupOps"` // as run: at least --objects in a warm objects run (Plan.WarmupOps)
	Order       string   `json:"order"`
	Seed        int64    `json:"seed"`
	Reference   string   `json:"reference"`
	// DurationSource: where the durations come from (experiment.Durations*;
	// empty = asked for batch by batch and honoured by the target).
	DurationSource string `json:"durationSource,omitempty"`
	// Concurrency: the ops in flight per batch, a cell dimension when some
	// K > 1 (--concurrency); ConcurrencyNote why the plan runs K = 1.
	Concurrency     []int  `json:"concurrency,omitempty"`
	ConcurrencyNote string `json:"concurrencyNote,omitempty"`
	// Objects: origin objects per batch (--objects); Cold: fresh ones for
	// every batch (--cold).
	Objects int  `json:"objects,omitempty"`
	Cold    bool `json:"cold,omitempty"`
}

// RefreshHint says how to complete billing later, or why it cannot be.
func (r *Results) RefreshHint(path string) string {
	if r.Target.Embedded {
		return "the embedded local target's bucket ended with the run, so this is final: rerun to bill again"
	}
	if path == "" {
		path = "FILE"
	}
	return "refresh later with: pfx-tui billing " + path
}

// PlanInfoOf records a runner plan.
func PlanInfoOf(p experiment.Plan, reference string) PlanInfo {
	return PlanInfo{Approaches: p.Approaches, DurationsMs: p.DurationsMs(), Batches: p.Batches, Ops: p.Ops, Warmup: p.WarmupOps(), Order: p.Order, Seed: p.Seed, Reference: reference, DurationSource: p.DurationSource,
		Concurrency: p.Concurrency, ConcurrencyNote: p.ConcurrencyNote, Objects: p.Objects, Cold: p.Cold}
}

// FileName is results/<UTC time>-<id>.json's base name.
func FileName(created time.Time, id string) string {
	return fmt.Sprintf("%s-%s.json", created.UTC().Format("20060102T150405Z"), id)
}

// Save writes r to path by write-then-rename, so a reader (or a crash) never
// sees a half-written file.
func Save(path string, r *Results) error {
	r.UpdatedAt = time.Now().UTC()
	// Compact: the file is rewritten after every batch, and indenting a
	// large run's file doubled the work (report --format json indents).
	data, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encoding results: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating results folder %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("writing results: %w", err)
	}
	// Same mode as exports (CreateTemp makes 0600; the file holds no
	// secret), and on disk before the rename so a crash leaves either the
	// previous complete file or this one.
	_, err = tmp.Write(append(data, '\n'))
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("writing results %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing results: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing results: %w", err)
	}
	return nil
}

// Load reads a results file and checks its schema version.
func Load(path string) (*Results, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		hint := "give one of its .json files"
		if files, _ := filepath.Glob(filepath.Join(path, "*.json")); len(files) > 0 {
			sort.Strings(files) // names start with the UTC time: the last is the newest
			hint = "the newest run there is " + files[len(files)-1]
		}
		return nil, fmt.Errorf("%s is a folder, not a results file: %s", path, hint)
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no results file at %s (runs write results/<UTC time>-<id>.json)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	var r Results
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s is not a pfx-tui results file: %v", path, err)
	}
	if r.SchemaVersion < 1 || r.SchemaVersion > SchemaVersion {
		return nil, fmt.Errorf("%s has results schema version %d; this pfx-tui reads version 1..%d", path, r.SchemaVersion, SchemaVersion)
	}
	return &r, nil
}

// BillingOps is what reading billing cost in object-storage requests.
type BillingOps struct {
	ClassA  int64   `json:"classA"` // list requests
	ClassB  int64   `json:"classB"` // get requests
	CostUSD float64 `json:"costUsd"`
	// Prices names where the per-request prices come from.
	Prices string `json:"prices"`
}
