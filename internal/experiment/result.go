package experiment

import "time"

// Batch status values.
const (
	StatusOK          = "ok"
	StatusError       = "error"       // the server sent an error frame
	StatusTimeout     = "timeout"     // no batch-complete before the batch timeout
	StatusDropped     = "dropped"     // the connection broke mid-batch
	StatusInterrupted = "interrupted" // the user cancelled; ops so far kept
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
	Status        string    `json:"status"`
	Failure       string    `json:"failure,omitempty"`
	Completed     int       `json:"completed"` // ops reported ok by batch-complete
	Errors        int       `json:"errors"`    // ops reported failed by batch-complete
	ErrorMessages []string  `json:"errorMessages,omitempty"`
	OpsSeen       int       `json:"opsSeen"` // ops finished per the last progress frame
	StartedAt     time.Time `json:"startedAt"`
	TimingStartAt time.Time `json:"timingStartAt,omitempty"`
	EndedAt       time.Time `json:"endedAt"`
	BatchMs       float64   `json:"batchMs"` // timing-start → batch-complete; 0 when incomplete
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
}

// PerOpMs lists the per-op latencies of the batch's samples.
func (b BatchResult) PerOpMs() []float64 {
	out := make([]float64, len(b.Samples))
	for i, s := range b.Samples {
		out[i] = s.PerOpMs()
	}
	return out
}
