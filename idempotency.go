package flowgate

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

// idemKey scopes an idempotency key to a tenant and an acting user.
type idemKey struct{ tenant, user, key string }

// requestHash is requestHash of the request when the command carries an
// idempotency key, else "" (the hash is only ever compared to a stored one).
func (k idemKey) requestHash(command, instanceID string, body any) string {
	if k.key == "" {
		return ""
	}
	return requestHash(command, instanceID, body)
}

func requestHash(command, instanceID string, body any) string {
	b, _ := json.Marshal(struct {
		C string `json:"c"`
		I string `json:"i"`
		B any    `json:"b"`
	}{command, instanceID, body})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// idempotentReplay returns the stored result of an earlier command with the
// same key: done is true when the caller must return (v, err) as they are.
func (e *Engine) idempotentReplay(ctx context.Context, k idemKey, hash string) (v *InstanceView, done bool, err error) {
	if k.key == "" {
		return nil, false, nil
	}
	rec, err := e.store.IdempotencyGet(ctx, k.tenant, k.user, k.key, e.idempotencyHorizon())
	if errors.Is(err, ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, true, err
	}
	if rec.RequestHash != hash {
		return nil, true, flowtype.Refuse(flowtype.CodeIdempotencyMismatch,
			"This Idempotency-Key was used with a different request")
	}
	var view InstanceView
	if err := json.Unmarshal(rec.Response, &view); err != nil {
		return nil, true, err
	}
	return &view, true, nil
}

// idempotentStore adds the record of the result to the command's batch.
func (e *Engine) idempotentStore(ctx context.Context, b store.Batch, k idemKey, hash, instanceID string, v *InstanceView) error {
	if k.key == "" {
		return nil
	}
	resp, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.IdempotencyPut(ctx, &flowtype.IdempotencyRecord{
		TenantID: k.tenant, UserID: k.user, Key: k.key, RequestHash: hash,
		InstanceID: instanceID, Response: resp, CreatedAt: e.now(),
	}, e.idempotencyHorizon())
}

// idempotencyHorizon is the expiry of idempotency records: one stored at or
// before it is forgotten (IdempotencyGet skips it, IdempotencyPut replaces
// it, the maintenance purge deletes it).
func (e *Engine) idempotencyHorizon() time.Time { return e.now().Add(-e.cfg.IdempotencyTTL) }

// idempotentRace handles a command that failed while another with the same
// key committed first: it answers with that command's result.
func (e *Engine) idempotentRace(ctx context.Context, cause error, k idemKey, hash string) (*InstanceView, bool, error) {
	if k.key == "" {
		return nil, false, nil
	}
	v, done, err := e.idempotentReplay(ctx, k, hash)
	if !done {
		return nil, false, cause
	}
	return v, true, err
}

// command runs one state change: a repeated idempotency key is answered
// from its record; otherwise apply judges the command on a fresh run in a
// transaction, and the run's changes and the answer under the key are
// written in that same transaction, in one batch.
// An Observer, when configured, sees the command described by c.
func (e *Engine) command(ctx context.Context, tx *sql.Tx, c Command, tenantID, actor string, key idemKey, hash string, apply func(r *run) error) (*InstanceView, error) {
	if o := e.cfg.Observer; o != nil {
		c.TenantID = tenantID
		return e.observed(ctx, o, c, func(ctx context.Context) (*InstanceView, error) {
			return e.runCommand(ctx, tx, tenantID, actor, key, hash, apply)
		})
	}
	return e.runCommand(ctx, tx, tenantID, actor, key, hash, apply)
}

func (e *Engine) runCommand(ctx context.Context, tx *sql.Tx, tenantID, actor string, key idemKey, hash string, apply func(r *run) error) (*InstanceView, error) {
	if v, done, err := e.idempotentReplay(ctx, key, hash); done || err != nil {
		return v, err
	}
	var view *InstanceView
	err := e.inTx(ctx, tx, func(x store.Executor) error {
		r := e.newRun(ctx, x, tenantID, actor)
		if err := apply(r); err != nil {
			return err
		}
		if err := r.batchWrites(); err != nil {
			return err
		}
		view = r.view()
		if err := e.idempotentStore(ctx, r.batch, key, hash, r.inst.ID, view); err != nil {
			return err
		}
		return r.flush()
	})
	if err != nil {
		if v, done, rerr := e.idempotentRace(ctx, err, key, hash); done {
			return v, rerr
		}
		return nil, err
	}
	return view, nil
}
