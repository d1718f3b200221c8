package analytics

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/config"
)

// DefaultBase is Cloudflare's API; the GraphQL endpoint is Base + /graphql.
const DefaultBase = "https://api.cloudflare.com/client/v4"

// GraphQLPath is the GraphQL endpoint under the API base.
const GraphQLPath = "/graphql"

// Error kinds.
const (
	KindAuth    = "auth"    // the token is missing, invalid or lacks a permission: permanent
	KindQuery   = "query"   // the API refused the query (unknown field, bad argument): permanent
	KindAnswer  = "answer"  // the answer could not be read: permanent
	KindRate    = "rate"    // rate limited (HTTP 429 or a rate-limit message): retried
	KindServer  = "server"  // HTTP 5xx or a temporary failure message: retried
	KindNetwork = "network" // no answer: retried
)

// Error is a failed request. Its text never holds the token.
type Error struct {
	Kind    string
	Status  int    // HTTP status, 0 without an answer
	What    string // the dataset or "namespaces"
	Message string
}

func (e *Error) Error() string {
	s := e.What + ": "
	if e.Status != 0 {
		s += fmt.Sprintf("HTTP %d: ", e.Status)
	}
	s += e.Message
	switch e.Kind {
	case KindAuth:
		s += " — " + authHint(e.What)
	case KindRate:
		s += " (rate limited: the GraphQL API allows 300 queries per 5 minutes per user)"
	}
	return s
}

func authHint(what string) string {
	if what == WhatNamespaces {
		return "the token needs the account permission Workers Scripts: Read to list Durable Object namespaces (or name them with --do-namespace Class=ID)"
	}
	return "the token needs the account permission Account Analytics: Read (CLOUDFLARE_API_TOKEN)"
}

// Permanent reports whether retrying cannot help.
func (e *Error) Permanent() bool {
	return e.Kind == KindAuth || e.Kind == KindQuery || e.Kind == KindAnswer
}

// IsPermanent reports whether err is an analytics error that retrying cannot fix.
func IsPermanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Permanent()
}

// Client queries the GraphQL Analytics API (and lists namespaces) for one
// account. The token is a config.Secret: it is revealed only into the
// Authorization header, and scrubbed from any text an answer echoes.
type Client struct {
	Base    string // API base, DefaultBase when empty
	Account string
	Script  string // Worker script name (workersInvocationsAdaptive filter)
	Token   config.Secret
	HTTP    *http.Client
	// MaxAttempts per request for transient failures (default 5).
	MaxAttempts int
	// Backoff is the wait before retry n (1-based); default 1 s × 2^(n-1),
	// at most 30 s. A Retry-After header, when longer, wins (up to 60 s).
	Backoff func(n int) time.Duration
	// Sleep waits (tests make it instant); default a timer that ctx cancels.
	Sleep func(ctx context.Context, d time.Duration) error
}

func (c *Client) base() string {
	if c.Base == "" {
		return DefaultBase
	}
	return strings.TrimSuffix(c.Base, "/")
}

// Endpoint is the GraphQL URL.
func (c *Client) Endpoint() string { return c.base() + GraphQLPath }

func (c *Client) attempts() int {
	if c.MaxAttempts > 0 {
		return c.MaxAttempts
	}
	return 5
}

func (c *Client) backoff(n int, retryAfter time.Duration) time.Duration {
	var d time.Duration
	if c.Backoff != nil {
		d = c.Backoff(n)
	} else {
		d = min(time.Second<<min(n-1, 5), 30*time.Second)
	}
	if retryAfter > d {
		d = min(retryAfter, 60*time.Second)
	}
	return d
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// scrub removes the token from text an answer may echo.
func (c *Client) scrub(s string) string {
	if tok := c.Token.Reveal(); len(tok) >= 4 {
		s = strings.ReplaceAll(s, tok, "********")
	}
	if len(s) > 500 {
		s = s[:500] + "…"
	}
	return s
}

// Result is one dataset's rows.
type Result struct {
	Rows []Row
	// Dropped names optional fields the API did not know (left out).
	Dropped []string
	// Truncated: as many rows as the limit; later minutes may be missing.
	Truncated bool
}

// Fetch runs q for the window [from, to] (whole minutes, inclusive),
// retrying transient failures with backoff and leaving out optional fields
// the API says it does not know.
func (c *Client) Fetch(ctx context.Context, q Query, from, to time.Time) (Result, error) {
	var res Result
	err := c.call(ctx, q.Dataset, func() (*http.Request, error) {
		return jsonRequest(ctx, c.Endpoint(), map[string]any{"query": q.Text(), "variables": q.Variables(c.Account, c.Script, from, to)})
	}, func(status int, data []byte) error {
		rows, gerrs, perr := ParseResponse(data, q.Dataset)
		if err := c.classify(q.Dataset, status, gerrs, perr, data); err != nil {
			if field := unknownField(gerrs, q); field != "" {
				q, _ = q.Without(field)
				res.Dropped = append(res.Dropped, q.Dataset+"."+field)
				return errResend
			}
			return err
		}
		res.Rows = rows
		res.Truncated = len(rows) >= RowLimit
		return nil
	})
	return res, err
}

// errResend is check's answer when the next request differs (Fetch left an
// unknown optional field out): sent at once, and not counted as a retry.
var errResend = errors.New("send the changed request")

// call sends a request (newRequest builds each attempt's) until check
// accepts an answer: network failures and answers check classifies as
// transient (rate limits, server errors) are retried with backoff, at most
// attempts() times in all; a permanent Error ends it at once. Fetch (the
// GraphQL queries) and Namespaces (the REST listing) both go through it.
func (c *Client) call(ctx context.Context, what string, newRequest func() (*http.Request, error), check func(status int, data []byte) error) error {
	retries := 0
	for {
		req, err := newRequest()
		if err != nil {
			return err
		}
		status, data, retryAfter, err := c.do(req)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			err = &Error{Kind: KindNetwork, What: what, Message: c.scrub(err.Error())}
		} else if err = check(status, data); err == nil {
			return nil
		} else if errors.Is(err, errResend) {
			continue
		}
		if IsPermanent(err) {
			return err
		}
		retries++
		if retries >= c.attempts() {
			return err
		}
		if serr := c.sleep(ctx, c.backoff(retries, retryAfter)); serr != nil {
			return serr
		}
	}
}

var (
	rateWords  = []string{"rate limit", "budget depleted", "too many queries", "too many nodes", "consumed excessive resources"}
	retryWords = []string{"try again later", "unable to execute query", "internal server error", "timeout"}
	authWords  = []string{"unauthorized", "not authorized", "does not have access", "authentication", "permission"}
)

// classify turns an answer into nil (data to use) or an Error.
func (c *Client) classify(what string, status int, gerrs []GQLError, perr error, body []byte) error {
	msg := c.scrub(Messages(gerrs))
	lower := strings.ToLower(msg)
	has := func(words []string) bool {
		for _, w := range words {
			if strings.Contains(lower, w) {
				return true
			}
		}
		return false
	}
	mk := func(kind, m string) error { return &Error{Kind: kind, Status: status, What: what, Message: m} }
	if msg == "" {
		msg = c.scrub(strings.TrimSpace(string(body)))
		if perr != nil && status == http.StatusOK {
			msg = perr.Error()
		}
		lower = strings.ToLower(msg)
	}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden || len(gerrs) > 0 && has(authWords):
		return mk(KindAuth, orDefault(msg, http.StatusText(status)))
	case status == http.StatusTooManyRequests || len(gerrs) > 0 && has(rateWords):
		return mk(KindRate, orDefault(msg, "too many requests"))
	case status >= 500 || len(gerrs) > 0 && has(retryWords):
		return mk(KindServer, orDefault(msg, http.StatusText(status)))
	case len(gerrs) > 0:
		return mk(KindQuery, msg)
	case perr != nil:
		if status != http.StatusOK {
			return mk(KindQuery, orDefault(msg, http.StatusText(status)))
		}
		return mk(KindAnswer, perr.Error())
	case status != http.StatusOK:
		return mk(KindQuery, orDefault(msg, http.StatusText(status)))
	}
	return nil
}

func orDefault(s, d string) string {
	if strings.TrimSpace(s) == "" {
		return d
	}
	return s
}

var wordRe = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)

// unknownField finds an optional field of q that an "unknown field" error names.
func unknownField(errs []GQLError, q Query) string {
	for _, e := range errs {
		if !strings.Contains(strings.ToLower(e.Message), "unknown field") {
			continue
		}
		for _, w := range wordRe.FindAllString(e.Message, -1) {
			if _, ok := q.Without(w); ok {
				return w
			}
		}
	}
	return ""
}

// jsonRequest builds a POST of body as JSON.
func jsonRequest(ctx context.Context, url string, body any) (*http.Request, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}

// do sends one request; the body of any status is returned.
func (c *Client) do(req *http.Request) (status int, data []byte, retryAfter time.Duration, err error) {
	req.Header.Set("Accept", "application/json")
	if c.Token.Set() {
		req.Header.Set("Authorization", "Bearer "+c.Token.Reveal())
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, 0, err
	}
	defer resp.Body.Close()
	data, err = io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
	if s := resp.Header.Get("Retry-After"); s != "" {
		if n, e := strconv.Atoi(strings.TrimSpace(s)); e == nil && n > 0 {
			retryAfter = time.Duration(n) * time.Second
		}
	}
	return resp.StatusCode, data, retryAfter, err
}
