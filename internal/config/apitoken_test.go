package config

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestAPITokenLayersAndNeverPrints(t *testing.T) {
	t.Parallel()
	c := Defaults()
	c.Layer(map[string]string{EnvAPIToken: "from-dev-vars-token"})
	c.Layer(map[string]string{EnvAPIToken: "from-env-token"})
	if c.APIToken.Reveal() != "from-env-token" {
		t.Fatalf("environment should win: %q", c.APIToken.Reveal())
	}
	data, _ := json.Marshal(c)
	text := string(data) + fmt.Sprintf("%v %+v %#v", c, c, c)
	if strings.Contains(text, "from-env-token") || !strings.Contains(string(data), `"apiToken":"(set)"`) {
		t.Errorf("the token shows: %s", text)
	}
}
