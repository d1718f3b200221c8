package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/errext"
	"github.com/pfx-tui/pfx-tui/internal/logpush"
	"github.com/pfx-tui/pfx-tui/internal/r2"
	"github.com/pfx-tui/pfx-tui/internal/report"
	"github.com/pfx-tui/pfx-tui/internal/session"
)

func newCmdLogs(ios IOStreams) *cobra.Command {
	logs := &cobra.Command{
		Use:   "logs",
		Short: "Inspect Logpush workers_trace_events files",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			return errext.Usagef("", "logs needs a subcommand: scan or gen")
		},
	}
	logs.AddCommand(newLogsScan(ios), newLogsGen(ios))
	return logs
}

type scanFlags struct {
	dir, script, since, until, format string
	bucketFlags
}

func newLogsScan(ios IOStreams) *cobra.Command {
	f := &scanFlags{}
	cmd := &cobra.Command{
		Use:   "scan",
		Short: "Summarise Logpush files from a folder (--dir) or a bucket prefix (--bucket/--prefix)",
		Long: `scan reads every Logpush object (.log.gz, or plain NDJSON) under --dir, or under --prefix in
an R2 bucket, and summarises the records per script, entrypoint and event type: counts, records
without timing fields, wall and CPU time. Malformed lines, wrong field types, truncated files and
redelivered lines (repeated byte for byte) are counted, never silently dropped.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			filter := logpush.Filter{Script: f.script}
			var err error
			if filter.Since, err = parseTimeFlag("since", f.since); err != nil {
				return err
			}
			if filter.Until, err = parseTimeFlag("until", f.until); err != nil {
				return err
			}
			if f.format != "text" && f.format != "json" {
				return &errext.UsageError{Flag: "format", Msg: fmt.Sprintf("%q is not one of text, json", f.format)}
			}
			scan := logpush.NewScan(filter)
			failed := 0
			switch {
			case f.dir != "" && f.bucketSet(cmd):
				return &errext.UsageError{Flag: "dir", Msg: "give either --dir or --bucket/--prefix, not both"}
			case f.dir != "":
				if failed, err = scanDir(scan, f.dir, ios); err != nil {
					return err
				}
			default:
				if failed, err = f.scanBucket(cmd, ios, scan, filter); err != nil {
					return err
				}
			}
			sum := scan.Summary()
			if f.format == "json" {
				b, err := json.Marshal(sum)
				if err != nil {
					return err
				}
				fmt.Fprintln(ios.Stdout, string(b))
			} else if err := sum.WriteText(ios.Stdout); err != nil {
				return err
			}
			if failed > 0 {
				return fmt.Errorf("%d file(s) could not be read (listed above); the summary covers the others", failed)
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.dir, "dir", "", "folder to read recursively (*.log.gz, *.log, *.ndjson, *.json)")
	fs.StringVar(&f.script, "script", "", "only records of this ScriptName")
	fs.StringVar(&f.since, "since", "", "only records at or after this time (RFC3339, or a duration ago like 2h)")
	fs.StringVar(&f.until, "until", "", "only records before this time (RFC3339, or a duration ago)")
	fs.StringVar(&f.format, "format", "text", "text or json")
	f.bucketFlags.register(fs)
	return cmd
}

// parseTimeFlag accepts RFC3339 or a duration meaning "that long ago".
func parseTimeFlag(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return time.Now().Add(-d), nil
	}
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t, nil
	}
	return time.Time{}, &errext.UsageError{Flag: name, Msg: fmt.Sprintf("%q is neither an RFC3339 time (2026-11-26T10:00:00Z), a date, nor a duration ago (2h)", v)}
}

// scanDir reads every Logpush-looking file under dir. A file that cannot be
// read at all is reported on stderr and counted; the others are still read.
func scanDir(scan *logpush.Scan, dir string, ios IOStreams) (failed int, err error) {
	st, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, errext.Usagef("dir", "no folder %s (give the folder the Logpush files were downloaded to)", dir)
	}
	if err != nil {
		return 0, errext.Usagef("dir", "cannot read %s: %v", dir, err)
	}
	if !st.IsDir() {
		return 0, &errext.UsageError{Flag: "dir", Msg: dir + " is not a folder"}
	}
	var files []string
	size := map[string]int64{}
	other := 0
	err = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		n := strings.ToLower(d.Name())
		if strings.HasSuffix(n, ".log.gz") || strings.HasSuffix(n, ".ndjson.gz") || strings.HasSuffix(n, ".log") || strings.HasSuffix(n, ".ndjson") {
			files = append(files, p)
			if info, err := d.Info(); err == nil {
				size[p] = info.Size()
			}
		} else {
			other++
		}
		return nil
	})
	if other > 0 {
		fmt.Fprintf(ios.Stderr, "pfx-tui: %d files under %s are not Logpush objects (*.log.gz, *.log, *.ndjson) and were not read\n", other, dir)
	}
	if err != nil {
		return 0, err
	}
	sort.Strings(files)
	if len(files) == 0 {
		return 0, fmt.Errorf("no Logpush files (*.log.gz, *.log, *.ndjson) under %s", dir)
	}
	// Files are read in parallel, one per core: each is decompressed and
	// scanned by one goroutine, so memory stays bounded by the workers.
	// The largest first, so that the cores finish together rather than one
	// reading a large object alone at the end; messages keep name order.
	order := largestFirst(files, size)
	errs := make([]error, len(files))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs[i] = scanFile(scan, dir, files[i])
			}
		}()
	}
	for _, i := range order {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			failed++
			fmt.Fprintf(ios.Stderr, "pfx-tui: skipped %s: %v\n", files[i], err)
		}
	}
	return failed, nil
}

// largestFirst is the order to read files in: by size, largest first,
// ties (and files of unknown size, taken as 0) in their given order.
func largestFirst(files []string, size map[string]int64) []int {
	order := make([]int, len(files))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return size[files[order[a]]] > size[files[order[b]]] })
	return order
}

func scanFile(scan *logpush.Scan, dir, p string) error {
	fh, err := os.Open(p)
	if err != nil {
		return err
	}
	defer fh.Close()
	if strings.HasSuffix(strings.ToLower(p), ".gz") {
		if err := checkGzip(fh); err != nil {
			return err
		}
	}
	rel, _ := filepath.Rel(dir, p)
	return scan.AddFile(filepath.ToSlash(rel), fh)
}

// checkGzip refuses a .gz file that is empty or not gzip at all (Scan would
// read it as plain text and count its bytes as malformed lines), then
// rewinds it.
func checkGzip(f *os.File) error {
	var magic [2]byte
	n, _ := f.Read(magic[:])
	switch {
	case n == 0:
		return fmt.Errorf("empty file: a Logpush object is never empty (an interrupted upload?)")
	case !logpush.IsGzip(magic[:n]):
		return fmt.Errorf("named .gz but not gzip data")
	}
	_, err := f.Seek(0, 0)
	return err
}

// scanSink feeds bucket objects to a logs scan.
type scanSink struct{ scan *logpush.Scan }

func (s scanSink) AddObject(key string, body io.Reader) error { return s.scan.AddFile(key, body) }

// Complete is false: a scan reads the whole window in one fetch.
func (s scanSink) Complete() bool { return false }

// scanBucket reads the Logpush objects of the --since..--until window (the
// last 24 h by default) from the bucket with one fetch.
func (f *scanFlags) scanBucket(cmd *cobra.Command, ios IOStreams, scan *logpush.Scan, filter logpush.Filter) (int, error) {
	cfg, err := baseConfig(ios, f.devVars)
	if err != nil {
		return 0, err
	}
	f.bucketFlags.apply(cmd, &cfg)
	if cfg.Bucket == "" && !f.bucketSet(cmd) {
		return 0, &errext.UsageError{Flag: "dir", Msg: "give --dir DIR, or --bucket/--prefix (or CLOUDFLARE_R2_BUCKET_NAME) to scan R2"}
	}
	if !cfg.R2Configured() {
		return 0, &errext.UsageError{Flag: "bucket", Msg: "R2 is not configured: set " + config.JoinAnd(cfg.MissingR2()) + " (env or .dev.vars)"}
	}
	from, to := filter.Since, filter.Until
	if to.IsZero() {
		to = time.Now()
	}
	if from.IsZero() {
		from = to.Add(-24 * time.Hour)
		fmt.Fprintf(ios.Stderr, "pfx-tui: scanning the last 24 hours (set --since for more)\n")
	}
	rc := session.R2Config(cfg, nil)
	rc.Lookback = 0
	client, err := r2.New(cmd.Context(), rc)
	if err != nil {
		return 0, err
	}
	res, err := client.NewFetcher(from, to).Fetch(cmd.Context(), scanSink{scan})
	if err != nil {
		return 0, err
	}
	fmt.Fprintf(ios.Stderr, "pfx-tui: %s: %s read (%s, %s)\n", client.Endpoint(), report.Count(res.New, "object", "objects"),
		report.Count(int(client.Ops().ClassA), "list operation", "list operations"), report.Count(int(client.Ops().ClassB), "get operation", "get operations"))
	if res.Ignored > 0 {
		fmt.Fprintf(ios.Stderr, "pfx-tui: %d keys are not Logpush object names and were not read\n", res.Ignored)
	}
	return res.Failed + res.SinkErrors, nil
}
