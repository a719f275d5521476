// Package setfield is the built-in "set_subject_field" action handler: it
// sets a field of the instance's subject (the original's "update the
// object's status" actions).
//
// Parameters:
//
//	{"field": "status", "value": "IN_PROGRESS"}          // a status field (string value)
//	{"field": "priority", "value": 3, "target": "data"}  // a key of the subject's data document
//
// The default target, "status", writes the subject's status map as a
// completion does (Config.OnSubjectStatus is called); "data" replaces one
// top-level key of its data document. Setting a field to the value it
// has is harmless, so a retried run is too.
package setfield

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/flowgate/flowgate/action"
)

// Name is the handler's registered name.
const Name = "set_subject_field"

// Params are the action's parameters.
type Params struct {
	Field  string          `json:"field"`
	Value  json.RawMessage `json:"value"`
	Target string          `json:"target"`
}

// New returns the handler.
func New() action.Handler {
	return func(ctx context.Context, req *action.Request) error {
		var p Params
		if err := req.Params(&p); err != nil {
			return err
		}
		if p.Field == "" {
			return action.Permanent(errors.New("set_subject_field: parameter field is required"))
		}
		if len(p.Value) == 0 {
			return action.Permanent(errors.New("set_subject_field: parameter value is required"))
		}
		if req.Services == nil {
			return action.Permanent(errors.New("set_subject_field: no engine services"))
		}
		switch p.Target {
		case "", "status":
			var s string
			if err := json.Unmarshal(p.Value, &s); err != nil {
				return action.Permanent(fmt.Errorf("set_subject_field: a status value must be a string: %w", err))
			}
			return req.Services.SetSubjectStatus(ctx, p.Field, s)
		case "data":
			return req.Services.SetSubjectData(ctx, p.Field, p.Value)
		}
		return action.Permanent(fmt.Errorf("set_subject_field: target %q must be status or data", p.Target))
	}
}
