package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/pfx-tui/pfx-tui/internal/cfapi"
	"github.com/pfx-tui/pfx-tui/internal/cfapi/cfapitest"
)

func TestSetupLogpushCreates(t *testing.T) {
	t.Parallel()
	api := cfapitest.New(testAccount, testToken)
	defer api.Close()
	env := cloudflareEnv(api)

	// --dry-run: the request, keys masked, and nothing sent but the listing.
	out, errOut, code := pfx(t, env, "setup", "logpush", "--dry-run", "--prefix", "workers", "--script", testScript)
	if code != 0 {
		t.Fatalf("dry run: exit %d %s", code, errOut)
	}
	for _, want := range []string{"nothing is changed", "POST " + api.URL + "/accounts/" + testAccount + "/logpush/jobs", `"dataset": "workers_trace_events"`,
		`"destination_conf": "r2://pfx-logs/workers/{DATE}?account-id=` + testAccount + `&access-key-id=REDACTED&secret-access-key=REDACTED"`,
		`"CPUTimeMs"`, `"enabled": true`, `ScriptName`} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
	if w := writes(api); len(w) != 0 {
		t.Fatalf("dry run changed something: %+v", w)
	}

	out, errOut, code = pfx(t, env, "setup", "logpush", "--prefix", "workers")
	if code != 0 || !strings.Contains(out, "created Logpush job") {
		t.Fatalf("create: exit %d\n%s\n%s", code, out, errOut)
	}
	jobs := api.Jobs()
	if len(jobs) != 1 {
		t.Fatalf("jobs %v", jobs)
	}
	j := jobs[0]
	wantDest := "r2://pfx-logs/workers/{DATE}?account-id=" + testAccount + "&access-key-id=" + testLPKeyID + "&secret-access-key=" + testLPSecret
	if j["dataset"] != "workers_trace_events" || j["enabled"] != true || j["destination_conf"] != wantDest || j["name"] != cfapi.DefaultJobName {
		t.Errorf("created %v", j)
	}
	oo, _ := json.Marshal(j["output_options"])
	var o cfapi.OutputOptions
	_ = json.Unmarshal(oo, &o)
	if !reflect.DeepEqual(o.FieldNames, cfapi.JobFields) || o.OutputType != "ndjson" {
		t.Errorf("output_options %s", oo)
	}

	// Run again: nothing to change.
	out, _, code = pfx(t, env, "setup", "logpush", "--prefix", "workers")
	if code != 0 || !strings.Contains(out, "already right") || len(writes(api)) != 1 {
		t.Errorf("second run: exit %d %s %+v", code, out, writes(api))
	}

	// --restart: disabled, then enabled.
	out, _, code = pfx(t, env, "setup", "logpush", "--prefix", "workers", "--restart")
	w := writes(api)
	if code != 0 || len(w) != 3 || w[1].Body != `{"enabled":false}` || w[2].Body != `{"enabled":true}` || !strings.Contains(out, "restarted") {
		t.Errorf("restart: exit %d %s %+v", code, out, w)
	}

	// --delete.
	out, _, code = pfx(t, env, "setup", "logpush", "--prefix", "workers", "--delete")
	if code != 0 || len(api.Jobs()) != 0 || !strings.Contains(out, "deleted Logpush job") || !strings.Contains(out, "secret-access-key=REDACTED") {
		t.Errorf("delete: exit %d %s", code, out)
	}
}

// TestSetupLogpushUpdatesAnOldJob: a job created before 2025-04-09 (legacy
// logpull_options, no timing fields, sampled, disabled) is fixed in place;
// its destination is right, so no keys are needed or sent.
func TestSetupLogpushUpdatesAnOldJob(t *testing.T) {
	t.Parallel()
	api := cfapitest.New(testAccount, testToken)
	defer api.Close()
	id := api.AddJob(map[string]any{"dataset": "workers_trace_events", "name": "old", "enabled": false,
		"destination_conf": "r2://pfx-logs/{DATE}?account-id=" + testAccount + "&access-key-id=K&secret-access-key=" + testAPISecret,
		"logpull_options":  "fields=EventTimestampMs,Logs,ScriptName,Entrypoint,EventType,Outcome&sample=0.5&timestamps=rfc3339", "output_options": nil})
	env := cloudflareEnv(api)
	delete(env, "LOGPUSH_R2_ACCESS_KEY_ID")
	delete(env, "LOGPUSH_R2_SECRET_ACCESS_KEY")
	out, errOut, code := pfx(t, env, "setup", "logpush")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	w := writes(api)
	if len(w) != 1 || w[0].Method != http.MethodPut || !strings.HasSuffix(w[0].Path, "/logpush/jobs/"+jsonNumber(id)) || strings.Contains(w[0].Body, "destination_conf") {
		t.Fatalf("requests %+v", w)
	}
	if !strings.Contains(out, "enabled") || !strings.Contains(out, "CPUTimeMs") || !strings.Contains(out, "sample_rate 1") {
		t.Errorf("output %s", out)
	}
	var body struct {
		Enabled       bool                `json:"enabled"`
		OutputOptions cfapi.OutputOptions `json:"output_options"`
	}
	if err := json.Unmarshal([]byte(w[0].Body), &body); err != nil {
		t.Fatal(err)
	}
	if !body.Enabled || body.OutputOptions.OutputType != "ndjson" || body.OutputOptions.SampleRate == nil || *body.OutputOptions.SampleRate != 1 {
		t.Errorf("body %s", w[0].Body)
	}
	for _, f := range cfapi.RequiredFields {
		if !strings.Contains(strings.Join(body.OutputOptions.FieldNames, ","), f) {
			t.Errorf("field_names lack %s: %v", f, body.OutputOptions.FieldNames)
		}
	}
}

func TestSetupLogpushRefusals(t *testing.T) {
	t.Parallel()
	api := cfapitest.New(testAccount, testToken)
	defer api.Close()

	env := cloudflareEnv(api)
	delete(env, "LOGPUSH_R2_SECRET_ACCESS_KEY")
	if _, e, code := pfx(t, env, "setup", "logpush"); code != 2 || !strings.Contains(e, "LOGPUSH_R2_SECRET_ACCESS_KEY") {
		t.Errorf("half the keys: exit %d %s", code, e)
	}
	delete(env, "LOGPUSH_R2_ACCESS_KEY_ID")
	if _, e, code := pfx(t, env, "setup", "logpush"); code != 2 || !strings.Contains(e, "LOGPUSH_R2_ACCESS_KEY_ID and LOGPUSH_R2_SECRET_ACCESS_KEY") {
		t.Errorf("no keys to create: exit %d %s", code, e)
	}
	env = cloudflareEnv(api)
	delete(env, "CLOUDFLARE_API_TOKEN")
	if _, e, code := pfx(t, env, "setup", "logpush"); code != 2 || !strings.Contains(e, "CLOUDFLARE_API_TOKEN is not set") {
		t.Errorf("no token: exit %d %s", code, e)
	}
	api.Deny("logs")
	if _, e, code := pfx(t, cloudflareEnv(api), "setup", "logpush"); code != 1 || !strings.Contains(e, "Logs: Edit") {
		t.Errorf("no permission: exit %d %s", code, e)
	}
	if _, e, code := pfx(t, cloudflareEnv(api), "setup", "logpush", "--delete", "--restart"); code != 2 || !strings.Contains(e, "--delete") {
		t.Errorf("contradiction: exit %d %s", code, e)
	}
	var o, e bytes.Buffer
	if code := Main(context.Background(), []string{"setup"}, IOStreams{Stdout: &o, Stderr: &e, Env: map[string]string{}}); code != 2 || !strings.Contains(e.String(), "logpush") {
		t.Errorf("bare setup: exit %d %s", code, e.String())
	}
}

func writes(api *cfapitest.Server) []cfapitest.Request {
	var out []cfapitest.Request
	for _, r := range api.Requests() {
		if r.Method != http.MethodGet {
			out = append(out, r)
		}
	}
	return out
}

func jsonNumber(n int64) string { b, _ := json.Marshal(n); return string(b) }
