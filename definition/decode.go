package definition

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/flowgate/flowgate/flowtype"
)

// DecodeJSON reads a workflow definition document (the file format and the
// HTTP create payload). See [DecodeWithCompat] for the rules. Every error
// is a *flowtype.ValidationError.
func DecodeJSON(data []byte) (*Workflow, error) {
	w, _, err := DecodeWithCompat(data, "json")
	return w, err
}

// DecodeYAML reads a workflow definition written in YAML: the same document
// as DecodeJSON, converted to JSON first. Every error is a
// *flowtype.ValidationError.
func DecodeYAML(data []byte) (*Workflow, error) {
	w, _, err := DecodeWithCompat(data, "yaml")
	return w, err
}

// Decode reads a definition in format "json", "yaml" or "yml"; an empty
// format means JSON when the document starts with '{', else YAML. Every
// error is a *flowtype.ValidationError.
func Decode(data []byte, format string) (*Workflow, error) {
	w, _, err := DecodeWithCompat(data, format)
	return w, err
}

// DecodeWithCompat is [Decode] that also returns what the payload said
// through the original's compatibility fields (company).
//
// The document is read strictly: an unknown field is an error at its path,
// except inside workflow_info, pipeline_info, stage_info and approval
// steps, whose other keys are kept verbatim in Extra. A JSON null reads as
// an absent member. The defaults are applied: strategy 1, is_active true
// (workflow, stage, action), stage color #3498db, action order 1,
// role_selection_strategy "anyone" for role steps, step_approval_type
// "approve"; pipeline orders 0, 1, 2… when no pipeline gives one (stages
// likewise within their pipeline). Enumerations are stored lower-case.
//
// On any problem it returns a nil workflow and a *flowtype.ValidationError
// listing every problem found.
func DecodeWithCompat(data []byte, format string) (*Workflow, *Compat, error) {
	doc, err := toJSON(data, format)
	if err != nil {
		return nil, nil, err
	}
	r := &reader{}
	w, compat := r.workflow(doc)
	if err := r.errs.Err(); err != nil {
		return nil, nil, err
	}
	return w, compat, nil
}

// DecodePipelineJSON reads one pipeline payload (POST
// /workflows/{id}/pipelines), with the rules of DecodeWithCompat and paths
// relative to the pipeline. Its order is 0 when not given
// (Compat.OrderGiven tells).
func DecodePipelineJSON(data []byte) (*Pipeline, *Compat, error) {
	doc, err := toJSON(data, "json")
	if err != nil {
		return nil, nil, err
	}
	r := &reader{}
	p, orderGiven := r.pipeline("", doc)
	if err := r.errs.Err(); err != nil {
		return nil, nil, err
	}
	return &p, &Compat{OrderGiven: orderGiven}, nil
}

// DecodeStageJSON reads one stage payload (POST /pipelines/{id}/stages),
// with the rules of DecodeWithCompat and paths relative to the stage. Its
// order is 0 when not given (Compat.OrderGiven tells); Compat.PipelineID
// holds the original's pipeline_id.
func DecodeStageJSON(data []byte) (*Stage, *Compat, error) {
	doc, err := toJSON(data, "json")
	if err != nil {
		return nil, nil, err
	}
	r := &reader{}
	s, orderGiven, pipelineID := r.stage("", doc)
	if err := r.errs.Err(); err != nil {
		return nil, nil, err
	}
	return &s, &Compat{OrderGiven: orderGiven, PipelineID: pipelineID}, nil
}

// DecodeActionJSON reads one action payload (the actions of any level, or
// POST /actions without its scope fields), with paths relative to it.
func DecodeActionJSON(data []byte) (*Action, error) {
	doc, err := toJSON(data, "json")
	if err != nil {
		return nil, err
	}
	r := &reader{}
	a := r.action("", doc)
	if err := r.errs.Err(); err != nil {
		return nil, err
	}
	return &a, nil
}

// toJSON checks the document and brings YAML to JSON.
func toJSON(data []byte, format string) (json.RawMessage, error) {
	switch strings.ToLower(format) {
	case "":
		if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
			return toJSON(data, "json")
		}
		return toJSON(data, "yaml")
	case "json":
		if err := checkDocument(data); err != nil {
			return nil, flowtype.NewValidationError("", "invalid JSON: "+err.Error())
		}
		return data, nil
	case "yaml", "yml":
		doc, err := yamlToJSON(data)
		if err != nil {
			return nil, flowtype.NewValidationError("", "invalid YAML: "+err.Error())
		}
		if err := checkDocument(doc); err != nil {
			return nil, flowtype.NewValidationError("", "invalid YAML: "+err.Error())
		}
		return doc, nil
	}
	return nil, flowtype.NewValidationError("", fmt.Sprintf("unsupported format %q: use json or yaml", format))
}

// yamlToJSON converts with a recover because the YAML parser is third-party
// code fed untrusted input: a parser bug must become a refused document,
// never a crashed server.
func yamlToJSON(data []byte) (doc []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			doc, err = nil, fmt.Errorf("unreadable document (%v)", p)
		}
	}()
	return yaml.YAMLToJSON(data)
}
