package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/flowgate/flowgate"
)

// User is a person of the tenant's directory.
type User struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Email     string    `json:"email"`
	Locale    string    `json:"locale"`
	IsActive  bool      `json:"is_active"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func userOf(u *flowgate.User) *User {
	return &User{
		ID: u.ID, Name: u.Name, Email: u.Email, Locale: u.Locale, IsActive: u.IsActive,
		CreatedAt: micro(u.CreatedAt), UpdatedAt: micro(u.UpdatedAt),
	}
}

// UserCreateRequest is the body of POST /users.
type UserCreateRequest struct {
	ID       FlexID `json:"id"`
	Name     string `json:"name,omitempty"`
	Email    string `json:"email,omitempty"`
	Locale   string `json:"locale,omitempty"`
	IsActive *bool  `json:"is_active,omitempty" doc:"Default true."`
}

// UserPatchRequest is the body of PATCH /users/{id}.
type UserPatchRequest struct {
	Name     *string `json:"name,omitempty"`
	Email    *string `json:"email,omitempty"`
	Locale   *string `json:"locale,omitempty"`
	IsActive *bool   `json:"is_active,omitempty" doc:"false cancels the user's role-held open tasks; refused while they hold a direct one."`
}

// UserBody is an answer holding one user.
type UserBody struct {
	Status int `json:"-"`
	Body   *User
}

type bodyInput struct {
	RawBody []byte
}

type userListInput struct {
	PageParams
}

func (s *Server) userRoutes() {
	register(s, huma.Operation{
		OperationID: "listUsers", Method: http.MethodGet, Path: "/api/v1/users", Tags: []string{"Directory"},
		Summary: "List the tenant's users by id",
	}, nil, s.listUsers)
	register(s, huma.Operation{
		OperationID: "createUser", Method: http.MethodPost, Path: "/api/v1/users", Tags: []string{"Directory"},
		Summary: "Create a user", Description: "An existing id is a 422: change users with PATCH.",
		DefaultStatus: http.StatusCreated, Errors: writeErrors,
	}, UserCreateRequest{}, s.createUser)
	register(s, huma.Operation{
		OperationID: "updateUser", Method: http.MethodPatch, Path: "/api/v1/users/{id}", Tags: []string{"Directory"},
		Summary: "Change a user (name, email, locale, is_active)", Errors: writeErrors,
	}, UserPatchRequest{}, s.updateUser)
}

func (s *Server) listUsers(ctx context.Context, in *userListInput) (*struct{ Body *Page[User] }, error) {
	p := principalFrom(ctx)
	after, err := in.after("u")
	if err != nil {
		return nil, err
	}
	list, err := s.e.ListUsers(ctx, p.TenantID, after, in.limit())
	if err != nil {
		return nil, err
	}
	page := &Page[User]{Items: make([]User, 0, len(list))}
	for _, u := range list {
		page.Items = append(page.Items, *userOf(u))
	}
	if n := len(list); n > 0 {
		page.NextCursor = nextCursor("u", n == in.limit(), list[n-1].ID)
	}
	return &struct{ Body *Page[User] }{page}, nil
}

func (s *Server) createUser(ctx context.Context, in *bodyInput) (*UserBody, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	var req UserCreateRequest
	if err := decodeStrict(in.RawBody, &req); err != nil {
		return nil, err
	}
	if req.ID == "" {
		return nil, validationProblem("id", "id is required")
	}
	if _, err := s.e.GetUser(ctx, p.TenantID, string(req.ID)); err == nil {
		return nil, validationProblem("id", "User '"+string(req.ID)+"' already exists")
	} else if !errors.Is(err, flowgate.ErrNotFound) {
		return nil, err
	}
	u, err := s.e.SaveUser(ctx, p.TenantID, &flowgate.User{
		ID: string(req.ID), Name: req.Name, Email: req.Email, Locale: req.Locale,
		IsActive: req.IsActive == nil || *req.IsActive,
	})
	if err != nil {
		return nil, err
	}
	return &UserBody{Status: http.StatusCreated, Body: userOf(u)}, nil
}

type userPatchInput struct {
	ID      string `path:"id"`
	RawBody []byte
}

func (s *Server) updateUser(ctx context.Context, in *userPatchInput) (*UserBody, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	cur, err := s.e.GetUser(ctx, p.TenantID, in.ID)
	if err != nil {
		return nil, err
	}
	var req UserPatchRequest
	if err := decodeStrict(in.RawBody, &req); err != nil {
		return nil, err
	}
	next := *cur
	if req.Name != nil {
		next.Name = *req.Name
	}
	if req.Email != nil {
		next.Email = *req.Email
	}
	if req.Locale != nil {
		next.Locale = *req.Locale
	}
	if req.IsActive != nil && !*req.IsActive && cur.IsActive {
		// Deactivating re-judges the user's steps, with the admin as actor.
		if _, err := s.e.SetUserActive(ctx, p.TenantID, in.ID, false, p.UserID); err != nil {
			return nil, err
		}
	}
	if req.IsActive != nil {
		next.IsActive = *req.IsActive
	}
	u, err := s.e.SaveUser(ctx, p.TenantID, &next)
	if err != nil {
		return nil, err
	}
	return &UserBody{Body: userOf(u)}, nil
}
