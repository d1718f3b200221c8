package session

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/runner"
)

// wranglerDev is a running `wrangler dev` child, in its own process group so
// that stopping it also stops the workerd it spawned.
type wranglerDev struct {
	cmd *exec.Cmd
	url string
	// token is this run's PFX_TOKEN, random, given to wrangler dev with
	// --var (over any in workers/.dev.vars) and sent by pfx-tui.
	token config.Secret
	log   *tailBuffer
	done  chan struct{}
}

// startWrangler starts wrangler dev in dir on a free loopback port with the
// offline-safe settings of workers/scripts/offline-env.mjs, and waits until
// /version answers.
func startWrangler(ctx context.Context, dir string, ready time.Duration) (*wranglerDev, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(abs, "wrangler.jsonc")); err != nil {
		return nil, fmt.Errorf("--target wrangler: no wrangler.jsonc in %s (set --workers-dir to the workers/ folder)", abs)
	}
	if _, err := os.Stat(filepath.Join(abs, "node_modules", "wrangler")); err != nil {
		return nil, fmt.Errorf("--target wrangler: wrangler is not installed in %s: run `npm ci` there first", abs)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("--target wrangler needs Node.js (node) on PATH: %w", err)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	// The devtools inspector too: its default (9229) is taken by any other
	// wrangler dev on the machine, and workerd then fails to start.
	inspector, err := freePort()
	if err != nil {
		return nil, err
	}
	var tok [16]byte
	if _, err := rand.Read(tok[:]); err != nil {
		return nil, err
	}
	w := &wranglerDev{url: "http://127.0.0.1:" + strconv.Itoa(port), token: config.NewSecret(hex.EncodeToString(tok[:])), log: &tailBuffer{max: 8 << 10}, done: make(chan struct{})}
	w.cmd = exec.Command(node, "scripts/wrangler.mjs", "dev", "--local", "--ip", "127.0.0.1", "--port", strconv.Itoa(port), "--show-interactive-dev-session=false",
		"--inspector-port", strconv.Itoa(inspector), "--var", config.EnvPFXToken+":"+w.token.Reveal())
	w.cmd.Dir = abs
	w.cmd.Env = append(os.Environ(),
		"CLOUDFLARE_CF_FETCH_ENABLED=false",
		"WRANGLER_SEND_METRICS=false",
		"WRANGLER_SEND_ERROR_REPORTS=false",
		"WRANGLER_HIDE_BANNER=true",
		"WRANGLER_LOG_PATH="+filepath.Join(abs, ".wrangler", "logs"),
		"XDG_CONFIG_HOME="+filepath.Join(abs, ".wrangler", "config"),
		"NO_COLOR=1",
	)
	w.cmd.Stdout, w.cmd.Stderr = w.log, w.log
	w.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := w.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting wrangler dev: %w", err)
	}
	go func() { _ = w.cmd.Wait(); close(w.done) }()
	deadline := time.Now().Add(ready)
	for {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := runner.ProbeToken(pctx, w.url, w.token.Reveal())
		cancel()
		if err == nil {
			return w, nil
		}
		select {
		case <-w.done:
			return nil, fmt.Errorf("wrangler dev exited before it was ready; its last output:\n%s", w.output())
		case <-ctx.Done():
			w.stop()
			return nil, ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			w.stop()
			return nil, fmt.Errorf("wrangler dev did not answer %s/version within %s; its last output:\n%s", w.url, ready, w.output())
		}
	}
}

// output is wrangler's last output without this run's token (wrangler
// lists the --var bindings it was given).
func (w *wranglerDev) output() string {
	return strings.ReplaceAll(w.log.String(), w.token.Reveal(), "[redacted]")
}

// stop ends wrangler and workerd: SIGTERM to the group, SIGKILL after 5 s.
func (w *wranglerDev) stop() {
	if w == nil || w.cmd.Process == nil {
		return
	}
	pgid := w.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-w.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-w.done
	}
	// workerd may outlive wrangler's exit for a moment: make sure the group is gone.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tailBuffer keeps the last max bytes a child wrote, for error messages.
type tailBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf.Write(p)
	if t.buf.Len() > t.max {
		b := t.buf.Bytes()[t.buf.Len()-t.max:]
		nb := make([]byte, len(b))
		copy(nb, b)
		t.buf.Reset()
		t.buf.Write(nb)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}
