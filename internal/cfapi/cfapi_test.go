package cfapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/cfapi"
	"github.com/pfx-tui/pfx-tui/internal/cfapi/cfapitest"
	"github.com/pfx-tui/pfx-tui/internal/config"
)

const (
	account = "0123456789abcdef0123456789abcdef"
	token   = "cf-api-token-value-DO-NOT-PRINT"
	secret  = "r2-secret-value-DO-NOT-PRINT"
)

func client(t *testing.T, base, tok string) *cfapi.Client {
	t.Helper()
	c, err := cfapi.New(cfapi.Options{BaseURL: base, Token: config.NewSecret(tok), AccountID: account})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNewChecksOptions(t *testing.T) {
	t.Parallel()
	if _, err := cfapi.New(cfapi.Options{AccountID: account}); err == nil || !strings.Contains(err.Error(), cfapi.EnvAPIToken) {
		t.Errorf("no token: %v", err)
	}
	if _, err := cfapi.New(cfapi.Options{Token: config.NewSecret(token)}); err == nil || !strings.Contains(err.Error(), config.EnvAccountID) {
		t.Errorf("no account: %v", err)
	}
	if _, err := cfapi.New(cfapi.Options{Token: config.NewSecret(token), AccountID: account, BaseURL: "https://user:pw@example.com"}); err == nil || strings.Contains(err.Error(), "pw") {
		t.Errorf("credentials in the base URL: %v", err)
	}
}

func TestJobsRoundTrip(t *testing.T) {
	t.Parallel()
	api := cfapitest.New(account, token)
	defer api.Close()
	c := client(t, api.URL, token)
	ctx := context.Background()
	dest := cfapi.R2DestinationConf("pfx-logs", "workers", account, "AKID-LOGPUSH", secret)
	job, err := c.CreateLogpushJob(ctx, cfapi.JobRequest{Name: "pfx", Dataset: cfapi.DatasetWorkersTraceEvents, Enabled: cfapi.Bool(true), Destination: dest,
		OutputOptions: map[string]any{"output_type": "ndjson", "field_names": []string{"CPUTimeMs", "WallTimeMs"}}})
	if err != nil {
		t.Fatal(err)
	}
	if job.ID == 0 || !job.Enabled || job.Destination.Reveal() != dest.Reveal() {
		t.Fatalf("created %+v", job)
	}
	reqs := api.Requests()
	if last := reqs[len(reqs)-1]; last.Method != http.MethodPost || !strings.Contains(last.Body, secret) || last.Auth != "Bearer "+token {
		t.Errorf("the request must carry the keys and the token: %+v", last)
	}
	if fields, from := job.Fields(); !reflect.DeepEqual(fields, []string{"CPUTimeMs", "WallTimeMs"}) || from != "output_options.field_names" {
		t.Errorf("fields %v from %q", fields, from)
	}
	job, err = c.UpdateLogpushJob(ctx, job.ID, cfapi.JobRequest{Enabled: cfapi.Bool(false)})
	if err != nil || job.Enabled {
		t.Fatalf("update: %+v %v", job, err)
	}
	if body := api.Requests()[len(api.Requests())-1].Body; body != `{"enabled":false}` {
		t.Errorf("an update sends only what it sets: %s", body)
	}
	jobs, err := c.ListLogpushJobs(ctx)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("list: %v %v", jobs, err)
	}
	if err := c.DeleteLogpushJob(ctx, job.ID); err != nil {
		t.Fatal(err)
	}
	if jobs, _ := c.ListLogpushJobs(ctx); len(jobs) != 0 {
		t.Errorf("after delete: %v", jobs)
	}
	api.SetScript("pfx-experiment", true)
	if s, err := c.WorkerScriptSettings(ctx, "pfx-experiment"); err != nil || !s.Logpush {
		t.Errorf("script settings %+v %v", s, err)
	}
}

func TestErrorsAreClassifiedAndCarryNoSecret(t *testing.T) {
	t.Parallel()
	api := cfapitest.New(account, token)
	defer api.Close()
	ctx := context.Background()

	_, err := client(t, api.URL, "wrong-token-value-DO-NOT-PRINT").ListLogpushJobs(ctx)
	if !errors.Is(err, cfapi.ErrAuth) || strings.Contains(err.Error(), "wrong-token-value") {
		t.Errorf("wrong token: %v", err)
	}
	api.Deny("logs")
	_, err = client(t, api.URL, token).ListLogpushJobs(ctx)
	var e *cfapi.Error
	if !errors.Is(err, cfapi.ErrPermission) || !errors.As(err, &e) || e.Status != 403 || e.Codes[0] != 10000 {
		t.Errorf("no Logs permission: %v", err)
	}
	if !strings.Contains(err.Error(), "list Logpush jobs: HTTP 403: Authentication error (code 10000)") {
		t.Errorf("message: %v", err)
	}
	if _, err := client(t, api.URL, token).WorkerScriptSettings(ctx, "nope"); !errors.Is(err, cfapi.ErrNotFound) {
		t.Errorf("no such Worker: %v", err)
	}
	// An API that echoes the token in its message has it scrubbed.
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(400)
		fmt.Fprintf(w, `{"success":false,"errors":[{"code":6003,"message":"bad header %s"}]}`, r.Header.Get("Authorization"))
	})
	srv := newServer(t, echo)
	_, err = client(t, srv, token).ListLogpushJobs(ctx)
	if err == nil || strings.Contains(err.Error(), token) || !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("echoed token: %v", err)
	}
	// Nothing listening.
	_, err = client(t, "http://127.0.0.1:1", token).ListLogpushJobs(ctx)
	if !errors.Is(err, cfapi.ErrUnreachable) {
		t.Errorf("unreachable: %v", err)
	}
}

func TestDestination(t *testing.T) {
	t.Parallel()
	d := cfapi.R2DestinationConf("pfx-logs", "/workers/", account, "AKID-LOGPUSH", secret)
	want := "r2://pfx-logs/workers/{DATE}?account-id=" + account + "&access-key-id=AKID-LOGPUSH&secret-access-key=" + secret
	if d.Reveal() != want {
		t.Fatalf("conf %s", d.Reveal())
	}
	for _, s := range []string{d.String(), fmt.Sprintf("%v %s %#v %+v", d, d, d, struct{ D cfapi.Destination }{d})} {
		if strings.Contains(s, secret) || strings.Contains(s, "AKID-LOGPUSH") || !strings.Contains(s, "r2://pfx-logs/workers/{DATE}") {
			t.Errorf("printed: %s", s)
		}
	}
	b, _ := json.Marshal(cfapi.JobRequest{Destination: d})
	if strings.Contains(string(b), secret) || !strings.Contains(string(b), "secret-access-key=REDACTED") {
		t.Errorf("JSON: %s", b)
	}
	r2, ok := d.R2()
	prefix, dated := r2.Prefix()
	if !ok || r2.Bucket != "pfx-logs" || prefix != "workers" || !dated || r2.AccountID != account || !r2.HasKeys {
		t.Errorf("parsed %+v %q %v", r2, prefix, dated)
	}
	cases := map[string]string{
		"r2://b/{DATE}?account-id=a&access-key-id=k&secret-access-key=s":               "r2://b/{DATE}?account-id=a&access-key-id=REDACTED&secret-access-key=REDACTED",
		"s3://bucket/dir?region=us-east-1&sse=AES256":                                  "s3://bucket/dir?region=us-east-1&sse=AES256",
		"https://user:pw@logs.example.com/x?header_Authorization=Bearer%20t&Api-Key=k": "https://REDACTED@logs.example.com/x?header_Authorization=REDACTED&Api-Key=REDACTED",
		"garbage with secret": "REDACTED",
	}
	for in, want := range cases {
		if got := cfapi.RedactDestination(in); got != want {
			t.Errorf("RedactDestination(%q) = %q, want %q", in, got, want)
		}
	}
	if p, dated := (cfapi.R2Destination{Path: "logs"}).Prefix(); p != "logs" || dated {
		t.Errorf("undated path: %q %v", p, dated)
	}
	if _, ok := cfapi.Destination("s3://b/x?region=auto").R2(); ok {
		t.Error("s3 is not r2")
	}
}

func TestLegacyLogpullOptionsAndTimes(t *testing.T) {
	t.Parallel()
	var j cfapi.LogpushJob
	raw := `{"id":7,"dataset":"workers_trace_events","enabled":true,"destination_conf":null,"output_options":null,
		"logpull_options":"fields=EventTimestampMs,Logs,ScriptName&sample=0.5&timestamps=rfc3339",
		"last_complete":"2026-11-26T10:01:00Z","last_error":null,"error_message":null}`
	if err := json.Unmarshal([]byte(raw), &j); err != nil {
		t.Fatal(err)
	}
	fields, from := j.Fields()
	if !reflect.DeepEqual(fields, []string{"EventTimestampMs", "Logs", "ScriptName"}) || from != "logpull_options" {
		t.Errorf("fields %v from %q", fields, from)
	}
	if j.SampleRate() != 0.5 {
		t.Errorf("sample %v", j.SampleRate())
	}
	if miss := j.MissingFields([]string{"CPUTimeMs", "Logs", "WallTimeMs"}); !reflect.DeepEqual(miss, []string{"CPUTimeMs", "WallTimeMs"}) {
		t.Errorf("missing %v", miss)
	}
	if tm, ok := j.LastCompleteTime(); !ok || !tm.Equal(time.Date(2026, 11, 26, 10, 1, 0, 0, time.UTC)) {
		t.Errorf("last_complete %v %v", tm, ok)
	}
	if _, ok := j.LastErrorTime(); ok {
		t.Error("last_error null")
	}
	if _, ok := j.Output(); ok {
		t.Error("output_options null")
	}
}
