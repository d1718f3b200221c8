// Package protocol holds the WebSocket wire messages and the HTTP side
// endpoints spoken between pfx-tui and an experiment target. It is shared by
// the client (internal/runner) and the embedded emulator (internal/localtarget)
// and is compatible with Lumenize's LumenizeExperimentDO servers: our
// extensions (durationMs, batchId) are optional fields those servers ignore.
package protocol

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
)

// Frame types sent by the server, in the order a healthy batch sends them.
const (
	TypeBatchStarted  = "batch-started"
	TypeTimingStart   = "timing-start"
	TypeProgress      = "progress"
	TypeTimingEnd     = "timing-end"
	TypeBatchComplete = "batch-complete"
	TypeError         = "error"
	// TypeOp reports one op's own timing (our extension, CapConcurrency):
	// sent as the op ends, before its progress frame.
	TypeOp = "op"
)

// ActionRunBatch is the only client → server action.
const ActionRunBatch = "run-batch"

// Paths of the side endpoints. Any other path upgrades to the WebSocket; we use PathWS.
const (
	PathVersion  = "/version"
	PathPatterns = "/patterns"
	PathWS       = "/ws"
	PathDelay    = "/delay/" // + milliseconds
)

// MaxDelayMs bounds the delay upstream: /delay/{0..MaxDelayMs}.
const MaxDelayMs = 30000

// RunBatch is the single message a client sends on a batch's WebSocket.
type RunBatch struct {
	Action string `json:"action"`
	Mode   string `json:"mode"`
	Count  int    `json:"count"`
	// DurationMs chooses the upstream delay for this batch (our extension).
	DurationMs *int `json:"durationMs,omitempty"`
	// BatchID tags every invocation of the batch for billing attribution (our extension).
	BatchID string `json:"batchId,omitempty"`
	// Concurrency is the ops kept in flight against the origin object
	// (our extension, CapConcurrency); absent means one at a time.
	Concurrency int `json:"concurrency,omitempty"`
	// Objects spreads the batch's ops over this many origin objects, op i
	// on object i mod Objects (our extension, CapObjects); Cold gives the
	// batch origin objects of its own, never used before (CapObjects).
	Objects int  `json:"objects,omitempty"`
	Cold    bool `json:"cold,omitempty"`
}

// NewRunBatch builds a run-batch request with both extensions set; a
// negative durationMs (a server-defined delay) is left out.
func NewRunBatch(mode string, count, durationMs int, batchID string) RunBatch {
	r := RunBatch{Action: ActionRunBatch, Mode: mode, Count: count, BatchID: batchID}
	if durationMs >= 0 {
		d := durationMs
		r.DurationMs = &d
	}
	return r
}

// Frame is any server → client message. Fields not used by a type stay zero.
type Frame struct {
	Type          string   `json:"type"`
	Mode          string   `json:"mode,omitempty"`
	Count         int      `json:"count,omitempty"`
	Total         int      `json:"total,omitempty"`
	Completed     int      `json:"completed"`
	Errors        int      `json:"errors"`
	ErrorMessages []string `json:"errorMessages,omitempty"`
	Error         string   `json:"error,omitempty"`
	// BatchID echoes run-batch's batchId (our extension, optional): a
	// frame that carries another batch's id is not credited to this one.
	BatchID string `json:"batchId,omitempty"`
	// An op frame (TypeOp): the op's number (0-based), when it started
	// (ms since timing-start, server clock) and how long its upstream call
	// took, measured by the server around that call; Error when it failed.
	Op      int     `json:"op"`
	StartMs float64 `json:"startMs"`
	Ms      float64 `json:"ms"`
	// Cold: the op instantiated its origin object (run-batch cold/objects).
	Cold bool `json:"cold,omitempty"`
}

// MarshalJSON writes only the fields that belong to the frame's type, so the
// bytes match what Lumenize servers send.
func (f Frame) MarshalJSON() ([]byte, error) {
	m := map[string]any{"type": f.Type}
	switch f.Type {
	case TypeBatchStarted:
		m["mode"], m["count"] = f.Mode, f.Count
	case TypeTimingStart, TypeTimingEnd:
		m["mode"] = f.Mode
	case TypeProgress:
		m["mode"], m["total"], m["completed"] = f.Mode, f.Total, f.Completed
	case TypeBatchComplete:
		msgs := f.ErrorMessages
		if msgs == nil {
			msgs = []string{}
		}
		m["mode"], m["completed"], m["errors"], m["errorMessages"] = f.Mode, f.Completed, f.Errors, msgs
	case TypeError:
		m["error"] = f.Error
	case TypeOp:
		m["mode"], m["op"], m["startMs"], m["ms"] = f.Mode, f.Op, f.StartMs, f.Ms
		if f.Error != "" {
			m["error"] = f.Error
		}
		if f.Cold {
			m["cold"] = true
		}
	default:
		if f.Mode != "" {
			m["mode"] = f.Mode
		}
	}
	if f.BatchID != "" {
		m["batchId"] = f.BatchID
	}
	return json.Marshal(m)
}

// DecodeFrame parses one server message. Unknown types are returned as they
// are (the caller decides); a message that is not a JSON object with a string
// "type" is an error.
func DecodeFrame(data []byte) (Frame, error) {
	var f Frame
	if err := json.Unmarshal(data, &f); err != nil {
		return Frame{}, fmt.Errorf("protocol: frame is not a JSON message: %w", err)
	}
	if f.Type == "" {
		return Frame{}, fmt.Errorf("protocol: frame has no \"type\": %.80q", data)
	}
	return f, nil
}

// DecodeRunBatch parses a client request, checking the action and fields.
func DecodeRunBatch(data []byte) (RunBatch, error) {
	var r RunBatch
	if err := json.Unmarshal(data, &r); err != nil {
		return RunBatch{}, fmt.Errorf("invalid JSON: %v", err)
	}
	if r.Action != ActionRunBatch {
		//lint:ignore ST1005 the wording Lumenize servers use, which their clients match
		return RunBatch{}, fmt.Errorf("Unknown action: %s", r.Action)
	}
	if r.Count < 1 {
		return RunBatch{}, fmt.Errorf("count must be at least 1, got %d", r.Count)
	}
	if r.Concurrency < 0 || r.Concurrency > experiment.MaxConcurrency {
		return RunBatch{}, fmt.Errorf("concurrency must be 0..%d, got %d", experiment.MaxConcurrency, r.Concurrency)
	}
	if r.Objects < 0 || r.Objects > experiment.MaxObjects {
		return RunBatch{}, fmt.Errorf("objects must be 0..%d, got %d", experiment.MaxObjects, r.Objects)
	}
	if r.DurationMs != nil && (*r.DurationMs < 0 || *r.DurationMs > MaxDelayMs) {
		return RunBatch{}, fmt.Errorf("durationMs must be 0..%d, got %d", MaxDelayMs, *r.DurationMs)
	}
	return r, nil
}

// UnknownModeError is the wording Lumenize servers use for a mode they do not offer.
func UnknownModeError(mode string, available []string) string {
	return fmt.Sprintf("Unknown mode: %s. Available: %s", mode, strings.Join(available, ", "))
}

// ParseUnknownMode reads an UnknownModeError message: the refused mode and
// the modes the server offers instead.
func ParseUnknownMode(msg string) (mode string, available []string, ok bool) {
	rest, found := strings.CutPrefix(strings.TrimSpace(msg), "Unknown mode: ")
	if !found {
		return "", nil, false
	}
	mode, list, found := strings.Cut(rest, ". Available: ")
	if !found || mode == "" {
		return "", nil, false
	}
	for _, m := range strings.Split(list, ",") {
		if m = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(m), ".")); m != "" {
			available = append(available, m)
		}
	}
	if len(available) == 0 {
		return "", nil, false
	}
	return mode, available, true
}

// Capabilities is what pfx-tui's targets announce in /version: they honour
// durationMs, batchId and concurrency, and send progress after every op.
func Capabilities() []string {
	return []string{experiment.CapDurationMs, experiment.CapBatchID, experiment.CapProgressEveryOp, experiment.CapConcurrency, experiment.CapObjects}
}

// The /version and /patterns bodies are the shared vocabulary's types.
type (
	Version        = experiment.TargetVersion
	EmulatorBucket = experiment.EmulatorBucket
	Pattern        = experiment.Pattern
)

// Patterns is the body of GET /patterns.
type Patterns struct {
	Patterns []Pattern `json:"patterns"`
}

// Modes lists the patterns' wire names in the target's order.
func (p Patterns) Modes() []string { return experiment.Modes(p.Patterns) }

// DefaultModes lists the wire names of the patterns that are not Optional,
// in the target's order: what runs when no approach is named. A target
// whose every pattern is optional gets them all.
func (p Patterns) DefaultModes() []string {
	var out []string
	for _, x := range p.Patterns {
		if !x.Optional {
			out = append(out, x.Mode)
		}
	}
	if len(out) == 0 {
		return p.Modes()
	}
	return out
}

// ParseBatchTag reads the log line every invocation of a batch writes so
// Logpush records can be attributed exactly: "pfx <batchId> <op>" (the
// Workers' console.log("pfx", batchId, op)). op is -1 when the invocation
// belongs to the batch as a whole.
func ParseBatchTag(msg string) (batchID string, op int, ok bool) {
	fields := strings.Fields(msg)
	if len(fields) < 2 || fields[0] != "pfx" {
		return "", 0, false
	}
	op = -1
	if len(fields) >= 3 {
		if _, err := fmt.Sscanf(fields[2], "%d", &op); err != nil {
			op = -1
		}
	}
	return fields[1], op, true
}
