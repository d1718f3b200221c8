package r2

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/pfx-tui/pfx-tui/internal/config"
)

// Kinds of failure a user can act on, for errors.Is. A *Error matches the
// sentinel of its kind.
var (
	// ErrCredentials: the server refused the keys (AccessDenied,
	// InvalidAccessKeyId, SignatureDoesNotMatch, HTTP 401/403). Permanent.
	ErrCredentials = errors.New("r2: credentials refused")
	// ErrNoSuchBucket: the bucket does not exist at this endpoint. Permanent.
	ErrNoSuchBucket = errors.New("r2: no such bucket")
	// ErrUnreachable: no HTTP answer (DNS, refused or reset connection,
	// TLS, timeout). Transient: the network may come back.
	ErrUnreachable = errors.New("r2: endpoint unreachable")
)

// Error is a failed S3 request, classified, with a message that says what to
// check. The message never contains a key: names of environment variables
// are given instead, and anything quoted from the server is scrubbed of the
// configured keys.
type Error struct {
	// Kind is ErrCredentials, ErrNoSuchBucket, ErrUnreachable, or nil for
	// any other failure (server errors, throttling past the retries, …).
	Kind error
	// Op is the S3 operation: "ListObjectsV2" or "GetObject".
	Op string
	// Code is the S3 error code the server sent, if any.
	Code string
	// Status is the HTTP status, 0 when there was no answer.
	Status int

	msg string
	err error
}

// Error is the user-facing message.
func (e *Error) Error() string { return e.msg }

// Unwrap exposes the SDK's error (for errors.As on smithy types).
func (e *Error) Unwrap() error { return e.err }

// Is matches the Kind sentinel.
func (e *Error) Is(target error) bool { return e.Kind != nil && target == e.Kind }

// Permanent reports whether polling again cannot help: the configuration
// has to change first.
func (e *Error) Permanent() bool {
	return e.Kind == ErrCredentials || e.Kind == ErrNoSuchBucket
}

// IsPermanent reports whether err is an *Error that retrying cannot fix, so
// a poller should give up instead of waiting for its deadline.
func IsPermanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Permanent()
}

// credentialCodes are the S3 error codes that mean "these keys are wrong or
// not allowed here". R2 answers InvalidArgument for a key of the wrong
// length, handled in classify.
var credentialCodes = map[string]bool{
	"AccessDenied":          true,
	"InvalidAccessKeyId":    true,
	"SignatureDoesNotMatch": true,
	"Unauthorized":          true,
	"InvalidToken":          true,
	"ExpiredToken":          true,
	"InvalidSecurity":       true,
	"AllAccessDisabled":     true,
}

// classify turns an SDK error into an *Error with an actionable message.
// When ctx has ended its error is returned instead, so callers can tell
// "stopped" from "failed"; a request timeout is a failure (unreachable).
func (c *Client) classify(ctx context.Context, op, key string, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	e := &Error{Op: op, err: err}
	var apiErr smithy.APIError
	serverMsg := ""
	if errors.As(err, &apiErr) {
		e.Code = apiErr.ErrorCode()
		serverMsg = apiErr.ErrorMessage()
	}
	var status interface{ HTTPStatusCode() int }
	if errors.As(err, &status) {
		e.Status = status.HTTPStatusCode()
	}
	var sendErr *smithyhttp.RequestSendError
	switch {
	case credentialCodes[e.Code] || e.Status == 401 || e.Status == 403 ||
		e.Code == "InvalidArgument" && mentionsCredential(serverMsg):
		e.Kind = ErrCredentials
		e.msg = fmt.Sprintf("%s refused the credentials (%s): check %s and %s (an R2 API token with Object Read on bucket %q)%s",
			c.serverName(), c.codeOrStatus(e), config.EnvAccessKeyID, config.EnvSecretAccessKey, c.bucket, c.quote(serverMsg))
	case e.Code == "NoSuchBucket" || op == opList && e.Status == 404 && e.Code == "":
		e.Kind = ErrNoSuchBucket
		e.msg = fmt.Sprintf("bucket %q does not exist %s: check %s%s", c.bucket, c.where(), config.EnvBucket, c.jurisdictionHint())
	case errors.As(err, &sendErr) || isNetError(err):
		e.Kind = ErrUnreachable
		e.msg = fmt.Sprintf("cannot reach the %s endpoint %s: %s", c.serviceName(), c.host, c.redact(netCause(err)))
	default:
		what := op
		if key != "" {
			what += " " + key
		}
		e.msg = fmt.Sprintf("%s %s on bucket %q failed: %s", c.serviceName(), what, c.bucket, c.redact(err.Error()))
	}
	return e
}

func mentionsCredential(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "access key") || strings.Contains(m, "credential") || strings.Contains(m, "signature")
}

func (c *Client) codeOrStatus(e *Error) string {
	switch {
	case e.Code != "" && e.Status != 0:
		return fmt.Sprintf("%s, HTTP %d", e.Code, e.Status)
	case e.Code != "":
		return e.Code
	default:
		return fmt.Sprintf("HTTP %d", e.Status)
	}
}

// quote adds the server's own explanation, scrubbed of the keys.
func (c *Client) quote(serverMsg string) string {
	serverMsg = strings.TrimSpace(serverMsg)
	if serverMsg == "" {
		return ""
	}
	return "; the server said: " + c.redact(serverMsg)
}

func (c *Client) serviceName() string {
	if c.isR2 {
		return "R2"
	}
	return "S3"
}

func (c *Client) serverName() string {
	if c.isR2 {
		return "R2"
	}
	return "the S3 endpoint " + c.host
}

func (c *Client) where() string {
	if c.isR2 {
		return "for account " + c.accountID
	}
	return "at " + c.endpoint
}

func (c *Client) jurisdictionHint() string {
	if c.isR2 && c.jurisdiction == "" {
		return " (a bucket created in a jurisdiction such as eu is only visible at its endpoint <account>.eu." + r2Domain + ")"
	}
	return ""
}

// isNetError catches dial and DNS failures however the SDK wrapped them.
func isNetError(err error) bool {
	var opErr *net.OpError
	var dnsErr *net.DNSError
	return errors.As(err, &opErr) || errors.As(err, &dnsErr)
}

// netCause is the most telling part of a transport failure: the DNS or
// dial error when there is one, not the SDK's wrapping.
func netCause(err error) string {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr.Error()
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return opErr.Error()
	}
	var sendErr *smithyhttp.RequestSendError
	if errors.As(err, &sendErr) && sendErr.Err != nil {
		return sendErr.Err.Error()
	}
	return err.Error()
}
