// Package r2 reads Logpush objects from R2 (or any S3-compatible server)
// with aws-sdk-go-v2: incremental listing of the date folders a run touches,
// bounded parallel downloads of new keys, and a Poller that emits PollEvents
// until billing is complete or a deadline passes.
package r2

import (
	"io"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/billing"
)

// Sink consumes each downloaded object once and reports attribution progress.
type Sink interface {
	// AddObject reads one object body (gzip NDJSON); key is its full key.
	AddObject(key string, body io.Reader) error
	Progress() billing.Progress
}

// PollEvent is what the poller reports after every poll (and on its ticks):
// enough for a countdown screen and a headless progress line.
type PollEvent struct {
	Deadline    time.Time        `json:"deadline"`
	NextPoll    time.Time        `json:"nextPoll"`
	Polls       int              `json:"polls"`
	FilesSeen   int              `json:"filesSeen"`
	FilesNew    int              `json:"filesNew"` // new in the last poll
	RecordsRead int              `json:"recordsRead"`
	Progress    billing.Progress `json:"progress"`
	LastError   string           `json:"lastError,omitempty"`
	// Done is set on the last event; Reason says why the poller stopped:
	// "complete", "deadline", "stopped" (the user skipped), "cancelled".
	Done   bool   `json:"done"`
	Reason string `json:"reason,omitempty"`
}
