package runner

import "sync"

// outbox decouples the measuring goroutine from the consumer: emit never
// blocks, so a lagging screen can neither delay a timestamp nor hold the
// next batch back. Every event is kept except progress, which replaces a
// still-queued progress event of the same batch (each carries cumulative
// figures, so nothing is lost by coalescing).
type outbox struct {
	mu     sync.Mutex
	queue  []Event
	wake   chan struct{}
	closed bool
}

func newOutbox() *outbox { return &outbox{wake: make(chan struct{}, 1)} }

func (o *outbox) emit(ev Event) {
	o.mu.Lock()
	if p, ok := ev.(OpProgress); ok && len(o.queue) > 0 {
		if last, ok := o.queue[len(o.queue)-1].(OpProgress); ok && last.Spec.ID == p.Spec.ID {
			o.queue[len(o.queue)-1] = p
			o.mu.Unlock()
			return
		}
	}
	o.queue = append(o.queue, ev)
	o.mu.Unlock()
	o.notify()
}

func (o *outbox) notify() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// close marks the end; forward delivers what is queued, then closes.
func (o *outbox) close() {
	o.mu.Lock()
	o.closed = true
	o.mu.Unlock()
	o.notify()
}

// forward delivers queued events in order to ch and closes it at the end.
func (o *outbox) forward(ch chan<- Event) {
	defer close(ch)
	for {
		o.mu.Lock()
		if len(o.queue) == 0 {
			closed := o.closed
			o.mu.Unlock()
			if closed {
				return
			}
			<-o.wake
			continue
		}
		ev := o.queue[0]
		o.queue[0] = nil
		o.queue = o.queue[1:]
		o.mu.Unlock()
		ch <- ev
	}
}
