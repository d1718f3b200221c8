package analytics

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// DryRun writes what a billing poll would send, as curl commands that read
// the token from the environment: the namespace listing, then one POST per
// dataset with its document and variables. No token is written.
func DryRun(w io.Writer, base, account, script string, from, to time.Time, listNamespaces bool) error {
	c := &Client{Base: base}
	auth := `--header "Authorization: Bearer $CLOUDFLARE_API_TOKEN"`
	if listNamespaces {
		fmt.Fprintf(w, "# Durable Object namespaces of the account (script %q is kept; needs Workers Scripts: Read)\n", script)
		fmt.Fprintf(w, "curl -s %s \\\n  %s\n\n", shellQuote(c.base()+NamespacesPath(account)+"?page=1&per_page=1000"), auth)
	}
	for _, q := range Queries() {
		var buf strings.Builder
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(map[string]any{"query": q.Text(), "variables": q.Variables(account, script, from, to)}); err != nil {
			return err
		}
		body := strings.TrimSpace(buf.String())
		fmt.Fprintf(w, "# %s, minutes %s … %s\n", q.Dataset, FormatMinute(from), FormatMinute(to))
		fmt.Fprintf(w, "curl -s %s \\\n  %s \\\n  --header \"Content-Type: application/json\" \\\n  --data %s\n\n",
			shellQuote(c.Endpoint()), auth, shellQuote(body))
	}
	_, err := fmt.Fprintln(w, "# the token needs Account Analytics: Read; it is read from CLOUDFLARE_API_TOKEN and never printed")
	return err
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
