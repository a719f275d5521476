package sqlstore

import (
	"context"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

const userColumns = `tenant_id, id, name, email, locale, is_active, created_at, updated_at`

func scanUser(r rowScanner) (*flowtype.User, error) {
	var u flowtype.User
	var created, updated int64
	if err := r.Scan(&u.TenantID, &u.ID, &u.Name, &u.Email, &u.Locale, &u.IsActive, &created, &updated); err != nil {
		return nil, err
	}
	u.CreatedAt, u.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &u, nil
}

// UserUpsert creates the user or replaces its name, email, locale and
// activity (created_at is kept). An unknown tenant is ErrNotFound.
func (e *executor) UserUpsert(ctx context.Context, p *store.UserUpsertParams) (*flowtype.User, error) {
	now := micros(e.stamp())
	u, err := scanUser(e.write.QueryRowContext(ctx, `
		INSERT INTO users (`+userColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
		ON CONFLICT (tenant_id, id) DO UPDATE SET
			name = excluded.name, email = excluded.email, locale = excluded.locale,
			is_active = excluded.is_active, updated_at = excluded.updated_at
		RETURNING `+userColumns,
		p.TenantID, p.ID, p.Name, p.Email, p.Locale, p.IsActive, now))
	if err != nil {
		return nil, wrapErr(err, "upsert user %s", p.ID)
	}
	return u, nil
}

// UserGet returns the user or ErrNotFound.
func (e *executor) UserGet(ctx context.Context, tenantID, id string) (*flowtype.User, error) {
	u, err := scanUser(e.read.QueryRowContext(ctx,
		`SELECT `+userColumns+` FROM users WHERE tenant_id = $1 AND id = $2`, tenantID, id))
	if err != nil {
		return nil, readErr(err, "user", id)
	}
	return u, nil
}

// UserList returns a page of users ordered by id, after AfterID; Limit
// defaults to 50 and is capped at 500.
func (e *executor) UserList(ctx context.Context, p *store.UserListParams) ([]*flowtype.User, error) {
	rows, err := e.read.QueryContext(ctx, `
		SELECT `+userColumns+` FROM users
		WHERE tenant_id = $1 AND id > $2
		ORDER BY id LIMIT $3`, p.TenantID, p.AfterID, pageLimit(p.Limit))
	list, err := collect(rows, err, scanUser)
	if err != nil {
		return nil, wrapErr(err, "list users")
	}
	return list, nil
}
