package config

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestReadDevVars(t *testing.T) {
	t.Parallel()
	in := "# comment\nCLOUDFLARE_ACCOUNT_ID=abc\nexport CLOUDFLARE_R2_BUCKET_NAME = \"logs bucket\"\nCLOUDFLARE_R2_SECRET_ACCESS_KEY='s3cr=t'\n\nTEST_URL=https://x.workers.dev\n"
	vars, err := ReadDevVars(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{EnvAccountID: "abc", EnvBucket: "logs bucket", EnvSecretAccessKey: "s3cr=t", EnvTestURL: "https://x.workers.dev"}
	for k, v := range want {
		if vars[k] != v {
			t.Errorf("%s = %q, want %q", k, vars[k], v)
		}
	}
	if _, err := ReadDevVars(strings.NewReader("no equals sign\n")); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("bad line: %v", err)
	}
}

func TestPrecedenceDevVarsThenEnv(t *testing.T) {
	t.Parallel()
	c := Defaults()
	c.Layer(map[string]string{EnvTestURL: "https://devvars", EnvBucket: "b1"})
	c.Layer(map[string]string{EnvTestURL: "https://env"})
	if c.Target != "https://env" || c.Bucket != "b1" {
		t.Errorf("%+v", c)
	}
}

func TestSecretsNeverPrint(t *testing.T) {
	t.Parallel()
	c := Defaults()
	c.Layer(map[string]string{EnvAccessKeyID: "AKIDSECRETVALUE", EnvSecretAccessKey: "topsecretvalue"})
	b, _ := json.Marshal(c)
	outs := []string{string(b), fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), c.SecretAccessKey.String()}
	for _, o := range outs {
		if strings.Contains(o, "topsecretvalue") || strings.Contains(o, "AKIDSECRETVALUE") {
			t.Errorf("secret leaked: %s", o)
		}
	}
	if c.SecretAccessKey.Reveal() != "topsecretvalue" || !c.AccessKeyID.Set() {
		t.Error("secret lost")
	}
}

// FuzzReadDevVars: .dev.vars is a user's file; any content gives a map or
// a line-numbered error, never a panic, and keys never carry the separator.
func FuzzReadDevVars(f *testing.F) {
	f.Add("A=1\n# c\nexport B = \"x y\"\nC='z'\n")
	f.Add("=\n\"\n")
	f.Fuzz(func(t *testing.T, in string) {
		vars, err := ReadDevVars(strings.NewReader(in))
		if err != nil {
			if !strings.Contains(err.Error(), "line") {
				t.Fatalf("error without a line number: %v", err)
			}
			return
		}
		for k := range vars {
			if strings.Contains(k, "=") {
				t.Fatalf("key %q holds '='", k)
			}
		}
	})
}
