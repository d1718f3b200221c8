package runner

import (
	"errors"
	"fmt"

	"github.com/gorilla/websocket"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
)

// MaxFrameBytes bounds one WebSocket message from the target. The protocol's
// frames (progress, timing, batch-complete, error) are a few hundred bytes;
// a message past this is a broken or hostile target, and the batch is
// dropped instead of letting the read buffer the message whole.
const MaxFrameBytes = 1 << 20

// frameError names the limit when the read refused a message over it, and
// leaves any other read error as it is.
func frameError(err error) error {
	if errors.Is(err, websocket.ErrReadLimit) {
		return fmt.Errorf("the target sent a WebSocket message over the %d KiB limit per message; refused", MaxFrameBytes>>10)
	}
	return err
}

// capSamples keeps res's samples, and its op timings, within what its
// cell may still hold (limit, else experiment.MaxSamplesPerCell), counting
// the samples left out in SamplesDropped. kept is the samples kept per
// cell so far.
func capSamples(res *experiment.BatchResult, kept map[experiment.Cell]int, limit int) {
	if limit <= 0 {
		limit = experiment.MaxSamplesPerCell
	}
	c := cellOf(res.BatchSpec)
	room := max(0, limit-kept[c])
	if n := len(res.Samples); n > room {
		res.SamplesDropped += n - room
		res.Samples = res.Samples[:room:room]
	}
	// The op frames' timings (one per op) follow the same bound, so that
	// a concurrent run's file stays as small as the cap says.
	if len(res.OpTimes) > room {
		res.OpTimes = res.OpTimes[:room:room]
	}
	kept[c] += len(res.Samples)
}
