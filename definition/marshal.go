package definition

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
)

// MarshalJSON writes the known keys first, then every Extra key sorted.
func (in Info) MarshalJSON() ([]byte, error) {
	var o objectWriter
	if len(in.Approvals) > 0 {
		o.add("approvals", in.Approvals)
	}
	if in.Color != "" {
		o.add("color", in.Color)
	}
	o.extra(in.Extra, "approvals", "color")
	return o.close()
}

// UnmarshalJSON reads an info document as [DecodeJSON] does; the error is a
// *flowtype.ValidationError with paths relative to the document.
func (in *Info) UnmarshalJSON(data []byte) error {
	r := &reader{}
	v := r.info("", data)
	if err := r.errs.Err(); err != nil {
		return err
	}
	*in = v
	return nil
}

// MarshalJSON writes the known keys in a fixed order, then every Extra key
// sorted.
func (s Step) MarshalJSON() ([]byte, error) {
	var o objectWriter
	o.add("approval_type", s.ApprovalType)
	o.addString("approval_user", s.ApprovalUser)
	o.addString("user_role", s.UserRole)
	o.addString("role_selection_strategy", s.RoleSelectionStrategy)
	if s.QuorumCount != nil {
		o.add("quorum_count", *s.QuorumCount)
	}
	if s.QuorumPercent != nil {
		o.add("quorum_percent", *s.QuorumPercent)
	}
	o.addString("step_approval_type", s.StepApprovalType)
	o.addString("required_form", s.RequiredForm)
	o.addString("condition", s.Condition)
	o.extra(s.Extra, stepKeys...)
	return o.close()
}

var stepKeys = []string{
	"approval_type", "approval_user", "user_role", "role_selection_strategy", "quorum_count",
	"quorum_percent", "step_approval_type", "required_form", "condition",
}

// UnmarshalJSON reads a step as [DecodeJSON] does (defaults applied); the
// error is a *flowtype.ValidationError with paths relative to the step.
func (s *Step) UnmarshalJSON(data []byte) error {
	r := &reader{}
	v := r.step("", data)
	if err := r.errs.Err(); err != nil {
		return err
	}
	*s = v
	return nil
}

// objectWriter builds a JSON object with keys in the order added. The
// first error sticks.
type objectWriter struct {
	buf bytes.Buffer
	err error
}

func (o *objectWriter) add(key string, v any) {
	if o.err != nil {
		return
	}
	val, err := marshalPlain(v)
	if err != nil {
		o.err = fmt.Errorf("%s: %w", key, err)
		return
	}
	o.addRaw(key, val)
}

func (o *objectWriter) addRaw(key string, val []byte) {
	k, _ := marshalPlain(key)
	if o.buf.Len() == 0 {
		o.buf.WriteByte('{')
	} else {
		o.buf.WriteByte(',')
	}
	o.buf.Write(k)
	o.buf.WriteByte(':')
	o.buf.Write(val)
}

func (o *objectWriter) addString(key, v string) {
	if v != "" {
		o.add(key, v)
	}
}

// extra adds the free keys sorted. A free key spelled like a field would
// read back as that field, so it is refused rather than written.
func (o *objectWriter) extra(extra map[string]json.RawMessage, fields ...string) {
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if slices.Contains(fields, k) {
			o.err = fmt.Errorf("extra key %q is a field name", k)
			return
		}
		val, err := canonicalJSON(extra[k])
		if err != nil {
			o.err = fmt.Errorf("extra key %q: %w", k, err)
			return
		}
		o.addRaw(k, val)
	}
}

func (o *objectWriter) close() ([]byte, error) {
	if o.err != nil {
		return nil, o.err
	}
	if o.buf.Len() == 0 {
		return []byte("{}"), nil
	}
	o.buf.WriteByte('}')
	return o.buf.Bytes(), nil
}

// marshalPlain is json.Marshal without HTML escaping, so that text such as
// "a < b" in a condition stays readable in exported files.
func marshalPlain(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// UnmarshalJSON reads a definition as [DecodeJSON] does, so that a
// Workflow inside another JSON document gets the same rules and defaults.
func (w *Workflow) UnmarshalJSON(data []byte) error {
	r := &reader{}
	v, _ := r.workflow(data)
	if err := r.errs.Err(); err != nil {
		return err
	}
	*w = *v
	return nil
}

// UnmarshalJSON reads a pipeline as [DecodePipelineJSON] does.
func (p *Pipeline) UnmarshalJSON(data []byte) error {
	r := &reader{}
	v, _ := r.pipeline("", data)
	if err := r.errs.Err(); err != nil {
		return err
	}
	*p = v
	return nil
}

// UnmarshalJSON reads a stage as [DecodeStageJSON] does.
func (s *Stage) UnmarshalJSON(data []byte) error {
	r := &reader{}
	v, _, _ := r.stage("", data)
	if err := r.errs.Err(); err != nil {
		return err
	}
	*s = v
	return nil
}

// UnmarshalJSON reads an action as [DecodeActionJSON] does.
func (a *Action) UnmarshalJSON(data []byte) error {
	r := &reader{}
	v := r.action("", data)
	if err := r.errs.Err(); err != nil {
		return err
	}
	*a = v
	return nil
}
