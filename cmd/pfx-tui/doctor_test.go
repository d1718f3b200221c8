package main

import (
	"strings"
	"testing"

	"github.com/pfx-tui/pfx-tui/internal/cfapi/cfapitest"
)

func TestDoctorCommand(t *testing.T) {
	t.Parallel()
	w := newCloudflareWorld(t)
	out, errOut, code := w.doctor(t)
	if code != 0 || !strings.Contains(out, "All checks passed") || errOut != "" {
		t.Fatalf("healthy: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"pfx-tui doctor", "target " + w.target.URL(), "a pfx-tui emulator", "R2 pfx-logs/workers", "✓ writes to r2://pfx-logs/workers/{DATE}", `✓ "logpush": true`} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q:\n%s", want, out)
		}
	}

	// A stalled job, as users met it: enabled, no error, last_complete null.
	w2 := newCloudflareWorld(t)
	jobs := w2.api.Jobs()
	jobs[0]["last_complete"] = nil
	w2.api = cfapitest.New(testAccount, testToken)
	t.Cleanup(w2.api.Close)
	w2.api.AddJob(jobs[0])
	w2.api.SetScript(testScript, true)
	w2.env["CLOUDFLARE_API_BASE_URL"] = w2.api.URL
	out, errOut, code = w2.doctor(t)
	if code != 1 || !strings.Contains(out, "✗ has never pushed") || !strings.Contains(out, "pfx-tui setup logpush --restart") || !strings.Contains(errOut, "doctor: 1 of") {
		t.Errorf("stalled: exit %d\n%s\n%s", code, out, errOut)
	}
	if _, e, code := w.doctor(t, "--stale-after", "0s"); code != 2 || !strings.Contains(e, "--stale-after") {
		t.Errorf("bad flag: exit %d %s", code, e)
	}
}
