package billing

import (
	"fmt"
	"strings"
)

// The Cloudflare pages every rule of the cost model rests on. A rule that
// no page states is marked assumed where it is used (and in
// docs/cloudflare.md), never silently.
const (
	// PageDOPricing: Durable Object requests (HTTP, RPC session, alarm,
	// WebSocket message at 20:1), duration (wall clock while active or idle
	// but unable to hibernate, 128 MB, shared by overlapping requests), and
	// SQLite storage (key-value methods bill rows; each setAlarm() is one
	// row written; deletes count as rows written).
	PageDOPricing = "https://developers.cloudflare.com/durable-objects/platform/pricing/"
	// PageWorkersPricing: Workers requests and CPU time; service-binding
	// calls (fetch or RPC) add no request fee, CPU of both sides is billed;
	// a WebSocket upgrade to a Worker is one request.
	PageWorkersPricing = "https://developers.cloudflare.com/workers/platform/pricing/"
	// PageServiceBindings: a service binding calls another Worker (or an
	// entrypoint of the same Worker) without a public request.
	PageServiceBindings = "https://developers.cloudflare.com/workers/runtime-apis/bindings/service-bindings/"
	// PageDOLifecycle: an object can hibernate only with no pending
	// setTimeout/setInterval, no awaited fetch, no standard WebSocket and no
	// request in progress; idle non-hibernatable objects are evicted after
	// 70–140 s without requests.
	PageDOLifecycle = "https://developers.cloudflare.com/durable-objects/concepts/durable-object-lifecycle/"
	// PageIOTasksChangelog: from compatibility date 2026-10-01 (or the flag
	// durable_object_io_tasks_prevent_eviction) pending timers, waitUntil,
	// service-binding calls and RPC to other objects keep an object running
	// without a connected client.
	PageIOTasksChangelog = "https://developers.cloudflare.com/changelog/post/2026-10-01-pending-io-keep-alive/"
	// PageWorkersLimits: a Worker's waitUntil() delays cancellation for up
	// to 30 s after the response (or until the promise settles).
	PageWorkersLimits = "https://developers.cloudflare.com/workers/platform/limits/"
)

// Basis says whether a page states a rule (documented) or the model
// supposes it (assumed).
const (
	Documented = "documented"
	Assumed    = "assumed"
)

// RowWrite is one storage call an approach makes per op, and the rows it
// is billed. Counted by reading workers/src (the TypeScript the deployed
// experiment runs); the local emulator mimics the same calls.
type RowWrite struct {
	Object string  `json:"object"` // role of the Durable Object: origin, orchestrator
	Where  string  `json:"where"`  // the method that makes the call
	Call   string  `json:"call"`
	Rows   float64 `json:"rows"`
	Basis  string  `json:"basis"`
	Rule   string  `json:"rule"`
	Page   string  `json:"page,omitempty"`
}

// Invocation is one call an op causes and what it is billed.
type Invocation struct {
	Callee         string  `json:"callee"` // role invoked
	Call           string  `json:"call"`
	DORequests     float64 `json:"doRequests"`
	WorkerRequests float64 `json:"workerRequests"`
	// Harness calls exist only because of the measurement (opDone tells
	// the controller an op finished); --include-harness adds them.
	Harness bool   `json:"harness,omitempty"`
	Basis   string `json:"basis"`
	Rule    string `json:"rule"`
	Page    string `json:"page,omitempty"`
}

// ApproachModel is what the cost model knows of one approach beyond the
// Logpush records: the rows it writes (Logpush has no storage figures), the
// invocations it should cause (for the docs and the example; the costs of a
// run count the records), and idle time that no record shows.
type ApproachModel struct {
	Approach string `json:"approach"`
	// SameAs names the approach whose code path this one runs (proxyfetch
	// is simple under its Lumenize name).
	SameAs      string       `json:"sameAs,omitempty"`
	Summary     string       `json:"summary"`
	Writes      []RowWrite   `json:"writes"`
	Invocations []Invocation `json:"invocations"`
	// IdleTailMs is how long the origin stays in memory, unable to
	// hibernate, after its invocation ends (billed duration that no
	// WallTimeMs shows), for an op with no other op behind it.
	IdleTailMs float64 `json:"idleTailMs,omitempty"`
	IdleRule   string  `json:"idleRule,omitempty"`
}

// RowsWritten splits the approach's rows written per op by basis.
func (m ApproachModel) RowsWritten() (documented, assumed float64) {
	for _, w := range m.Writes {
		if w.Basis == Documented {
			documented += w.Rows
		} else {
			assumed += w.Rows
		}
	}
	return
}

// Requests sums the invocations' billed requests per op, the approach's own
// and the harness's apart.
func (m ApproachModel) Requests() (do, worker, harnessDO, harnessWorker float64) {
	for _, v := range m.Invocations {
		if v.Harness {
			harnessDO += v.DORequests
			harnessWorker += v.WorkerRequests
			continue
		}
		do += v.DORequests
		worker += v.WorkerRequests
	}
	return
}

// BackstopSlackMs is workers/src/protocol.ts DEFAULT_BACKSTOP_SLACK_MS: the
// origin's timeout (AbortSignal.timeout for direct) is the upstream delay
// plus this, since the runner sends no timeoutMs.
const BackstopSlackMs = 30_000

// Rules the tables repeat.
const (
	ruleKVWrite = "key-value put() writes a hidden SQLite table and is billed as rows written (footnote 2); one key = one row is assumed of the hidden table"
	ruleKVDel   = "deletes are counted as rows written (footnote 4); that a key-value delete() of one key is one row is assumed, as for put()"
	ruleAlarm   = "each setAlarm() is billed as a single row written (footnote 3)"
	ruleDelAlrm = "no page says how deleteAlarm() is billed; counted as one row written, like setAlarm() (it clears the stored alarm)"
	ruleDORPC   = "every RPC method call on a Durable Object stub is its own RPC session and one billed request (footnote 1)"
	ruleDOAlarm = "alarm invocations are billed Durable Object requests"
	ruleSB      = "calls through a service binding (fetch or RPC to a WorkerEntrypoint) add no request fee; CPU time of both sides is billed"
	ruleSBDO    = "a Durable Object calling through a service binding adds no Worker request fee either (the page's example is Worker → Worker; the caller's invocation is billed as a DO request)"
	ruleSBRPCT  = "calls on an RpcTarget returned over a service binding belong to the same call; no request fee (service binding rule)"
)

func kvPut(object, where, what string) RowWrite {
	return RowWrite{Object: object, Where: where, Call: "storage.kv.put(" + what + ")", Rows: 1, Basis: Documented, Rule: ruleKVWrite, Page: PageDOPricing}
}

func kvDelete(object, where, what string) RowWrite {
	return RowWrite{Object: object, Where: where, Call: "storage.kv.delete(" + what + ")", Rows: 1, Basis: Documented, Rule: ruleKVDel, Page: PageDOPricing}
}

func setAlarm(object, where, what string) RowWrite {
	return RowWrite{Object: object, Where: where, Call: "storage.setAlarm(" + what + ")", Rows: 1, Basis: Documented, Rule: ruleAlarm, Page: PageDOPricing}
}

func deleteAlarm(object, where string) RowWrite {
	return RowWrite{Object: object, Where: where, Call: "storage.deleteAlarm()", Rows: 1, Basis: Assumed, Rule: ruleDelAlrm}
}

func doCall(callee, call string) Invocation {
	return Invocation{Callee: callee, Call: call, DORequests: 1, Basis: Documented, Rule: ruleDORPC, Page: PageDOPricing}
}

// sbCall is a call through a service binding: documented when a Worker
// calls, assumed when a Durable Object does (the page's example is Worker →
// Worker).
func sbCall(callee, call, basis, rule string) Invocation {
	return Invocation{Callee: callee, Call: call, Basis: basis, Rule: rule, Page: PageWorkersPricing}
}

// Model is the cost model's table of approaches, in report order. The
// counts follow workers/src for one op with no other op in flight on the
// object (so armAlarm() finds nothing else pending and clears the alarm):
//
//	origin.ts   startOp        kv.put(pending) + armAlarm → setAlarm(deadline)
//	            deliverResult  take → kv.delete(pending) + armAlarm → deleteAlarm()
//	orchestrator.ts enqueue    kv.put(queue) + setAlarm(now)
//	            alarm          kv.put(queue, dispatched) + armCleanup → setAlarm(deadline)
//	            reportDelivery kv.delete(queue) + armCleanup → deleteAlarm()
//
// Reads (kv.get, kv.list) are billed rows read at $0.001 per million, under
// $0.00001 per million ops here, and left out.
func Model() []ApproachModel {
	originProxied := []RowWrite{
		kvPut(RoleOrigin, "OriginDO.startOp", "pending"),
		setAlarm(RoleOrigin, "OriginDO.startOp (armAlarm)", "deadline"),
		kvDelete(RoleOrigin, "OriginDO.deliverResult (take)", "pending"),
		deleteAlarm(RoleOrigin, "OriginDO.deliverResult (armAlarm)"),
	}
	opDone := doCall(RoleController, "PerformanceController.opDone (RPC from the origin)")
	opDone.Harness = true
	upstream := func(from string) Invocation {
		basis, rule := Documented, ruleSB
		if from == "OriginDO" {
			basis, rule = Assumed, ruleSBDO
		}
		v := sbCall(RoleUpstream, from+" → SELF.fetch(/delay) (service binding; stands in for the slow upstream)", basis, rule)
		v.Harness = true
		return v
	}
	direct := ApproachModel{
		Approach: "direct",
		Summary:  "the origin fetches the upstream itself and clears its timeout timer when the fetch ends",
		Writes:   []RowWrite{},
		Invocations: []Invocation{
			doCall(RoleOrigin, "OriginDO.startOp (RPC from the controller)"),
			upstream("OriginDO"),
		},
	}
	directTimer := direct
	directTimer.Approach = "direct-timer"
	directTimer.Summary = "direct, leaving its AbortSignal.timeout(d + 30 s) timer pending after the fetch"
	directTimer.IdleTailMs = BackstopSlackMs
	directTimer.IdleRule = "a pending setTimeout keeps the object from hibernating (lifecycle page), and an idle object unable to hibernate is billed duration (pricing page): the timer set for d + 30 s at the fetch's start keeps the origin billed ~30 s after the fetch ends. Assumed: no other op follows within those 30 s (back-to-back ops overlap their tails, billed once, and cost about what direct does); 30 s is below the 70–140 s after which an idle object may be evicted, so the compatibility date does not change it"
	simple := ApproachModel{
		Approach: "simple",
		Summary:  "origin → executor Worker (service binding RPC, fetches in waitUntil) → result back to the origin; an alarm is the timeout backstop",
		Writes:   originProxied,
		Invocations: []Invocation{
			doCall(RoleOrigin, "OriginDO.startOp (RPC from the controller)"),
			sbCall(RoleExecutor, "OriginDO → FetchExecutor.executeFetch (service binding RPC)", Assumed, ruleSBDO),
			upstream("FetchExecutor"),
			doCall(RoleOrigin, "OriginDO.deliverResult (RPC from the executor)"),
			opDone,
		},
	}
	proxyfetch := simple
	proxyfetch.Approach = "proxyfetch"
	proxyfetch.SameAs = "simple"
	proxyfetch.Summary = "simple under its Lumenize name"
	rpctarget := simple
	rpctarget.Approach = "rpctarget"
	rpctarget.Summary = "simple, through the RpcTarget that FetchExecutor.target() returns"
	rpctarget.Invocations = []Invocation{
		doCall(RoleOrigin, "OriginDO.startOp (RPC from the controller)"),
		sbCall(RoleExecutor, "OriginDO → FetchExecutor.target() (service binding RPC)", Assumed, ruleSBDO),
		sbCall(RoleExecutor, "OriginDO → ExecutorTarget.execute() (same call)", Assumed, ruleSBRPCT),
		upstream("FetchExecutor"),
		doCall(RoleOrigin, "OriginDO.deliverResult (RPC from the executor)"),
		opDone,
	}
	alarm := doCall(RoleOrchestrator, "FetchOrchestrator.alarm (dispatch)")
	alarm.Rule = ruleDOAlarm
	current := ApproachModel{
		Approach: "current",
		Summary:  "origin → Orchestrator DO (queue + alarm) → executor Worker → result back to the origin, delivery report to the orchestrator",
		Writes: append(append([]RowWrite(nil), originProxied...),
			kvPut(RoleOrchestrator, "FetchOrchestrator.enqueue", "queue"),
			setAlarm(RoleOrchestrator, "FetchOrchestrator.enqueue", "now"),
			kvPut(RoleOrchestrator, "FetchOrchestrator.alarm", "queue, dispatched"),
			setAlarm(RoleOrchestrator, "FetchOrchestrator.alarm (armCleanup)", "deadline"),
			kvDelete(RoleOrchestrator, "FetchOrchestrator.reportDelivery", "queue"),
			deleteAlarm(RoleOrchestrator, "FetchOrchestrator.reportDelivery (armCleanup)"),
		),
		Invocations: []Invocation{
			doCall(RoleOrigin, "OriginDO.startOp (RPC from the controller)"),
			doCall(RoleOrchestrator, "FetchOrchestrator.enqueue (RPC from the origin)"),
			alarm,
			sbCall(RoleExecutor, "FetchOrchestrator → FetchExecutor.executeFetch (service binding RPC)", Assumed, ruleSBDO),
			upstream("FetchExecutor"),
			doCall(RoleOrigin, "OriginDO.deliverResult (RPC from the executor)"),
			doCall(RoleOrchestrator, "FetchOrchestrator.reportDelivery (RPC from the executor)"),
			opDone,
		},
	}
	return []ApproachModel{direct, directTimer, current, simple, proxyfetch, rpctarget}
}

// ModelOf finds one approach's model.
func ModelOf(approach string) (ApproachModel, bool) {
	for _, m := range Model() {
		if m.Approach == approach {
			return m, true
		}
	}
	return ApproachModel{}, false
}

// DefaultRowsWrittenPerOp is Model's rows written per op, documented and
// assumed rows together (the figure the cost model uses).
func DefaultRowsWrittenPerOp() map[string]float64 {
	out := map[string]float64{}
	for _, m := range Model() {
		d, a := m.RowsWritten()
		out[m.Approach] = d + a
	}
	return out
}

// RowsBasis says how an approach's rows written per op were arrived at,
// e.g. "4 (3 documented + 1 assumed)".
func RowsBasis(approach string, rows float64) string {
	m, ok := ModelOf(approach)
	if !ok {
		return fmt.Sprintf("%g (not in the model: from --pricing or 0)", rows)
	}
	d, a := m.RowsWritten()
	if rows == 0 && d+a == 0 {
		return "0 (no storage call)"
	}
	if rows != d+a {
		return fmt.Sprintf("%g (overridden; the model counts %g documented + %g assumed)", rows, d, a)
	}
	if a == 0 {
		return fmt.Sprintf("%g (documented)", rows)
	}
	return fmt.Sprintf("%g (%g documented + %g assumed)", rows, d, a)
}

// Harness billing per batch, from workers/src (controller.ts, index.ts).
const (
	// WebSocketMessagesPerRequest: incoming WebSocket messages are billed
	// at 20:1 as Durable Object requests (PageDOPricing, footnote 2).
	WebSocketMessagesPerRequest = 20
	// HarnessWorkerRequestsPerBatch: the runner's WebSocket upgrade, which
	// the Worker's default handler routes to the controller, is one billed
	// Worker request per batch (PageWorkersPricing, footnote 2); Logpush
	// shows it as the entry role's record.
	HarnessWorkerRequestsPerBatch = 1
)

// LifecycleRules are the duration rules the model applies, one line each,
// each naming its page or saying assumed.
func LifecycleRules() []string {
	return []string{
		"documented (" + PageDOPricing + "): a Durable Object is billed duration (wall clock, 128 MB) while active or idle in memory but unable to hibernate; idle objects able to hibernate are not billed, even before they hibernate; requests active on an object at once share its duration",
		"documented (" + PageDOLifecycle + "): a pending setTimeout/setInterval or an awaited fetch keeps an object from hibernating",
		"documented (" + PageIOTasksChangelog + "): with compatibility date ≥ 2026-10-01 or the flag durable_object_io_tasks_prevent_eviction, pending timers, waitUntil, service-binding calls and RPC to other objects also keep an object running without a connected client (before: it may be evicted after 70–140 s idle); the model's tails are 30 s, so its figures are the same either way",
		"assumed: an origin or orchestrator is active exactly during its invocations (the union of their intervals), plus the modelled idle tail of direct-timer; nothing else keeps them from hibernating (alarms do not)",
		"assumed: an invocation is active from its EventTimestampMs for its WallTimeMs, so invocations of one object that overlap (--concurrency) are merged by those intervals and billed once; with one op at a time the union is Σ WallTimeMs",
	}
}

// CompatFlagPreventEviction and CompatFlagDoNotPreventEviction are the flags
// of PageIOTasksChangelog; IOTasksDate the compatibility date that turns
// the behaviour on.
const (
	CompatFlagPreventEviction      = "durable_object_io_tasks_prevent_eviction"
	CompatFlagDoNotPreventEviction = "durable_object_io_tasks_do_not_prevent_eviction"
	IOTasksDate                    = "2026-10-01"
)

// Runtime is what decides the lifecycle rules a target ran under.
type Runtime struct {
	CompatibilityDate  string   `json:"compatibilityDate,omitempty"`
	CompatibilityFlags []string `json:"compatibilityFlags,omitempty"`
	// Source says where the values come from, or why they are unknown.
	Source string `json:"source"`
}

// IOTasksPreventEviction says whether pending I/O keeps an object running
// without a client (PageIOTasksChangelog); known is false when the
// compatibility date is not known.
func (r Runtime) IOTasksPreventEviction() (yes, known bool) {
	for _, f := range r.CompatibilityFlags {
		switch f {
		case CompatFlagDoNotPreventEviction:
			return false, true
		case CompatFlagPreventEviction:
			return true, true
		}
	}
	if r.CompatibilityDate == "" {
		return false, false
	}
	return r.CompatibilityDate >= IOTasksDate, true
}

// Describe is one line for reports.
func (r Runtime) Describe() string {
	if r.CompatibilityDate == "" {
		return "compatibility date unknown (" + r.Source + "): whether pending I/O keeps objects running (" + IOTasksDate + " change) is unknown"
	}
	flags := "no flags"
	if len(r.CompatibilityFlags) > 0 {
		flags = "flags " + strings.Join(r.CompatibilityFlags, ", ")
	}
	yes, _ := r.IOTasksPreventEviction()
	rule := "pending timers, waitUntil and RPC do not keep an idle object from eviction (before the " + IOTasksDate + " change)"
	if yes {
		rule = "pending timers, waitUntil and RPC keep an object running without a client (the " + IOTasksDate + " change)"
	}
	return fmt.Sprintf("compatibility date %s, %s (%s): %s", r.CompatibilityDate, flags, r.Source, rule)
}
