package billing

// ExpectedUnknown is Count.Expected for an approach whose record pattern is
// not known (e.g. a Lumenize server's "proxyfetch"): its records are still
// matched and costed, but it never holds up completeness.
const ExpectedUnknown = -1

// Expect is how many records one batch produces for one role: Fixed per
// batch plus PerOp for every op.
type Expect struct {
	Fixed int `json:"fixed"`
	PerOp int `json:"perOp"`
}

// N is the expected count for a batch of ops.
func (e Expect) N(ops int) int { return e.Fixed + e.PerOp*ops }

// Expectations maps approach → role → Expect. They tell the poller when
// every record of a run has arrived, and reveal duplicates (more than
// expected). An approach not in the map has unknown expectations.
type Expectations map[string]map[string]Expect

// For gives the expected count per role for one batch of ops, and whether
// the approach is known.
func (e Expectations) For(approach string, ops int) (map[string]int, bool) {
	roles, ok := e[approach]
	if !ok {
		return nil, false
	}
	out := make(map[string]int, len(roles))
	for role, x := range roles {
		if n := x.N(ops); n > 0 {
			out[role] = n
		}
	}
	return out, true
}

// expects reports whether a batch of approach can produce records of role;
// window attribution only offers a record to batches that can.
func (e Expectations) expects(approach, role string) bool {
	roles, ok := e[approach]
	if !ok || role == RoleUnknown {
		return true
	}
	x := roles[role]
	return x.Fixed > 0 || x.PerOp > 0
}

// LocalExpectations is the exact record pattern of the embedded emulator
// (internal/localtarget), per batch of n ops (event types may change; the
// counts per role are what matter):
//
//	controller  1 WebSocket upgrade + 1 hibernatable_web_socket (the batch),
//	            + n op-done notices (worker_rpc) for current and simple
//	upstream    n fetch of /delay/ (Entrypoint empty)
//	direct      origin n (the op); direct-timer the same (its pending timer
//	            makes no record)
//	simple      origin 2n (the op + the result), executor n; proxyfetch
//	            (the original tooling's name for simple) the same
//	current     origin 2n, orchestrator 3n (enqueue, dispatch alarm,
//	            delivery report), executor n
//	direct-timer  as direct (the same invocations; only its timer differs)
//	proxyfetch    as simple (the same code path under Lumenize's name)
//
// The backstop alarm adds an origin record only when a result is late.
// TestLocalTargetMatchesExpectations checks this against a running emulator.
func LocalExpectations() Expectations {
	harness := func(proxied bool) map[string]Expect {
		m := map[string]Expect{RoleController: {Fixed: 2}, RoleUpstream: {PerOp: 1}}
		if proxied {
			m[RoleController] = Expect{Fixed: 2, PerOp: 1}
		}
		return m
	}
	direct := harness(false)
	direct[RoleOrigin] = Expect{PerOp: 1}
	directTimer := harness(false)
	directTimer[RoleOrigin] = Expect{PerOp: 1}
	simple := harness(true)
	simple[RoleOrigin] = Expect{PerOp: 2}
	simple[RoleExecutor] = Expect{PerOp: 1}
	current := harness(true)
	current[RoleOrigin] = Expect{PerOp: 2}
	current[RoleOrchestrator] = Expect{PerOp: 3}
	current[RoleExecutor] = Expect{PerOp: 1}
	return Expectations{"direct": direct, "simple": simple, "current": current,
		"direct-timer": directTimer, "proxyfetch": copyExpect(simple)}
}

func copyExpect(m map[string]Expect) map[string]Expect {
	out := make(map[string]Expect, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// WorkersExpectations is the record pattern of our workers/ on Cloudflare,
// read from workers/src rather than measured, so treat it as a floor:
// LocalExpectations plus, per batch, 1 entry record (the default handler
// routing the WebSocket upgrade) and 1 more controller record
// (webSocketClose, since the runner closes with a close frame); rpctarget
// is taken to produce what simple does (calls on the returned RpcTarget
// belong to the same RPC session). Completeness needs matched ≥ expected,
// so an extra record never blocks it. proxyfetch is left unknown: workers/
// has none, so on a target by URL it is a Lumenize server's, whose records
// we do not know (the local target's, reached by URL, bills with
// LocalExpectations).
func WorkersExpectations() Expectations {
	e := LocalExpectations()
	delete(e, "proxyfetch") // on a deployed target it is a Lumenize server's approach: its records are unknown
	e["rpctarget"] = copyExpect(e["simple"])
	for _, roles := range e {
		roles[RoleEntry] = Expect{Fixed: 1}
		c := roles[RoleController]
		c.Fixed++
		roles[RoleController] = c
	}
	return e
}
