package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/pfx-tui/pfx-tui/internal/protocol"
)

func TestServeLocalHelpExplainsProxyfetchAndTheDefaultDelay(t *testing.T) {
	var o, e bytes.Buffer
	if code := Main(context.Background(), []string{"serve-local", "--help"}, IOStreams{Stdout: &o, Stderr: &e, Env: map[string]string{}}); code != 0 {
		t.Fatalf("exit %d: %s", code, e.String())
	}
	for _, want := range []string{"@lumenize/for-experiments", "proxyfetch", "runs exactly as simple", "--default-delay", "without durationMs", "(default 100ms)"} {
		if !strings.Contains(o.String(), want) {
			t.Errorf("serve-local --help lacks %q:\n%s", want, o.String())
		}
	}
}

func TestServeLocalDefaultDelayRefusesBadValues(t *testing.T) {
	for _, v := range []string{"31s", "1500us", "-5ms", "soon"} {
		var o, e bytes.Buffer
		code := Main(context.Background(), []string{"serve-local", "--addr", "127.0.0.1:0", "--default-delay", v}, IOStreams{Stdout: &o, Stderr: &e, Env: map[string]string{}})
		if code != 2 || !strings.Contains(e.String(), "default-delay") {
			t.Errorf("--default-delay %s: exit %d: %s", v, code, e.String())
		}
	}
}

// TestServeLocalSpeaksTheOriginalDialect runs serve-local as Lumenize's Node
// client would use it: mode proxyfetch, a run-batch without durationMs or
// batchId, which then waits --default-delay per op.
func TestServeLocalSpeaksTheOriginalDialect(t *testing.T) {
	for _, c := range []struct {
		flag string
		want time.Duration
	}{{"", 100 * time.Millisecond}, {"250ms", 250 * time.Millisecond}, {"0", 0}} {
		args := []string{"serve-local", "--addr", "127.0.0.1:0", "--local-push-interval", "1h"}
		if c.flag != "" {
			args = append(args, "--default-delay", c.flag)
		}
		base, _, stderr, stop := startServeLocal(t, args, map[string]string{}, "URL:")

		resp, err := http.Get(base + protocol.PathPatterns)
		if err != nil {
			t.Fatal(err)
		}
		var p protocol.Patterns
		_ = json.NewDecoder(resp.Body).Decode(&p)
		resp.Body.Close()
		if !strings.Contains(strings.Join(p.Modes(), ","), "proxyfetch") {
			t.Errorf("patterns %v lack proxyfetch", p.Modes())
		}

		const ops = 3
		frames, took := lumenizeBatch(t, base, ops)
		if f := frames[len(frames)-1]; f.Type != protocol.TypeBatchComplete || f.Completed != ops || f.Errors != 0 {
			t.Errorf("--default-delay %q: frames %+v", c.flag, frames)
		}
		// Every op waited the default delay; at 0 the batch is quick.
		if took < ops*c.want || (c.want == 0 && took > 5*time.Second) {
			t.Errorf("--default-delay %q: batch took %s for %d ops, want ≥ %d × %s", c.flag, took, ops, ops, c.want)
		}

		if code := stop(); code != 0 || !strings.Contains(stderr.String(), "stopping the local target") {
			t.Errorf("exit %d: %s", code, stderr.String())
		}
	}
}

// startServeLocal runs `pfx-tui serve-local` with args in the background
// and reads its banner up to the line containing until. It returns the URL
// the banner printed, the banner's lines, what it wrote on stderr, and
// stop, which cancels it and returns its exit code (the test fails if it
// has not stopped within 10 s).
func startServeLocal(t *testing.T, args []string, env map[string]string, until string) (base string, banner []string, stderr *bytes.Buffer, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	stderr = &bytes.Buffer{}
	exited := make(chan int, 1)
	go func() {
		exited <- Main(ctx, args, IOStreams{Stdout: pw, Stderr: stderr, Env: env})
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		banner = append(banner, sc.Text())
		if u, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "URL:"); ok && base == "" {
			base = strings.TrimSpace(u)
		}
		if strings.Contains(sc.Text(), until) {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	stop = func() int {
		cancel()
		select {
		case code := <-exited:
			return code
		case <-time.After(10 * time.Second):
			t.Fatal("serve-local did not stop")
			return -1
		}
	}
	if base == "" {
		stop()
		t.Fatalf("no URL printed: %v %s", banner, stderr.String())
	}
	return base, banner, stderr, stop
}

// lumenizeBatch sends the run-batch Lumenize's client sends (mode
// proxyfetch, no durationMs, no batchId) and returns the frames and the
// time from timing-start to batch-complete.
func lumenizeBatch(t *testing.T, base string, ops int) ([]protocol.Frame, time.Duration) {
	t.Helper()
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+protocol.PathWS, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	if err := conn.WriteJSON(map[string]any{"action": "run-batch", "mode": "proxyfetch", "count": ops}); err != nil {
		t.Fatal(err)
	}
	var frames []protocol.Frame
	var start time.Time
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			t.Fatalf("after %+v: %v", frames, err)
		}
		f, err := protocol.DecodeFrame(data)
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, f)
		switch f.Type {
		case protocol.TypeTimingStart:
			start = time.Now()
		case protocol.TypeBatchComplete, protocol.TypeError:
			took := time.Since(start)
			_ = conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
			return frames, took
		}
	}
}

// TestServeLocalToken: with --token, or PFX_TOKEN in its environment,
// serve-local answers 401 without the token and 200 with it (/health open);
// the banner says a token is required but never shows it.
func TestServeLocalToken(t *testing.T) {
	const tok = "serve-local-token-DO-NOT-PRINT"
	for _, c := range []struct {
		args []string
		env  map[string]string
	}{
		{[]string{"--token", tok}, map[string]string{}},
		{nil, map[string]string{"PFX_TOKEN": tok}},
	} {
		args := append([]string{"serve-local", "--addr", "127.0.0.1:0", "--local-push-interval", "1h"}, c.args...)
		base, banner, _, stop := startServeLocal(t, args, c.env, "GraphQL:")
		all := strings.Join(banner, "\n")
		if strings.Contains(all, tok) || !strings.Contains(all, "token:     required") {
			t.Errorf("%v: banner shows the token or does not say one is required:\n%s", c.args, all)
		}
		for _, h := range []struct {
			path, auth string
			want       int
		}{
			{protocol.PathVersion, "", http.StatusUnauthorized},
			{protocol.PathVersion, "Bearer wrong", http.StatusUnauthorized},
			{protocol.PathVersion, "Bearer " + tok, http.StatusOK},
			{"/health", "", http.StatusOK},
		} {
			req, _ := http.NewRequest(http.MethodGet, base+h.path, nil)
			if h.auth != "" {
				req.Header.Set("Authorization", h.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != h.want {
				t.Errorf("%v: GET %s with %q: %d, want %d", c.args, h.path, h.auth, resp.StatusCode, h.want)
			}
		}
		stop()
	}
}
