package runner

import (
	"context"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
)

// AwaitingMinute: under --order minute the next batch waits for a minute
// boundary (and a quiet minute before a new cell) so that per-minute
// billing can be attributed to one cell.
type AwaitingMinute struct {
	Spec  experiment.BatchSpec
	Until time.Time
}

func (AwaitingMinute) event() {}

// awaitMinute holds the next batch until the minute boundary its spec asks
// for; false when the run was cancelled meanwhile.
func (r *Runner) awaitMinute(ctx context.Context, spec experiment.BatchSpec, ch *outbox) bool {
	if spec.AlignMinute <= 0 {
		return true
	}
	until := experiment.MinuteStart(time.Now(), r.opts.Plan.MinuteOf(), spec.AlignMinute)
	ch.emit(AwaitingMinute{Spec: spec, Until: until})
	t := time.NewTimer(time.Until(until))
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
