package localtarget

import (
	"context"
	"fmt"
	"net/http"
	neturl "net/url"
	"sync"
	"time"
)

// origin is the OriginDO of one approach. Pending proxied ops are decided
// exactly once, by whichever of result delivery and backstop alarm wins.
type origin struct {
	s       *Server
	mode    string
	mu      sync.Mutex
	pending map[string]*pendingOp
	started map[string]chan struct{} // objects instantiated, closed once ready (objects.go)
}

type pendingOp struct {
	batchID string
	object  string
	op      int
	timer   *time.Timer
}

func newOrigin(s *Server, mode string) *origin {
	return &origin{s: s, mode: mode, pending: map[string]*pendingOp{}}
}

func opKey(batchID string, op int) string { return fmt.Sprintf("%s/%d", batchID, op) }

// originName names the origin object of an approach, as workers/ does
// (ORIGIN_DO.getByName("origin-<mode>")).
func originName(mode string) string { return "origin-" + mode }

// object is the origin object an op names ("" = the approach's one origin).
func (o *origin) object(name string) string {
	if name == "" {
		return originName(o.mode)
	}
	return name
}

// take removes a pending op; only the caller that gets it decides the outcome
// (the atomic cancel of proxyFetchSimple).
func (o *origin) take(key string) *pendingOp {
	o.mu.Lock()
	defer o.mu.Unlock()
	p := o.pending[key]
	delete(o.pending, key)
	return p
}

func (s *Server) handleOriginOp(w http.ResponseWriter, r *http.Request) {
	o := s.origins[r.PathValue("mode")]
	if o == nil {
		http.Error(w, "no such origin", http.StatusNotFound)
		return
	}
	// The controller calls the origin DO over RPC, as workers/ does.
	var req opRequest
	if err := readJSON(r, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	object := o.object(req.Object)
	inv := s.beginOn(EntrypointOrigin, object, EventRPC)
	defer inv.end()
	cold := o.instantiate(inv, req.Object)
	inv.tag(req.BatchID, req.Op, "op")
	url := s.upstreamURL(req.BatchID, req.Op, req.DurationMs)
	switch o.mode {
	case "direct", "direct-timer":
		if o.mode == "direct-timer" {
			// AbortSignal.timeout(backstop): armed as the fetch starts, never
			// cleared, so it outlives the op (direct clears its own at once).
			start := time.Now()
			s.traces.addActivity(Activity{
				Object: EntrypointOrigin + "/" + object, Kind: ActivityPendingTimer,
				BatchID: req.BatchID, Op: req.Op,
				Start: start, End: start.Add(time.Duration(req.DurationMs)*time.Millisecond + s.opts.BackstopSlack),
			})
		}
		_, _, err := s.upstreamFetch(r.Context(), inv, url)
		resp := opResponse{Cold: cold}
		if err != nil {
			resp.Error = err.Error()
		}
		inv.respond(http.StatusOK)
		writeJSON(w, http.StatusOK, resp)
	case "simple", "proxyfetch", "current":
		key := opKey(req.BatchID, req.Op)
		p := &pendingOp{batchID: req.BatchID, object: object, op: req.Op}
		o.mu.Lock()
		o.pending[key] = p
		backstop := time.Duration(req.DurationMs)*time.Millisecond + s.opts.BackstopSlack
		p.timer = time.AfterFunc(backstop, func() { o.alarm(key) })
		o.mu.Unlock()
		job := fetchJob{BatchID: req.BatchID, Op: req.Op, URL: url, ReplyTo: s.base + "/_do/origin/" + o.mode + "/result?object=" + neturl.QueryEscape(object)}
		target := s.base + "/_do/executor/fetch" // simple, proxyfetch
		if o.mode == "current" {
			target = s.base + "/_do/orchestrator/enqueue"
		}
		if _, err := s.hop(r.Context(), inv, http.MethodPost, target, job, nil); err != nil {
			if q := o.take(key); q != nil {
				q.timer.Stop()
			}
			inv.exception("Error", err.Error())
			inv.respond(http.StatusOK)
			writeJSON(w, http.StatusOK, opResponse{Error: err.Error()})
			return
		}
		inv.respond(http.StatusAccepted)
		writeJSON(w, http.StatusOK, opResponse{Pending: true, Cold: cold})
	}
}

// alarm is the timeout backstop: it reports the op as failed unless the
// result already won.
func (o *origin) alarm(key string) {
	p := o.take(key)
	if p == nil {
		return
	}
	s := o.s
	s.goBackground(func(ctx context.Context) {
		inv := s.beginOn(EntrypointOrigin, p.object, EventAlarm)
		defer inv.end()
		inv.tag(p.batchID, p.op, "backstop")
		s.notifyDone(ctx, inv, opDone{BatchID: p.batchID, Op: p.op, Error: errTimeout.Error()})
	})
}

func (s *Server) handleOriginResult(w http.ResponseWriter, r *http.Request) {
	o := s.origins[r.PathValue("mode")]
	if o == nil {
		http.Error(w, "no such origin", http.StatusNotFound)
		return
	}
	inv := s.beginOn(EntrypointOrigin, o.object(r.URL.Query().Get("object")), EventRPC)
	defer inv.end()
	var res fetchResult // reading the body here is the origin consuming the response
	if err := readJSON(r, &res); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	inv.tag(res.BatchID, res.Op, "result")
	p := o.take(opKey(res.BatchID, res.Op))
	if p == nil {
		// The backstop already fired (or a duplicate delivery): drop it.
		inv.log("late result ignored", res.BatchID, res.Op)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	p.timer.Stop()
	done := opDone{BatchID: res.BatchID, Op: res.Op, Error: res.Error}
	if done.Error == "" && res.Status >= 400 {
		done.Error = fmt.Sprintf("upstream answered HTTP %d", res.Status)
	}
	s.notifyDone(r.Context(), inv, done)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) notifyDone(ctx context.Context, inv *invocation, d opDone) {
	if _, err := s.hop(ctx, inv, http.MethodPost, s.base+"/_do/controller/opdone", d, nil); err != nil {
		inv.exception("Error", "notify controller: "+err.Error())
	}
}

// orchestrator is the FetchOrchestrator DO: it queues requests, acks, and
// dispatches them to the executor from an alarm.
type orchestrator struct {
	s     *Server
	mu    sync.Mutex
	queue []fetchJob
}

func (o *orchestrator) handleEnqueue(w http.ResponseWriter, r *http.Request) {
	s := o.s
	inv := s.begin(EntrypointOrchestrator, EventRPC)
	defer inv.end()
	var job fetchJob
	if err := readJSON(r, &job); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	inv.tag(job.BatchID, job.Op, "enqueue")
	o.mu.Lock()
	o.queue = append(o.queue, job)
	o.mu.Unlock()
	// setAlarm(now): the dispatch runs as its own alarm invocation.
	s.goBackground(o.dispatch)
	w.WriteHeader(http.StatusAccepted)
}

func (o *orchestrator) dispatch(ctx context.Context) {
	o.mu.Lock()
	jobs := o.queue
	o.queue = nil
	o.mu.Unlock()
	if len(jobs) == 0 {
		return
	}
	s := o.s
	inv := s.begin(EntrypointOrchestrator, EventAlarm)
	defer inv.end()
	for _, job := range jobs {
		inv.tag(job.BatchID, job.Op, "dispatch")
		job.ReportTo = s.base + "/_do/orchestrator/delivered"
		if _, err := s.hop(ctx, inv, http.MethodPost, s.base+"/_do/executor/fetch", job, nil); err != nil {
			inv.exception("Error", "dispatch: "+err.Error())
			s.goBackground(func(ctx context.Context) {
				// Deliver the failure to the origin so the op ends now, not at the backstop.
				_, _ = s.hop(ctx, inv, http.MethodPost, job.ReplyTo, fetchResult{BatchID: job.BatchID, Op: job.Op, Error: "dispatch failed: " + err.Error()}, nil)
			})
		}
	}
}

func (o *orchestrator) handleDelivered(w http.ResponseWriter, r *http.Request) {
	inv := o.s.begin(EntrypointOrchestrator, EventRPC)
	defer inv.end()
	var d opDone
	if err := readJSON(r, &d); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	inv.tag(d.BatchID, d.Op, "delivered")
	w.WriteHeader(http.StatusNoContent)
}

// handleExecutorFetch is the FetchExecutor entrypoint: ack at once, fetch in
// the background (ctx.waitUntil), deliver the result to the origin. Its wall
// time includes the background work, as Cloudflare records it.
func (s *Server) handleExecutorFetch(w http.ResponseWriter, r *http.Request) {
	inv := s.begin(EntrypointExecutor, EventRPC)
	var job fetchJob
	if err := readJSON(r, &job); err != nil {
		inv.end()
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	inv.tag(job.BatchID, job.Op, "fetch")
	w.WriteHeader(http.StatusAccepted)
	s.goBackground(func(ctx context.Context) {
		defer inv.end()
		status, body, err := s.upstreamFetch(ctx, inv, job.URL)
		res := fetchResult{BatchID: job.BatchID, Op: job.Op, Status: status, Body: body}
		if err != nil {
			res.Error = err.Error()
		}
		if _, err := s.hop(ctx, inv, http.MethodPost, job.ReplyTo, res, nil); err != nil {
			inv.exception("Error", "deliver result: "+err.Error())
		}
		if job.ReportTo != "" {
			if _, err := s.hop(ctx, inv, http.MethodPost, job.ReportTo, opDone{BatchID: job.BatchID, Op: job.Op, Error: res.Error}, nil); err != nil {
				inv.exception("Error", "delivery report: "+err.Error())
			}
		}
	})
}
