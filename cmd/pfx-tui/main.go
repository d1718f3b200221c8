// Command pfx-tui is a terminal console for proxy-fetch cost experiments on
// Cloudflare. See README.md.
//
// One file per command (run.go, report.go, billing.go, logs.go,
// serve_local.go, version.go), each an options struct, a constructor that
// registers its flags and a run function; flags shared between commands
// live in flags.go; root.go maps every returned error to its exit code.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/pfx-tui/pfx-tui/internal/errext"
)

func main() {
	// A soft memory limit: the garbage collector works harder as the heap
	// nears it, so a long run's transient garbage (the results file is
	// re-encoded after every batch) does not double the process's memory.
	// It is not a cap: a larger live heap still runs. GOMEMLIMIT overrides.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(softMemoryLimit)
	}
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	ctx, stop := interruptContext()
	defer stop()
	os.Exit(Main(ctx, os.Args[1:], IOStreams{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Env: env}))
}

// softMemoryLimit keeps a 100,000-op run on the local target under 150 MB
// (BENCHMARKS.md).
const softMemoryLimit = 100 << 20

// interruptContext is cancelled by the first Ctrl-C (the run stops after the
// current op and saves); a second Ctrl-C exits at once, the results file
// already holding every finished batch.
func interruptContext() (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		cancel()
		<-sig
		os.Stderr.WriteString("\npfx-tui: second interrupt, exiting now\n")
		os.Exit(errext.Interrupted)
	}()
	return ctx, func() { signal.Stop(sig); cancel() }
}
