package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/report"
)

var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pfx-e2e-")
	if err != nil {
		panic(err)
	}
	binPath = filepath.Join(dir, "pfx-tui")
	build := exec.Command("go", "build", "-o", binPath, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		panic("building the binary: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func runBinary(t *testing.T, dir string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, args...)
	cmd.Dir = dir
	cmd.Env = cleanEnv()
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code = 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), code
}

// cleanEnv drops variables that would change the target or leak credentials.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "TEST_URL=") || strings.HasPrefix(kv, "CLOUDFLARE_") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

func onlyResultsFile(t *testing.T, dir string) *report.Results {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "results", "*.json"))
	if len(files) != 1 {
		t.Fatalf("results files: %v", files)
	}
	if !regexp.MustCompile(`^\d{8}T\d{6}Z-[0-9a-f]{6}\.json$`).MatchString(filepath.Base(files[0])) {
		t.Errorf("results file name %s", filepath.Base(files[0]))
	}
	r, err := report.Load(files[0])
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestEndToEndHeadlessRun(t *testing.T) {
	dir := t.TempDir()
	stdout, stderr, code := runBinary(t, dir, "run", "--no-tui", "--approaches", "direct,current,simple",
		"--durations", "50ms,100ms", "--ops", "3", "--batches", "2", "--warmup", "1")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "EMULATED") {
		t.Errorf("the local target's figures are not labelled emulated:\n%s", stdout)
	}
	for _, d := range []string{"50ms", "100ms"} {
		if !strings.Contains(stdout, "duration "+d) {
			t.Errorf("no table for %s", d)
		}
	}
	rows := regexp.MustCompile(`(?m)^(direct|current|simple)\s+6\s+`).FindAllString(stdout, -1)
	if len(rows) != 6 {
		t.Errorf("want 6 rows with n=6, got %d:\n%s", len(rows), stdout)
	}
	if !strings.Contains(stderr, "done in") {
		t.Errorf("stderr lacks the final line:\n%s", stderr)
	}
	r := onlyResultsFile(t, dir)
	if r.Status != report.StatusComplete || !r.Emulated || r.SchemaVersion != report.SchemaVersion {
		t.Errorf("results header: status %s emulated %v schema %d", r.Status, r.Emulated, r.SchemaVersion)
	}
	if r.Target.Version == nil || r.Target.Version.Version != 1 {
		t.Errorf("target version not recorded: %+v", r.Target)
	}
	perCell := map[string]int{}
	for _, b := range r.Batches {
		if b.Warmup {
			continue
		}
		for _, s := range b.Samples {
			perCell[fmt.Sprintf("%s/%d", b.Approach, b.DurationMs)]++
			if s.Ms < float64(b.DurationMs)-5 { // receipt jitter, see the wrangler test
				t.Errorf("%s sample %.2f below %d ms", b.ID, s.Ms, b.DurationMs)
			}
		}
	}
	// Billing: the local target's Logpush objects were read back through
	// the S3 API and every expected record matched.
	if r.Billing == nil || !r.Billing.Complete || !r.Billing.Emulated {
		t.Fatalf("billing not attached or incomplete: %+v", r.Billing)
	}
	for _, c := range r.Billing.Counts {
		if c.Matched != c.Expected {
			t.Errorf("billing %s@%d %s: matched %d of %d", c.Approach, c.DurationMs, c.Role, c.Matched, c.Expected)
		}
	}
	if r.Billing.Files.Files == 0 || len(r.Billing.Costs) != 6 || len(r.Billing.BreakEvens) != 2 {
		t.Errorf("billing files %d costs %d break-evens %d", r.Billing.Files.Files, len(r.Billing.Costs), len(r.Billing.BreakEvens))
	}
	if !strings.Contains(stdout, "cost per million ops") || !regexp.MustCompile(`matched (\d+) of (\d+) expected`).MatchString(stdout) {
		t.Errorf("no billing in the report:\n%s", stdout)
	}
	if len(perCell) != 6 {
		t.Errorf("cells in file: %v", perCell)
	}
	for k, n := range perCell {
		if n != 6 {
			t.Errorf("cell %s has %d samples, want 6", k, n)
		}
	}
}

func TestEndToEndJSONFormat(t *testing.T) {
	dir := t.TempDir()
	stdout, stderr, code := runBinary(t, dir, "--no-tui", "--approaches", "direct,simple", "--durations", "0", "--ops", "2", "--batches", "1", "--warmup", "0", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var out struct {
		SchemaVersion int `json:"schemaVersion"`
		Emulated      bool
		Analysis      report.Analysis `json:"analysis"`
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
	}
	if out.SchemaVersion != 1 || !out.Emulated || len(out.Analysis.Cells) != 2 {
		t.Errorf("json: %+v", out)
	}
}

func TestEndToEndInterruptKeepsPartialResults(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(binPath, "run", "--no-tui", "--approaches", "direct", "--durations", "200ms", "--ops", "50", "--batches", "3", "--warmup", "0")
	cmd.Dir = dir
	cmd.Env = cleanEnv()
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	_ = cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 130 {
		t.Fatalf("exit: %v\nstderr:\n%s", err, e.String())
	}
	r := onlyResultsFile(t, dir)
	if r.Status != report.StatusInterrupted || len(r.Batches) != 1 {
		t.Fatalf("status %s batches %d", r.Status, len(r.Batches))
	}
	if n := len(r.Batches[0].Samples); n < 3 || n > 12 {
		t.Errorf("partial batch kept %d samples", n)
	}
	if !strings.Contains(e.String(), "interrupted") {
		t.Errorf("stderr does not say interrupted:\n%s", e.String())
	}
}

func TestUsageErrorsExit2NamingTheFlag(t *testing.T) {
	cases := []struct {
		args []string
		flag string
	}{
		{[]string{"run", "--ops", "0"}, "--ops"},
		{[]string{"run", "--ops", "x"}, "--ops"},
		{[]string{"run", "--durations", "fast"}, "--durations"},
		{[]string{"run", "--durations", "40s"}, "--durations"},
		{[]string{"--order", "zigzag"}, "--order"},
		{[]string{"run", "--format", "xml"}, "--format"},
		{[]string{"run", "--target", "ftp://x"}, "--target"},
		{[]string{"run", "--bogus"}, "--bogus"},
		{[]string{"run", "--approaches", "direct,direct"}, "--approaches"},
	}
	for _, c := range cases {
		var o, e bytes.Buffer
		code := Main(context.Background(), c.args, IO{Stdout: &o, Stderr: &e, Env: map[string]string{}})
		if code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", c.args, code, e.String())
		}
		if !strings.Contains(e.String(), c.flag) {
			t.Errorf("%v: error does not name %s: %s", c.args, c.flag, e.String())
		}
	}
}

func TestUnofferedApproachIsAUsageError(t *testing.T) {
	var o, e bytes.Buffer
	code := Main(context.Background(), []string{"run", "--approaches", "direct,bogus", "--durations", "0", "--ops", "1", "--batches", "1", "--out", t.TempDir()}, IO{Stdout: &o, Stderr: &e, Env: map[string]string{}})
	if code != 2 || !strings.Contains(e.String(), "--approaches") || !strings.Contains(e.String(), "direct, current, simple") {
		t.Errorf("exit %d: %s", code, e.String())
	}
}

func TestUnreachableTargetNamesTheURL(t *testing.T) {
	var o, e bytes.Buffer
	code := Main(context.Background(), []string{"run", "--target", "http://127.0.0.1:1", "--out", t.TempDir()}, IO{Stdout: &o, Stderr: &e, Env: map[string]string{}})
	if code != 1 || !strings.Contains(e.String(), "127.0.0.1:1") || !strings.Contains(e.String(), "refused") {
		t.Errorf("exit %d: %s", code, e.String())
	}
}

// TestEndToEndWranglerTarget runs the real workers/ code under wrangler dev.
// `make test` installs workers/node_modules first (npm ci), so in CI this
// always runs; a bare `go test` without them says why it skips.
func TestEndToEndWranglerTarget(t *testing.T) {
	repo, _ := filepath.Abs("../..")
	if _, err := os.Stat(filepath.Join(repo, "workers", "node_modules", "wrangler")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("workers/node_modules is missing in CI: make test must run `npm ci` in workers/ first")
		}
		t.Skip("workers/node_modules is missing: run `make test` (it runs npm ci in workers/)")
	}
	dir := t.TempDir()
	stdout, stderr, code := runBinary(t, dir, "run", "--no-tui", "--target", "wrangler", "--workers-dir", filepath.Join(repo, "workers"),
		"--durations", "100ms", "--ops", "5", "--batches", "1", "--warmup", "1") // no --approaches: all the Worker offers
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	rows := regexp.MustCompile(`(?m)^(direct|current|simple|rpctarget)\s+5\s+`).FindAllString(stdout, -1)
	if len(rows) != 4 {
		t.Errorf("want 4 rows with n=5:\n%s", stdout)
	}
	if !strings.Contains(stdout, "wrangler dev") || !strings.Contains(stderr, "billing: none") {
		t.Errorf("the wrangler target is not labelled:\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
	r := onlyResultsFile(t, dir)
	if r.Target.Kind != "wrangler" || !r.Emulated {
		t.Errorf("target %+v emulated %v", r.Target, r.Emulated)
	}
	for _, b := range r.Batches {
		if b.Status != "ok" || b.Errors != 0 {
			t.Errorf("batch %s: %s %d errors %v", b.ID, b.Status, b.Errors, b.ErrorMessages)
		}
		// A sample is the gap between two progress receipts, so a late receipt
		// shortens the next gap by what it lengthened its own (tens of ms on a
		// loaded machine). The time from timing-start to the k-th receipt
		// carries only the first receipt's delay: it must reach k × duration,
		// within 5 ms.
		sum := 0.0
		for k, s := range b.Samples {
			sum += s.Ms
			if sum < float64((k+1)*b.DurationMs)-5 {
				t.Errorf("%s: %d ops took %.1f ms, below %d × %d ms", b.ID, k+1, sum, k+1, b.DurationMs)
			}
		}
	}
}

func TestLogsScanDirExactJSON(t *testing.T) {
	var o, e bytes.Buffer
	code := Main(context.Background(), []string{"logs", "scan", "--dir", "../../internal/logpush/testdata/scan", "--format", "json"}, IO{Stdout: &o, Stderr: &e, Env: map[string]string{}})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, e.String())
	}
	// Hand-checked in internal/logpush/scan_test.go.
	want := `{"files":3,"truncatedFiles":1,"lines":13,"records":10,"duplicates":1,"skipped":{"malformed":1,"badType":1},"groups":[{"scriptName":"pfx","entrypoint":"OriginDO","eventType":"alarm","count":2,"missingTiming":0,"wallTimeMs":{"sum":60,"mean":30,"p50":30,"p95":39},"cpuTimeMs":{"sum":6,"mean":3}},{"scriptName":"pfx","entrypoint":"OriginDO","eventType":"fetch","count":4,"missingTiming":0,"wallTimeMs":{"sum":1000,"mean":250,"p50":250,"p95":385},"cpuTimeMs":{"sum":26,"mean":6.5}},{"scriptName":"pfx-executor","entrypoint":"","eventType":"fetch","count":4,"missingTiming":1,"wallTimeMs":{"sum":150,"mean":50,"p50":50,"p95":68},"cpuTimeMs":{"sum":9,"mean":3}}]}` + "\n"
	if o.String() != want {
		t.Errorf("got  %s\nwant %s", o.String(), want)
	}
}

func TestReportFormatsAndThresholdExit3(t *testing.T) {
	dir := t.TempDir()
	_, stderr, code := runBinary(t, dir, "run", "--no-tui", "--approaches", "direct,simple", "--durations", "20ms", "--ops", "3", "--batches", "1", "--warmup", "0", "--billing", "none",
		"--threshold", "simple.p95<10s")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "results", "*.json"))
	for _, f := range []string{"text", "markdown", "csv", "json"} {
		out, errOut, code := runBinary(t, dir, "report", files[0], "--format", f)
		if code != 0 || len(out) == 0 {
			t.Errorf("report --format %s: exit %d %s", f, code, errOut)
		}
	}
	out, _, code := runBinary(t, dir, "report", files[0], "--threshold", "simple.p95<1ms", "--threshold", "direct.errors<1")
	if code != 3 || !strings.Contains(out, "✗ simple.p95<1ms") || !strings.Contains(out, "✓ direct.errors<1") {
		t.Errorf("failing gate: exit %d\n%s", code, out)
	}
	// A gate with a machine format keeps stdout parseable: the block goes to stderr.
	out, errOut, code := runBinary(t, dir, "report", files[0], "--format", "json", "--threshold", "simple.p95<1ms")
	var parsed map[string]any
	if code != 3 || json.Unmarshal([]byte(out), &parsed) != nil || !strings.Contains(errOut, "✗ simple.p95<1ms") {
		t.Errorf("json + threshold: exit %d, stdout parses: %v, stderr:\n%s", code, json.Unmarshal([]byte(out), &parsed) == nil, errOut)
	}
	out, _, code = runBinary(t, dir, "report", files[0], files[0])
	if code != 0 || !strings.Contains(out, "~") {
		t.Errorf("compare with itself: exit %d\n%s", code, out)
	}
}
