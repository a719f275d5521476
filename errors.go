package flowgate

import "github.com/flowgate/flowgate/flowtype"

// Errors and codes, re-exported from flowtype so that users need one import.
type (
	// Error is a refusal with a stable Code (SEMANTICS §3.9).
	Error = flowtype.Error
	// ValidationError lists every problem of an input, each with its path.
	ValidationError = flowtype.ValidationError
	// FieldError is one problem of an input.
	FieldError = flowtype.FieldError
	// Code is a refusal code.
	Code = flowtype.Code
)

var (
	// ErrNotFound matches every not_found refusal.
	ErrNotFound = flowtype.ErrNotFound
	// ErrConflict matches a decision that lost a race: the step it acted on
	// was already decided.
	ErrConflict = flowtype.ErrConflict
	// ErrValidation matches every validation_failed error.
	ErrValidation = flowtype.ErrValidation
)

// CodeOf returns the refusal code of err, or "" for other errors.
func CodeOf(err error) Code { return flowtype.CodeOf(err) }

// IsNotFound reports whether err is a not_found refusal.
func IsNotFound(err error) bool { return CodeOf(err) == flowtype.CodeNotFound }
