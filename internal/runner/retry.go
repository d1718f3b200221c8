package runner

import (
	"context"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/protocol"
)

// retryOf decides whether a failed batch runs again: it failed in a way a
// second attempt may not (dropped, timed out, an error frame other than a
// mode the target lacks), the run was not cancelled, and Retries allows
// another attempt. It then marks res as retried (kept in the results, out
// of statistics) and returns the attempt to run next: the same batch under
// its own ID (protocol.BatchID: "<run>-NNN.r<attempt>"), on the
// run's objects, so billing attributes each attempt's invocations apart.
func (r *Runner) retryOf(ctx context.Context, res *experiment.BatchResult, err error) (experiment.BatchSpec, bool) {
	if err == nil || ctx.Err() != nil || res.NotOffered || res.BatchSpec.Attempt >= r.opts.Retries {
		return experiment.BatchSpec{}, false
	}
	switch res.Status {
	case experiment.StatusDropped, experiment.StatusTimeout, experiment.StatusError:
	default:
		return experiment.BatchSpec{}, false
	}
	res.Retried = true
	next := res.BatchSpec
	next.Attempt++
	next.ID = protocol.BatchID{Run: r.opts.RunID, Index: next.Index, Attempt: next.Attempt}.String()
	return next, true
}
