package billing

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/pfx-tui/pfx-tui/internal/logpush"
	"github.com/pfx-tui/pfx-tui/internal/protocol"
)

// Roles maps a Logpush Entrypoint (a class name) to the role it plays, so
// that experiments whose classes are named differently can still be costed.
type Roles map[string]string

// DefaultRoles knows the class names of our workers/ and of Lumenize's
// experiment DOs; ParseRoleOverrides extends it for anything else.
func DefaultRoles() Roles {
	return Roles{
		"OriginDO":                RoleOrigin,
		"FetchOrchestrator":       RoleOrchestrator,
		"FetchExecutor":           RoleExecutor,
		"FetchExecutorEntrypoint": RoleExecutor,
		"PerformanceController":   RoleController,
		"TestEndpointsDO":         RoleUpstream,
	}
}

// AssignableRoles are the roles a --role flag may give a class, in the order
// messages list them. RoleUnknown is not among them: it means "no mapping".
var AssignableRoles = []string{RoleOrigin, RoleOrchestrator, RoleExecutor, RoleController, RoleUpstream, RoleEntry}

// ParseRoleOverrides reads --role values ("MyDO=origin", possibly several
// separated by commas) on top of DefaultRoles, so a user only names what
// differs. Errors are phrased for the flag.
func ParseRoleOverrides(specs []string) (Roles, error) {
	roles := DefaultRoles()
	for _, spec := range specs {
		for _, item := range strings.Split(spec, ",") {
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			class, role, ok := strings.Cut(item, "=")
			class, role = strings.TrimSpace(class), strings.ToLower(strings.TrimSpace(role))
			if !ok || class == "" || role == "" {
				return nil, fmt.Errorf("--role %q: want Class=role, e.g. MyDO=origin", item)
			}
			if !slices.Contains(AssignableRoles, role) {
				return nil, fmt.Errorf("--role %q: %q is not a role; use one of %s", item, role, strings.Join(AssignableRoles, ", "))
			}
			roles[class] = role
		}
	}
	return roles, nil
}

// RoleOf says what an invocation was in the experiment. The default fetch
// handler (empty Entrypoint) is the delay upstream when it served /delay/,
// else the router in front of the DOs. A nil roles means DefaultRoles.
func RoleOf(rec logpush.Record, roles Roles) string {
	if rec.Entrypoint == "" {
		if isDelayRequest(rec) {
			return RoleUpstream
		}
		return RoleEntry
	}
	if roles == nil {
		roles = defaultRoles
	}
	if r, ok := roles[rec.Entrypoint]; ok {
		return r
	}
	return RoleUnknown
}

var defaultRoles = DefaultRoles()

// IsHarness reports whether a role is measurement infrastructure, whose cost
// is reported apart from the approach's.
func IsHarness(role string) bool {
	return role == RoleController || role == RoleUpstream || role == RoleEntry
}

// isDORole: roles billed as Durable Objects (requests and wall-clock duration).
func isDORole(role string) bool { return role == RoleOrigin || role == RoleOrchestrator }

func isDelayRequest(rec logpush.Record) bool {
	if rec.Event == nil || rec.Event.Request == nil || rec.Event.Request.URL == "" {
		return false
	}
	raw := rec.Event.Request.URL
	path := raw
	if u, err := url.Parse(raw); err == nil {
		path = u.Path
	} else if i := strings.IndexAny(raw, "?#"); i >= 0 {
		path = raw[:i]
	}
	return strings.HasPrefix(path, protocol.PathDelay)
}

// roleOrder is how roles are listed: the approach's roles first, then harness.
var roleOrder = []string{RoleOrigin, RoleOrchestrator, RoleExecutor, RoleController, RoleUpstream, RoleEntry, RoleUnknown}

// RoleRank orders roles for listing: the approach's roles first, then harness.
func RoleRank(role string) int {
	if i := slices.Index(roleOrder, role); i >= 0 {
		return i
	}
	return len(roleOrder)
}
