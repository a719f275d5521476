package sqlstore

import (
	"context"
	"database/sql"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

const apiKeyColumns = `tenant_id, id, user_id, name, prefix, key_hash, is_admin, act_as, created_by, created_at, last_used_at, revoked_at`

func scanAPIKey(r rowScanner) (*flowtype.APIKey, error) {
	var k flowtype.APIKey
	var created int64
	var used, revoked sql.NullInt64
	if err := r.Scan(&k.TenantID, &k.ID, &k.UserID, &k.Name, &k.Prefix, &k.Hash, &k.Admin, &k.ActAs,
		&k.CreatedBy, &created, &used, &revoked); err != nil {
		return nil, err
	}
	k.CreatedAt, k.LastUsedAt, k.RevokedAt = fromMicros(created), fromNullMicros(used), fromNullMicros(revoked)
	return &k, nil
}

// APIKeyInsert stores a new key; zero CreatedAt is set to now. An unknown
// tenant or user is ErrNotFound, a digest already stored ErrConflict.
func (e *executor) APIKeyInsert(ctx context.Context, k *flowtype.APIKey) error {
	if _, err := e.TenantGet(ctx, k.TenantID); err != nil {
		return err
	}
	e.stampIfZero(&k.CreatedAt)
	_, err := e.write.ExecContext(ctx, `
		INSERT INTO api_keys (`+apiKeyColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		k.TenantID, k.ID, k.UserID, k.Name, k.Prefix, k.Hash, k.Admin, k.ActAs, k.CreatedBy,
		micros(k.CreatedAt), nullMicros(k.LastUsedAt), nullMicros(k.RevokedAt))
	if err != nil {
		return wrapErr(err, "insert api key %s", k.ID)
	}
	return nil
}

// APIKeyGetByHash returns the key with that digest or ErrNotFound.
func (e *executor) APIKeyGetByHash(ctx context.Context, hash string) (*flowtype.APIKey, error) {
	k, err := scanAPIKey(e.read.QueryRowContext(ctx,
		`SELECT `+apiKeyColumns+` FROM api_keys WHERE key_hash = $1`, hash))
	if err != nil {
		return nil, readErr(err, "api key", "(by digest)")
	}
	return k, nil
}

// APIKeyList returns the tenant's keys ordered by id.
func (e *executor) APIKeyList(ctx context.Context, tenantID string) ([]*flowtype.APIKey, error) {
	rows, err := e.read.QueryContext(ctx,
		`SELECT `+apiKeyColumns+` FROM api_keys WHERE tenant_id = $1 ORDER BY id`, tenantID)
	list, err := collect(rows, err, scanAPIKey)
	if err != nil {
		return nil, wrapErr(err, "list api keys")
	}
	return list, nil
}

// APIKeyRevoke sets revoked_at once; an unknown key is ErrNotFound.
func (e *executor) APIKeyRevoke(ctx context.Context, p *store.APIKeyStampParams) error {
	res, err := e.write.ExecContext(ctx, `
		UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $3)
		WHERE tenant_id = $1 AND id = $2`, p.TenantID, p.ID, micros(p.At))
	if err != nil {
		return wrapErr(err, "revoke api key %s", p.ID)
	}
	return expectOne(res, "api key", p.ID)
}

// APIKeyTouch sets last_used_at; an unknown key is ErrNotFound.
func (e *executor) APIKeyTouch(ctx context.Context, p *store.APIKeyStampParams) error {
	res, err := e.write.ExecContext(ctx, `
		UPDATE api_keys SET last_used_at = $3 WHERE tenant_id = $1 AND id = $2`,
		p.TenantID, p.ID, micros(p.At))
	if err != nil {
		return wrapErr(err, "touch api key %s", p.ID)
	}
	return expectOne(res, "api key", p.ID)
}

// UserGetByEmail returns the user whose e-mail matches case-insensitively
// (the smallest id among several), or ErrNotFound. An empty address
// matches nobody.
func (e *executor) UserGetByEmail(ctx context.Context, tenantID, email string) (*flowtype.User, error) {
	if email == "" {
		return nil, notFound("user with e-mail", email)
	}
	u, err := scanUser(e.read.QueryRowContext(ctx, `
		SELECT `+userColumns+` FROM users
		WHERE tenant_id = $1 AND lower(email) = lower($2)
		ORDER BY id LIMIT 1`, tenantID, email))
	if err != nil {
		return nil, readErr(err, "user with e-mail", email)
	}
	return u, nil
}
