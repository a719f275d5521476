package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/flowtype"
)

// Role groups users that approval steps name.
type Role struct {
	ID        string       `json:"id"`
	Name      string       `json:"name"`
	Members   []RoleMember `json:"members"`
	CreatedAt time.Time    `json:"created_at"`
}

// RoleMember is a member of a role.
type RoleMember struct {
	UserID   string `json:"user_id"`
	IsActive bool   `json:"is_active"`
}

// RoleRequest is the body of POST /roles: it creates the role or renames
// it, and adds the members listed.
type RoleRequest struct {
	ID      FlexID   `json:"id"`
	Name    string   `json:"name,omitempty"`
	Members []FlexID `json:"members,omitempty" doc:"User ids to add."`
}

// RoleBody is an answer holding one role.
type RoleBody struct {
	Status int `json:"-"`
	Body   *Role
}

type roleListInput struct {
	PageParams
}

type roleMemberInput struct {
	ID     string `path:"id"`
	UserID string `path:"user_id"`
}

func (s *Server) roleRoutes() {
	register(s, huma.Operation{
		OperationID: "listRoles", Method: http.MethodGet, Path: "/api/v1/roles", Tags: []string{"Directory"},
		Summary: "List the tenant's roles with their members",
	}, nil, s.listRoles)
	register(s, huma.Operation{
		OperationID: "createRole", Method: http.MethodPost, Path: "/api/v1/roles", Tags: []string{"Directory"},
		Summary: "Create (or rename) a role", Description: "201 when created, 200 when it existed.",
		DefaultStatus: http.StatusCreated, Errors: writeErrors,
	}, RoleRequest{}, s.createRole)
	register(s, huma.Operation{
		OperationID: "addRoleMember", Method: http.MethodPut, Path: "/api/v1/roles/{id}/members/{user_id}", Tags: []string{"Directory"},
		Summary: "Add a member", Description: "Steps already current keep the members they had.", Errors: writeErrors,
	}, nil, s.addRoleMember)
	register(s, huma.Operation{
		OperationID: "removeRoleMember", Method: http.MethodDelete, Path: "/api/v1/roles/{id}/members/{user_id}", Tags: []string{"Directory"},
		Summary:       "Remove a member",
		Description:   "Their role-held open tasks are cancelled and their steps judged again; refused (422 no_active_approver) when a step would be left with nobody.",
		DefaultStatus: http.StatusNoContent, Errors: writeErrors,
	}, nil, s.removeRoleMember)
}

func (s *Server) roleOf(ctx context.Context, tenant string, r *flowgate.Role) (*Role, error) {
	members, err := s.e.RoleMembers(ctx, tenant, r.ID)
	if err != nil {
		return nil, err
	}
	out := &Role{ID: r.ID, Name: r.Name, Members: make([]RoleMember, 0, len(members)), CreatedAt: micro(r.CreatedAt)}
	for _, m := range members {
		out.Members = append(out.Members, RoleMember{UserID: m.UserID, IsActive: m.IsActive})
	}
	return out, nil
}

func (s *Server) listRoles(ctx context.Context, in *roleListInput) (*struct{ Body *Page[Role] }, error) {
	p := principalFrom(ctx)
	roles, err := s.e.ListRoles(ctx, p.TenantID)
	if err != nil {
		return nil, err
	}
	page, err := pageOf(roles, func(r *flowgate.Role) string { return r.ID }, &in.PageParams, "r")
	if err != nil {
		return nil, err
	}
	out := &Page[Role]{Items: make([]Role, 0, len(page.Items)), NextCursor: page.NextCursor}
	for _, r := range page.Items {
		ro, err := s.roleOf(ctx, p.TenantID, r)
		if err != nil {
			return nil, err
		}
		out.Items = append(out.Items, *ro)
	}
	return &struct{ Body *Page[Role] }{out}, nil
}

func (s *Server) createRole(ctx context.Context, in *bodyInput) (*RoleBody, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	var req RoleRequest
	if err := decodeStrict(in.RawBody, &req); err != nil {
		return nil, err
	}
	if req.ID == "" {
		return nil, validationProblem("id", "id is required")
	}
	verr := &flowtype.ValidationError{}
	for i, m := range req.Members {
		if _, err := s.e.GetUser(ctx, p.TenantID, string(m)); errors.Is(err, flowgate.ErrNotFound) {
			verr.Add("members["+strconv.Itoa(i)+"]", "User '"+string(m)+"' does not exist")
		} else if err != nil {
			return nil, err
		}
	}
	if err := verr.Err(); err != nil {
		return nil, err
	}
	status := http.StatusCreated
	if _, err := s.e.GetRole(ctx, p.TenantID, string(req.ID)); err == nil {
		status = http.StatusOK
	}
	r, err := s.e.SaveRole(ctx, p.TenantID, string(req.ID), req.Name)
	if err != nil {
		return nil, err
	}
	for _, m := range req.Members {
		if err := s.e.AddRoleMember(ctx, p.TenantID, r.ID, string(m)); err != nil {
			return nil, err
		}
	}
	out, err := s.roleOf(ctx, p.TenantID, r)
	if err != nil {
		return nil, err
	}
	return &RoleBody{Status: status, Body: out}, nil
}

func (s *Server) addRoleMember(ctx context.Context, in *roleMemberInput) (*RoleBody, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.e.AddRoleMember(ctx, p.TenantID, in.ID, in.UserID); err != nil {
		return nil, err
	}
	r, err := s.e.GetRole(ctx, p.TenantID, in.ID)
	if err != nil {
		return nil, err
	}
	out, err := s.roleOf(ctx, p.TenantID, r)
	if err != nil {
		return nil, err
	}
	return &RoleBody{Body: out}, nil
}

func (s *Server) removeRoleMember(ctx context.Context, in *roleMemberInput) (*emptyOutput, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.e.GetRole(ctx, p.TenantID, in.ID); err != nil {
		return nil, err
	}
	if err := s.e.RemoveRoleMember(ctx, p.TenantID, in.ID, in.UserID, p.UserID); err != nil {
		return nil, err
	}
	return &emptyOutput{}, nil
}
