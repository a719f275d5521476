package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

const idempotencyColumns = `tenant_id, user_id, idempotency_key, request_hash, instance_id, response, created_at`

// IdempotencyGet returns the record of the user's key when it was stored
// after newerThan; otherwise ErrNotFound.
func (e *executor) IdempotencyGet(ctx context.Context, tenantID, userID, key string, newerThan time.Time) (*flowtype.IdempotencyRecord, error) {
	var rec flowtype.IdempotencyRecord
	var created int64
	err := e.read.QueryRowContext(ctx, `
		SELECT `+idempotencyColumns+` FROM idempotency_keys
		WHERE tenant_id = $1 AND user_id = $2 AND idempotency_key = $3 AND created_at > $4`,
		tenantID, userID, key, micros(newerThan)).Scan(&rec.TenantID, &rec.UserID, &rec.Key,
		&rec.RequestHash, &rec.InstanceID, &rec.Response, &created)
	if err != nil {
		return nil, readErr(err, "idempotency key", key)
	}
	rec.CreatedAt = fromMicros(created)
	return &rec, nil
}

// IdempotencyPut stores the first response to a keyed command; zero
// CreatedAt is set to now. A record of the user's key stored after horizon
// is ErrConflict: the loser of two concurrent first requests rolls back
// and, retried, finds the winner's record. A record stored at or before
// horizon has expired and is replaced in place (the upsert's WHERE), so a
// key is reusable after its window without waiting for the purge. An
// unknown tenant is ErrNotFound.
func (e *executor) IdempotencyPut(ctx context.Context, rec *flowtype.IdempotencyRecord, horizon time.Time) error {
	e.stampIfZero(&rec.CreatedAt)
	response := rec.Response
	if response == nil {
		response = []byte{}
	}
	res, err := e.write.ExecContext(ctx,
		`INSERT INTO idempotency_keys (`+idempotencyColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (tenant_id, user_id, idempotency_key) DO UPDATE SET
			request_hash = excluded.request_hash, instance_id = excluded.instance_id,
			response = excluded.response, created_at = excluded.created_at
		WHERE idempotency_keys.created_at <= $8`,
		rec.TenantID, rec.UserID, rec.Key, rec.RequestHash, rec.InstanceID, response, micros(rec.CreatedAt), micros(horizon))
	if err != nil {
		return wrapErr(err, "put idempotency key %s", rec.Key)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return wrapErr(err, "put idempotency key %s", rec.Key)
	}
	if n == 0 {
		// The key exists and has not expired: the upsert's WHERE kept it.
		return fmt.Errorf("sqlstore: put idempotency key %s: already stored: %w", rec.Key, flowtype.ErrConflict)
	}
	return nil
}

// idempotencyPurgeMax caps one purge batch, so that no delete holds its
// locks (SQLite: the only writer) for long.
const idempotencyPurgeMax = 10000

// IdempotencyPurge deletes one batch of the tenant's expired records. The
// outer created_at test repeats the inner one on purpose: on PostgreSQL a
// record replaced by a concurrent IdempotencyPut after the subquery chose
// it is re-checked on its new version and kept.
func (e *executor) IdempotencyPurge(ctx context.Context, p *store.IdempotencyPurgeParams) (int, error) {
	limit := p.Limit
	if limit <= 0 || limit > idempotencyPurgeMax {
		limit = idempotencyPurgeMax
	}
	var a args
	tenant, horizon := a.add(p.TenantID), a.add(micros(p.Horizon))
	q := `DELETE FROM idempotency_keys
		WHERE tenant_id = ` + tenant + ` AND created_at <= ` + horizon + `
		  AND (user_id, idempotency_key) IN (
			SELECT user_id, idempotency_key FROM idempotency_keys
			WHERE tenant_id = ` + tenant + ` AND created_at <= ` + horizon + `
			LIMIT ` + a.add(limit) + `)`
	res, err := e.write.ExecContext(ctx, q, a...)
	if err != nil {
		return 0, wrapErr(err, "purge idempotency keys")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, wrapErr(err, "purge idempotency keys")
	}
	return int(n), nil
}
