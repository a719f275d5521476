package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/flowtype"
)

// FieldError is one problem of a request, at its path in the body (or the
// name of the query parameter).
type FieldError struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// Problem is an RFC 9457 problem document with Flowgate's members: Code,
// the class of API.md, and Refusal (member "error"), the engine's specific
// refusal (SEMANTICS §3.9) that clients branch on.
type Problem struct {
	Type    string       `json:"type" doc:"Always about:blank: the code says what happened."`
	Title   string       `json:"title" doc:"The HTTP status text."`
	Status  int          `json:"status"`
	Detail  string       `json:"detail,omitempty" doc:"What went wrong, for people."`
	Code    string       `json:"code" enum:"unauthorized,forbidden,not_found,validation_failed,invalid_transition,form_invalid,conflict,precondition_failed,idempotency_mismatch,payload_too_large,rate_limited,method_not_allowed,internal" doc:"The class of the problem."`
	Refusal string       `json:"error,omitempty" doc:"The specific refusal: not_assignee, not_in_progress, self_approval_forbidden, invalid_target_stage, …"`
	Errors  []FieldError `json:"errors,omitempty" doc:"Every problem of the request with its path (validation_failed, form_invalid)."`

	retryAfter int
}

func (p *Problem) Error() string {
	if p.Refusal != "" {
		return p.Code + " (" + p.Refusal + "): " + p.Detail
	}
	return p.Code + ": " + p.Detail
}

// GetStatus implements huma.StatusError.
func (p *Problem) GetStatus() int { return p.Status }

// ContentType makes huma send problems as application/problem+json.
func (p *Problem) ContentType(string) string { return "application/problem+json" }

// GetHeaders implements huma.HeadersError.
func (p *Problem) GetHeaders() http.Header {
	h := http.Header{}
	if p.retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(p.retryAfter))
	}
	if p.Status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer realm="flowgate"`)
	}
	return h
}

func newProblem(status int, code, refusal, detail string, errs ...FieldError) *Problem {
	return &Problem{
		Type: "about:blank", Title: http.StatusText(status), Status: status,
		Code: code, Refusal: refusal, Detail: detail, Errors: errs,
	}
}

func internalProblem() *Problem {
	return newProblem(http.StatusInternalServerError, "internal", "", "an internal error occurred; it was logged")
}

func validationProblem(path, msg string) *Problem {
	return newProblem(http.StatusUnprocessableEntity, "validation_failed", "validation_failed", msg,
		FieldError{Path: path, Message: msg})
}

func forbidden(refusal, msg string) *Problem {
	return newProblem(http.StatusForbidden, "forbidden", refusal, msg)
}

func unauthorized(msg string) *Problem {
	return newProblem(http.StatusUnauthorized, "unauthorized", "", msg)
}

// classes maps the engine's codes to API.md's classes and HTTP statuses
// (SEMANTICS §3.9).
var classes = map[flowtype.Code]struct {
	status int
	class  string
}{
	flowtype.CodeNotFound:                {http.StatusNotFound, "not_found"},
	flowtype.CodeValidationFailed:        {http.StatusUnprocessableEntity, "validation_failed"},
	flowtype.CodeReasonRequired:          {http.StatusUnprocessableEntity, "validation_failed"},
	flowtype.CodeInvalidTargetStage:      {http.StatusUnprocessableEntity, "validation_failed"},
	flowtype.CodeInvalidDelegate:         {http.StatusUnprocessableEntity, "validation_failed"},
	flowtype.CodeFormInvalid:             {http.StatusUnprocessableEntity, "form_invalid"},
	flowtype.CodeWorkflowInactive:        {http.StatusUnprocessableEntity, "invalid_transition"},
	flowtype.CodeWorkflowIncomplete:      {http.StatusUnprocessableEntity, "invalid_transition"},
	flowtype.CodeWorkflowNotAllowed:      {http.StatusUnprocessableEntity, "invalid_transition"},
	flowtype.CodeAlreadyAttached:         {http.StatusUnprocessableEntity, "invalid_transition"},
	flowtype.CodeAlreadyStarted:          {http.StatusUnprocessableEntity, "invalid_transition"},
	flowtype.CodeNotInProgress:           {http.StatusUnprocessableEntity, "invalid_transition"},
	flowtype.CodeNotAwaitingResubmission: {http.StatusUnprocessableEntity, "invalid_transition"},
	flowtype.CodeNoActiveApprover:        {http.StatusUnprocessableEntity, "invalid_transition"},
	flowtype.CodeNotAssignee:             {http.StatusForbidden, "forbidden"},
	flowtype.CodeNotStarter:              {http.StatusForbidden, "forbidden"},
	flowtype.CodeSelfApprovalForbidden:   {http.StatusForbidden, "forbidden"},
	flowtype.CodePermissionDenied:        {http.StatusForbidden, "forbidden"},
	flowtype.CodeConflict:                {http.StatusConflict, "conflict"},
	flowtype.CodePreconditionFailed:      {http.StatusPreconditionFailed, "precondition_failed"},
	flowtype.CodeIdempotencyMismatch:     {http.StatusUnprocessableEntity, "idempotency_mismatch"},
}

// problemOf maps any error a handler meets to a problem: the one place
// where engine errors become HTTP answers. ok is false for an unexpected
// error, which the caller logs.
func problemOf(err error) (p *Problem, ok bool) {
	if errors.As(err, &p) {
		return p, true
	}
	var verr *flowtype.ValidationError
	if errors.As(err, &verr) {
		out := newProblem(http.StatusUnprocessableEntity, "validation_failed", "validation_failed", "", fieldErrors(verr.Errors)...)
		out.Detail = summary(out.Errors)
		return out, true
	}
	var fe *flowtype.Error
	if !errors.As(err, &fe) {
		return internalProblem(), false
	}
	c, known := classes[fe.Code]
	if !known {
		return internalProblem(), false
	}
	out := newProblem(c.status, c.class, string(fe.Code), fe.Message, fieldErrors(fe.Errors)...)
	if (c.class == "validation_failed" || c.class == "form_invalid") && len(out.Errors) == 0 {
		out.Errors = []FieldError{{Path: "", Message: fe.Message}}
	}
	return out, true
}

func fieldErrors(in []flowtype.FieldError) []FieldError {
	out := make([]FieldError, len(in))
	for i, fe := range in {
		out[i] = FieldError{Path: fe.Path, Message: fe.Message}
	}
	return out
}

func summary(errs []FieldError) string {
	if len(errs) == 0 {
		return "validation failed"
	}
	first := errs[0].Message
	if errs[0].Path != "" {
		first = errs[0].Path + ": " + first
	}
	if len(errs) > 1 {
		first += " (and " + strconv.Itoa(len(errs)-1) + " more)"
	}
	return first
}

// writeProblem writes a problem outside huma (middleware, mux errors).
func writeProblem(w http.ResponseWriter, p *Problem) {
	for k, v := range p.GetHeaders() {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// classOfStatus names the class of a status huma produced by itself.
func classOfStatus(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusConflict:
		return "conflict"
	case http.StatusPreconditionFailed:
		return "precondition_failed"
	case http.StatusRequestEntityTooLarge:
		return "payload_too_large"
	case http.StatusTooManyRequests:
		return "rate_limited"
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return "validation_failed"
	}
	if status >= 500 {
		return "internal"
	}
	return "validation_failed"
}

func init() {
	// huma builds its own errors (unreadable bodies, parameter validation,
	// oversized bodies) through NewError: they become problems too. A body
	// that is not JSON is a 422 like any other malformed input.
	huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
		if status == http.StatusBadRequest {
			status = http.StatusUnprocessableEntity
		}
		class := classOfStatus(status)
		p := newProblem(status, class, "", msg)
		if status == 0 {
			return p
		}
		if class == "validation_failed" {
			p.Refusal = "validation_failed"
		}
		for _, err := range errs {
			if err == nil {
				continue
			}
			var d *huma.ErrorDetail
			if errors.As(err, &d) {
				p.Errors = append(p.Errors, FieldError{Path: paramPath(d.Location), Message: d.Message})
				continue
			}
			if status < 500 {
				p.Errors = append(p.Errors, FieldError{Message: err.Error()})
			}
		}
		if class == "validation_failed" && len(p.Errors) == 0 {
			p.Errors = []FieldError{{Message: msg}}
		}
		return p
	}
}

// paramPath turns huma's "query.limit" or "body.x[0]" into "limit" or
// "x[0]".
func paramPath(loc string) string {
	for _, prefix := range []string{"body.", "query.", "path.", "header.", "cookie."} {
		if rest, ok := strings.CutPrefix(loc, prefix); ok {
			return rest
		}
	}
	if loc == "body" {
		return ""
	}
	return loc
}

// check maps a handler's error; unexpected errors are logged and answered
// 500 without detail.
func (s *Server) check(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	p, ok := problemOf(err)
	if !ok {
		s.log.ErrorContext(ctx, "api: unexpected error", "err", err)
	}
	return p
}

var _ = flowgate.CodeOf
