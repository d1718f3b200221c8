package localtarget

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// The embedded S3 server's fixed settings. The keys are the emulator's own,
// published so that serve-local can print them and any S3 client can use
// them; they guard nothing but loopback test data and are not secrets.
const (
	S3BucketName           = "pfx-logpush"
	S3LocalAccessKeyID     = "pfx-local-access-key"
	S3LocalSecretAccessKey = "pfx-local-secret-key"
	// LogpushPathPrefix is the destination path of the emulated Logpush
	// job, as a user would configure "workers" on a real one.
	LogpushPathPrefix = "workers"
)

// S3Options configure an embedded S3 server.
type S3Options struct {
	// Addr is the listen address; empty means a random loopback port.
	Addr string
	// Bucket is created at start (default S3BucketName).
	Bucket string
	// AccessKeyID and SecretAccessKey are the only credentials accepted
	// (defaults S3LocalAccessKeyID and S3LocalSecretAccessKey).
	AccessKeyID, SecretAccessKey string
	// Middleware wraps the whole handler, outside authentication: tests use
	// it to count requests or inject failures.
	Middleware func(http.Handler) http.Handler
}

// S3Server is an in-memory S3 server (gofakes3) on loopback that holds the
// emulated Logpush objects, so internal/r2 reads the local target through
// aws-sdk-go-v2 exactly as it reads R2. gofakes3 checks no signatures, so
// S3Server verifies SigV4 itself and answers AccessDenied or
// SignatureDoesNotMatch like S3 does: wrong credentials fail for real.
type S3Server struct {
	opts     S3Options
	ln       net.Listener
	srv      *http.Server
	backend  *s3mem.Backend
	endpoint string
	once     sync.Once
}

// StartS3 creates the bucket and serves until Close.
func StartS3(opts S3Options) (*S3Server, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.Bucket == "" {
		opts.Bucket = S3BucketName
	}
	if opts.AccessKeyID == "" {
		opts.AccessKeyID = S3LocalAccessKeyID
	}
	if opts.SecretAccessKey == "" {
		opts.SecretAccessKey = S3LocalSecretAccessKey
	}
	backend := s3mem.New()
	if err := backend.CreateBucket(opts.Bucket); err != nil {
		return nil, fmt.Errorf("local S3: create bucket %s: %w", opts.Bucket, err)
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("local S3: listen on %s: %w", opts.Addr, err)
	}
	s := &S3Server{opts: opts, ln: ln, backend: backend, endpoint: "http://" + ln.Addr().String()}
	var h http.Handler = gofakes3.New(backend).Server()
	h = s.authenticate(h)
	if opts.Middleware != nil {
		h = opts.Middleware(h)
	}
	s.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Endpoint is the server's base URL, e.g. http://127.0.0.1:41235; clients
// must use path-style addressing.
func (s *S3Server) Endpoint() string { return s.endpoint }

// Bucket is the bucket created at start.
func (s *S3Server) Bucket() string { return s.opts.Bucket }

// AccessKeyID is the access key the server accepts.
func (s *S3Server) AccessKeyID() string { return s.opts.AccessKeyID }

// SecretAccessKey is the secret the server checks signatures with.
func (s *S3Server) SecretAccessKey() string { return s.opts.SecretAccessKey }

// PutObject stores an object directly in the backend (no HTTP, no
// signature): the Logpush emulator's and tests' way in.
func (s *S3Server) PutObject(key string, body []byte) error {
	meta := map[string]string{"Content-Type": "application/gzip"}
	if !strings.HasSuffix(key, ".gz") {
		meta["Content-Type"] = "application/octet-stream"
	}
	_, err := s.backend.PutObject(s.opts.Bucket, key, meta, bytes.NewReader(body), int64(len(body)), nil)
	if err != nil {
		return fmt.Errorf("local S3: put %s: %w", key, err)
	}
	return nil
}

// Close stops serving. Requests in flight get a short grace; connections a
// client opened but has not used yet would hold a graceful shutdown for
// seconds (net/http waits for them), so they are cut after it.
func (s *S3Server) Close() error {
	s.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil {
			_ = s.srv.Close()
		}
	})
	return nil
}

// authenticate admits only requests signed (SigV4, Authorization header)
// with the server's own key pair. It never echoes the key a client
// presented: that could be someone's real R2 key sent here by mistake.
func (s *S3Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if status, code, msg := s.checkSignature(r); code != "" {
			writeS3Error(w, r, status, code, msg)
			return
		}
		next.ServeHTTP(w, r)
	})
}

const sigV4Algorithm = "AWS4-HMAC-SHA256"

// checkSignature verifies an AWS SigV4 Authorization header the way S3
// does, over the headers the client says it signed. It returns the HTTP
// status, S3 error code and message of a refusal, or an empty code.
func (s *S3Server) checkSignature(r *http.Request) (int, string, string) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return http.StatusForbidden, "AccessDenied", "Access Denied: anonymous requests are not accepted; sign with the local target's access key"
	}
	rest, ok := strings.CutPrefix(auth, sigV4Algorithm+" ")
	if !ok {
		return http.StatusBadRequest, "InvalidArgument", "Unsupported Authorization Type: use " + sigV4Algorithm
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		fields[k] = v
	}
	scope := strings.Split(fields["Credential"], "/")
	if len(scope) != 5 || scope[4] != "aws4_request" || fields["SignedHeaders"] == "" || fields["Signature"] == "" {
		return http.StatusBadRequest, "AuthorizationHeaderMalformed", "The authorization header is malformed"
	}
	if scope[0] != s.opts.AccessKeyID {
		return http.StatusForbidden, "AccessDenied", "Access Denied: the access key ID is not the local target's"
	}
	amzDate := r.Header.Get("X-Amz-Date")
	payloadHash := r.Header.Get("X-Amz-Content-Sha256")
	if amzDate == "" || payloadHash == "" {
		return http.StatusBadRequest, "AuthorizationHeaderMalformed", "X-Amz-Date and X-Amz-Content-Sha256 are required"
	}
	signed := strings.Split(fields["SignedHeaders"], ";")
	var canon strings.Builder
	canon.WriteString(r.Method + "\n")
	canon.WriteString(r.URL.EscapedPath() + "\n")
	canon.WriteString(canonicalQuery(r.URL.RawQuery) + "\n")
	for _, h := range signed {
		canon.WriteString(h + ":" + canonicalHeaderValue(r, h) + "\n")
	}
	canon.WriteString("\n" + fields["SignedHeaders"] + "\n" + payloadHash)
	credScope := strings.Join(scope[1:], "/")
	sum := sha256.Sum256([]byte(canon.String()))
	toSign := sigV4Algorithm + "\n" + amzDate + "\n" + credScope + "\n" + hex.EncodeToString(sum[:])
	key := []byte("AWS4" + s.opts.SecretAccessKey)
	for _, part := range scope[1:] {
		key = hmacSHA256(key, part)
	}
	want := hex.EncodeToString(hmacSHA256(key, toSign))
	if !hmac.Equal([]byte(want), []byte(fields["Signature"])) {
		return http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method."
	}
	return 0, "", ""
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// canonicalQuery is SigV4's query string: every name and value
// URI-encoded (space as %20), pairs sorted after encoding.
func canonicalQuery(raw string) string {
	q, _ := url.ParseQuery(raw)
	var pairs []string
	for k, vs := range q {
		for _, v := range vs {
			pairs = append(pairs, sigV4Escape(k)+"="+sigV4Escape(v))
		}
	}
	sort.Strings(pairs)
	return strings.Join(pairs, "&")
}

func sigV4Escape(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

// canonicalHeaderValue is one signed header's value as SigV4 canonicalizes
// it. net/http moves Host and Content-Length out of the header map.
func canonicalHeaderValue(r *http.Request, name string) string {
	switch name {
	case "host":
		return r.Host
	case "content-length":
		if v := r.Header.Get("Content-Length"); v != "" {
			return v
		}
		return strconv.FormatInt(r.ContentLength, 10)
	}
	vals := r.Header.Values(name)
	for i, v := range vals {
		vals[i] = strings.Join(strings.Fields(v), " ")
	}
	return strings.Join(vals, ",")
}

// s3Error is S3's XML error document.
type s3Error struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	RequestID string   `xml:"RequestId"`
}

func writeS3Error(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	b, _ := xml.Marshal(s3Error{Code: code, Message: msg, RequestID: rayID()})
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(b)
}

// S3Endpoint is the embedded S3 server's URL (path-style addressing): the
// --r2-endpoint of local runs' billing, and what serve-local prints.
func (s *Server) S3Endpoint() string { return s.s3.Endpoint() }

// S3Bucket is the bucket the Logpush emulator writes to.
func (s *Server) S3Bucket() string { return s.s3.Bucket() }

// S3AccessKeyID is the embedded S3 server's access key (not a secret).
func (s *Server) S3AccessKeyID() string { return s.s3.AccessKeyID() }

// S3SecretAccessKey is the embedded S3 server's secret (the emulator's
// own fixed value, not a user's secret).
func (s *Server) S3SecretAccessKey() string { return s.s3.SecretAccessKey() }

// LogpushPrefix is the path the emulated Logpush job writes under
// ("workers"); the date folders sit below it.
func (s *Server) LogpushPrefix() string { return LogpushPathPrefix }

// S3 gives direct access to the embedded S3 server (tests, serve-local).
func (s *Server) S3() *S3Server { return s.s3 }
