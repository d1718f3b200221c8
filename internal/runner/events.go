package runner

import (
	"time"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
)

// Event is anything the runner reports. Front ends switch on the concrete type.
type Event interface{ event() }

// BatchStarted: a batch's WebSocket is being opened.
type BatchStarted struct {
	Spec  experiment.BatchSpec
	Total int // batches in the run, warmup included
	At    time.Time
}

// OpProgress: a progress frame arrived. These are coalesced when the
// consumer lags (each one carries cumulative figures, so none is needed).
type OpProgress struct {
	Spec      experiment.BatchSpec
	Completed int
	Total     int
	SampleMs  float64 // latest per-op sample (already divided by the ops it covers)
	Elapsed   time.Duration
}

// BatchDone: the batch ended with batch-complete.
type BatchDone struct{ Result experiment.BatchResult }

// BatchFailed: the batch ended any other way (error frame, timeout, dropped
// connection, interruption). Result holds what was measured before.
type BatchFailed struct {
	Result experiment.BatchResult
	Err    error
}

// CellDone: every batch of one cell has ended.
type CellDone struct{ Cell experiment.Cell }

// RunDone is the last event; the channel is closed after it.
type RunDone struct {
	Results     []experiment.BatchResult
	Interrupted bool
	Err         error // a run-level failure (e.g. the target is unreachable)
}

func (BatchStarted) event() {}
func (OpProgress) event()   {}
func (BatchDone) event()    {}
func (BatchFailed) event()  {}
func (CellDone) event()     {}
func (RunDone) event()      {}

// ForeignFrame: a frame arrived on a batch's socket that is not the batch's
// (another mode or batchId, counts that are not the request's); it was not
// credited, and the batch records it.
type ForeignFrame struct {
	Spec  experiment.BatchSpec
	Frame experiment.ForeignFrame
}

func (ForeignFrame) event() {}
