package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/cfapi"
	"github.com/pfx-tui/pfx-tui/internal/cfapi/cfapitest"
	"github.com/pfx-tui/pfx-tui/internal/localtarget"
)

const (
	testAccount   = "0123456789abcdef0123456789abcdef"
	testToken     = "cf-api-token-DO-NOT-PRINT-42"
	testLPKeyID   = "LOGPUSH-KEYID-DO-NOT-PRINT"
	testLPSecret  = "logpush-secret-DO-NOT-PRINT"
	testR2KeyID   = "pfx-read-keyid-DO-NOT-PRINT"
	testR2Secret  = "pfx-read-secret-DO-NOT-PRINT"
	testBucket    = "pfx-logs"
	testScript    = "pfx-experiment"
	testAPISecret = "r2-secret-in-a-job-DO-NOT-PRINT"
	testPFXToken  = "pfx-token-DO-NOT-PRINT"
)

var testSecrets = []string{testToken, testLPKeyID, testLPSecret, testR2KeyID, testR2Secret, testAPISecret, testPFXToken}

func cloudflareEnv(api *cfapitest.Server) map[string]string {
	return map[string]string{
		"CLOUDFLARE_ACCOUNT_ID": testAccount, "CLOUDFLARE_API_TOKEN": testToken, "CLOUDFLARE_API_BASE_URL": api.URL,
		"CLOUDFLARE_R2_BUCKET_NAME": testBucket, "CLOUDFLARE_R2_ACCESS_KEY_ID": testR2KeyID, "CLOUDFLARE_R2_SECRET_ACCESS_KEY": testR2Secret,
		"LOGPUSH_R2_ACCESS_KEY_ID": testLPKeyID, "LOGPUSH_R2_SECRET_ACCESS_KEY": testLPSecret,
		"PFX_TOKEN": testPFXToken,
	}
}

// pfx runs the command line in-process and checks no credential reached
// stdout or stderr.
func pfx(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	args = append(args, "--dev-vars", filepath.Join(t.TempDir(), "none"))
	code = Main(context.Background(), args, IOStreams{Stdout: &o, Stderr: &e, Env: env})
	for _, s := range testSecrets {
		if strings.Contains(o.String()+e.String(), s) {
			t.Errorf("pfx-tui %s printed the credential %q:\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), s, o.String(), e.String())
		}
	}
	return o.String(), e.String(), code
}

// cloudflareWorld is a healthy set-up: a fake Cloudflare API holding a
// right Logpush job, the embedded S3 server (gofakes3) with a fresh
// Logpush object, and a serve-local target standing in for the Worker.
type cloudflareWorld struct {
	api    *cfapitest.Server
	s3     *localtarget.S3Server
	target *localtarget.Server
	env    map[string]string
}

func newCloudflareWorld(t *testing.T) *cloudflareWorld {
	t.Helper()
	api := cfapitest.New(testAccount, testToken)
	t.Cleanup(api.Close)
	s3, err := localtarget.StartS3(localtarget.S3Options{Bucket: testBucket, AccessKeyID: testR2KeyID, SecretAccessKey: testR2Secret})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s3.Close() })
	target, err := localtarget.Start(localtarget.Options{Token: testPFXToken}) // a protected Worker
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = target.Close() })
	now := time.Now().UTC()
	if err := s3.PutObject("workers/"+now.Format("20060102")+"/"+now.Add(-30*time.Second).Format("20060102T150405Z")+"_"+now.Format("20060102T150405Z")+"_00c0ffee.log.gz", []byte("x")); err != nil {
		t.Fatal(err)
	}
	api.AddJob(map[string]any{"dataset": "workers_trace_events", "name": cfapi.DefaultJobName, "enabled": true,
		"destination_conf": "r2://" + testBucket + "/workers/{DATE}?account-id=" + testAccount + "&access-key-id=" + testLPKeyID + "&secret-access-key=" + testAPISecret,
		"output_options":   map[string]any{"field_names": cfapi.JobFields, "output_type": "ndjson"},
		"last_complete":    now.Add(-time.Minute).Format(time.RFC3339), "last_error": nil, "error_message": nil})
	api.SetScript(testScript, true)
	env := cloudflareEnv(api)
	env["TEST_URL"] = target.URL()
	return &cloudflareWorld{api: api, s3: s3, target: target, env: env}
}

func (w *cloudflareWorld) doctor(t *testing.T, extra ...string) (string, string, int) {
	t.Helper()
	args := append([]string{"doctor", "--r2-endpoint", w.s3.Endpoint(), "--prefix", "workers"}, extra...)
	return pfx(t, w.env, args...)
}
