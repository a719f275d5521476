package flowgate

import (
	"context"
	"fmt"
	"slices"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

// Permission names what a grant allows: the original's DEFAULT_PERMISSIONS
// (workflow.start_workflow, workflow.approve_workflow, …) without the Django
// app label.
type Permission string

// Permissions a grant can give.
const (
	// PermissionStart lets a user attach a workflow and start an instance.
	PermissionStart Permission = "start_workflow"
	// PermissionApprove lets a task's holder approve it (a check-in too).
	PermissionApprove Permission = "approve_workflow"
	// PermissionReject lets a task's holder reject, or send back for
	// resubmission.
	PermissionReject Permission = "reject_workflow"
	// PermissionDelegate lets a task's holder delegate it.
	PermissionDelegate Permission = "delegate_workflow"
)

// AllPermissions lists every permission, in the order of the original's
// DEFAULT_PERMISSIONS.
func AllPermissions() []Permission {
	return []Permission{PermissionStart, PermissionApprove, PermissionReject, PermissionDelegate}
}

// Known reports whether p is one of AllPermissions.
func (p Permission) Known() bool { return slices.Contains(AllPermissions(), p) }

// Permissions are the original's PERMISSIONS settings, made real: who may
// start workflows and decide on tasks, by grants to roles and users.
// The zero value checks nothing, and costs nothing.
type Permissions struct {
	// RequireToStart (REQUIRE_PERMISSION_TO_START) refuses an attach and a
	// start by a user without PermissionStart, with permission_denied.
	// Defaults to false: any user of the tenant may attach.
	RequireToStart bool
	// RequireToApprove (REQUIRE_PERMISSION_TO_APPROVE) refuses approve
	// (PermissionApprove), reject and send back (PermissionReject) and
	// delegate (PermissionDelegate) by a user without the permission, on
	// top of the assignee rules. Resubmit and withdraw stay the starter's
	// without a grant. Defaults to false: holding the task is enough.
	RequireToApprove bool
	// Grants says who holds each permission in every tenant. A permission
	// without a grant is held by nobody.
	Grants Grants
	// Tenants overrides Grants per tenant id, permission by permission: a
	// permission a tenant's map names uses that grant alone there.
	Tenants map[string]Grants
}

// Grants maps a permission to its holders.
type Grants map[Permission]Grant

// Grant names the holders of a permission. Only active users hold any.
type Grant struct {
	// Everyone gives it to every active user of the tenant.
	Everyone bool
	// Roles gives it to the members of these roles (ids).
	Roles []string
	// Users gives it to these users (ids).
	Users []string
}

func (p *Permissions) validate() error {
	check := func(where string, gs Grants) error {
		for perm, g := range gs {
			if !perm.Known() {
				return fmt.Errorf("flowgate: Config.Permissions.%s: unknown permission %q (want one of %v)", where, perm, AllPermissions())
			}
			if slices.Contains(g.Roles, "") || slices.Contains(g.Users, "") {
				return fmt.Errorf("flowgate: Config.Permissions.%s[%s]: role and user ids must not be empty", where, perm)
			}
		}
		return nil
	}
	if err := check("Grants", p.Grants); err != nil {
		return err
	}
	for tenant, gs := range p.Tenants {
		if err := check(fmt.Sprintf("Tenants[%q]", tenant), gs); err != nil {
			return err
		}
	}
	return nil
}

// grantOf is the grant of perm in a tenant.
func (p *Permissions) grantOf(tenantID string, perm Permission) Grant {
	if g, ok := p.Tenants[tenantID][perm]; ok {
		return g
	}
	return p.Grants[perm]
}

// HasPermission reports whether a user holds a permission in the tenant
// under the engine's grants, whether or not a Require setting is on. An
// unknown or inactive user holds none.
func (e *Engine) HasPermission(ctx context.Context, tenantID, userID string, perm Permission) (bool, error) {
	return e.holds(ctx, e.store, tenantID, userID, perm)
}

// holds answers HasPermission through x: inside a command, the
// transaction's own view of users and role memberships, never a cache, so
// a membership removed before the command began is seen.
func (e *Engine) holds(ctx context.Context, x store.Executor, tenantID, userID string, perm Permission) (bool, error) {
	g := e.cfg.Permissions.grantOf(tenantID, perm)
	if !g.Everyone && len(g.Roles) == 0 && len(g.Users) == 0 {
		return false, nil
	}
	u, err := x.UserGet(ctx, tenantID, userID)
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !u.IsActive {
		return false, nil
	}
	if g.Everyone || slices.Contains(g.Users, userID) {
		return true, nil
	}
	if len(g.Roles) == 0 {
		return false, nil
	}
	roles, err := x.RoleListByUser(ctx, tenantID, userID)
	if err != nil {
		return false, err
	}
	for _, id := range roles {
		if slices.Contains(g.Roles, id) {
			return true, nil
		}
	}
	return false, nil
}

var permissionVerbs = map[Permission]string{
	PermissionStart: "start workflows", PermissionApprove: "approve",
	PermissionReject: "reject or send back", PermissionDelegate: "delegate",
}

// require refuses the command's actor without perm (permission_denied).
func (r *run) require(perm Permission) error {
	ok, err := r.e.holds(r.ctx, r.x, r.tenant, r.actor, perm)
	if err != nil || ok {
		return err
	}
	return flowtype.Refuse(flowtype.CodePermissionDenied,
		fmt.Sprintf("You do not have permission to %s (%s).", permissionVerbs[perm], perm))
}

// mayStart applies RequireToStart to an attach or a start.
func (r *run) mayStart() error {
	if !r.e.cfg.Permissions.RequireToStart {
		return nil
	}
	return r.require(PermissionStart)
}

// mayDecide applies RequireToApprove to a decision on the actor's task. A
// send back needs PermissionReject: the original's permissions name no
// other, and a send back ends the level as a rejection does.
func (r *run) mayDecide(a Action) error {
	if !r.e.cfg.Permissions.RequireToApprove {
		return nil
	}
	switch a {
	case ActionApprove:
		return r.require(PermissionApprove)
	case ActionReject, ActionSendBack:
		return r.require(PermissionReject)
	case ActionDelegate:
		return r.require(PermissionDelegate)
	}
	return nil
}
