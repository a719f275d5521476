// Package definition is Flowgate's workflow definition model: a workflow of
// pipelines of stages of approval steps, with the actions scoped to each
// level, and everything that can be said about a definition without a
// database.
//
// A definition travels as one JSON (or YAML) document, the same shape for a
// file and for the HTTP create payload. [DecodeJSON], [DecodeYAML] and
// [Decode] read it strictly: an unknown field is an error, every problem is
// reported at once as a *flowtype.ValidationError naming its path, and the
// Python original's payload fields (name_en/name_ar, company, department_id,
// number_of_stages, function_path, integer ids) are accepted and turned into
// the canonical model. Defaults are applied while decoding, so a decoded
// *Workflow holds explicit values.
//
// [Validate] checks a decoded (or hand-built) workflow against the structure
// rules of its strategy and the step rules, optionally looking ids up in a
// [Directory]. [Completeness] answers the original's validate_completeness:
// whether a valid workflow can be attached yet.
//
// [Workflow.Units] lists the levels an instance runs through, in order;
// [EncodeJSON] and [EncodeYAML] write the canonical document, which decodes
// back to an equal *Workflow. docs/definition.schema.json describes the
// document as a JSON Schema.
//
// The package is pure: no I/O, no clock, no globals that change.
package definition
