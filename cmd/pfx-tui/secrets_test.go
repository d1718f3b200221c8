package main

import (
	"strings"
	"testing"
)

// TestNoCredentialInAnyOutput runs every command that handles credentials,
// healthy and broken, and checks (in pfx) that neither the API token, nor
// pfx-tui's R2 keys, nor the Logpush job's R2 keys (set or returned by the
// API in destination_conf), nor a wrong value given for any of them,
// appear on stdout or stderr — --dry-run included — nor PFX_TOKEN, right
// or wrong (doctor and a run against a target that requires it).
func TestNoCredentialInAnyOutput(t *testing.T) {
	t.Parallel()
	w := newCloudflareWorld(t)
	wrongToken, wrongSecret, wrongPFX := "wrong-token-DO-NOT-PRINT", "wrong-r2-secret-DO-NOT-PRINT", "wrong-pfx-token-DO-NOT-PRINT"
	testSecretsExtra := []string{wrongToken, wrongSecret, wrongPFX}
	runs := [][]string{
		{"doctor", "--r2-endpoint", w.s3.Endpoint(), "--prefix", "workers"},
		{"setup", "logpush", "--prefix", "workers", "--dry-run"},
		{"setup", "logpush", "--prefix", "workers", "--dry-run", "--restart", "--script", testScript},
		{"setup", "logpush", "--prefix", "other", "--dry-run"},
		{"setup", "logpush", "--prefix", "workers", "--delete", "--dry-run"},
		{"setup", "logpush", "--prefix", "workers"},
		{"setup", "logpush", "--prefix", "workers", "--restart"},
	}
	for _, args := range runs {
		out, errOut, _ := pfx(t, w.env, args...)
		for _, s := range testSecretsExtra {
			if strings.Contains(out+errOut, s) {
				t.Errorf("%v printed %q", args, s)
			}
		}
	}
	broken := []map[string]string{
		{"CLOUDFLARE_API_TOKEN": wrongToken},
		{"CLOUDFLARE_R2_SECRET_ACCESS_KEY": wrongSecret},
		{"CLOUDFLARE_API_BASE_URL": "http://127.0.0.1:1"},
		{"PFX_TOKEN": wrongPFX},
		{"PFX_TOKEN": ""},
	}
	for _, change := range broken {
		env := map[string]string{}
		for k, v := range w.env {
			env[k] = v
		}
		for k, v := range change {
			env[k] = v
		}
		for _, args := range [][]string{
			{"doctor", "--r2-endpoint", w.s3.Endpoint(), "--prefix", "workers"},
			{"setup", "logpush", "--prefix", "workers", "--dry-run"},
			{"setup", "logpush", "--prefix", "workers", "--delete"},
		} {
			out, errOut, code := pfx(t, env, args...)
			if code == 0 && args[0] == "doctor" {
				t.Errorf("%v with %v passed:\n%s", args, change, out)
			}
			for _, s := range testSecretsExtra {
				if strings.Contains(out+errOut, s) {
					t.Errorf("%v with %v printed %q:\n%s\n%s", args, change, s, out, errOut)
				}
			}
		}
	}
}

// TestPFXTokenSentToAProtectedTarget runs against a target that requires
// PFX_TOKEN: with it the run passes, without it or with a wrong one the run
// stops at the probe naming the 401 and PFX_TOKEN; the token is never printed.
func TestPFXTokenSentToAProtectedTarget(t *testing.T) {
	t.Parallel()
	w := newCloudflareWorld(t)
	wrong := "wrong-pfx-token-DO-NOT-PRINT"
	for _, tok := range []string{testPFXToken, wrong, ""} {
		env := map[string]string{"TEST_URL": w.target.URL(), "PFX_TOKEN": tok}
		out, errOut, code := pfx(t, env, "run", "--no-tui", "--billing", "none", "--approaches", "direct,simple",
			"--durations", "10ms", "--ops", "2", "--batches", "1", "--warmup", "0", "--out", t.TempDir())
		if strings.Contains(out+errOut, wrong) {
			t.Errorf("PFX_TOKEN %q printed:\n%s\n%s", tok, out, errOut)
		}
		switch {
		case tok == testPFXToken && code != 0:
			t.Errorf("with the right token: exit %d\n%s\n%s", code, out, errOut)
		case tok != testPFXToken && (code == 0 || !strings.Contains(errOut, "401") || !strings.Contains(errOut, "PFX_TOKEN")):
			t.Errorf("with token %q: exit %d, want a 401 naming PFX_TOKEN:\n%s\n%s", tok, code, out, errOut)
		}
	}
}
