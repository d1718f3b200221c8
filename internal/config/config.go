// Package config holds the one Config struct every command reads. Values
// come from defaults < .dev.vars < environment < flags; secrets are a type
// that cannot print itself.
package config

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
	"github.com/spf13/pflag"
)

// Secret holds a credential. It prints and marshals as a mask, so it cannot
// leak into output, logs or results files by accident; use Reveal to use it.
type Secret struct{ v string }

// NewSecret wraps a credential.
func NewSecret(v string) Secret { return Secret{v: v} }

// Reveal returns the credential, for the one place that sends it.
func (s Secret) Reveal() string { return s.v }

// Set reports whether a value is present.
func (s Secret) Set() bool { return s.v != "" }

func (s Secret) String() string {
	if s.v == "" {
		return ""
	}
	return "********"
}

// GoString masks %#v too.
func (s Secret) GoString() string { return s.String() }

// MarshalJSON writes whether the secret was set, never its value.
func (s Secret) MarshalJSON() ([]byte, error) {
	if s.v == "" {
		return []byte(`""`), nil
	}
	return []byte(`"(set)"`), nil
}

// Environment variable names, as in Lumenize's .dev.vars.
const (
	EnvAccountID       = "CLOUDFLARE_ACCOUNT_ID"
	EnvBucket          = "CLOUDFLARE_R2_BUCKET_NAME"
	EnvAccessKeyID     = "CLOUDFLARE_R2_ACCESS_KEY_ID"
	EnvSecretAccessKey = "CLOUDFLARE_R2_SECRET_ACCESS_KEY"
	EnvTestURL         = "TEST_URL"
	EnvNoColor         = "NO_COLOR"
)

// EnvAPIToken is a Cloudflare API token with Account Analytics: Read (and
// Workers Scripts: Read to list namespaces), for --billing analytics.
const EnvAPIToken = "CLOUDFLARE_API_TOKEN"

// EnvPFXToken is the experiment Worker's shared secret (`wrangler secret put
// PFX_TOKEN`): pfx-tui sends it as Authorization: Bearer on /version,
// /patterns and every batch's WebSocket; serve-local requires it when set.
const EnvPFXToken = "PFX_TOKEN"

// Config is everything a command needs.
type Config struct {
	Target string `json:"target"`
	// Token is PFX_TOKEN, sent to the target (never printed).
	Token Secret `json:"token"`
	// Plan is the experiment's shape; every front end runs exactly this.
	experiment.Plan
	// AllApproaches: --approaches was not given, so every approach the
	// target's /patterns offers is compared (Approaches is the fallback).
	AllApproaches bool          `json:"-"`
	Out           string        `json:"out"`
	Format        string        `json:"format"`
	HopLatency    time.Duration `json:"-"`
	// WorkersDir is the workers/ project that --target wrangler runs.
	WorkersDir string `json:"workersDir,omitempty"`
	// BatchTimeout overrides the per-batch timeout (0 = the default formula).
	BatchTimeout time.Duration `json:"-"`
	// Retries is how many times a failed batch runs again (--retries).
	Retries int `json:"-"`

	// DurationsGiven: --durations was given (a target that applies its own
	// delay refuses it); AssumeServerDuration labels such a target's delay
	// (--assume-server-duration; 0 when not given).
	DurationsGiven       bool          `json:"-"`
	AssumeServerDuration time.Duration `json:"-"`

	// Billing: where per-invocation wall/CPU figures come from and how long
	// to wait for them.
	Billing           string        `json:"billing"` // auto | logpush | tail | none
	PollInterval      time.Duration `json:"-"`
	PollIntervalSet   bool          `json:"-"` // the user chose it (else the local target polls faster)
	PollTimeout       time.Duration `json:"-"`
	PollTimeoutSet    bool          `json:"-"` // the user chose it (else the local target waits less)
	LocalPushInterval time.Duration `json:"-"`
	ScriptName        string        `json:"scriptName,omitempty"`
	Roles             []string      `json:"roles,omitempty"`
	PricingFile       string        `json:"pricingFile,omitempty"`
	IncludeHarness    bool          `json:"includeHarness,omitempty"` // cost: add the measurement harness
	MonthlyOps        float64       `json:"monthlyOps,omitempty"`     // cost: the allowances regime's volume (0: default)
	// TailFile is the wrangler tail --format json capture --billing tail reads.
	TailFile string `json:"tailFile,omitempty"`

	// R2 / Logpush access.
	AccountID       string `json:"accountId,omitempty"`
	Jurisdiction    string `json:"jurisdiction,omitempty"`
	R2Endpoint      string `json:"r2Endpoint,omitempty"`
	PathStyle       bool   `json:"pathStyle,omitempty"`
	Bucket          string `json:"bucket,omitempty"`
	Prefix          string `json:"prefix,omitempty"`
	AccessKeyID     Secret `json:"accessKeyId"`
	SecretAccessKey Secret `json:"secretAccessKey"`

	// GraphQL Analytics (--billing analytics; internal/analytics).
	APIToken      Secret   `json:"apiToken"`
	AnalyticsBase string   `json:"analyticsBase,omitempty"` // API base instead of Cloudflare's
	DONamespaces  []string `json:"doNamespaces,omitempty"`  // Class=namespaceId overrides
	// LocalAnalyticsMinute is the local target's emulated minute.
	LocalAnalyticsMinute time.Duration `json:"-"`
}

// Billing poll defaults: Logpush batches every 30 s at best and R2 bills
// each list call, so 10 s is a fair compromise (the local target polls
// faster); 10 minutes covers Logpush's usual delivery delay.
const (
	DefaultPollInterval = 10 * time.Second
	DefaultPollTimeout  = 10 * time.Minute
)

// Defaults make the bare command a useful one-minute demo on the local target.
func Defaults() Config {
	return Config{
		Target: string(experiment.TargetLocal),
		Plan: experiment.Plan{
			Approaches: []string{"direct", "current", "simple"},
			Durations:  []time.Duration{100 * time.Millisecond, 500 * time.Millisecond, time.Second},
			Ops:        5,
			Batches:    2,
			Warmup:     2,
			Order:      experiment.OrderInterleave,
			Seed:       1,
		},
		Out:               "results",
		Format:            "text",
		WorkersDir:        "workers",
		Billing:           "auto",
		PollInterval:      DefaultPollInterval,
		PollTimeout:       DefaultPollTimeout,
		LocalPushInterval: 5 * time.Second,
		Retries:           1,
	}
}

// R2Configured reports whether enough is set to read a real bucket.
func (c Config) R2Configured() bool { return len(c.MissingR2()) == 0 }

// MissingR2 names the settings still needed to read a real bucket, by
// environment variable, never with a value.
func (c Config) MissingR2() []string {
	var miss []string
	if c.AccountID == "" && c.R2Endpoint == "" {
		miss = append(miss, EnvAccountID)
	}
	if c.Bucket == "" {
		miss = append(miss, EnvBucket)
	}
	if !c.AccessKeyID.Set() {
		miss = append(miss, EnvAccessKeyID)
	}
	if !c.SecretAccessKey.Set() {
		miss = append(miss, EnvSecretAccessKey)
	}
	return miss
}

// JoinAnd lists items for a sentence: "a", "a and b", "a, b and c".
func JoinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// IsLocal reports whether the embedded emulator is the target.
func (c Config) IsLocal() bool { return experiment.KindOf(c.Target) == experiment.TargetLocal }

// ReadDevVars parses a wrangler-style .dev.vars file: KEY=VALUE lines, '#'
// comments, optional single or double quotes, optional `export `.
func ReadDevVars(r io.Reader) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf(".dev.vars line %d: want KEY=VALUE", n)
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
			if v[0] == '"' {
				if u, err := strconv.Unquote(v); err == nil {
					v = u
				} else {
					v = v[1 : len(v)-1]
				}
			} else {
				v = v[1 : len(v)-1]
			}
		}
		out[k] = v
	}
	return out, sc.Err()
}

// LoadDevVars reads a .dev.vars file; a missing file is not an error.
func LoadDevVars(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadDevVars(f)
}

// Layer applies one source of KEY=VALUE settings (.dev.vars, then the
// environment) on top of c.
func (c *Config) Layer(vars map[string]string) {
	set := func(key string, apply func(string)) {
		if v, ok := vars[key]; ok && v != "" {
			apply(v)
		}
	}
	set(EnvTestURL, func(v string) { c.Target = v })
	set(EnvAccountID, func(v string) { c.AccountID = v })
	set(EnvBucket, func(v string) { c.Bucket = v })
	set(EnvAccessKeyID, func(v string) { c.AccessKeyID = NewSecret(v) })
	set(EnvSecretAccessKey, func(v string) { c.SecretAccessKey = NewSecret(v) })
	set(EnvAPIToken, func(v string) { c.APIToken = NewSecret(v) })
	set(EnvPFXToken, func(v string) { c.Token = NewSecret(v) })
}

// SplitList reads "a,b, c" into trimmed non-empty items.
func SplitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Changed reports whether the user set a flag (nil-safe).
func Changed(fs *pflag.FlagSet, name string) bool {
	if fs == nil {
		return false
	}
	f := fs.Lookup(name)
	return f != nil && f.Changed
}
