package flowtype

import "time"

// APIKey is a credential of the HTTP API. It belongs to one tenant and acts
// as one user of it. The key itself is shown once, at creation; only its
// SHA-256 digest is stored.
type APIKey struct {
	TenantID string `json:"-"`
	ID       string `json:"id"`
	// UserID is the user the key acts as.
	UserID string `json:"user_id"`
	// Name is a free label ("ci", "erp integration").
	Name string `json:"name"`
	// Prefix is the key's first characters, to tell keys apart in lists.
	Prefix string `json:"prefix"`
	// Hash is the hex SHA-256 digest of the key.
	Hash string `json:"-"`
	// Admin keys may change definitions and the directory.
	Admin bool `json:"admin"`
	// ActAs keys may act for any user of the tenant (Flowgate-Acting-User).
	ActAs      bool       `json:"act_as"`
	CreatedBy  string     `json:"created_by,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}
