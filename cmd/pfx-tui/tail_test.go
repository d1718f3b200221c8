package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pfx-tui/pfx-tui/internal/localtarget"
	"github.com/pfx-tui/pfx-tui/internal/logpush"
	"github.com/pfx-tui/pfx-tui/internal/report"
)

// asTailEvent writes a trace record the way `wrangler tail --format json`
// prints the same invocation.
func asTailEvent(rec logpush.Record) map[string]any {
	ev := map[string]any{
		"outcome": rec.Outcome, "scriptName": rec.ScriptName, "eventTimestamp": rec.EventTimestampMs,
		"truncated": false, "diagnosticsChannelEvents": []any{}, "executionModel": "durableObject",
	}
	if rec.WallTimeMs != nil {
		ev["wallTime"] = *rec.WallTimeMs
	}
	if rec.CPUTimeMs != nil {
		ev["cpuTime"] = *rec.CPUTimeMs
	}
	if rec.Entrypoint != "" {
		ev["entrypoint"] = rec.Entrypoint
	} else {
		ev["executionModel"] = "stateless"
	}
	var logs, exceptions []any
	for _, l := range rec.Logs {
		logs = append(logs, map[string]any{"message": l.Message, "level": l.Level, "timestamp": l.TimestampMs})
	}
	for _, x := range rec.Exceptions {
		exceptions = append(exceptions, map[string]any{"name": x.Name, "message": x.Message, "timestamp": x.TimestampMs})
	}
	ev["logs"], ev["exceptions"] = logs, exceptions
	switch rec.EventType {
	case "fetch":
		req := map[string]any{"url": "", "method": "GET", "headers": map[string]any{}}
		if rec.Event != nil && rec.Event.Request != nil {
			req["url"], req["method"] = rec.Event.Request.URL, rec.Event.Request.Method
		}
		ev["event"] = map[string]any{"request": req, "response": map[string]any{"status": 200}}
	case "alarm":
		ev["event"] = map[string]any{"scheduledTime": "2026-11-26T10:00:00.000Z"}
	case "hibernatable_web_socket":
		ev["event"] = map[string]any{"getWebSocketEvent": map[string]any{"webSocketEventType": "message"}}
	default:
		ev["event"] = map[string]any{"rpcMethod": "call"}
	}
	return ev
}

// TestBillingFromATailCapture: a run against a serve-local target with
// billing off, then `pfx-tui billing FILE --source tail --tail-file F` on
// a capture of the same invocations in wrangler's format (pretty-printed,
// wrangler's own text lines, every third event captured twice): billing
// is complete, each expected record matched exactly once.
func TestBillingFromATailCapture(t *testing.T) {
	t.Parallel()
	srv := serveLocal(t, localtarget.Options{KeepTraces: true}) // the test reads the traces back
	dir := t.TempDir()
	_, stderr, code := runBinary(t, dir, "run", "--no-tui", "--target", srv.URL(), "--approaches", "direct,current,simple", "--durations", "20ms", "--ops", "3", "--batches", "2", "--warmup", "1", "--billing", "none")
	if code != 0 {
		t.Fatalf("run: exit %d %s", code, stderr)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "results", "*.json"))
	recs, _ := srv.Traces().Since(0)
	var capture bytes.Buffer
	capture.WriteString("Successfully created tail, expires at 11/27/2026, 10:00:00 AM\nConnected to pfx-local, waiting for logs...\n")
	dups := 0
	for i, rec := range recs {
		b, err := json.MarshalIndent(asTailEvent(rec), "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		capture.Write(b)
		capture.WriteByte('\n')
		if i%3 == 0 {
			capture.Write(b)
			capture.WriteByte('\n')
			dups++
		}
	}
	tailPath := filepath.Join(dir, "tail.json")
	if err := os.WriteFile(tailPath, capture.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	var o, e bytes.Buffer
	code = Main(context.Background(), []string{"billing", files[0], "--source", "tail", "--tail-file", tailPath, "--dev-vars", filepath.Join(dir, "none")},
		IOStreams{Stdout: &o, Stderr: &e, Env: map[string]string{}})
	if code != 0 {
		t.Fatalf("billing: exit %d\n%s", code, e.String())
	}
	if !strings.Contains(e.String(), "wrangler tail capture") {
		t.Errorf("stderr does not say what is read: %s", e.String())
	}
	res, err := report.Load(files[0])
	if err != nil {
		t.Fatal(err)
	}
	b := res.Billing
	if b == nil || b.Source != "tail" || !b.Complete {
		t.Fatalf("billing %+v\n%s", b, e.String())
	}
	for _, c := range b.Counts {
		if c.Matched != c.Expected {
			t.Errorf("%s@%d %s: %d of %d", c.Approach, c.DurationMs, c.Role, c.Matched, c.Expected)
		}
	}
	if b.Records.Duplicates != dups || b.Records.Read != len(recs)+dups {
		t.Errorf("records %+v, want %d duplicates of %d", b.Records, dups, len(recs))
	}
	if !strings.Contains(o.String(), "cost per million ops") {
		t.Errorf("stdout: %s", o.String())
	}
}

func TestTailFlagsAreChecked(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args []string
		flag string
	}{
		{[]string{"run", "--no-tui", "--billing", "tail"}, "--tail-file"},
		{[]string{"run", "--no-tui", "--billing", "none", "--tail-file", "x.json"}, "--tail-file"},
		{[]string{"billing", "x.json", "--source", "tail"}, "--tail-file"},
		{[]string{"run", "--no-tui", "--billing", "tailz"}, "--billing"},
	}
	for _, c := range cases {
		var o, e bytes.Buffer
		code := Main(context.Background(), c.args, IOStreams{Stdout: &o, Stderr: &e, Env: map[string]string{}})
		if code != 2 || !strings.Contains(e.String(), c.flag) {
			t.Errorf("%v: exit %d, %s", c.args, code, e.String())
		}
	}
}

// TestRunWithTailBillingAndNoCapture: `run --billing tail` whose capture
// never appeared finishes the run, says what it waited for and what to do.
func TestRunWithTailBillingAndNoCapture(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, stderr, code := runBinary(t, dir, "run", "--no-tui", "--approaches", "direct", "--durations", "10ms", "--ops", "1", "--batches", "1", "--warmup", "0",
		"--billing", "tail", "--tail-file", "tail.json", "--poll-timeout", "0")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"waiting for billing records in wrangler tail capture tail.json", "no tail capture at tail.json", "npx wrangler tail"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}
