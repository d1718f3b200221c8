package localtarget

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/protocol"
)

// runOps runs a batch's ops with req.Concurrency of them in flight (one at
// a time when absent), then ends the batch. A run-batch that names its
// concurrency gets an op frame per op, carrying the op's own start and
// duration measured around its call to the origin; every op then gets a
// progress frame counting the ops finished. The
// frames of concurrent ops are written one at a time (send is serialised).
// When the client leaves, no further op starts; those in flight finish.
// drop, when set (fault injection), cuts the connection after the first
// progress frame.
func (c *controller) runOps(ctx context.Context, inv *invocation, req protocol.RunBatch, durationMs int, send func(protocol.Frame) bool, drop func()) {
	k := min(max(req.Concurrency, 1), req.Count)
	t0 := time.Now() // timing-start was sent
	var (
		mu                       sync.Mutex
		next, finished, ok, errs int
		messages                 []string
		broken                   bool
		wg                       sync.WaitGroup
	)
	take := func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if broken || next >= req.Count || ctx.Err() != nil {
			return 0, false
		}
		next++
		return next - 1, true
	}
	for range k {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				op, more := take()
				if !more {
					return
				}
				start := time.Now()
				object := "" // the approach's one origin, warm
				if req.Objects > 1 || req.Cold {
					object = protocol.OriginObject(req.Mode, req.BatchID, req.Objects, req.Cold, op)
				}
				cold, err := c.runOp(ctx, inv, req.Mode, req.BatchID, object, op, durationMs)
				took := time.Since(start)
				mu.Lock()
				f := protocol.Frame{Type: protocol.TypeOp, Mode: req.Mode, Op: op,
					StartMs: msOf(start.Sub(t0)), Ms: msOf(took), Cold: cold}
				if err != nil {
					errs++
					f.Error = err.Error()
					if len(messages) < maxErrorMessages {
						messages = append(messages, fmt.Sprintf("op %d: %v", op, err))
					}
				} else {
					ok++
				}
				finished++
				if !broken && ((req.Concurrency > 0 && !send(f)) || !send(protocol.Frame{Type: protocol.TypeProgress, Mode: req.Mode, Total: req.Count, Completed: finished})) {
					broken = true
				}
				if !broken && drop != nil {
					drop()
					broken = true
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if broken || finished < req.Count {
		return // the client left: no batch-complete
	}
	if !send(protocol.Frame{Type: protocol.TypeTimingEnd, Mode: req.Mode}) {
		return
	}
	send(protocol.Frame{Type: protocol.TypeBatchComplete, Mode: req.Mode, Completed: ok, Errors: errs, ErrorMessages: messages})
}

func msOf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
