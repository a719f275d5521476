package sqlstore

import (
	"context"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

const tenantColumns = `id, name, created_at`

func scanTenant(r rowScanner) (*flowtype.Tenant, error) {
	var t flowtype.Tenant
	var created int64
	if err := r.Scan(&t.ID, &t.Name, &created); err != nil {
		return nil, err
	}
	t.CreatedAt = fromMicros(created)
	return &t, nil
}

// TenantCreate creates a tenant; an existing id is ErrConflict.
func (e *executor) TenantCreate(ctx context.Context, p *store.TenantCreateParams) (*flowtype.Tenant, error) {
	t := &flowtype.Tenant{ID: p.ID, Name: p.Name, CreatedAt: e.stamp()}
	_, err := e.write.ExecContext(ctx, `INSERT INTO tenants (`+tenantColumns+`) VALUES ($1, $2, $3)`,
		t.ID, t.Name, micros(t.CreatedAt))
	if err != nil {
		return nil, wrapErr(err, "create tenant %s", p.ID)
	}
	return t, nil
}

// TenantGet returns the tenant or ErrNotFound.
func (e *executor) TenantGet(ctx context.Context, id string) (*flowtype.Tenant, error) {
	t, err := scanTenant(e.read.QueryRowContext(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE id = $1`, id))
	if err != nil {
		return nil, readErr(err, "tenant", id)
	}
	return t, nil
}

// TenantList returns every tenant ordered by id.
func (e *executor) TenantList(ctx context.Context) ([]*flowtype.Tenant, error) {
	rows, err := e.read.QueryContext(ctx, `SELECT `+tenantColumns+` FROM tenants ORDER BY id`)
	list, err := collect(rows, err, scanTenant)
	if err != nil {
		return nil, wrapErr(err, "list tenants")
	}
	return list, nil
}
