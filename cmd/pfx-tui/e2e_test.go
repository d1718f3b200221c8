package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/localtarget"
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
	cmd := exec.CommandContext(ctx, binPath, fastLocalBilling(args)...)
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

// fastLocalBilling makes a run on the embedded target push its Logpush
// objects every 100 ms (instead of every few seconds), so billing completes
// in a fraction of a second; the billing logic under test is the same.
func fastLocalBilling(args []string) []string {
	if len(args) == 0 || args[0] != "run" {
		return args
	}
	for _, a := range args {
		if a == "--target" || a == "--local-push-interval" {
			return args
		}
	}
	return append(append([]string{}, args...), "--local-push-interval", "100ms")
}

// serveLocal starts a local target that the binary reaches by URL, as a
// `pfx-tui serve-local` would be; it is closed with the test.
func serveLocal(t *testing.T, opts localtarget.Options) *localtarget.Server {
	t.Helper()
	srv, err := localtarget.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
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
	t.Parallel()
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
	if o := r.BillingOps; o == nil || o.ClassA < 1 || o.ClassB < 1 || o.CostUSD <= 0 {
		t.Errorf("the results file does not record the R2 requests billing made: %+v", o)
	}
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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
		{[]string{"run", "--batch-timeout", "soon"}, "--batch-timeout"},
		{[]string{"serve-local", "--addr", "nonsense"}, "--addr"},
		{[]string{"logs", "scan", "--dir", "/nonexistent-pfx"}, "--dir"},
		{[]string{"run", "--no-tui", "--billing", "none", "--threshold", "foo.p95<1s", "--out", "/nonexistent-pfx/never-written"}, "--threshold"},
		{[]string{"run", "--no-tui", "--billing", "none", "--durations", "100ms", "--threshold", "direct.p95@2s<1s", "--out", "/nonexistent-pfx/never-written"}, "--threshold"},
	}
	for _, c := range cases {
		var o, e bytes.Buffer
		code := Main(context.Background(), c.args, IOStreams{Stdout: &o, Stderr: &e, Env: map[string]string{}})
		if code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", c.args, code, e.String())
		}
		if !strings.Contains(e.String(), c.flag) {
			t.Errorf("%v: error does not name %s: %s", c.args, c.flag, e.String())
		}
		if lines := strings.Split(strings.TrimSpace(e.String()), "\n"); len(lines) != 2 || strings.Contains(e.String(), "strconv") {
			t.Errorf("%v: want one line naming the problem and the --help pointer, got:\n%s", c.args, e.String())
		}
	}
}

func TestVersionFlagAndCommand(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--version"}, {"version"}} {
		var o, e bytes.Buffer
		if code := Main(context.Background(), args, IOStreams{Stdout: &o, Stderr: &e, Env: map[string]string{}}); code != 0 || !strings.HasPrefix(o.String(), "pfx-tui ") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, o.String(), e.String())
		}
	}
}

func TestReportOnAFolderOrAMissingFileSaysWhatToDo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, c := range []struct{ path, want string }{
		{dir, "is a folder, not a results file"},
		{filepath.Join(dir, "nope.json"), "no results file at"},
	} {
		var o, e bytes.Buffer
		code := Main(context.Background(), []string{"report", c.path}, IOStreams{Stdout: &o, Stderr: &e, Env: map[string]string{}})
		if code != 1 || !strings.Contains(e.String(), c.want) || !strings.Contains(e.String(), c.path) {
			t.Errorf("report %s: exit %d, stderr %q", c.path, code, e.String())
		}
	}
}

func TestUnofferedApproachIsAUsageError(t *testing.T) {
	t.Parallel()
	var o, e bytes.Buffer
	code := Main(context.Background(), []string{"run", "--approaches", "direct,bogus", "--durations", "0", "--ops", "1", "--batches", "1", "--out", t.TempDir()}, IOStreams{Stdout: &o, Stderr: &e, Env: map[string]string{}})
	if code != 2 || !strings.Contains(e.String(), "--approaches") || !strings.Contains(e.String(), "direct, current, simple") {
		t.Errorf("exit %d: %s", code, e.String())
	}
}

// A target that does not honour durationMs (no capabilities in /version)
// refuses --durations, naming the flag and the way out.
func TestDurationsRefusedByAThirdPartyTarget(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/version" {
			fmt.Fprint(w, `{"version":1,"timestamp":1}`)
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	var o, e bytes.Buffer
	code := Main(context.Background(), []string{"run", "--no-tui", "--target", srv.URL, "--durations", "100ms,1s", "--out", t.TempDir()}, IOStreams{Stdout: &o, Stderr: &e, Env: map[string]string{}})
	if code != 2 || !strings.Contains(e.String(), "--durations") || !strings.Contains(e.String(), "--assume-server-duration") {
		t.Errorf("exit %d: %s", code, e.String())
	}
}

func TestUnreachableTargetNamesTheURL(t *testing.T) {
	t.Parallel()
	var o, e bytes.Buffer
	code := Main(context.Background(), []string{"run", "--target", "http://127.0.0.1:1", "--out", t.TempDir()}, IOStreams{Stdout: &o, Stderr: &e, Env: map[string]string{}})
	if code != 1 || !strings.Contains(e.String(), "127.0.0.1:1") || !strings.Contains(e.String(), "refused") {
		t.Errorf("exit %d: %s", code, e.String())
	}
}

// TestEndToEndWranglerTarget runs the real workers/ code under wrangler dev.
// `make test` installs workers/node_modules first (npm ci), so in CI this
// always runs; a bare `go test` without them says why it skips.
func TestEndToEndWranglerTarget(t *testing.T) {
	t.Parallel()
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
		// A sample is the gap between two progress receipts: on a loaded
		// machine delivery jitter shortens one gap by what it lengthened the
		// previous, so single samples are not bounded — the batch is: its ops
		// ran one after another, each waiting the upstream delay.
		if b.Warmup || len(b.Samples) == 0 {
			continue
		}
		if perOp := b.BatchMs / float64(b.Ops); perOp < float64(b.DurationMs) {
			t.Errorf("%s: %.1f ms per op over a %d ms upstream", b.ID, perOp, b.DurationMs)
		}
	}
}

func TestLogsScanDirExactJSON(t *testing.T) {
	t.Parallel()
	var o, e bytes.Buffer
	code := Main(context.Background(), []string{"logs", "scan", "--dir", "../../internal/logpush/testdata/scan", "--format", "json"}, IOStreams{Stdout: &o, Stderr: &e, Env: map[string]string{}})
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
	t.Parallel()
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
	// A gate with JSON keeps stdout one document: the outcome is inside it.
	out, errOut, code := runBinary(t, dir, "report", files[0], "--format", "json", "--threshold", "simple.p95<1ms")
	var parsed struct {
		Thresholds []struct {
			Expr string `json:"expr"`
			OK   bool   `json:"ok"`
		} `json:"thresholds"`
	}
	if err := json.Unmarshal([]byte(out), &parsed); code != 3 || err != nil || len(parsed.Thresholds) != 1 || parsed.Thresholds[0].OK || parsed.Thresholds[0].Expr != "simple.p95<1ms" {
		t.Errorf("json + threshold: exit %d, parse error %v, thresholds %+v, stderr:\n%s", code, err, parsed.Thresholds, errOut)
	}
	// CSV has no place for it: the block goes to stderr.
	out, errOut, code = runBinary(t, dir, "report", files[0], "--format", "csv", "--threshold", "simple.p95<1ms")
	if code != 3 || strings.Contains(out, "✗") || !strings.Contains(errOut, "✗ simple.p95<1ms") {
		t.Errorf("csv + threshold: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	// Two runs compare in every format.
	for _, f := range []string{"text", "markdown", "csv", "json"} {
		out, errOut, code = runBinary(t, dir, "report", files[0], files[0], "--format", f)
		if code != 0 || !strings.Contains(out, "simple") {
			t.Errorf("compare --format %s: exit %d\n%s\n%s", f, code, out, errOut)
		}
	}
	out, _, code = runBinary(t, dir, "report", files[0], files[0])
	if code != 0 || !strings.Contains(out, "~") {
		t.Errorf("compare with itself: exit %d\n%s", code, out)
	}
}
