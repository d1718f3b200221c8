// Package r2 reads Logpush objects from R2 (or any S3-compatible server)
// with aws-sdk-go-v2: incremental listing of the date folders a run touches,
// bounded parallel downloads of new keys, and a Poller that emits PollEvents
// until billing is complete or a deadline passes.
package r2

import (
	"io"
	"time"
)

// Sink consumes each downloaded object once and says when it has all it
// expects. r2 knows nothing of what the records mean (billing attributes
// them, logs scan summarises them).
// A Fetcher (and so a Poller) calls it from one goroutine at a time, never
// concurrently, so an implementation needs no locking of its own.
type Sink interface {
	// AddObject reads one object body (gzip NDJSON); key is its full key.
	AddObject(key string, body io.Reader) error
	// Complete reports whether every expected record has arrived; the
	// poller stops then. A sink that expects nothing returns false.
	Complete() bool
}

// PollEvent is what the poller reports after every poll (and on its ticks):
// enough for a countdown screen and a headless progress line.
type PollEvent struct {
	Deadline  time.Time `json:"deadline"`
	NextPoll  time.Time `json:"nextPoll"`
	Polls     int       `json:"polls"`
	FilesSeen int       `json:"filesSeen"`
	FilesNew  int       `json:"filesNew"` // new in the last poll
	// LastError is the latest poll's failure, cleared by the next poll that
	// succeeds; Errors counts the polls that failed.
	LastError string `json:"lastError,omitempty"`
	Errors    int    `json:"errors,omitempty"`
	// IgnoredKeys counts keys in the listed folders that are not Logpush
	// object names (never downloaded).
	IgnoredKeys int `json:"ignoredKeys,omitempty"`
	// Ops is what polling has cost so far in billable S3 operations.
	Ops Ops `json:"ops"`
	// Done is set on the last event; Reason says why the poller stopped:
	// "complete", "deadline", "stopped" (the user skipped), "cancelled",
	// or "error" (a permanent error, in LastError).
	Done   bool   `json:"done"`
	Reason string `json:"reason,omitempty"`
}
