package main

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoCredentialInResultsFilesOrReports: a run with --billing logpush
// (with the keys right, then the secret wrong), `logs scan` of the bucket
// (right, and wrong: access denied), `billing FILE` (right, wrong, and --source analytics --dry-run, which prints curl commands with
// the token read from the environment), and `report FILE` in every
// format: no credential value (R2 keys, CLOUDFLARE_API_TOKEN, the Logpush
// job's keys, the wrong secret) appears on stdout or stderr (pfx checks)
// nor in any file written.
func TestNoCredentialInResultsFilesOrReports(t *testing.T) {
	t.Parallel()
	w := newCloudflareWorld(t)
	wrongSecret := "wrong-r2-secret-DO-NOT-PRINT"
	secrets := append([]string{wrongSecret}, testSecrets...)
	dir := t.TempDir()
	out := filepath.Join(dir, "results")
	wrong := map[string]string{}
	for k, v := range w.env {
		wrong[k] = v
	}
	wrong["CLOUDFLARE_R2_SECRET_ACCESS_KEY"] = wrongSecret
	check := func(what, s string) {
		t.Helper()
		for _, sec := range secrets {
			if strings.Contains(s, sec) {
				t.Errorf("%s contains the credential %q", what, sec)
			}
		}
	}
	run := func(env map[string]string, args ...string) (stderr string, code int) {
		t.Helper()
		o, e, code := pfx(t, env, args...)
		check(strings.Join(args[:2], " ")+" output", o+e)
		return e, code
	}
	runArgs := []string{"run", "--no-tui", "--target", w.target.URL(), "--approaches", "direct", "--durations", "10ms", "--ops", "2", "--batches", "1", "--warmup", "0",
		"--billing", "logpush", "--r2-endpoint", w.s3.Endpoint(), "--prefix", "workers", "--poll-timeout", "0", "--out", out}
	run(w.env, runArgs...)
	run(wrong, runArgs...)
	// Access denied by the bucket: the error names the variable, not the value.
	scan := []string{"logs", "scan", "--r2-endpoint", w.s3.Endpoint(), "--bucket", testBucket, "--prefix", "workers"}
	if e, code := run(wrong, scan...); code == 0 || !strings.Contains(e, "CLOUDFLARE_R2_SECRET_ACCESS_KEY") {
		t.Errorf("logs scan with a wrong secret: exit %d\n%s", code, e)
	}
	if e, code := run(w.env, scan...); code != 0 {
		t.Errorf("logs scan: exit %d\n%s", code, e)
	}
	files, _ := filepath.Glob(filepath.Join(out, "*.json"))
	if len(files) != 2 {
		t.Fatalf("results files: %v", files)
	}
	for _, f := range files {
		billingArgs := []string{"billing", f, "--r2-endpoint", w.s3.Endpoint(), "--prefix", "workers", "--poll-timeout", "0"}
		run(w.env, billingArgs...)
		run(wrong, billingArgs...)
		run(w.env, "billing", f, "--source", "analytics", "--dry-run")
		for _, format := range []string{"text", "markdown", "csv", "json"} {
			var o, e bytes.Buffer
			if code := Main(context.Background(), []string{"report", f, "--format", format}, IOStreams{Stdout: &o, Stderr: &e, Env: w.env}); code != 0 {
				t.Errorf("report --format %s: exit %d %s", format, code, e.String())
			}
			check("report --format "+format, o.String()+e.String())
		}
	}
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		check(path, string(b))
		return nil
	})
	if err != nil || n < 2 {
		t.Fatalf("walked %d files: %v", n, err)
	}
}
