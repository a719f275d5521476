package sqlstore

import (
	"context"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

const formColumns = `tenant_id, id, name, schema, created_at, updated_at`

func scanForm(r rowScanner) (*flowtype.Form, error) {
	var f flowtype.Form
	var schema []byte
	var created, updated int64
	if err := r.Scan(&f.TenantID, &f.ID, &f.Name, &schema, &created, &updated); err != nil {
		return nil, err
	}
	f.Schema = rawJSON(schema)
	f.CreatedAt, f.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &f, nil
}

// FormUpsert creates the form or replaces its name and schema (an empty
// schema is stored as {}, which accepts any document). An unknown tenant
// is ErrNotFound.
func (e *executor) FormUpsert(ctx context.Context, p *store.FormUpsertParams) (*flowtype.Form, error) {
	f, err := scanForm(e.write.QueryRowContext(ctx, `
		INSERT INTO forms (`+formColumns+`) VALUES ($1, $2, $3, $4, $5, $5)
		ON CONFLICT (tenant_id, id) DO UPDATE SET
			name = excluded.name, schema = excluded.schema, updated_at = excluded.updated_at
		RETURNING `+formColumns,
		p.TenantID, p.ID, p.Name, jsonOr(p.Schema, "{}"), micros(e.stamp())))
	if err != nil {
		return nil, wrapErr(err, "upsert form %s", p.ID)
	}
	return f, nil
}

// FormGet returns the form or ErrNotFound.
func (e *executor) FormGet(ctx context.Context, tenantID, id string) (*flowtype.Form, error) {
	f, err := scanForm(e.read.QueryRowContext(ctx,
		`SELECT `+formColumns+` FROM forms WHERE tenant_id = $1 AND id = $2`, tenantID, id))
	if err != nil {
		return nil, readErr(err, "form", id)
	}
	return f, nil
}

// FormList returns every form of the tenant ordered by id.
func (e *executor) FormList(ctx context.Context, tenantID string) ([]*flowtype.Form, error) {
	rows, err := e.read.QueryContext(ctx,
		`SELECT `+formColumns+` FROM forms WHERE tenant_id = $1 ORDER BY id`, tenantID)
	list, err := collect(rows, err, scanForm)
	if err != nil {
		return nil, wrapErr(err, "list forms")
	}
	return list, nil
}
