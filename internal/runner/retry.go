package runner

import (
	"context"
	"fmt"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/protocol"
)

// retryOf decides whether a failed batch runs again: it failed in a way a
// second attempt may not (dropped, timed out, an error frame other than a
// mode the target lacks), the run was not cancelled, Retries allows
// another attempt, and the attempt cannot be credited with this one's
// late end (below). It then marks res as retried (kept in the results,
// out of statistics) and returns the attempt to run next: the same batch
// under its own ID (protocol.BatchID: "<run>-NNN.r<attempt>"), on the
// run's objects, so billing attributes each attempt's invocations apart.
//
// A target that does not keep batches apart (no CapBatchID) sends an
// abandoned batch's batch-complete to whichever socket is open, with no
// batchId to tell whose it is; a retry asks for the same mode and count,
// so nothing would tell that batch-complete from its own. When the drain
// did not see the abandoned batch end (quiet, or its socket closed), the
// batch is not run again and err says why.
func (r *Runner) retryOf(ctx context.Context, res *experiment.BatchResult, err error) (experiment.BatchSpec, bool, error) {
	if err == nil || ctx.Err() != nil || res.NotOffered || res.BatchSpec.Attempt >= r.opts.Retries {
		return experiment.BatchSpec{}, false, err
	}
	switch res.Status {
	case experiment.StatusDropped, experiment.StatusTimeout, experiment.StatusError:
	default:
		return experiment.BatchSpec{}, false, err
	}
	if d := res.Drain; d != nil && d.Outcome != experiment.DrainEnded && !r.isolated() {
		err = fmt.Errorf("%w; not run again: the target does not keep batches apart (no batchId) and this one had not ended when the drain stopped (%s), so its late batch-complete could be credited to the retry", err, d.Outcome)
		res.Failure = err.Error()
		return experiment.BatchSpec{}, false, err
	}
	res.Retried = true
	next := res.BatchSpec
	next.Attempt++
	next.ID = protocol.BatchID{Run: r.opts.RunID, Index: next.Index, Attempt: next.Attempt}.String()
	return next, true, err
}
