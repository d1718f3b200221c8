package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/localtarget"
	"github.com/pfx-tui/pfx-tui/internal/runner"
)

func newCmdServeLocal(ios IOStreams) *cobra.Command {
	var addr string
	var hop, push, minute time.Duration
	cmd := &cobra.Command{
		Use:   "serve-local",
		Short: "Run the embedded local target standalone (WebSocket protocol + delay upstream)",
		Long: `serve-local runs the embedded emulator of the Cloudflare experiment until interrupted,
so other clients (for example Lumenize's Node client) can use it. Its figures are emulated.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			srv, err := localtarget.Start(localtarget.Options{Addr: addr, HopLatency: hop, PushInterval: push, AnalyticsMinute: minute})
			if err != nil {
				return err
			}
			defer srv.Close()
			ws, _ := runner.WebSocketURL(srv.URL(), "")
			fmt.Fprintf(ios.Stdout, "pfx-tui local target (emulated) listening\n  URL:       %s\n  WebSocket: %s\n  patterns:  %s/patterns\n  upstream:  %s/delay/{ms}\n", srv.URL(), ws, srv.URL(), srv.URL())
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
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8787", "listen address (use 127.0.0.1:0 for a random port)")
	cmd.Flags().DurationVar(&hop, "hop-latency", 0, "latency added to every internal hop")
	cmd.Flags().DurationVar(&push, "local-push-interval", config.Defaults().LocalPushInterval, "how often the Logpush emulator writes an object")
	cmd.Flags().DurationVar(&minute, "local-analytics-minute", localtarget.DefaultAnalyticsMinute, "the emulated GraphQL Analytics minute")
	return cmd
}
