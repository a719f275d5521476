package flowtype

import (
	"errors"
	"strings"
)

// Code is a stable, machine-readable reason for a refusal (SEMANTICS §3.9).
type Code string

// Refusal codes. They are part of the public contract: clients branch on them.
const (
	CodeNotFound                Code = "not_found"
	CodeValidationFailed        Code = "validation_failed"
	CodePreconditionFailed      Code = "precondition_failed"
	CodeConflict                Code = "conflict"
	CodeNotInProgress           Code = "not_in_progress"
	CodeNotAssignee             Code = "not_assignee"
	CodeNotStarter              Code = "not_starter"
	CodeReasonRequired          Code = "reason_required"
	CodeInvalidTargetStage      Code = "invalid_target_stage"
	CodeInvalidDelegate         Code = "invalid_delegate"
	CodeSelfApprovalForbidden   Code = "self_approval_forbidden"
	CodeFormInvalid             Code = "form_invalid"
	CodeNoActiveApprover        Code = "no_active_approver"
	CodeWorkflowInactive        Code = "workflow_inactive"
	CodeWorkflowIncomplete      Code = "workflow_incomplete"
	CodeWorkflowNotAllowed      Code = "workflow_not_allowed"
	CodeAlreadyAttached         Code = "already_attached"
	CodeAlreadyStarted          Code = "already_started"
	CodeNotAwaitingResubmission Code = "not_awaiting_resubmission"
	CodeIdempotencyMismatch     Code = "idempotency_mismatch"
	CodePermissionDenied        Code = "permission_denied" // flowgate.Config.Permissions
)

// FieldError names one problem in an input: where it is and what is wrong.
// Path uses the input's own shape, for example
// "pipelines[1].stages[0].stage_info.approvals[0].user_role", or a JSON
// pointer such as "/amount" for form data.
type FieldError struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// ValidationError reports every problem found in an input at once.
// Its code is validation_failed.
type ValidationError struct {
	Errors []FieldError
}

// NewValidationError returns a ValidationError with one problem.
func NewValidationError(path, message string) *ValidationError {
	return &ValidationError{Errors: []FieldError{{Path: path, Message: message}}}
}

func (e *ValidationError) Error() string {
	if len(e.Errors) == 0 {
		return "validation failed"
	}
	parts := make([]string, len(e.Errors))
	for i, fe := range e.Errors {
		if fe.Path == "" {
			parts[i] = fe.Message
		} else {
			parts[i] = fe.Path + ": " + fe.Message
		}
	}
	return "validation failed: " + strings.Join(parts, "; ")
}

// Add appends a problem.
func (e *ValidationError) Add(path, message string) {
	e.Errors = append(e.Errors, FieldError{Path: path, Message: message})
}

// Err returns e when it holds any problem, else nil.
func (e *ValidationError) Err() error {
	if e == nil || len(e.Errors) == 0 {
		return nil
	}
	return e
}

// Code reports validation_failed.
func (e *ValidationError) Code() Code { return CodeValidationFailed }

// Is makes errors.Is(err, ErrValidation) true for any ValidationError.
func (e *ValidationError) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == CodeValidationFailed && t.Message == ""
}

// Error is a refusal with a stable code and a message a person understands.
// Errors lists field problems for codes that have them (form_invalid,
// reason_required, invalid_target_stage, invalid_delegate).
type Error struct {
	Code    Code
	Message string
	Errors  []FieldError
}

func (e *Error) Error() string {
	if e.Message == "" {
		return string(e.Code)
	}
	return string(e.Code) + ": " + e.Message
}

// Is matches a sentinel of the same code: errors.Is(err, ErrConflict).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Message == ""
}

// Refuse returns an *Error with the given code and message.
func Refuse(code Code, message string) *Error {
	return &Error{Code: code, Message: message}
}

// RefuseField returns an *Error whose single field problem is at path.
func RefuseField(code Code, path, message string) *Error {
	return &Error{Code: code, Message: message, Errors: []FieldError{{Path: path, Message: message}}}
}

// Sentinels for errors.Is. Each matches every *Error with the same code.
var (
	ErrNotFound   = &Error{Code: CodeNotFound}
	ErrConflict   = &Error{Code: CodeConflict}
	ErrValidation = &Error{Code: CodeValidationFailed}
)

// CodeOf returns the refusal code carried by err, or "" when err is not a
// Flowgate refusal.
func CodeOf(err error) Code {
	var fe *Error
	if errors.As(err, &fe) {
		return fe.Code
	}
	var ve *ValidationError
	if errors.As(err, &ve) {
		return CodeValidationFailed
	}
	return ""
}

// NotFound returns a not_found error naming what was missing.
func NotFound(what, id string) *Error {
	return &Error{Code: CodeNotFound, Message: what + " '" + id + "' not found"}
}
