package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pfx-tui/pfx-tui/internal/localtarget"
	"github.com/pfx-tui/pfx-tui/internal/report"
)

// TestBillingCommandAgainstServeLocalBucket: a run against a serve-local
// target reached by URL, billing off; then `pfx-tui billing FILE` attaches
// billing from that target's S3 bucket through aws-sdk-go-v2, and wrong
// credentials give a clear error that names the variables, never the key.
func TestBillingCommandAgainstServeLocalBucket(t *testing.T) {
	t.Parallel()
	srv := serveLocal(t, localtarget.Options{})
	dir := t.TempDir()
	_, stderr, code := runBinary(t, dir, "run", "--no-tui", "--target", srv.URL(), "--approaches", "direct,simple", "--durations", "20ms", "--ops", "3", "--batches", "1", "--warmup", "0", "--billing", "none")
	if code != 0 {
		t.Fatalf("run: exit %d %s", code, stderr)
	}
	if !strings.Contains(stderr, "billing: none") {
		t.Errorf("billing off is not said: %s", stderr)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "results", "*.json"))
	if err := srv.FlushLogpush(); err != nil {
		t.Fatal(err)
	}
	args := []string{"billing", files[0], "--r2-endpoint", srv.S3Endpoint(), "--bucket", srv.S3Bucket(), "--prefix", srv.LogpushPrefix(), "--dev-vars", filepath.Join(dir, "none")}

	// Wrong secret: exit 1, names the variables, does not print the key.
	var o, e bytes.Buffer
	env := map[string]string{"CLOUDFLARE_R2_ACCESS_KEY_ID": srv.S3AccessKeyID(), "CLOUDFLARE_R2_SECRET_ACCESS_KEY": "wrong-secret-value-123"}
	code = Main(context.Background(), args, IOStreams{Stdout: &o, Stderr: &e, Env: env})
	if code != 1 || !strings.Contains(e.String(), "CLOUDFLARE_R2_SECRET_ACCESS_KEY") || strings.Contains(e.String()+o.String(), "wrong-secret-value-123") {
		t.Errorf("wrong credentials: exit %d\n%s", code, e.String())
	}

	o.Reset()
	e.Reset()
	env["CLOUDFLARE_R2_SECRET_ACCESS_KEY"] = srv.S3SecretAccessKey()
	code = Main(context.Background(), args, IOStreams{Stdout: &o, Stderr: &e, Env: env})
	if code != 0 {
		t.Fatalf("billing: exit %d\n%s", code, e.String())
	}
	r, err := report.Load(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if r.Billing == nil || !r.Billing.Complete || !r.Emulated {
		t.Fatalf("billing not attached: %+v emulated %v", r.Billing, r.Emulated)
	}
	for _, c := range r.Billing.Counts {
		if c.Matched != c.Expected {
			t.Errorf("%s@%d %s: %d of %d", c.Approach, c.DurationMs, c.Role, c.Matched, c.Expected)
		}
	}
	if !strings.Contains(o.String(), "cost per million ops") {
		t.Errorf("stdout: %s", o.String())
	}

	// Without --billing none, a run against serve-local by URL bills itself
	// from the bucket its /version names, and writes no key to the file.
	dir2 := t.TempDir()
	_, stderr, code = runBinary(t, dir2, "run", "--no-tui", "--target", srv.URL(), "--approaches", "direct", "--durations", "20ms", "--ops", "2", "--batches", "1", "--warmup", "0")
	if code != 0 {
		t.Fatalf("run with billing: exit %d %s", code, stderr)
	}
	files2, _ := filepath.Glob(filepath.Join(dir2, "results", "*.json"))
	r2res, err := report.Load(files2[0])
	if err != nil {
		t.Fatal(err)
	}
	if r2res.Billing == nil || !r2res.Billing.Complete {
		t.Errorf("serve-local run not billed: %s", stderr)
	}
	raw, _ := os.ReadFile(files2[0])
	if strings.Contains(string(raw), srv.S3SecretAccessKey()) {
		t.Error("the results file holds the emulator's secret key")
	}
}
