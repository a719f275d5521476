package flowgate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

// Directory types, re-exported.
type (
	Tenant        = flowtype.Tenant
	User          = flowtype.User
	Role          = flowtype.Role
	Form          = flowtype.Form
	SubjectType   = flowtype.SubjectType
	AutoStartRule = flowtype.AutoStartRule
)

// CreateTenant creates a tenant. Its id must be new.
func (e *Engine) CreateTenant(ctx context.Context, id, name string) (*Tenant, error) {
	if id == "" {
		return nil, flowtype.NewValidationError("id", "tenant id is required")
	}
	return e.store.TenantCreate(ctx, &store.TenantCreateParams{ID: id, Name: name})
}

// GetTenant reads a tenant.
func (e *Engine) GetTenant(ctx context.Context, id string) (*Tenant, error) {
	return e.store.TenantGet(ctx, id)
}

// SaveUser creates or replaces a user of the tenant. Deactivating a user
// goes through SetUserActive rules: their role-held open tasks are
// cancelled and their steps re-checked (SEMANTICS §3.3).
func (e *Engine) SaveUser(ctx context.Context, tenantID string, u *User) (*User, error) {
	if u == nil || u.ID == "" {
		return nil, flowtype.NewValidationError("id", "user id is required")
	}
	if !u.IsActive {
		if cur, err := e.store.UserGet(ctx, tenantID, u.ID); err == nil && cur.IsActive {
			if _, err := e.SetUserActive(ctx, tenantID, u.ID, false, ""); err != nil {
				return nil, err
			}
		}
	}
	return e.store.UserUpsert(ctx, &store.UserUpsertParams{
		TenantID: tenantID, ID: u.ID, Name: u.Name, Email: u.Email, Locale: u.Locale, IsActive: u.IsActive,
	})
}

// GetUser reads a user.
func (e *Engine) GetUser(ctx context.Context, tenantID, id string) (*User, error) {
	return e.store.UserGet(ctx, tenantID, id)
}

// ListUsers pages through the tenant's users by id.
func (e *Engine) ListUsers(ctx context.Context, tenantID, afterID string, limit int) ([]*User, error) {
	return e.store.UserList(ctx, &store.UserListParams{TenantID: tenantID, AfterID: afterID, Limit: limit})
}

// SaveRole creates or renames a role.
func (e *Engine) SaveRole(ctx context.Context, tenantID, id, name string) (*Role, error) {
	if id == "" {
		return nil, flowtype.NewValidationError("id", "role id is required")
	}
	return e.store.RoleUpsert(ctx, &store.RoleUpsertParams{TenantID: tenantID, ID: id, Name: name})
}

// GetRole reads a role.
func (e *Engine) GetRole(ctx context.Context, tenantID, id string) (*Role, error) {
	return e.store.RoleGet(ctx, tenantID, id)
}

// ListRoles lists the tenant's roles.
func (e *Engine) ListRoles(ctx context.Context, tenantID string) ([]*Role, error) {
	return e.store.RoleList(ctx, tenantID)
}

// RoleMembers lists a role's members by user id.
func (e *Engine) RoleMembers(ctx context.Context, tenantID, roleID string) ([]flowtype.RoleMember, error) {
	if _, err := e.store.RoleGet(ctx, tenantID, roleID); err != nil {
		return nil, err
	}
	return e.store.RoleMemberList(ctx, tenantID, roleID)
}

// AddRoleMember adds a user of the tenant to a role. Steps already current
// keep the members they had (SEMANTICS §3.3).
func (e *Engine) AddRoleMember(ctx context.Context, tenantID, roleID, userID string) error {
	if _, err := e.store.RoleGet(ctx, tenantID, roleID); err != nil {
		return err
	}
	if _, err := e.store.UserGet(ctx, tenantID, userID); err != nil {
		return err
	}
	return e.store.RoleMemberAdd(ctx, tenantID, roleID, userID)
}

// SaveForm creates or replaces a form. Its schema must be a valid JSON
// Schema document.
func (e *Engine) SaveForm(ctx context.Context, tenantID string, f *Form) (*Form, error) {
	if f == nil || f.ID == "" {
		return nil, flowtype.NewValidationError("id", "form id is required")
	}
	if _, err := e.forms.compile(f.Schema); err != nil {
		return nil, flowtype.NewValidationError("schema", err.Error())
	}
	return e.store.FormUpsert(ctx, &store.FormUpsertParams{TenantID: tenantID, ID: f.ID, Name: f.Name, Schema: f.Schema})
}

// GetForm reads a form.
func (e *Engine) GetForm(ctx context.Context, tenantID, id string) (*Form, error) {
	return e.store.FormGet(ctx, tenantID, id)
}

// ListForms lists the tenant's forms.
func (e *Engine) ListForms(ctx context.Context, tenantID string) ([]*Form, error) {
	return e.store.FormList(ctx, tenantID)
}

// SaveSubjectType creates or replaces a subject type's configuration. The
// allowed workflows and the auto-start rule's workflow must exist in the
// tenant; the rule's conditions are translated to CEL and type-checked now,
// so an unknown lookup fails here and not at attach time.
func (e *Engine) SaveSubjectType(ctx context.Context, tenantID string, st *SubjectType) (*SubjectType, error) {
	if st == nil || st.Type == "" {
		return nil, flowtype.NewValidationError("type", "subject type is required")
	}
	verr := &flowtype.ValidationError{}
	for i, wf := range st.Workflows {
		if _, err := e.store.WorkflowGet(ctx, tenantID, wf); err != nil {
			if !errors.Is(err, ErrNotFound) {
				return nil, err
			}
			verr.Add("workflows["+strconv.Itoa(i)+"]", fmt.Sprintf("Workflow '%s' does not exist", wf))
		}
	}
	if r := st.AutoStart; r != nil {
		if r.WorkflowID == "" {
			verr.Add("auto_start.workflow_id", "auto_start needs a workflow_id")
		} else if _, err := e.store.WorkflowGet(ctx, tenantID, r.WorkflowID); err != nil {
			if !errors.Is(err, ErrNotFound) {
				return nil, err
			}
			verr.Add("auto_start.workflow_id", fmt.Sprintf("Workflow '%s' does not exist", r.WorkflowID))
		}
		src, err := ConditionsToCEL(r.Conditions)
		if err != nil {
			verr.Add("auto_start.conditions", err.Error())
		} else if _, err := e.conds.compile(src); err != nil {
			verr.Add("auto_start.conditions", err.Error())
		}
	}
	if err := verr.Err(); err != nil {
		return nil, err
	}
	c := *st
	c.TenantID = tenantID
	if c.Workflows == nil {
		c.Workflows = []string{}
	}
	return e.store.SubjectTypeUpsert(ctx, &c)
}

// GetSubjectType reads a subject type's configuration.
func (e *Engine) GetSubjectType(ctx context.Context, tenantID, typ string) (*SubjectType, error) {
	return e.store.SubjectTypeGet(ctx, tenantID, typ)
}

// validateDefinition runs the structural rules plus the checks that need the
// tenant's directory (users, roles and forms exist) and CEL type checks.
func (e *Engine) validateDefinition(ctx context.Context, x store.Executor, tenantID string, def *definition.Workflow) error {
	dir := &dirLookup{ctx: ctx, x: x, tenantID: tenantID, handlers: e.HandlerRegistered}
	err := definition.Validate(def, dir)
	if dir.err != nil {
		return dir.err
	}
	verr := &flowtype.ValidationError{}
	if err != nil {
		if !errors.As(err, &verr) {
			return err
		}
	}
	e.checkStepConditions(def, verr)
	return verr.Err()
}

func (e *Engine) checkStepConditions(def *definition.Workflow, verr *flowtype.ValidationError) {
	check := func(prefix string, steps []definition.Step) {
		for i, s := range steps {
			if s.Condition == "" {
				continue
			}
			if _, err := e.conds.compile(s.Condition); err != nil {
				verr.Add(fmt.Sprintf("%s.approvals[%d].condition", prefix, i), err.Error())
			}
		}
	}
	check("workflow_info", def.Info.Approvals)
	for pi, p := range def.Pipelines {
		check(fmt.Sprintf("pipelines[%d].pipeline_info", pi), p.Info.Approvals)
		for si, s := range p.Stages {
			check(fmt.Sprintf("pipelines[%d].stages[%d].stage_info", pi, si), s.Info.Approvals)
		}
	}
}

// dirLookup answers definition.Validate's questions from the store. The
// first database error is kept and returned instead of a validation result.
type dirLookup struct {
	ctx      context.Context
	x        store.Executor
	tenantID string
	err      error
	// handlers reports whether a handler name is registered.
	handlers func(name string) bool
}

func (d *dirLookup) found(err error) bool {
	if err == nil {
		return true
	}
	if !errors.Is(err, ErrNotFound) && d.err == nil {
		d.err = err
	}
	return false
}

func (d *dirLookup) UserExists(id string) bool {
	_, err := d.x.UserGet(d.ctx, d.tenantID, id)
	return d.found(err)
}

func (d *dirLookup) RoleExists(id string) bool {
	_, err := d.x.RoleGet(d.ctx, d.tenantID, id)
	return d.found(err)
}

func (d *dirLookup) FormExists(id string) bool {
	_, err := d.x.FormGet(d.ctx, d.tenantID, id)
	return d.found(err)
}

// HandlerExists reports whether an action's handler is registered with
// the engine (built-ins included).
func (d *dirLookup) HandlerExists(name string) bool { return d.handlers == nil || d.handlers(name) }

var _ = json.RawMessage(nil)
