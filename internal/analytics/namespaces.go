package analytics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/pfx-tui/pfx-tui/internal/billing"
)

// WhatNamespaces names the namespace listing in errors.
const WhatNamespaces = "namespaces"

// Namespace is one Durable Object namespace (one class of one script), as
// GET /accounts/{account_id}/workers/durable_objects/namespaces lists it,
// with the role the experiment gives its class.
type Namespace struct {
	ID        string `json:"id"`
	Name      string `json:"name,omitempty"`
	Class     string `json:"class"`
	Script    string `json:"script,omitempty"`
	UseSQLite bool   `json:"use_sqlite,omitempty"`
	Role      string `json:"role,omitempty"`
}

// NamespacesPath is the namespace listing under the API base.
func NamespacesPath(account string) string {
	return "/accounts/" + url.PathEscape(account) + "/workers/durable_objects/namespaces"
}

// namespacesPage is one page of the namespace listing.
type namespacesPage struct {
	Success bool `json:"success"`
	Errors  []struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
	Result     []Namespace `json:"result"`
	ResultInfo *struct {
		Page       int `json:"page"`
		PerPage    int `json:"per_page"`
		Count      int `json:"count"`
		TotalCount int `json:"total_count"`
	} `json:"result_info"`
}

// Namespaces lists the account's Durable Object namespaces (every page),
// retrying transient failures like Fetch.
func (c *Client) Namespaces(ctx context.Context) ([]Namespace, error) {
	var out []Namespace
	const perPage = 1000
	for page := 1; page <= 100; page++ {
		u := fmt.Sprintf("%s%s?page=%d&per_page=%d", c.base(), NamespacesPath(c.Account), page, perPage)
		var body namespacesPage
		err := c.call(ctx, WhatNamespaces, func() (*http.Request, error) {
			return http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		}, func(status int, raw []byte) error {
			body = namespacesPage{}
			// The REST API's answer in the GraphQL answer's terms, so that
			// one classification (classify) judges both: its errors, or
			// what makes the answer unusable.
			var errs []GQLError
			var perr error
			if err := json.Unmarshal(raw, &body); err != nil {
				perr = errors.New("the answer is not JSON")
			} else if !body.Success && len(body.Errors) == 0 {
				perr = errors.New("success false")
			}
			for _, e := range body.Errors {
				errs = append(errs, GQLError{Message: fmt.Sprintf("%s (code %d)", e.Message, e.Code)})
			}
			return c.classify(WhatNamespaces, status, errs, perr, raw)
		})
		if err != nil {
			return nil, err
		}
		out = append(out, body.Result...)
		ri := body.ResultInfo
		if len(body.Result) < perPage || ri == nil || ri.TotalCount > 0 && page*perPage >= ri.TotalCount {
			break
		}
	}
	return out, nil
}

// ForScript keeps the namespaces of one script and gives each its role by
// class (roles: billing.DefaultRoles plus --role overrides). overrides maps
// class → namespace id (--do-namespace) and wins over the listing.
func ForScript(all []Namespace, script string, roles billing.Roles, overrides map[string]string) []Namespace {
	if roles == nil {
		roles = billing.DefaultRoles()
	}
	var out []Namespace
	seen := map[string]bool{}
	for class, id := range overrides {
		out = append(out, Namespace{ID: id, Class: class, Script: script})
		seen[id] = true
	}
	for _, ns := range all {
		if ns.Script != script || seen[ns.ID] || ns.ID == "" {
			continue
		}
		if _, over := overrides[ns.Class]; over {
			continue
		}
		out = append(out, ns)
		seen[ns.ID] = true
	}
	for i := range out {
		out[i].Role = roles[out[i].Class]
		if out[i].Role == "" {
			out[i].Role = billing.RoleUnknown
		}
	}
	slices.SortFunc(out, func(a, b Namespace) int {
		if c := billing.RoleRank(a.Role) - billing.RoleRank(b.Role); c != 0 {
			return c
		}
		return strings.Compare(a.Class, b.Class)
	})
	return out
}

// ParseNamespaceOverrides reads --do-namespace values (Class=ID, several
// comma-separated allowed).
func ParseNamespaceOverrides(specs []string) (map[string]string, error) {
	out := map[string]string{}
	for _, spec := range specs {
		for _, item := range strings.Split(spec, ",") {
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			class, id, ok := strings.Cut(item, "=")
			class, id = strings.TrimSpace(class), strings.TrimSpace(id)
			if !ok || class == "" || id == "" {
				return nil, fmt.Errorf("%q: want Class=namespaceId, e.g. OriginDO=0123…", item)
			}
			out[class] = id
		}
	}
	return out, nil
}
