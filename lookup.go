package flowgate

import (
	"context"

	"github.com/flowgate/flowgate/flowtype"
)

// GetUserByEmail returns the tenant's user with that e-mail address
// (case-insensitive), or ErrNotFound.
func (e *Engine) GetUserByEmail(ctx context.Context, tenantID, email string) (*User, error) {
	return e.store.UserGetByEmail(ctx, tenantID, email)
}

// ListTenants lists every tenant by id.
func (e *Engine) ListTenants(ctx context.Context) ([]*Tenant, error) {
	return e.store.TenantList(ctx)
}

// FindNode tells which workflow a pipeline, stage or action id belongs to.
// Returns ErrNotFound when the tenant has no such node.
func (e *Engine) FindNode(ctx context.Context, tenantID, id string) (*flowtype.Node, error) {
	return e.store.NodeGet(ctx, tenantID, id)
}
