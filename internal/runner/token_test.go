package runner_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/pfx-tui/pfx-tui/internal/localtarget"
	"github.com/pfx-tui/pfx-tui/internal/protocol"
	"github.com/pfx-tui/pfx-tui/internal/runner"
)

// TestTokenSentOnEveryRequest: Probe's /version and /patterns and the
// batch's WebSocket upgrade all carry Authorization: Bearer <token>.
func TestTokenSentOnEveryRequest(t *testing.T) {
	t.Parallel()
	const token = "tok-123"
	var mu sync.Mutex
	seen := map[string]string{}
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		key := r.URL.Path
		if r.Header.Get("Upgrade") != "" {
			key = "upgrade"
		}
		seen[key] = r.Header.Get("Authorization")
		mu.Unlock()
		switch {
		case key == "upgrade":
			conn, err := up.Upgrade(w, r, nil)
			if err == nil {
				_ = conn.Close() // the batch fails; only the header matters here
			}
		case r.URL.Path == protocol.PathVersion:
			_, _ = w.Write([]byte(`{"version":1,"timestamp":1}`))
		case r.URL.Path == protocol.PathPatterns:
			_, _ = w.Write([]byte(`{"patterns":[{"mode":"direct"}]}`))
		}
	}))
	defer srv.Close()
	if _, err := runner.ProbeToken(context.Background(), srv.URL, token); err != nil {
		t.Fatal(err)
	}
	plan := experiment.Plan{Approaches: []string{"direct"}, Durations: []time.Duration{time.Millisecond}, Batches: 1, Ops: 1, Order: experiment.OrderInterleave}
	r, err := runner.New(runner.Options{Target: srv.URL, Token: token, Plan: plan, RunID: "tok", BatchTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	runner.Wait(r.Run(context.Background()))
	mu.Lock()
	defer mu.Unlock()
	for _, k := range []string{protocol.PathVersion, protocol.PathPatterns, "upgrade"} {
		if seen[k] != "Bearer "+token {
			t.Errorf("%s: Authorization %q, want Bearer %s", k, seen[k], token)
		}
	}
}

// TestLocalTargetWithToken: a local target started with a token answers 401
// without it (or with a wrong one) on /version, /patterns, /delay and the
// WebSocket, keeps /health open, and runs a whole plan with it.
func TestLocalTargetWithToken(t *testing.T) {
	t.Parallel()
	const token = "local-token"
	srv, err := localtarget.Start(localtarget.Options{Token: token})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	for _, tok := range []string{"", "wrong"} {
		for _, p := range []string{protocol.PathVersion, protocol.PathPatterns, protocol.PathDelay + "0"} {
			st, err := getStatus(srv.URL()+p, tok)
			if err != nil || st != http.StatusUnauthorized {
				t.Errorf("GET %s with token %q: %d %v, want 401", p, tok, st, err)
			}
		}
		if _, err := runner.ProbeToken(context.Background(), srv.URL(), tok); err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "PFX_TOKEN") {
			t.Errorf("probe with token %q: %v, want a 401 naming PFX_TOKEN", tok, err)
		}
		ws, _ := runner.WebSocketURL(srv.URL(), "b")
		_, resp, err := websocket.DefaultDialer.Dial(ws, runner.AuthHeader(tok))
		if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("WebSocket with token %q: %v, want 401", tok, err)
		}
	}
	if st, err := getStatus(srv.URL()+"/health", ""); err != nil || st != http.StatusOK {
		t.Errorf("/health without a token: %d %v, want 200", st, err)
	}
	info, err := runner.ProbeToken(context.Background(), srv.URL(), token)
	if err != nil {
		t.Fatal(err)
	}
	plan := experiment.Plan{Approaches: []string{"direct", "current", "simple"}, Durations: []time.Duration{10 * time.Millisecond}, Batches: 1, Ops: 2, Order: experiment.OrderInterleave}
	r, err := runner.New(runner.Options{Target: srv.URL(), Token: token, Plan: plan, RunID: "tok", Server: info.Version})
	if err != nil {
		t.Fatal(err)
	}
	done := runner.Wait(r.Run(context.Background()))
	if done.Err != nil {
		t.Fatal(done.Err)
	}
	for _, b := range done.Results {
		if b.Errors != 0 || b.Completed != 2 {
			t.Errorf("%s: %d errors with the token (the emulator's internal hops must carry it)", b.Approach, b.Errors)
		}
	}
}

func getStatus(u, token string) (int, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	req.Header = runner.AuthHeader(token)
	if req.Header == nil {
		req.Header = http.Header{}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}
