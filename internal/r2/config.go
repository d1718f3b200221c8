package r2

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/config"
)

// Config says where the Logpush objects live and how to sign requests. The
// zero values of the tuning fields are sensible defaults; the connection
// fields come from config.Config (env, .dev.vars, flags).
//
// Config never prints its keys: String and GoString mask them, so a Config
// can be logged or put in an error safely.
type Config struct {
	// AccountID builds the R2 endpoint https://<AccountID>.r2.cloudflarestorage.com.
	// Not needed when Endpoint is set.
	AccountID string
	// Jurisdiction selects R2's jurisdiction endpoint
	// https://<AccountID>.<Jurisdiction>.r2.cloudflarestorage.com, required
	// for buckets created in one ("eu", "fedramp"; Cloudflare adds more over
	// time, so any DNS label is accepted). Empty or "default" means none.
	Jurisdiction string
	// Endpoint overrides the R2 endpoint with any S3-compatible server, e.g.
	// the local target's http://127.0.0.1:PORT. It must carry the scheme.
	Endpoint string
	// Bucket holds the Logpush objects.
	Bucket string
	// Prefix is the Logpush job's optional destination path inside the
	// bucket (e.g. "workers"); the date folders sit below it.
	Prefix string
	// AccessKeyID and SecretAccessKey are an R2 API token's S3 credentials.
	AccessKeyID     string
	SecretAccessKey string
	// PathStyle asks for https://host/bucket/key addressing instead of
	// https://bucket.host/key. It is always on for a loopback Endpoint,
	// which has no per-bucket DNS names.
	PathStyle bool

	// PageSize is MaxKeys of one ListObjectsV2 page; 0 means the server's
	// default (1000, the most R2 returns). Tests lower it to exercise
	// pagination.
	PageSize int32
	// Concurrency bounds parallel downloads (default 4).
	Concurrency int
	// Lookback is how far before the run's start, and before the newest
	// object already seen in a folder, each listing starts (default 5 m).
	// It absorbs clock skew and objects that Logpush uploads out of name
	// order (a slow upload of an earlier window); keys already downloaded
	// are skipped, so the overlap costs no Class B operations. A negative
	// value lists strictly after the last key seen.
	Lookback time.Duration
	// MaxAttempts is the SDK retryer's attempts per request, the first
	// included (default 5); transient errors (5xx, throttling, resets) are
	// retried with exponential backoff and jitter.
	MaxAttempts int
	// RequestTimeout bounds one HTTP request, reading the body included
	// (default 2 m), so a stalled connection cannot hang a poll.
	RequestTimeout time.Duration
}

// Defaults of the tuning fields.
const (
	DefaultConcurrency    = 4
	DefaultLookback       = 5 * time.Minute
	DefaultMaxAttempts    = 5
	DefaultRequestTimeout = 2 * time.Minute
)

// r2Domain is R2's S3 API domain; jurisdictions are a label before it.
const r2Domain = "r2.cloudflarestorage.com"

// MissingConfigError lists the settings R2 access lacks, by environment
// variable name, so the user knows exactly what to put in the environment
// or .dev.vars. It never carries a value.
type MissingConfigError struct {
	Vars []string
}

// Error names the variables to set.
func (e *MissingConfigError) Error() string {
	return fmt.Sprintf("R2 access is not configured: set %s (in the environment or .dev.vars)", config.JoinAnd(e.Vars))
}

// FromConfig maps the console's config onto an R2 Config; the caller adds
// Endpoint, Jurisdiction, Prefix and tuning from its flags. It is the one
// place that reveals the secrets, to hand them to the signer.
func FromConfig(c config.Config) Config {
	return Config{
		AccountID:       c.AccountID,
		Bucket:          c.Bucket,
		AccessKeyID:     c.AccessKeyID.Reveal(),
		SecretAccessKey: c.SecretAccessKey.Reveal(),
	}
}

// validate checks the fields and resolves the endpoint.
func (c Config) validate() (endpoint *url.URL, isR2 bool, err error) {
	var missing []string
	if c.Endpoint == "" && c.AccountID == "" {
		missing = append(missing, config.EnvAccountID+" (or an S3 endpoint)")
	}
	if c.Bucket == "" {
		missing = append(missing, config.EnvBucket)
	}
	if c.AccessKeyID == "" {
		missing = append(missing, config.EnvAccessKeyID)
	}
	if c.SecretAccessKey == "" {
		missing = append(missing, config.EnvSecretAccessKey)
	}
	if len(missing) > 0 {
		return nil, false, &MissingConfigError{Vars: missing}
	}
	return c.endpointURL()
}

// endpointURL resolves the S3 endpoint from Endpoint, or AccountID and
// Jurisdiction.
func (c Config) endpointURL() (endpoint *url.URL, isR2 bool, err error) {
	if c.Endpoint != "" {
		if strings.Contains(c.Endpoint, "@") {
			// Never echo it: user info in a URL is a credential.
			return nil, false, fmt.Errorf("S3 endpoint: must not carry credentials (use %s and %s)", config.EnvAccessKeyID, config.EnvSecretAccessKey)
		}
		u, err := url.Parse(c.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, false, fmt.Errorf("S3 endpoint %q: want http://host[:port] or https://host[:port]", c.Endpoint)
		}
		u.Path, u.RawPath, u.RawQuery, u.Fragment = strings.TrimSuffix(u.Path, "/"), "", "", ""
		return u, false, nil
	}
	if !isDNSLabel(c.AccountID) {
		return nil, false, fmt.Errorf("%s %q is not an account ID (32 hex digits, from the R2 overview page of the dashboard)", config.EnvAccountID, c.AccountID)
	}
	host := c.AccountID + "." + r2Domain
	if j := strings.ToLower(strings.TrimSpace(c.Jurisdiction)); j != "" && j != "default" {
		if !isDNSLabel(j) {
			return nil, false, fmt.Errorf("R2 jurisdiction %q: want a name such as eu or fedramp", c.Jurisdiction)
		}
		host = c.AccountID + "." + j + "." + r2Domain
	}
	return &url.URL{Scheme: "https", Host: host}, true, nil
}

// String describes the configuration without its keys.
func (c Config) String() string {
	ep := "(no endpoint)"
	if u, _, err := c.endpointURL(); err == nil {
		ep = u.String()
	} else if c.Endpoint != "" && !strings.Contains(c.Endpoint, "@") {
		ep = c.Endpoint
	}
	return fmt.Sprintf("r2.Config{endpoint %s, bucket %q, prefix %q, access key %s, secret %s}",
		ep, c.Bucket, c.Prefix, maskState(c.AccessKeyID), maskState(c.SecretAccessKey))
}

// GoString masks %#v as well.
func (c Config) GoString() string { return c.String() }

func maskState(s string) string {
	if s == "" {
		return "(unset)"
	}
	return "(set)"
}

// isDNSLabel reports whether s can stand as one label of a host name.
func isDNSLabel(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// isLoopbackHost reports whether host (no port) is this machine.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
