package main

import (
	"fmt"
	"net"
	"time"

	"github.com/spf13/cobra"

	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/errext"
	"github.com/pfx-tui/pfx-tui/internal/localtarget"
	"github.com/pfx-tui/pfx-tui/internal/protocol"
	"github.com/pfx-tui/pfx-tui/internal/runner"
)

func newCmdServeLocal(ios IOStreams) *cobra.Command {
	var addr, token string
	var hop, push, defaultDelay, minute time.Duration
	var chaos bool
	var chaosSeed uint64
	cmd := &cobra.Command{
		Use:   "serve-local",
		Short: "Run the embedded local target standalone (WebSocket protocol + delay upstream)",
		Long: `serve-local runs the embedded emulator of the Cloudflare experiment until interrupted,
so other clients (for example Lumenize's Node client) can use it. Its figures are emulated.

It speaks the dialect of the original Node tooling (@lumenize/for-experiments), whose modes
are direct and proxyfetch: besides direct, current and simple it offers the pattern
proxyfetch, the original name of the simple design, which runs exactly as simple (on an
origin of its own), and direct-timer (direct with its abort timer left pending). /patterns
marks those two optional, so pfx-tui runs them only when named in --approaches.

That tooling sends run-batch without durationMs; such a batch fetches the delay upstream
with --default-delay (100ms unless set; 0 for none). pfx-tui always sends durationMs.

Like the Worker with its PFX_TOKEN secret, it can require a token: with --token (or the
PFX_TOKEN environment variable) every route but GET /health answers 401 without
Authorization: Bearer <token>. Without one it accepts any request.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, _, err := net.SplitHostPort(addr); err != nil {
				return errext.Usagef("addr", "%q is not host:port (e.g. 127.0.0.1:8787, or 127.0.0.1:0 for a random port)", addr)
			}
			if defaultDelay < 0 || defaultDelay > protocol.MaxDelayMs*time.Millisecond || defaultDelay%time.Millisecond != 0 {
				return errext.Usagef("default-delay", "%s: want whole milliseconds within 0..%dms", defaultDelay, protocol.MaxDelayMs)
			}
			if !config.Changed(cmd.Flags(), "token") {
				token = ios.Env[config.EnvPFXToken]
			}
			opts := localtarget.Options{Addr: addr, HopLatency: hop, PushInterval: push, DefaultDelay: defaultDelay, AnalyticsMinute: minute, Token: token}
			if defaultDelay == 0 {
				opts.DefaultDelay = -1 // no delay (zero would mean the 100ms default)
			}
			if chaos {
				opts.Chaos = localtarget.AllChaos(chaosSeed)
				fmt.Fprintf(ios.Stderr, "pfx-tui: chaos on (seed %d): dropped and silent batches, upstream 500s and slow answers, S3 500/503/SlowDown, late, duplicated, truncated and malformed Logpush objects, /version clock %s ahead\n", chaosSeed, opts.Chaos.ClockOffset)
			}
			srv, err := localtarget.Start(opts)
			if err != nil {
				return err
			}
			defer srv.Close()
			ws, _ := runner.WebSocketURL(srv.URL(), "")
			fmt.Fprintf(ios.Stdout, "pfx-tui local target (emulated) listening\n  URL:       %s\n  WebSocket: %s\n  patterns:  %s/patterns\n  upstream:  %s/delay/{ms} (%s for a run-batch without durationMs)\n", srv.URL(), ws, srv.URL(), srv.URL(), defaultDelay)
			if token != "" {
				fmt.Fprintf(ios.Stdout, "  token:     required (Authorization: Bearer <PFX_TOKEN>; GET /health is open)\n")
			}
			fmt.Fprintf(ios.Stdout, "Logpush emulator (a .log.gz object every %s while there are new records):\n  S3 endpoint: %s (path-style, region auto)\n  bucket:      %s\n  prefix:      %s\n  access key:  %s\n  secret key:  %s   (the emulator's fixed local key, not a credential)\n",
				push, srv.S3Endpoint(), srv.S3Bucket(), srv.LogpushPrefix(), srv.S3AccessKeyID(), srv.S3SecretAccessKey())
			fmt.Fprintf(ios.Stdout, "Scan it with: pfx-tui logs scan --r2-endpoint %s --bucket %s --prefix %s (with CLOUDFLARE_R2_ACCESS_KEY_ID / _SECRET_ACCESS_KEY set to the keys above)\nPress Ctrl-C to stop.\n", srv.S3Endpoint(), srv.S3Bucket(), srv.LogpushPrefix())
			fmt.Fprintf(ios.Stdout, "GraphQL Analytics emulator (%s minutes; the token is the emulator's fixed local one):\n  GraphQL:    %s/graphql\n  account:    %s\n  token:      %s\n",
				srv.AnalyticsMinute(), srv.AnalyticsBase(), localtarget.AnalyticsAccountID, localtarget.AnalyticsToken)
			<-cmd.Context().Done()
			fmt.Fprintf(ios.Stderr, "pfx-tui: stopping the local target (%d trace events recorded)\n", srv.Traces().Len())
			return nil
		},
	}
	cmd.Flags().StringVar(&token, "token", "", "require this token as Authorization: Bearer on every route but /health (env PFX_TOKEN; default: none required)")
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8787", "listen address (use 127.0.0.1:0 for a random port)")
	cmd.Flags().DurationVar(&hop, "hop-latency", 0, "latency added to every internal hop")
	cmd.Flags().DurationVar(&push, "local-push-interval", config.Defaults().LocalPushInterval, "how often the Logpush emulator writes an object")
	cmd.Flags().DurationVar(&defaultDelay, "default-delay", localtarget.DefaultDelay, "upstream delay of a run-batch that has no durationMs (Lumenize's client sends none); 0..30s, whole ms")
	cmd.Flags().BoolVar(&chaos, "chaos", false, "inject every fault the emulator knows (dropped and silent batches, upstream 500s, slow answers, S3 errors, late, duplicated, truncated and malformed Logpush objects, clock offset), deterministic with --chaos-seed")
	cmd.Flags().Uint64Var(&chaosSeed, "chaos-seed", 1, "the seed of --chaos's decisions")
	cmd.Flags().DurationVar(&minute, "local-analytics-minute", localtarget.DefaultAnalyticsMinute, "the emulated GraphQL Analytics minute")
	return cmd
}
