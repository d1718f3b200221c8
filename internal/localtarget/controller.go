package localtarget

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/pfx-tui/pfx-tui/internal/protocol"
)

// maxClientMessage bounds a client's WebSocket message: run-batch is a
// few dozen bytes; a larger message closes the socket (1009).
const maxClientMessage = 64 << 10

// maxErrorMessages bounds errorMessages in batch-complete; the count stays exact.
const maxErrorMessages = 20

// controller is the PerformanceController DO: one WebSocket per batch, one
// run-batch message, ops run one after another.
type controller struct {
	s        *Server
	upgrader websocket.Upgrader
	mu       sync.Mutex
	waiters  map[string]chan opDone
	conns    map[*websocket.Conn]struct{}
}

func newController(s *Server) *controller {
	return &controller{
		s:        s,
		upgrader: websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }},
		waiters:  map[string]chan opDone{},
		conns:    map[*websocket.Conn]struct{}{},
	}
}

func (c *controller) closeAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for conn := range c.conns {
		_ = conn.Close()
	}
}

func (c *controller) handleWebSocket(w http.ResponseWriter, r *http.Request) {
	if !websocket.IsWebSocketUpgrade(r) {
		http.Error(w, "not found: use GET /version, GET /patterns, GET /delay/{ms} or a WebSocket on /ws", http.StatusNotFound)
		return
	}
	s := c.s
	inv := s.begin(EntrypointController, EventFetch)
	inv.request(r.Method, r.URL.String())
	if b := r.URL.Query().Get("batch"); b != "" {
		inv.tag(b, -1, "upgrade")
	}
	conn, err := c.upgrader.Upgrade(w, r, nil)
	if err != nil {
		inv.respond(http.StatusBadRequest)
		inv.end()
		return
	}
	inv.respond(http.StatusSwitchingProtocols)
	inv.end()
	c.mu.Lock()
	c.conns[conn] = struct{}{}
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.conns, conn)
		c.mu.Unlock()
		_ = conn.Close()
	}()

	conn.SetReadLimit(maxClientMessage)
	_ = conn.SetReadDeadline(time.Now().Add(2 * time.Minute))
	_, msg, err := conn.ReadMessage()
	if err != nil {
		return
	}
	_ = conn.SetReadDeadline(time.Time{})
	// The reader goroutine notices the client going away (close frame or a
	// dropped connection) so the batch stops after the current op.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		defer cancel()
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
		}
	}()
	go func() {
		select {
		case <-s.closing:
			cancel()
		case <-ctx.Done():
		}
	}()
	c.runBatch(ctx, conn, msg)
	// Give the client a moment to close first, as a hibernating DO would.
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
	}
}

func (c *controller) send(conn *websocket.Conn, f protocol.Frame) error {
	_ = conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return conn.WriteJSON(f)
}

func (c *controller) runBatch(ctx context.Context, conn *websocket.Conn, msg []byte) {
	s := c.s
	inv := s.begin(EntrypointController, EventWebSocket)
	defer inv.end()
	req, err := protocol.DecodeRunBatch(msg)
	if err != nil {
		inv.exception("Error", err.Error())
		_ = c.send(conn, protocol.Frame{Type: protocol.TypeError, Error: err.Error()})
		return
	}
	if _, ok := s.origins[req.Mode]; !ok {
		e := protocol.UnknownModeError(req.Mode, s.modes())
		inv.exception("Error", e)
		_ = c.send(conn, protocol.Frame{Type: protocol.TypeError, Error: e})
		return
	}
	if req.BatchID == "" {
		req.BatchID = "anon-" + rayID()
	}
	durationMs := int(s.opts.DefaultDelay / time.Millisecond)
	if req.DurationMs != nil {
		durationMs = *req.DurationMs
	}
	inv.tag(req.BatchID, -1, "batch")
	send := func(f protocol.Frame) bool {
		var err error
		inv.await(func() { err = c.send(conn, f) })
		return err == nil
	}
	if !send(protocol.Frame{Type: protocol.TypeBatchStarted, Mode: req.Mode, Count: req.Count}) ||
		!send(protocol.Frame{Type: protocol.TypeTimingStart, Mode: req.Mode}) {
		return
	}
	fault := s.opts.Chaos.batchFault(req.BatchID)
	if fault == faultSilent {
		<-ctx.Done() // chaos: nothing more until the client leaves
		return
	}
	var drop func()
	if fault == faultDrop {
		drop = func() { _ = conn.UnderlyingConn().Close() } // chaos: cut after the first progress, no close frame
	}
	c.runOps(ctx, inv, req, durationMs, send, drop)
}

// runOp performs one op and returns when its result reached the origin.
// cold: the op instantiated its origin object.
func (c *controller) runOp(ctx context.Context, inv *invocation, mode, batchID, object string, op, durationMs int) (cold bool, err error) {
	s := c.s
	key := opKey(batchID, op)
	ch := make(chan opDone, 1)
	c.mu.Lock()
	c.waiters[key] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.waiters, key)
		c.mu.Unlock()
	}()
	var resp opResponse
	// The op request must finish even if the client leaves mid-op, so the
	// measured op completes ("stop after the current op").
	opCtx, cancel := s.bgCtx()
	defer cancel()
	if _, err := s.hop(opCtx, inv, http.MethodPost, s.base+"/_do/origin/"+mode+"/op", opRequest{BatchID: batchID, Op: op, DurationMs: durationMs, Object: object}, &resp); err != nil {
		return false, err
	}
	cold = resp.Cold
	if resp.Error != "" {
		return cold, fmt.Errorf("%s", resp.Error)
	}
	if !resp.Pending {
		return cold, nil
	}
	// Guard: a stuck chain ends in an error rather than silence.
	guard := time.Duration(durationMs)*time.Millisecond + s.opts.BackstopSlack + 5*time.Second
	var done opDone
	var timedOut bool
	inv.await(func() {
		select {
		case done = <-ch:
		case <-time.After(guard):
			timedOut = true
		case <-s.closing:
			timedOut = true
		}
	})
	if timedOut {
		return cold, fmt.Errorf("no result within %s", guard)
	}
	if done.Error != "" {
		return cold, fmt.Errorf("%s", done.Error)
	}
	return cold, nil
}

func (c *controller) handleOpDone(w http.ResponseWriter, r *http.Request) {
	inv := c.s.begin(EntrypointController, EventRPC)
	defer inv.end()
	var d opDone
	if err := readJSON(r, &d); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	inv.tag(d.BatchID, d.Op, "opdone")
	c.mu.Lock()
	ch := c.waiters[opKey(d.BatchID, d.Op)]
	c.mu.Unlock()
	if ch != nil {
		select {
		case ch <- d:
		default:
		}
	}
	w.WriteHeader(http.StatusNoContent)
}
