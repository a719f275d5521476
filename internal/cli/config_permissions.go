package cli

import (
	"fmt"
	"strings"

	"github.com/flowgate/flowgate"
)

// grantsConfig is a permissions.grants section: each permission
// (start_workflow, approve_workflow, reject_workflow, delegate_workflow)
// lists its holders. An entry is a role id (the role's members), "role:<id>"
// (the same, for an id that starts with "user:" or is "*"), "user:<id>"
// (one user), or "*" (every active user of the tenant). [] means nobody.
type grantsConfig map[string][]string

// tenantPermissions is tenants.<id>.permissions: grants that replace
// permissions.grants in that tenant, permission by permission.
type tenantPermissions struct {
	Grants grantsConfig `json:"grants,omitempty"`
}

func permissionNames() string {
	var names []string
	for _, p := range flowgate.AllPermissions() {
		names = append(names, string(p))
	}
	return strings.Join(names, ", ")
}

// checkPermissions checks every grants section, and that a required
// permission is granted somewhere: without a grant nobody holds it, and
// the file is the binary's only way to grant one.
func (c *fileConfig) checkPermissions(add func(path, format string, a ...any)) {
	granted := map[flowgate.Permission]bool{}
	check := func(path string, gs grantsConfig) {
		for _, name := range sortedKeys(gs) {
			p := path + "." + name
			if !flowgate.Permission(name).Known() {
				add(p, "unknown permission %q (want one of %s)", name, permissionNames())
				continue
			}
			granted[flowgate.Permission(name)] = true
			for i, entry := range gs[name] {
				if _, err := parseHolder(entry); err != nil {
					add(fmt.Sprintf("%s[%d]", p, i), "%v", err)
				}
			}
		}
	}
	check("permissions.grants", c.Permissions.Grants)
	for _, tn := range sortedKeys(c.Tenants) {
		if tp := c.Tenants[tn].Permissions; tp != nil {
			check("tenants."+tn+".permissions.grants", tp.Grants)
		}
	}
	need := func(path string, on bool, perms ...flowgate.Permission) {
		for _, perm := range perms {
			if on && !granted[perm] {
				add(path, "no grant for %s: list its holders under permissions.grants (\"*\" for every active user, [] for nobody)", perm)
			}
		}
	}
	need("permissions.require_permission_to_start", c.Permissions.RequirePermissionToStart, flowgate.PermissionStart)
	need("permissions.require_permission_to_approve", c.Permissions.RequirePermissionToApprove,
		flowgate.PermissionApprove, flowgate.PermissionReject, flowgate.PermissionDelegate)
}

// holder is one parsed grant entry.
type holder struct {
	everyone   bool
	role, user string
}

func parseHolder(entry string) (holder, error) {
	e := strings.TrimSpace(entry)
	if e == "*" {
		return holder{everyone: true}, nil
	}
	if id, ok := strings.CutPrefix(e, "user:"); ok {
		if id == "" {
			return holder{}, fmt.Errorf("%q names no user: want user:<id>", entry)
		}
		return holder{user: id}, nil
	}
	if id, ok := strings.CutPrefix(e, "role:"); ok {
		if id == "" {
			return holder{}, fmt.Errorf("%q names no role: want role:<id>", entry)
		}
		return holder{role: id}, nil
	}
	if e == "" {
		return holder{}, fmt.Errorf("must not be empty: want a role id, user:<id> or \"*\"")
	}
	return holder{role: e}, nil
}

func grantsOf(gs grantsConfig) flowgate.Grants {
	if len(gs) == 0 {
		return nil
	}
	out := flowgate.Grants{}
	for name, entries := range gs {
		var g flowgate.Grant
		for _, entry := range entries {
			h, _ := parseHolder(entry) // checked before
			switch {
			case h.everyone:
				g.Everyone = true
			case h.user != "":
				g.Users = append(g.Users, h.user)
			case h.role != "":
				g.Roles = append(g.Roles, h.role)
			}
		}
		out[flowgate.Permission(name)] = g
	}
	return out
}

// permissionsOf maps the permission settings (checked before) onto the
// engine's.
func permissionsOf(c *fileConfig) flowgate.Permissions {
	p := flowgate.Permissions{
		RequireToStart:   c.Permissions.RequirePermissionToStart,
		RequireToApprove: c.Permissions.RequirePermissionToApprove,
		Grants:           grantsOf(c.Permissions.Grants),
	}
	for _, tn := range sortedKeys(c.Tenants) {
		if tp := c.Tenants[tn].Permissions; tp != nil && len(tp.Grants) > 0 {
			if p.Tenants == nil {
				p.Tenants = map[string]flowgate.Grants{}
			}
			p.Tenants[tn] = grantsOf(tp.Grants)
		}
	}
	return p
}
