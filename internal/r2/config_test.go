package r2_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/r2"
)

const testSecret = "s3cr3t-value-that-must-never-print"

func TestNewNamesMissingEnvVariables(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cfg  r2.Config
		want []string
	}{
		{r2.Config{}, []string{config.EnvAccountID, config.EnvBucket, config.EnvAccessKeyID, config.EnvSecretAccessKey}},
		{r2.Config{AccountID: "abc", Bucket: "b", AccessKeyID: "k"}, []string{config.EnvSecretAccessKey}},
		{r2.Config{Endpoint: "http://127.0.0.1:9", AccessKeyID: "k", SecretAccessKey: testSecret}, []string{config.EnvBucket}},
	} {
		_, err := r2.New(context.Background(), tc.cfg)
		var me *r2.MissingConfigError
		if !errors.As(err, &me) {
			t.Fatalf("%v: want MissingConfigError, got %v", tc.cfg, err)
		}
		for _, v := range tc.want {
			if !strings.Contains(err.Error(), v) {
				t.Errorf("%q lacks %s", err, v)
			}
		}
		if len(me.Vars) != len(tc.want) {
			t.Errorf("vars = %v, want %v", me.Vars, tc.want)
		}
		if strings.Contains(err.Error(), testSecret) {
			t.Errorf("error leaks the secret: %s", err)
		}
	}
}

func TestEndpoints(t *testing.T) {
	t.Parallel()
	base := r2.Config{AccountID: "0123456789abcdef0123456789abcdef", Bucket: "logs", AccessKeyID: "key-id-123", SecretAccessKey: testSecret}
	for _, tc := range []struct {
		jurisdiction, endpoint, want string
	}{
		{"", "", "https://0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com"},
		{"default", "", "https://0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com"},
		{"eu", "", "https://0123456789abcdef0123456789abcdef.eu.r2.cloudflarestorage.com"},
		{"fedramp", "", "https://0123456789abcdef0123456789abcdef.fedramp.r2.cloudflarestorage.com"},
		{"EU", "", "https://0123456789abcdef0123456789abcdef.eu.r2.cloudflarestorage.com"},
		{"eu", "http://127.0.0.1:9000/", "http://127.0.0.1:9000"},
	} {
		cfg := base
		cfg.Jurisdiction, cfg.Endpoint = tc.jurisdiction, tc.endpoint
		c, err := r2.New(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if c.Endpoint() != tc.want {
			t.Errorf("jurisdiction %q endpoint %q: got %s, want %s", tc.jurisdiction, tc.endpoint, c.Endpoint(), tc.want)
		}
	}
	for _, bad := range []r2.Config{
		{AccountID: "not/an/id", Bucket: "b", AccessKeyID: "k", SecretAccessKey: "s"},
		{AccountID: "abc", Jurisdiction: "e u", Bucket: "b", AccessKeyID: "k", SecretAccessKey: "s"},
		{Endpoint: "127.0.0.1:9000", Bucket: "b", AccessKeyID: "k", SecretAccessKey: "s"},
		{Endpoint: "ftp://host", Bucket: "b", AccessKeyID: "k", SecretAccessKey: "s"},
		{Endpoint: "https://user:" + testSecret + "@host", Bucket: "b", AccessKeyID: "k", SecretAccessKey: "s"},
	} {
		_, err := r2.New(context.Background(), bad)
		if err == nil {
			t.Errorf("%v: want an error", bad)
		} else if strings.Contains(err.Error(), testSecret) || strings.Contains(fmt.Sprint(bad), testSecret) {
			t.Errorf("leak: %v / %v", err, bad)
		}
	}
}

func TestConfigNeverPrintsKeys(t *testing.T) {
	t.Parallel()
	cfg := r2.Config{AccountID: "acct", Bucket: "logs", AccessKeyID: "key-id-that-is-private", SecretAccessKey: testSecret}
	//lint:ignore S1025 each formatting verb is what is under test
	for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), fmt.Sprintf("%s", cfg), fmt.Sprintf("%v", &cfg)} {
		if strings.Contains(s, testSecret) || strings.Contains(s, "key-id-that-is-private") {
			t.Errorf("leak: %s", s)
		}
		if !strings.Contains(s, "logs") {
			t.Errorf("no bucket in %s", s)
		}
	}
}

func TestFromConfig(t *testing.T) {
	t.Parallel()
	c := config.Defaults()
	c.Layer(map[string]string{
		config.EnvAccountID: "acct", config.EnvBucket: "logs",
		config.EnvAccessKeyID: "kid", config.EnvSecretAccessKey: testSecret,
	})
	got := r2.FromConfig(c)
	if got.AccountID != "acct" || got.Bucket != "logs" || got.AccessKeyID != "kid" || got.SecretAccessKey != testSecret {
		t.Errorf("FromConfig = %v", got)
	}
}
