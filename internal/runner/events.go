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
	Total int // batches in the run, warmup included (less those dropped)
	At    time.Time
	// ETA is the run's time left at At: ops ahead × the time per op
	// observed so far (ETAMeasured), or × the planned delay before any op
	// was measured (a lower bound; zero for a server-defined delay).
	ETA         time.Duration
	ETAMeasured bool
}

// OpProgress: a progress frame arrived. These are coalesced when the
// consumer lags (each one carries cumulative figures, so none is needed).
type OpProgress struct {
	Spec      experiment.BatchSpec
	Completed int
	Total     int
	SampleMs  float64 // latest per-op sample (already divided by the ops it covers)
	Elapsed   time.Duration
	// ETA is the run's time left when the frame arrived (as in BatchStarted).
	ETA         time.Duration
	ETAMeasured bool
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
	// Err is a run-level failure: the target is unreachable, or no op
	// succeeded (ErrNoSuccessfulOp); front ends exit 1 on it.
	Err error
}

// Draining: a batch was abandoned (timeout, interruption, dropped
// connection) on a target that does not keep batches apart, so the runner
// waits up to Bound for it to end before the next batch starts; the
// batch's result records how long it waited (Drain).
type Draining struct {
	Spec   experiment.BatchSpec
	Status string // the abandoned batch's status
	Bound  time.Duration
}

// ModesLearned: the target refused a mode and named the ones it offers
// (a target without /patterns); approaches it lacks were dropped from the
// rest of the plan, and their batches will not run.
type ModesLearned struct {
	Available []string
	Dropped   []string
	Skipped   []experiment.BatchSpec
}

func (Draining) event()     {}
func (ModesLearned) event() {}

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
