package client

import (
	"context"
	"net/http"

	"github.com/flowgate/flowgate/api"
)

// ListUsers pages through the tenant's users.
func (c *Client) ListUsers(ctx context.Context, opts *ListOpts) (*api.Page[api.User], error) {
	var out api.Page[api.User]
	_, err := c.call(ctx, http.MethodGet, "/api/v1/users"+opts.encode(), nil, &out, nil)
	return &out, err
}

// CreateUser creates a user.
func (c *Client) CreateUser(ctx context.Context, body *api.UserCreateRequest) (*api.User, error) {
	var out api.User
	_, err := c.call(ctx, http.MethodPost, "/api/v1/users", body, &out, nil)
	return &out, err
}

// UpdateUser changes a user.
func (c *Client) UpdateUser(ctx context.Context, id string, body *api.UserPatchRequest) (*api.User, error) {
	var out api.User
	_, err := c.call(ctx, http.MethodPatch, "/api/v1/users/"+esc(id), body, &out, nil)
	return &out, err
}

// ListRoles lists roles with their members.
func (c *Client) ListRoles(ctx context.Context, opts *ListOpts) (*api.Page[api.Role], error) {
	var out api.Page[api.Role]
	_, err := c.call(ctx, http.MethodGet, "/api/v1/roles"+opts.encode(), nil, &out, nil)
	return &out, err
}

// CreateRole creates or renames a role and adds members.
func (c *Client) CreateRole(ctx context.Context, body *api.RoleRequest) (*api.Role, error) {
	var out api.Role
	_, err := c.call(ctx, http.MethodPost, "/api/v1/roles", body, &out, nil)
	return &out, err
}

// AddRoleMember adds a user to a role.
func (c *Client) AddRoleMember(ctx context.Context, roleID, userID string) (*api.Role, error) {
	var out api.Role
	_, err := c.call(ctx, http.MethodPut, "/api/v1/roles/"+esc(roleID)+"/members/"+esc(userID), nil, &out, nil)
	return &out, err
}

// RemoveRoleMember removes a user from a role.
func (c *Client) RemoveRoleMember(ctx context.Context, roleID, userID string) error {
	_, err := c.call(ctx, http.MethodDelete, "/api/v1/roles/"+esc(roleID)+"/members/"+esc(userID), nil, nil, nil)
	return err
}

// ListForms lists forms.
func (c *Client) ListForms(ctx context.Context, opts *ListOpts) (*api.Page[api.Form], error) {
	var out api.Page[api.Form]
	_, err := c.call(ctx, http.MethodGet, "/api/v1/forms"+opts.encode(), nil, &out, nil)
	return &out, err
}

// CreateForm creates or replaces a form.
func (c *Client) CreateForm(ctx context.Context, body *api.FormRequest) (*api.Form, error) {
	var out api.Form
	_, err := c.call(ctx, http.MethodPost, "/api/v1/forms", body, &out, nil)
	return &out, err
}

// ListKeys lists API keys (admin).
func (c *Client) ListKeys(ctx context.Context, opts *ListOpts) (*api.Page[api.APIKey], error) {
	var out api.Page[api.APIKey]
	_, err := c.call(ctx, http.MethodGet, "/api/v1/keys"+opts.encode(), nil, &out, nil)
	return &out, err
}

// CreateKey creates an API key (admin); the answer's Key is the secret.
func (c *Client) CreateKey(ctx context.Context, body *api.APIKeyRequest) (*api.APIKey, error) {
	var out api.APIKey
	_, err := c.call(ctx, http.MethodPost, "/api/v1/keys", body, &out, nil)
	return &out, err
}

// RevokeKey revokes an API key (admin).
func (c *Client) RevokeKey(ctx context.Context, id string) error {
	_, err := c.call(ctx, http.MethodDelete, "/api/v1/keys/"+esc(id), nil, nil, nil)
	return err
}
