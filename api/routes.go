package api

import (
	"context"
	"net/http"
	"reflect"

	"github.com/danielgtaylor/huma/v2"
)

// routes registers every operation. Each lives in the file named after
// its resource, with its request and response types.
func (s *Server) routes() {
	s.workflowRoutes()
	s.workflowReportRoutes()
	s.pipelineRoutes()
	s.stageRoutes()
	s.actionRoutes()
	s.subjectTypeRoutes()
	s.userRoutes()
	s.roleRoutes()
	s.formRoutes()
	s.keyRoutes()
	s.instanceRoutes()
	s.decisionRoutes()
	s.subjectRoutes()
	s.inboxRoutes()
	s.statisticsRoutes()
	s.actionRunRoutes()
	s.cleanupRoutes()
}

// Error statuses documented per kind of operation.
var (
	readErrors     = []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusTooManyRequests}
	writeErrors    = []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusTooManyRequests}
	decisionErrors = []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusPreconditionFailed, http.StatusRequestEntityTooLarge, http.StatusTooManyRequests}
)

// register adds one operation. body, when not nil, is the documented type
// of the JSON request body, which the handler reads from RawBody itself
// (strictly, after checking that what the path names exists). Errors the
// handler returns go through the one mapping of problem.go.
func register[I, O any](s *Server, op huma.Operation, body any, h func(ctx context.Context, in *I) (*O, error)) {
	if op.Errors == nil {
		op.Errors = readErrors
	}
	// huma refuses a body of exactly MaxBodyBytes: allow the cap itself.
	op.MaxBodyBytes = s.cfg.MaxBodyBytes + 1
	huma.Register(s.api, op, func(ctx context.Context, in *I) (*O, error) {
		out, err := h(ctx, in)
		if err != nil {
			return nil, s.check(ctx, err)
		}
		defaultStatus(out, op.DefaultStatus)
		return out, nil
	})
	if body == nil {
		return
	}
	oapi := s.api.OpenAPI()
	registry := oapi.Components.Schemas
	t := reflect.TypeOf(body)
	schema := registry.Schema(t, true, t.Name())
	item := oapi.Paths[op.Path]
	var target *huma.Operation
	switch op.Method {
	case http.MethodPost:
		target = item.Post
	case http.MethodPatch:
		target = item.Patch
	case http.MethodPut:
		target = item.Put
	}
	target.RequestBody = &huma.RequestBody{
		Required: true,
		Content:  map[string]*huma.MediaType{"application/json": {Schema: schema}},
	}
}

// defaultStatus fills an answer's Status field left at zero: huma would
// send it as is.
func defaultStatus(out any, status int) {
	v := reflect.ValueOf(out)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return
	}
	f := v.Elem().FieldByName("Status")
	if !f.IsValid() || f.Kind() != reflect.Int || f.Int() != 0 {
		return
	}
	if status == 0 {
		status = http.StatusOK
	}
	f.SetInt(int64(status))
}
