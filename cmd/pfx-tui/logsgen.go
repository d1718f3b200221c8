package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pfx-tui/pfx-tui/internal/errext"
	"github.com/pfx-tui/pfx-tui/internal/logpush"
)

// newLogsGen is `pfx-tui logs gen`: a synthetic Logpush data set for
// trying `logs scan` and `billing` without a Cloudflare account, and for
// the scan benchmark.
func newLogsGen(ios IOStreams) *cobra.Command {
	var dir string
	var opts logpush.GenOptions
	cmd := &cobra.Command{
		Use:   "gen",
		Short: "Write a synthetic Logpush workers_trace_events data set (gzip NDJSON) into --dir",
		Long: `gen writes --files objects holding --records lines in all, named and foldered as Logpush names
them (<YYYYMMDD>/<start>Z_<end>Z_<8 hex>.log.gz), with the 13 fields in Logpush's order: several
scripts, Durable Object classes, executor entrypoints and default fetch handlers, log lines with
batch tags, occasional exceptions, a few records without timing fields and a few redelivered
(byte-identical) lines. The same --seed gives the same files.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if dir == "" {
				return &errext.UsageError{Flag: "dir", Msg: "give the folder to write into"}
			}
			if opts.Records < 0 {
				return &errext.UsageError{Flag: "records", Msg: "must not be negative"}
			}
			if opts.Files < 1 {
				return &errext.UsageError{Flag: "files", Msg: "must be at least 1"}
			}
			st, err := logpush.Generate(dir, opts)
			if err != nil {
				return err
			}
			fmt.Fprintf(ios.Stdout, "%d files, %d lines (%d redelivered, %d without timing), %.1f MB NDJSON, %.1f MB gzip in %s\n",
				len(st.Files), st.Lines, st.Duplicates, st.NoTiming, float64(st.RawBytes)/1e6, float64(st.GzipBytes)/1e6, dir)
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&dir, "dir", "", "folder to write into (created if needed)")
	fs.IntVar(&opts.Records, "records", 1_000_000, "lines in all, redelivered duplicates included")
	fs.IntVar(&opts.Files, "files", 20, "number of objects")
	fs.Uint64Var(&opts.Seed, "seed", 1, "random seed; the same seed gives the same files")
	fs.Float64Var(&opts.DupRate, "dup-rate", 0, "fraction of redelivered lines (0: the default 0.005; negative: none)")
	fs.Float64Var(&opts.NoTimingRate, "no-timing-rate", 0, "fraction of records without CPUTimeMs/WallTimeMs (0: the default 0.01; negative: none)")
	return cmd
}
