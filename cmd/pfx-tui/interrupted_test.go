package main

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/localtarget"
	"github.com/pfx-tui/pfx-tui/internal/report"
)

// A results file left by an interrupted run (SIGINT mid-batch) is a valid
// file: `report FILE` renders it and `billing FILE` attaches billing to it
// from the target's bucket.
func TestReportAndBillingOnAnInterruptedRunsFile(t *testing.T) {
	t.Parallel()
	srv := serveLocal(t, localtarget.Options{})
	dir := t.TempDir()
	cmd := exec.Command(binPath, "run", "--no-tui", "--target", srv.URL(), "--billing", "none", "--approaches", "direct", "--durations", "100ms", "--ops", "20", "--batches", "3", "--warmup", "0")
	cmd.Dir = dir
	cmd.Env = cleanEnv()
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The file is rewritten after every batch: interrupt once it holds one.
	var file string
	deadline := time.Now().Add(20 * time.Second)
	for file == "" && time.Now().Before(deadline) {
		files, _ := filepath.Glob(filepath.Join(dir, "results", "*.json"))
		if len(files) == 1 {
			if r, err := report.Load(files[0]); err == nil && len(r.Batches) >= 1 {
				file = files[0]
				break
			}
		}
		time.Sleep(20 * time.Millisecond) // polling the file, not waiting out a guess
	}
	if file == "" {
		_ = cmd.Process.Kill()
		t.Fatalf("no batch written in time; stderr:\n%s", e.String())
	}
	_ = cmd.Process.Signal(syscall.SIGINT)
	if err := cmd.Wait(); err == nil {
		t.Fatalf("the run finished before the interrupt; stderr:\n%s", e.String())
	} else if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
		t.Fatalf("exit: %v\nstderr:\n%s", err, e.String())
	}
	r, err := report.Load(file)
	if err != nil || r.Status != report.StatusInterrupted {
		t.Fatalf("load: %v, status %v", err, r.Status)
	}

	var ro, re bytes.Buffer
	if code := Main(context.Background(), []string{"report", file}, IOStreams{Stdout: &ro, Stderr: &re, Env: map[string]string{}}); code != 0 {
		t.Fatalf("report: exit %d\n%s", code, re.String())
	}
	if !strings.Contains(strings.ToLower(ro.String()), "interrupted") {
		t.Errorf("report does not say the run was interrupted:\n%s", ro.String())
	}

	if err := srv.FlushLogpush(); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CLOUDFLARE_R2_ACCESS_KEY_ID": srv.S3AccessKeyID(), "CLOUDFLARE_R2_SECRET_ACCESS_KEY": srv.S3SecretAccessKey()}
	args := []string{"billing", file, "--r2-endpoint", srv.S3Endpoint(), "--bucket", srv.S3Bucket(), "--prefix", srv.LogpushPrefix(), "--dev-vars", filepath.Join(dir, "none"), "--poll-timeout", "10s"}
	var bo, be bytes.Buffer
	if code := Main(context.Background(), args, IOStreams{Stdout: &bo, Stderr: &be, Env: env}); code != 0 {
		t.Fatalf("billing: exit %d\n%s", code, be.String())
	}
	r, err = report.Load(file)
	if err != nil || r.Billing == nil {
		t.Fatalf("billing not attached: %v", err)
	}
	if r.Status != report.StatusInterrupted {
		t.Errorf("status after billing: %s", r.Status)
	}
}
