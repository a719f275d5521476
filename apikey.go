package flowgate

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

// APIKey is a credential of the HTTP API, re-exported.
type APIKey = flowtype.APIKey

// APIKeyPrefix starts every API key, so that a leaked one is easy to spot.
const APIKeyPrefix = "fg_"

// apiKeyTouchEvery bounds how often a key's last-used time is written: at
// most once a minute per key, so that authenticating is a read.
const apiKeyTouchEvery = time.Minute

// APIKeyParams describes a new API key.
type APIKeyParams struct {
	// UserID is the user the key acts as; it must exist in the tenant.
	UserID string
	Name   string
	// Admin keys may change definitions and the directory.
	Admin bool
	// ActAs keys may act for any user of the tenant.
	ActAs bool
	// CreatedBy is recorded with the key.
	CreatedBy string
}

// CreateAPIKey creates a key and returns its secret, which is not stored
// and cannot be read again, with the stored record.
func (e *Engine) CreateAPIKey(ctx context.Context, tenantID string, p *APIKeyParams) (string, *APIKey, error) {
	if p == nil || p.UserID == "" {
		return "", nil, flowtype.NewValidationError("user_id", "user_id is required")
	}
	if _, err := e.store.UserGet(ctx, tenantID, p.UserID); err != nil {
		if errors.Is(err, ErrNotFound) {
			return "", nil, flowtype.NewValidationError("user_id", fmt.Sprintf("User '%s' does not exist", p.UserID))
		}
		return "", nil, err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, err
	}
	secret := APIKeyPrefix + base64.RawURLEncoding.EncodeToString(raw)
	k := &APIKey{
		TenantID: tenantID, ID: newID(), UserID: p.UserID, Name: p.Name, Prefix: secret[:len(APIKeyPrefix)+6],
		Hash: hashAPIKey(secret), Admin: p.Admin, ActAs: p.ActAs, CreatedBy: p.CreatedBy, CreatedAt: e.now(),
	}
	if err := e.store.APIKeyInsert(ctx, k); err != nil {
		return "", nil, fmt.Errorf("flowgate: create api key: %w", err)
	}
	return secret, k, nil
}

func hashAPIKey(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// AuthenticateAPIKey returns the key a secret belongs to. An unknown or
// revoked key is ErrNotFound. The key's last-used time is updated at most
// once a minute.
func (e *Engine) AuthenticateAPIKey(ctx context.Context, secret string) (*APIKey, error) {
	if !strings.HasPrefix(secret, APIKeyPrefix) {
		return nil, flowtype.NotFound("api key", "")
	}
	k, err := e.store.APIKeyGetByHash(ctx, hashAPIKey(secret))
	if err != nil {
		return nil, err
	}
	if k.RevokedAt != nil {
		return nil, flowtype.NotFound("api key", k.ID)
	}
	now := e.now()
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) >= apiKeyTouchEvery {
		if err := e.store.APIKeyTouch(ctx, &store.APIKeyStampParams{TenantID: k.TenantID, ID: k.ID, At: now}); err != nil {
			e.log.WarnContext(ctx, "flowgate: record api key use", "key", k.ID, "err", err)
		} else {
			k.LastUsedAt = &now
		}
	}
	return k, nil
}

// ListAPIKeys lists the tenant's keys (never their secrets), revoked ones
// included.
func (e *Engine) ListAPIKeys(ctx context.Context, tenantID string) ([]*APIKey, error) {
	return e.store.APIKeyList(ctx, tenantID)
}

// RevokeAPIKey revokes a key at once; revoking twice keeps the first time.
func (e *Engine) RevokeAPIKey(ctx context.Context, tenantID, id string) error {
	return e.store.APIKeyRevoke(ctx, &store.APIKeyStampParams{TenantID: tenantID, ID: id, At: e.now()})
}
