package main

import (
	"strings"
	"testing"
)

// TestNoCredentialInAnyOutput runs every command that handles credentials,
// healthy and broken, and checks (in pfx) that neither the API token, nor
// pfx-tui's R2 keys, nor the Logpush job's R2 keys (set or returned by the
// API in destination_conf), nor a wrong value given for any of them,
// appear on stdout or stderr — --dry-run included.
func TestNoCredentialInAnyOutput(t *testing.T) {
	t.Parallel()
	w := newCloudflareWorld(t)
	wrongToken, wrongSecret := "wrong-token-DO-NOT-PRINT", "wrong-r2-secret-DO-NOT-PRINT"
	testSecretsExtra := []string{wrongToken, wrongSecret}
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
