package main

import (
	"github.com/spf13/pflag"

	"github.com/pfx-tui/pfx-tui/internal/analytics"
	"github.com/pfx-tui/pfx-tui/internal/config"
	"github.com/pfx-tui/pfx-tui/internal/errext"
)

// analyticsFlags are the GraphQL Analytics settings shared by run and
// billing (--billing analytics).
type analyticsFlags struct {
	endpoint   string
	namespaces []string
}

func (a *analyticsFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&a.endpoint, "analytics-endpoint", "", "Cloudflare API base for --billing analytics (default "+analytics.DefaultBase+"; GraphQL at …/graphql)")
	fs.StringArrayVar(&a.namespaces, "do-namespace", nil, "name a Durable Object namespace for analytics, repeatable: Class=namespaceId (when the token may not list namespaces; name every class the run invokes, the controller included: a role without its namespace leaves its cells uncosted)")
}

func (a *analyticsFlags) apply(cfg *config.Config) error {
	if _, err := analytics.ParseNamespaceOverrides(a.namespaces); err != nil {
		return &errext.UsageError{Flag: "do-namespace", Msg: err.Error()}
	}
	if a.endpoint != "" {
		cfg.AnalyticsBase = a.endpoint
	}
	cfg.DONamespaces = a.namespaces
	return nil
}
