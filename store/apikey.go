package store

import (
	"context"
	"time"

	"github.com/flowgate/flowgate/flowtype"
)

// APIKeyQueries are the queries of API keys and of the user lookups the
// HTTP API's authentication needs. They are part of Executor.
type APIKeyQueries interface {
	// APIKeyInsert stores a new key. An unknown tenant is ErrNotFound; a
	// digest already stored is ErrConflict.
	APIKeyInsert(ctx context.Context, k *flowtype.APIKey) error
	// APIKeyGetByHash finds a key by its digest, revoked or not. It is the
	// one query that takes no tenant: the key is what names the tenant.
	APIKeyGetByHash(ctx context.Context, hash string) (*flowtype.APIKey, error)
	// APIKeyList returns the tenant's keys ordered by id.
	APIKeyList(ctx context.Context, tenantID string) ([]*flowtype.APIKey, error)
	// APIKeyRevoke marks a key revoked at p.At (a revoked key keeps its
	// first revocation time). An unknown key is ErrNotFound.
	APIKeyRevoke(ctx context.Context, p *APIKeyStampParams) error
	// APIKeyTouch records a use of the key at p.At.
	APIKeyTouch(ctx context.Context, p *APIKeyStampParams) error

	// UserGetByEmail returns the tenant's user with that e-mail address,
	// compared case-insensitively (the smallest id when several share it),
	// or ErrNotFound.
	UserGetByEmail(ctx context.Context, tenantID, email string) (*flowtype.User, error)
}

// APIKeyStampParams names a key and a time.
type APIKeyStampParams struct {
	TenantID string
	ID       string
	At       time.Time
}
