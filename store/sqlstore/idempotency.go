package sqlstore

import (
	"context"
	"time"

	"github.com/flowgate/flowgate/flowtype"
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
// CreatedAt is set to now. A key the user already stored is ErrConflict
// (even one past the horizon, until cleanup deletes it): the loser of two
// concurrent first requests rolls back and, retried, finds the winner's
// record. An unknown tenant is ErrNotFound.
func (e *executor) IdempotencyPut(ctx context.Context, rec *flowtype.IdempotencyRecord) error {
	e.stampIfZero(&rec.CreatedAt)
	response := rec.Response
	if response == nil {
		response = []byte{}
	}
	_, err := e.write.ExecContext(ctx,
		`INSERT INTO idempotency_keys (`+idempotencyColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		rec.TenantID, rec.UserID, rec.Key, rec.RequestHash, rec.InstanceID, response, micros(rec.CreatedAt))
	if err != nil {
		return wrapErr(err, "put idempotency key %s", rec.Key)
	}
	return nil
}
