package api

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/flowgate/flowgate"
)

// Form is a JSON Schema document that approval steps name as
// required_form.
type Form struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Schema    json.RawMessage `json:"schema"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
}

// FormRequest is the body of POST /forms: it creates or replaces a form.
type FormRequest struct {
	ID     FlexID          `json:"id"`
	Name   string          `json:"name,omitempty"`
	Schema json.RawMessage `json:"schema" doc:"A JSON Schema document."`
}

// FormBody is an answer holding one form.
type FormBody struct {
	Status int `json:"-"`
	Body   *Form
}

type formListInput struct {
	PageParams
}

func (s *Server) formRoutes() {
	register(s, huma.Operation{
		OperationID: "listForms", Method: http.MethodGet, Path: "/api/v1/forms", Tags: []string{"Directory"},
		Summary: "List the tenant's forms",
	}, nil, s.listForms)
	register(s, huma.Operation{
		OperationID: "createForm", Method: http.MethodPost, Path: "/api/v1/forms", Tags: []string{"Directory"},
		Summary: "Create or replace a form", Description: "201 when created, 200 when replaced. The schema must be a valid JSON Schema.",
		DefaultStatus: http.StatusCreated, Errors: writeErrors,
	}, FormRequest{}, s.createForm)
}

func formOf(f *flowgate.Form) Form {
	return Form{ID: f.ID, Name: f.Name, Schema: f.Schema, CreatedAt: micro(f.CreatedAt), UpdatedAt: micro(f.UpdatedAt)}
}

func (s *Server) listForms(ctx context.Context, in *formListInput) (*struct{ Body *Page[Form] }, error) {
	p := principalFrom(ctx)
	forms, err := s.e.ListForms(ctx, p.TenantID)
	if err != nil {
		return nil, err
	}
	list := make([]Form, 0, len(forms))
	for _, f := range forms {
		list = append(list, formOf(f))
	}
	page, err := pageOf(list, func(f Form) string { return f.ID }, &in.PageParams, "f")
	if err != nil {
		return nil, err
	}
	return &struct{ Body *Page[Form] }{page}, nil
}

func (s *Server) createForm(ctx context.Context, in *bodyInput) (*FormBody, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	var req FormRequest
	if err := decodeStrict(in.RawBody, &req); err != nil {
		return nil, err
	}
	if req.ID == "" {
		return nil, validationProblem("id", "id is required")
	}
	if len(req.Schema) == 0 || string(req.Schema) == "null" {
		return nil, validationProblem("schema", "schema is required")
	}
	status := http.StatusCreated
	if _, err := s.e.GetForm(ctx, p.TenantID, string(req.ID)); err == nil {
		status = http.StatusOK
	}
	f, err := s.e.SaveForm(ctx, p.TenantID, &flowgate.Form{ID: string(req.ID), Name: req.Name, Schema: req.Schema})
	if err != nil {
		return nil, err
	}
	out := formOf(f)
	return &FormBody{Status: status, Body: &out}, nil
}
