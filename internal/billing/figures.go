package billing

import "github.com/pfx-tui/pfx-tui/internal/logpush"

// Timing sums one timing field over the records that have it; N says how
// many did, so a mean over fewer records than Count is visible as such.
type Timing struct {
	N    int     `json:"n"`
	Sum  int64   `json:"sum"`
	Mean float64 `json:"mean"`
}

// RoleFigures are one role's records in a cell (or in the harness totals):
// what the cost model is computed from, kept so a reader can check it.
type RoleFigures struct {
	Role  string `json:"role"`
	Count int    `json:"count"`
	// WithTiming counts records with both WallTimeMs and CPUTimeMs;
	// MissingTiming those lacking either (an old Logpush job).
	WithTiming    int    `json:"withTiming"`
	MissingTiming int    `json:"missingTiming"`
	WallTimeMs    Timing `json:"wallTimeMs"`
	CPUTimeMs     Timing `json:"cpuTimeMs"`
	// WallTimeMsByEvent splits WallTimeMs.Sum by EventType, so invocations
	// that overlap another of the same object (the controller's opDone
	// inside its batch invocation) can be billed once.
	WallTimeMsByEvent map[string]int64 `json:"wallTimeMsByEvent,omitempty"`
	// OverlapMs is the part of WallTimeMs.Sum during which another
	// invocation of the role was already active on the same object, in
	// batches with several ops in flight (union.go): a Durable Object bills
	// overlapping activity once, so its billed time is the sum less this.
	OverlapMs int64 `json:"overlapMs,omitempty"`
	// Outcomes counts outcomes other than ok (exception, canceled, …):
	// failed invocations still bill, and explain odd figures.
	Outcomes   map[string]int `json:"outcomes,omitempty"`
	EventTypes map[string]int `json:"eventTypes,omitempty"`
}

// CellFigures are one cell's (approach × duration) records per role.
type CellFigures struct {
	Approach   string `json:"approach"`
	DurationMs int    `json:"durationMs"`
	// Concurrency: the cell's ops in flight (0: no such dimension).
	Concurrency int `json:"concurrency,omitempty"`
	Batches     int `json:"batches"`
	// FailedBatches did not finish; their ops count as far as they got.
	FailedBatches int `json:"failedBatches,omitempty"`
	// Ops is the denominator of every per-op cost.
	Ops   int           `json:"ops"`
	Roles []RoleFigures `json:"roles"`
}

// Role finds one role's figures.
func (f CellFigures) Role(role string) (RoleFigures, bool) {
	for _, r := range f.Roles {
		if r.Role == role {
			return r, true
		}
	}
	return RoleFigures{}, false
}

// FileCounts sums what the Logpush objects held, so a short count can be
// traced to cut or corrupt files.
type FileCounts struct {
	Files      int `json:"files"`
	Truncated  int `json:"truncated"`
	ReadErrors int `json:"readErrors"`
	Lines      int `json:"lines"`
	Records    int `json:"records"`
	Malformed  int `json:"malformed"`
	// TooLong of the Malformed lines were over logpush.MaxLineBytes.
	TooLong       int `json:"tooLong,omitempty"`
	BadType       int `json:"badType"`
	MissingTiming int `json:"missingTiming"`
	// Problems lists the files with any of the above (at most 50).
	Problems []FileProblem `json:"problems,omitempty"`
}

// FileProblem is one object that was not perfectly clean.
type FileProblem struct {
	Key string `json:"key"`
	logpush.FileStats
	Error string `json:"error,omitempty"`
}

// RecordCounts says where every record read went, so nothing disappears
// silently: Read = Unique + Duplicates, and Unique = ByTag + ByWindow +
// Unattributed + OtherScripts.
type RecordCounts struct {
	Read       int `json:"read"`
	Unique     int `json:"unique"`
	Duplicates int `json:"duplicates"`
	ByTag      int `json:"byTag"`
	ByWindow   int `json:"byWindow"`
	// Ambiguous window attributions fell where batch windows overlap and
	// went to the nearest batch.
	Ambiguous int `json:"ambiguous"`
	Measured  int `json:"measured"`
	Warmup    int `json:"warmup"`
	// Unattributed records of the script belong to no batch of this run;
	// ForeignTags of them carry the tag of a batch of another run.
	Unattributed int `json:"unattributed"`
	ForeignTags  int `json:"foreignTags"`
	// OtherScripts are records of other Workers (ScriptName filter).
	OtherScripts      int            `json:"otherScripts"`
	OtherScriptNames  map[string]int `json:"otherScriptNames,omitempty"`
	UnknownEntrypoint map[string]int `json:"unknownEntrypoints,omitempty"`
}
