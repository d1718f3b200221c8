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
	unit, shift := r.opts.Plan.MinuteOf(), r.opts.Plan.MinuteShift
	// The target's minute boundary on our clock, a little after it: the
	// clock-offset estimate is off by up to half a round trip.
	until := experiment.MinuteStart(time.Now().Add(shift), unit, spec.AlignMinute).Add(-shift).Add(minuteGuard(unit))
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

// minuteGuard is how long after a minute boundary a cell starts: 1/20 of
// the minute, at most a second.
func minuteGuard(unit time.Duration) time.Duration { return min(unit/20, time.Second) }
