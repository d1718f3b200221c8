package experiment

import "time"

// Batch status values.
const (
	StatusOK          = "ok"
	StatusError       = "error"       // the server sent an error frame
	StatusTimeout     = "timeout"     // no batch-complete before the batch timeout
	StatusDropped     = "dropped"     // the connection broke mid-batch
	StatusInterrupted = "interrupted" // the user cancelled; ops so far kept
	// StatusImpossible: batch-complete came sooner than its successful ops
	// × the delay the target honours allow, so the delay was not applied;
	// the batch is kept in the results but out of every statistic.
	StatusImpossible = "impossible"
)

// Sample is one latency sample: the gap between two progress receipts. Ops
// is how many ops it covers (1 with our targets, 5 with Lumenize's).
type Sample struct {
	Op   int     `json:"op"`   // ops completed when the frame arrived
	Ops  int     `json:"ops"`  // ops this sample covers
	Ms   float64 `json:"ms"`   // gap in milliseconds
	AtMs float64 `json:"atMs"` // receipt, ms since the batch's timing start
}

// PerOpMs is the sample's per-op latency.
func (s Sample) PerOpMs() float64 {
	if s.Ops <= 1 {
		return s.Ms
	}
	return s.Ms / float64(s.Ops)
}

// FrameStamp is one received frame and when (monotonic, ms since dial start).
type FrameStamp struct {
	Type      string  `json:"type"`
	AtMs      float64 `json:"atMs"`
	Completed int     `json:"completed,omitempty"`
}

// BatchResult is everything measured for one batch.
type BatchResult struct {
	BatchSpec
	Status        string   `json:"status"`
	Failure       string   `json:"failure,omitempty"`
	Completed     int      `json:"completed"` // ops reported ok by batch-complete
	Errors        int      `json:"errors"`    // ops reported failed by batch-complete
	ErrorMessages []string `json:"errorMessages,omitempty"`
	// OpsSeen is the ops known finished: per the last progress frame, or
	// completed + errors once batch-complete arrived.
	OpsSeen       int       `json:"opsSeen"`
	StartedAt     time.Time `json:"startedAt"`
	TimingStartAt time.Time `json:"timingStartAt,omitempty"`
	EndedAt       time.Time `json:"endedAt"`
	// BatchMs is timing-start → batch-complete; for a batch that ended
	// otherwise, timing-start → its end (0 when timing never started).
	BatchMs float64 `json:"batchMs"`
	// TimingFallback is set when the server sent no timing-start and
	// batch-started was used instead (older ExperimentController).
	TimingFallback bool `json:"timingFallback,omitempty"`
	Granularity    int  `json:"granularity"` // ops per progress frame (most common step)
	// SamplesApprox: a server that reports progress every k *successful* ops
	// (Lumenize's sequential runner) had errors in this batch, so a sample
	// may also cover the time of failed ops it does not count.
	SamplesApprox bool         `json:"samplesApprox,omitempty"`
	Samples       []Sample     `json:"samples"`
	Frames        []FrameStamp `json:"frames"`
	// FailedSamples are gaps that covered failed ops only: failures are not
	// latencies, so they are kept here, out of Samples and statistics.
	FailedSamples []Sample `json:"failedSamples,omitempty"`
	// Chained: the server sent no progress frames (a chained mode on a
	// third-party server), so the batch's one sample is its mean per op.
	Chained bool `json:"chained,omitempty"`
	// ForeignFrames arrived on the batch's socket but are not the batch's
	// (another mode or batchId, counts that are not the request's): they
	// were never credited.
	ForeignFrames []ForeignFrame `json:"foreignFrames,omitempty"`
	// NotOffered: the target refused the batch's mode ("Unknown mode").
	NotOffered bool `json:"notOffered,omitempty"`
	// OpTimes are the ops' own timings from the server's op frames
	// (CapConcurrency): with them, Samples are the ops' durations, not the
	// gaps between progress frames. OpsPerSec is the batch's throughput,
	// ops finished per second of BatchMs, measured by the client. Like
	// Samples, OpTimes stop at the cell's MaxSamplesPerCell.
	OpTimes   []OpTime `json:"opTimes,omitempty"`
	OpsPerSec float64  `json:"opsPerSec,omitempty"`
	// ColdSamples are the latencies of a cold batch's first op on each of
	// its fresh objects (BatchSpec.ColdOps): reported apart, out of Samples.
	ColdSamples []Sample `json:"coldSamples,omitempty"`
	// Drain is set when the client gave up on the batch on a target that
	// could still be working on it, and waited for it before the next one.
	Drain *Drain `json:"drain,omitempty"`
	// Retried: the batch failed and was run again (--retries); it stays
	// in the file, out of statistics, and the retry follows it.
	Retried bool `json:"retried,omitempty"`
	// SamplesDropped: samples not kept because the cell already held
	// MaxSamplesPerCell (limits.go).
	SamplesDropped int `json:"samplesDropped,omitempty"`
}

// ForeignFrame is a frame that arrived on a batch's socket but is not the
// batch's, with why.
type ForeignFrame struct {
	FrameStamp
	Mode    string `json:"mode,omitempty"`
	BatchID string `json:"batchId,omitempty"`
	Total   int    `json:"total,omitempty"`
	Errors  int    `json:"errors,omitempty"`
	Why     string `json:"why"`
}

// Drain outcomes.
const (
	DrainEnded  = "ended"  // the abandoned batch's batch-complete (or error) arrived
	DrainQuiet  = "quiet"  // nothing ended it before its remaining expected time ran out
	DrainClosed = "closed" // the socket closed; the rest of the bound was waited quietly
)

// Drain is how long the client waited for an abandoned batch to end before
// starting the next, and what it saw meanwhile.
type Drain struct {
	Ms      float64      `json:"ms"`
	BoundMs float64      `json:"boundMs"`
	Outcome string       `json:"outcome"`
	Frames  []FrameStamp `json:"frames,omitempty"` // late frames, atMs since the dial
	// LateCompleted/LateErrors: what a batch-complete received while
	// draining reported (not credited to the batch's statistics).
	LateCompleted int `json:"lateCompleted,omitempty"`
	LateErrors    int `json:"lateErrors,omitempty"`
}

// Counts reports whether the batch's samples may enter statistics: not
// those of an impossible batch, nor of a failed attempt that was retried.
func (b BatchResult) Counts() bool { return b.Status != StatusImpossible && !b.Retried }

// PerOpMs lists the per-op latencies of the batch's samples that count in
// statistics (none for an impossible batch).
func (b BatchResult) PerOpMs() []float64 {
	if !b.Counts() {
		return nil
	}
	out := make([]float64, len(b.Samples))
	for i, s := range b.Samples {
		out[i] = s.PerOpMs()
	}
	return out
}

// MeanPerOpMs is the batch's mean time per op over its counted samples
// (Σ ms / Σ ops): the batch-mean level at which cells of different sample
// granularity are compared. ok is false when there is no such sample.
func (b BatchResult) MeanPerOpMs() (ms float64, ok bool) {
	if !b.Counts() {
		return 0, false
	}
	var sum float64
	ops := 0
	for _, s := range b.Samples {
		sum += s.Ms
		ops += max(s.Ops, 1)
	}
	if ops == 0 {
		return 0, false
	}
	return sum / float64(ops), true
}
