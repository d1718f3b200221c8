package experiment

// TargetInfo is what a target says about itself before a run.
type TargetInfo struct {
	URL           string         `json:"url"`
	Version       *TargetVersion `json:"version,omitempty"`
	Patterns      []Pattern      `json:"patterns,omitempty"`
	ClockOffsetMs float64        `json:"clockOffsetMs"` // server − client, estimated at /version
	RTTMs         float64        `json:"rttMs"`
}

// TargetVersion is the body of GET /version.
type TargetVersion struct {
	Version   int   `json:"version"`
	Timestamp int64 `json:"timestamp"` // server epoch ms
	// Emulator is set by pfx-tui's local target (our extension), so a client
	// reaching it by URL (serve-local) still labels its figures emulated.
	Emulator string `json:"emulator,omitempty"`
	// Logpush tells a client where the emulator's Logpush bucket is, so a
	// run against `pfx-tui serve-local` by URL can bill too. The keys are
	// the emulator's fixed local keys, not credentials.
	Logpush *EmulatorBucket `json:"logpush,omitempty"`
	// Capabilities name the protocol extensions the target honours (our
	// extension; see Cap*). A target that announces none is taken to be a
	// third-party server honouring none of them.
	Capabilities []string `json:"capabilities,omitempty"`
	// DelayMs is the upstream delay a target that does not honour
	// durationMs applies to every op, when it says (our extension).
	DelayMs *int `json:"delayMs,omitempty"`
	// Analytics: the emulator's GraphQL Analytics endpoint (analytics.go).
	Analytics *EmulatorAnalytics `json:"analytics,omitempty"`
	// Colo and Country say where the controller ran (request.cf.colo and
	// .country on Cloudflare; our extension, location.go). The local
	// target reports none.
	Colo    string `json:"colo,omitempty"`
	Country string `json:"country,omitempty"`
}

// Capabilities a target can announce in /version.
const (
	// CapDurationMs: the target runs each batch at the upstream delay its
	// run-batch asks for with durationMs.
	CapDurationMs = "durationMs"
	// CapBatchID: the target tags every invocation with run-batch's
	// batchId, and a batch's frames reach only the batch's own WebSocket
	// (echoing batchId when they carry one), so a batch abandoned by the
	// client can never be mistaken for the next one.
	CapBatchID = "batchId"
	// CapProgressEveryOp: a progress frame after every op, failed ones
	// included (third-party servers count successful ops only).
	CapProgressEveryOp = "progressEveryOp"
)

// Has reports whether the target announced capability c (false for a nil
// version: nothing is known about the target).
func (v *TargetVersion) Has(c string) bool {
	if v == nil {
		return false
	}
	for _, x := range v.Capabilities {
		if x == c {
			return true
		}
	}
	return false
}

// EmulatorBucket is the local target's embedded S3 bucket of Logpush objects.
type EmulatorBucket struct {
	Endpoint        string `json:"endpoint"`
	Bucket          string `json:"bucket"`
	Prefix          string `json:"prefix"`
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
}

// Pattern is one approach a target offers.
type Pattern struct {
	Mode        string `json:"mode"`
	Name        string `json:"name"`
	Description string `json:"description"`
	// Optional marks a variant run only when asked for (--approaches, or
	// ticked in the TUI's setup), not among "every approach the target
	// offers": a diagnostic variant such as direct-timer, or another name for
	// an approach already offered (the local target's proxyfetch).
	Optional bool `json:"optional,omitempty"`
}

// Modes lists the patterns' wire names in the target's order.
func Modes(ps []Pattern) []string {
	out := make([]string, len(ps))
	for i, x := range ps {
		out[i] = x.Mode
	}
	return out
}

// TargetKind is where the Workers under test run.
type TargetKind string

// Target kinds; --target takes the first two by name, anything else is a URL.
const (
	TargetLocal    TargetKind = "local"    // the embedded emulator (default)
	TargetWrangler TargetKind = "wrangler" // workers/ under `wrangler dev`
	TargetURL      TargetKind = "url"      // a deployed Worker, or serve-local by URL
)

// KindOf says which kind of target a --target value names ("" is local).
func KindOf(target string) TargetKind {
	switch TargetKind(target) {
	case "", TargetLocal:
		return TargetLocal
	case TargetWrangler:
		return TargetWrangler
	}
	return TargetURL
}
