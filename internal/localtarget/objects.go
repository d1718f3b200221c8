package localtarget

import "time"

// DefaultColdStart is Options.ColdStart's default: an emulated figure, not
// a Cloudflare one, so a cold op is told apart from a warm one.
const DefaultColdStart = 20 * time.Millisecond

// instantiate makes the first op to reach a named origin object (one a
// batch names with objects or cold) wait the emulated cold start, and ops
// reaching it meanwhile wait for it too, as requests queue while a Durable
// Object starts. cold: this op instantiated the object. Ops on the
// approach's one origin, and later ops, run at once.
func (o *origin) instantiate(inv *invocation, named string) (cold bool) {
	if named == "" {
		return false
	}
	o.mu.Lock()
	if o.started == nil {
		o.started = map[string]chan struct{}{}
	}
	ready, seen := o.started[named]
	if !seen {
		ready = make(chan struct{})
		o.started[named] = ready
	}
	o.mu.Unlock()
	if seen {
		inv.await(func() { <-ready })
		return false
	}
	d := o.s.opts.ColdStart
	if d == 0 {
		d = DefaultColdStart
	}
	if d > 0 {
		inv.await(func() { time.Sleep(d) })
	}
	close(ready)
	return true
}
