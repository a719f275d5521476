package flowgate

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/flowgate/flowgate/flowtype"
)

// formCache keeps compiled JSON Schemas by the hash of their source, so an
// edited form compiles anew and an unchanged one never twice.
type formCache struct {
	mu sync.RWMutex
	m  map[[32]byte]*jsonschema.Schema
}

func newFormCache() *formCache { return &formCache{m: map[[32]byte]*jsonschema.Schema{}} }

var englishPrinter = message.NewPrinter(language.English)

// compile parses and compiles a form's JSON Schema.
func (c *formCache) compile(schema []byte) (*jsonschema.Schema, error) {
	key := sha256.Sum256(schema)
	c.mu.RLock()
	s, ok := c.m[key]
	c.mu.RUnlock()
	if ok {
		return s, nil
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
	if err != nil {
		return nil, fmt.Errorf("schema is not valid JSON: %w", err)
	}
	comp := jsonschema.NewCompiler()
	if err := comp.AddResource("form.json", doc); err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	s, err = comp.Compile("form.json")
	if err != nil {
		return nil, fmt.Errorf("schema is not a valid JSON Schema: %w", err)
	}
	c.mu.Lock()
	c.m[key] = s
	c.mu.Unlock()
	return s, nil
}

// validate checks data against schema and returns every leaf problem with
// its JSON pointer, or nil when data is valid.
func (c *formCache) validate(schema, data []byte) ([]flowtype.FieldError, error) {
	s, err := c.compile(schema)
	if err != nil {
		return nil, err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return []flowtype.FieldError{{Path: "", Message: "form_data is not valid JSON"}}, nil
	}
	err = s.Validate(inst)
	if err == nil {
		return nil, nil
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return nil, err
	}
	var out []flowtype.FieldError
	collectLeaves(ve, &out)
	return out, nil
}

func collectLeaves(ve *jsonschema.ValidationError, out *[]flowtype.FieldError) {
	if len(ve.Causes) == 0 {
		*out = append(*out, flowtype.FieldError{
			Path:    jsonPointer(ve.InstanceLocation),
			Message: ve.ErrorKind.LocalizedString(englishPrinter),
		})
		return
	}
	for _, c := range ve.Causes {
		collectLeaves(c, out)
	}
}

func jsonPointer(loc []string) string {
	if len(loc) == 0 {
		return ""
	}
	var b strings.Builder
	for _, p := range loc {
		b.WriteByte('/')
		p = strings.ReplaceAll(p, "~", "~0")
		b.WriteString(strings.ReplaceAll(p, "/", "~1"))
	}
	return b.String()
}
