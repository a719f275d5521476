package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/flowgate/flowgate"
)

// APIKey describes a key; its secret is shown only by the answer that
// creates it.
type APIKey struct {
	ID         string     `json:"id"`
	UserID     string     `json:"user_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix" doc:"The key's first characters."`
	Admin      bool       `json:"admin"`
	ActAs      bool       `json:"act_as"`
	CreatedBy  *string    `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	// Key is the secret, present once.
	Key string `json:"key,omitempty" doc:"The secret: shown once, at creation."`
}

func apiKeyOf(k *flowgate.APIKey) *APIKey {
	return &APIKey{
		ID: k.ID, UserID: k.UserID, Name: k.Name, Prefix: k.Prefix, Admin: k.Admin, ActAs: k.ActAs,
		CreatedBy: opt(k.CreatedBy), CreatedAt: micro(k.CreatedAt), LastUsedAt: optTime(k.LastUsedAt),
		RevokedAt: optTime(k.RevokedAt),
	}
}

// APIKeyRequest is the body of POST /keys.
type APIKeyRequest struct {
	UserID FlexID `json:"user_id" doc:"The user the key acts as."`
	Name   string `json:"name,omitempty"`
	Admin  bool   `json:"admin,omitempty"`
	ActAs  bool   `json:"act_as,omitempty" doc:"May act for any user with the Flowgate-Acting-User header."`
}

// APIKeyBody is an answer holding one key.
type APIKeyBody struct {
	Status int `json:"-"`
	Body   *APIKey
}

type keyListInput struct {
	PageParams
}

func (s *Server) keyRoutes() {
	register(s, huma.Operation{
		OperationID: "listKeys", Method: http.MethodGet, Path: "/api/v1/keys", Tags: []string{"Keys"},
		Summary: "List the tenant's API keys (admin)",
	}, nil, s.listKeys)
	register(s, huma.Operation{
		OperationID: "createKey", Method: http.MethodPost, Path: "/api/v1/keys", Tags: []string{"Keys"},
		Summary:       "Create an API key (admin); the answer is the only one that shows its secret",
		DefaultStatus: http.StatusCreated, Errors: writeErrors,
	}, APIKeyRequest{}, s.createKey)
	register(s, huma.Operation{
		OperationID: "revokeKey", Method: http.MethodDelete, Path: "/api/v1/keys/{id}", Tags: []string{"Keys"},
		Summary: "Revoke an API key (admin), at once", DefaultStatus: http.StatusNoContent, Errors: writeErrors,
	}, nil, s.revokeKey)
}

func (s *Server) listKeys(ctx context.Context, in *keyListInput) (*struct{ Body *Page[APIKey] }, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	keys, err := s.e.ListAPIKeys(ctx, p.TenantID)
	if err != nil {
		return nil, err
	}
	list := make([]APIKey, 0, len(keys))
	for _, k := range keys {
		list = append(list, *apiKeyOf(k))
	}
	page, err := pageOf(list, func(k APIKey) string { return k.ID }, &in.PageParams, "k")
	if err != nil {
		return nil, err
	}
	return &struct{ Body *Page[APIKey] }{page}, nil
}

func (s *Server) createKey(ctx context.Context, in *bodyInput) (*APIKeyBody, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	var req APIKeyRequest
	if err := decodeStrict(in.RawBody, &req); err != nil {
		return nil, err
	}
	secret, k, err := s.e.CreateAPIKey(ctx, p.TenantID, &flowgate.APIKeyParams{
		UserID: string(req.UserID), Name: req.Name, Admin: req.Admin, ActAs: req.ActAs, CreatedBy: p.UserID,
	})
	if err != nil {
		return nil, err
	}
	out := apiKeyOf(k)
	out.Key = secret
	return &APIKeyBody{Status: http.StatusCreated, Body: out}, nil
}

type keyIDInput struct {
	ID string `path:"id"`
}

func (s *Server) revokeKey(ctx context.Context, in *keyIDInput) (*emptyOutput, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.e.RevokeAPIKey(ctx, p.TenantID, in.ID); err != nil {
		return nil, err
	}
	return &emptyOutput{}, nil
}
