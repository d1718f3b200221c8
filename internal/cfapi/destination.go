package cfapi

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
)

// Destination is a Logpush destination_conf. An R2 destination is
// r2://<bucket>/<path>?account-id=<id>&access-key-id=<key>&secret-access-key=<secret>
// (Cloudflare's "Enable Cloudflare R2" page); the keys are R2 write
// credentials, so String, GoString and MarshalJSON mask every credential
// parameter. Reveal gives the value for the one request that sends it.
type Destination string

// Reveal is the destination with its keys.
func (d Destination) Reveal() string { return string(d) }

func (d Destination) String() string { return RedactDestination(string(d)) }

// GoString masks %#v too.
func (d Destination) GoString() string { return d.String() }

// MarshalJSON writes the masked form (its & unescaped, for reading).
func (d Destination) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d.String()); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// UnmarshalJSON reads the API's string (null is empty).
func (d *Destination) UnmarshalJSON(b []byte) error {
	var s *string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*d = ""
	if s != nil {
		*d = Destination(*s)
	}
	return nil
}

// Redacted is the mask written in place of a credential.
const Redacted = "REDACTED"

// RedactDestination masks the value of every query parameter that can hold
// a credential (keys, secrets, tokens, signatures, passwords, auth headers)
// and any user info; a value it cannot parse is masked whole after the
// scheme.
func RedactDestination(s string) string {
	if s == "" {
		return ""
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return Redacted
	}
	if at := strings.LastIndex(strings.SplitN(rest, "/", 2)[0], "@"); at >= 0 {
		rest = Redacted + rest[at:]
	}
	path, query, hasQuery := strings.Cut(rest, "?")
	if !hasQuery {
		return scheme + "://" + path
	}
	var parts []string
	for _, kv := range strings.Split(query, "&") {
		k, _, hasValue := strings.Cut(kv, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		if hasValue && isCredential(name) {
			kv = k + "=" + Redacted
		}
		parts = append(parts, kv)
	}
	return scheme + "://" + path + "?" + strings.Join(parts, "&")
}

func isCredential(name string) bool {
	n := strings.ToLower(name)
	for _, s := range []string{"key", "secret", "token", "password", "sig", "auth", "header_", "credential"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// R2Destination is what an R2 destination names.
type R2Destination struct {
	Bucket string
	// Path is the folder path inside the bucket, {DATE} included.
	Path      string
	AccountID string
	// HasKeys: access-key-id and secret-access-key are both present.
	HasKeys bool
}

// Prefix is the path above the date folders (what --prefix names), and
// dated whether the path ends in {DATE}: pfx-tui lists date folders, so
// objects pushed without one are not found.
func (r R2Destination) Prefix() (prefix string, dated bool) {
	p := strings.Trim(r.Path, "/")
	if p == "{DATE}" {
		return "", true
	}
	if before, ok := strings.CutSuffix(p, "/{DATE}"); ok {
		return before, true
	}
	return p, false
}

// R2 parses an R2 destination; ok is false for any other kind (s3://, https://, …).
func (d Destination) R2() (R2Destination, bool) {
	s := string(d)
	rest, ok := strings.CutPrefix(s, "r2://")
	if !ok {
		return R2Destination{}, false
	}
	path, query, _ := strings.Cut(rest, "?")
	bucket, p, _ := strings.Cut(path, "/")
	if bucket == "" {
		return R2Destination{}, false
	}
	q, _ := url.ParseQuery(query)
	return R2Destination{
		Bucket:    bucket,
		Path:      p,
		AccountID: q.Get("account-id"),
		HasKeys:   q.Get("access-key-id") != "" && q.Get("secret-access-key") != "",
	}, true
}

// R2DestinationConf builds an R2 destination_conf: bucket, the prefix
// followed by the {DATE} folder, the account and the write keys.
func R2DestinationConf(bucket, prefix, accountID, accessKeyID, secretAccessKey string) Destination {
	path := bucket
	if p := strings.Trim(prefix, "/"); p != "" {
		path += "/" + p
	}
	q := "account-id=" + url.QueryEscape(accountID) + "&access-key-id=" + url.QueryEscape(accessKeyID) + "&secret-access-key=" + url.QueryEscape(secretAccessKey)
	return Destination("r2://" + path + "/{DATE}?" + q)
}
