// Package cfapi is the small part of Cloudflare's REST API that pfx-tui
// needs to check and set up billing: the account's Logpush jobs (list,
// create, update, delete) and a Worker's script settings ("logpush": true).
// The API token and the R2 keys inside a Logpush destination never appear
// in an error, a String or a JSON encoding: they print masked.
package cfapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/config"
)

// Names of the settings the API needs, as wrangler and Cloudflare's CLIs
// name them.
const (
	EnvAPIToken = "CLOUDFLARE_API_TOKEN"
	EnvBaseURL  = "CLOUDFLARE_API_BASE_URL"
	// DefaultBaseURL is Cloudflare's API v4.
	DefaultBaseURL = "https://api.cloudflare.com/client/v4"
)

// Options configure a Client.
type Options struct {
	// BaseURL defaults to DefaultBaseURL; tests point it at a fake.
	BaseURL   string
	Token     config.Secret
	AccountID string
	// HTTPClient defaults to one with a 30 s timeout.
	HTTPClient *http.Client
}

// Client calls the API for one account with one token.
type Client struct {
	base    string
	token   config.Secret
	account string
	http    *http.Client
}

// New checks the options; it sends nothing.
func New(o Options) (*Client, error) {
	if !o.Token.Set() {
		return nil, fmt.Errorf("no Cloudflare API token: set %s", EnvAPIToken)
	}
	if o.AccountID == "" {
		return nil, fmt.Errorf("no account: set %s", config.EnvAccountID)
	}
	base := strings.TrimSuffix(o.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return nil, fmt.Errorf("%s: want an http(s) URL without credentials", EnvBaseURL)
	}
	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &Client{base: base, token: o.Token, account: o.AccountID, http: hc}, nil
}

// AccountID is the account the client works on.
func (c *Client) AccountID() string { return c.account }

// Kinds of failure for errors.Is; an *Error matches the sentinel of its kind.
var (
	// ErrAuth: the token itself was refused (unknown, expired, revoked).
	ErrAuth = errors.New("cloudflare API: token refused")
	// ErrPermission: the token is valid but may not do this.
	ErrPermission = errors.New("cloudflare API: permission denied")
	// ErrNotFound: no such account, job or script.
	ErrNotFound = errors.New("cloudflare API: not found")
	// ErrUnreachable: no HTTP answer.
	ErrUnreachable = errors.New("cloudflare API: unreachable")
)

// Error is a failed API call. Its message quotes the API's errors (never
// the token) and names the operation.
type Error struct {
	Op     string // e.g. "list Logpush jobs"
	Status int    // 0 without an answer
	Codes  []int
	// Messages are the API's error messages, scrubbed of the token.
	Messages []string
	Kind     error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("Cloudflare API: " + e.Op)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	}
	for i, m := range e.Messages {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(m)
		if i < len(e.Codes) && e.Codes[i] != 0 {
			fmt.Fprintf(&b, " (code %d)", e.Codes[i])
		}
	}
	return b.String()
}

// Is matches the Kind sentinel.
func (e *Error) Is(target error) bool { return e.Kind != nil && e.Kind == target }

type apiMessage struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

type envelope struct {
	Success bool            `json:"success"`
	Errors  []apiMessage    `json:"errors"`
	Result  json.RawMessage `json:"result"`
}

// do sends one request and decodes the envelope's result into out.
func (c *Client) do(ctx context.Context, op, method, path string, body any, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token.Reveal())
	req.Header.Set("User-Agent", "pfx-tui")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &Error{Op: op, Kind: ErrUnreachable, Messages: []string{c.scrub(netCause(err))}}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return &Error{Op: op, Status: resp.StatusCode, Kind: ErrUnreachable, Messages: []string{c.scrub(err.Error())}}
	}
	var env envelope
	decodeErr := json.Unmarshal(raw, &env)
	if resp.StatusCode >= 300 || decodeErr != nil || !env.Success {
		e := &Error{Op: op, Status: resp.StatusCode}
		for _, m := range env.Errors {
			e.Codes = append(e.Codes, m.Code)
			e.Messages = append(e.Messages, c.scrub(m.Message))
		}
		if len(e.Messages) == 0 {
			if decodeErr != nil {
				e.Messages = []string{"the answer is not the API's JSON"}
			} else {
				e.Messages = []string{"the API reported failure without a message"}
			}
		}
		switch {
		case resp.StatusCode == http.StatusUnauthorized || tokenProblem(env.Errors):
			e.Kind = ErrAuth
		case resp.StatusCode == http.StatusForbidden:
			e.Kind = ErrPermission
		case resp.StatusCode == http.StatusNotFound:
			e.Kind = ErrNotFound
		}
		return e
	}
	if out == nil || len(env.Result) == 0 || bytes.Equal(env.Result, []byte("null")) {
		return nil
	}
	if err := json.Unmarshal(env.Result, out); err != nil {
		return &Error{Op: op, Status: resp.StatusCode, Messages: []string{"unexpected result: " + c.scrub(err.Error())}}
	}
	return nil
}

// tokenProblem recognises an invalid token reported with HTTP 400.
func tokenProblem(ms []apiMessage) bool {
	for _, m := range ms {
		l := strings.ToLower(m.Message)
		if strings.Contains(l, "invalid api token") || strings.Contains(l, "invalid access token") || strings.Contains(l, "authorization header") {
			return true
		}
	}
	return false
}

// scrub removes the token from text quoted from elsewhere.
func (c *Client) scrub(s string) string {
	if t := c.token.Reveal(); len(t) >= 6 {
		s = strings.ReplaceAll(s, t, "[redacted]")
	}
	return s
}

func netCause(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		// The URL is ours (no secret in it); the cause is what matters.
		return ue.Err.Error()
	}
	return err.Error()
}

func (c *Client) accountPath(rest string) string {
	return "/accounts/" + url.PathEscape(c.account) + rest
}

// ListLogpushJobs lists the account's Logpush jobs, every dataset.
func (c *Client) ListLogpushJobs(ctx context.Context) ([]LogpushJob, error) {
	var jobs []LogpushJob
	err := c.do(ctx, "list Logpush jobs", http.MethodGet, c.accountPath("/logpush/jobs"), nil, &jobs)
	return jobs, err
}

// CreateLogpushJob creates a job.
func (c *Client) CreateLogpushJob(ctx context.Context, body JobRequest) (LogpushJob, error) {
	var job LogpushJob
	err := c.do(ctx, "create a Logpush job", http.MethodPost, c.accountPath("/logpush/jobs"), body.wire(), &job)
	return job, err
}

// UpdateLogpushJob changes the fields body sets.
func (c *Client) UpdateLogpushJob(ctx context.Context, id int64, body JobRequest) (LogpushJob, error) {
	var job LogpushJob
	err := c.do(ctx, "update Logpush job "+strconv.FormatInt(id, 10), http.MethodPut, c.accountPath("/logpush/jobs/"+strconv.FormatInt(id, 10)), body.wire(), &job)
	return job, err
}

// DeleteLogpushJob deletes a job.
func (c *Client) DeleteLogpushJob(ctx context.Context, id int64) error {
	return c.do(ctx, "delete Logpush job "+strconv.FormatInt(id, 10), http.MethodDelete, c.accountPath("/logpush/jobs/"+strconv.FormatInt(id, 10)), nil, nil)
}

// ScriptSettings are a Worker's script-level settings.
type ScriptSettings struct {
	// Logpush is "logpush" in wrangler.jsonc: without it the Worker's
	// events never reach a Logpush job.
	Logpush bool `json:"logpush"`
}

// WorkerScriptSettings reads GET …/workers/scripts/{script}/script-settings.
func (c *Client) WorkerScriptSettings(ctx context.Context, script string) (ScriptSettings, error) {
	var s ScriptSettings
	err := c.do(ctx, "read the settings of Worker "+script, http.MethodGet, c.accountPath("/workers/scripts/"+url.PathEscape(script)+"/script-settings"), nil, &s)
	return s, err
}

// Endpoint is the API's base URL and method + path of a request, for
// --dry-run output.
func (c *Client) Endpoint(method, path string) string { return method + " " + c.base + path }

// JobsPath is the path of the account's Logpush jobs (id 0: the list).
func (c *Client) JobsPath(id int64) string {
	if id == 0 {
		return c.accountPath("/logpush/jobs")
	}
	return c.accountPath("/logpush/jobs/" + strconv.FormatInt(id, 10))
}
