package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/flowgate/flowgate/flowtype"
)

// decodeStrict reads a request body into v (a pointer to a struct): one
// JSON object, every member known (an unknown one is an error at its
// path), every value of its field's type. It reports every problem at
// once as a *flowtype.ValidationError.
func decodeStrict(data []byte, v any) error {
	if err := oneValue(data); err != nil {
		return flowtype.NewValidationError("", "invalid JSON: "+err.Error())
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return flowtype.NewValidationError("", "invalid JSON: "+err.Error())
	}
	verr := &flowtype.ValidationError{}
	checkValue(verr, "", doc, reflect.TypeOf(v).Elem())
	if err := verr.Err(); err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			return flowtype.NewValidationError(ute.Field, "has the wrong type")
		}
		return flowtype.NewValidationError("", err.Error())
	}
	return nil
}

// oneValue reports whether data is exactly one JSON value.
func oneValue(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("the body is empty")
		}
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("unexpected data after the top-level value")
	}
	return nil
}

var (
	rawMessageType  = reflect.TypeOf(json.RawMessage(nil))
	unmarshalerType = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()
)

// checkValue compares a decoded JSON value with the Go type it will be
// unmarshaled into.
func checkValue(verr *flowtype.ValidationError, path string, v any, t reflect.Type) {
	if t == rawMessageType {
		return
	}
	if t.Kind() == reflect.Pointer {
		if v == nil {
			return
		}
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		// The type reads itself (FlexID); its own errors are checked by
		// decoding the value alone.
		raw, _ := json.Marshal(v)
		if err := json.Unmarshal(raw, reflect.New(t).Interface()); err != nil {
			verr.Add(path, err.Error())
		}
		return
	}
	if v == nil {
		return // null is the zero value, as encoding/json reads it
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			verr.Add(path, "must be an object")
			return
		}
		checkObject(verr, path, m, t)
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			verr.Add(path, "must be an object")
			return
		}
		for _, k := range sortedKeys(m) {
			checkValue(verr, join(path, k), m[k], t.Elem())
		}
	case reflect.Slice:
		list, ok := v.([]any)
		if !ok {
			verr.Add(path, "must be a list")
			return
		}
		for i, item := range list {
			checkValue(verr, path+"["+strconv.Itoa(i)+"]", item, t.Elem())
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			verr.Add(path, "must be a string")
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			verr.Add(path, "must be true or false")
		}
	case reflect.Int, reflect.Int64, reflect.Int32:
		n, ok := v.(json.Number)
		if !ok {
			verr.Add(path, "must be an integer")
			return
		}
		bits := 32
		if t.Kind() == reflect.Int64 {
			bits = 64
		}
		if _, err := strconv.ParseInt(string(n), 10, bits); err != nil {
			verr.Add(path, "must be an integer (32 bits)")
		}
	case reflect.Float64:
		if _, ok := v.(json.Number); !ok {
			verr.Add(path, "must be a number")
		}
	case reflect.Interface:
	default:
		verr.Add(path, "has an unsupported type")
	}
}

func checkObject(verr *flowtype.ValidationError, path string, m map[string]any, t reflect.Type) {
	fields := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fields[name] = f.Type
	}
	for _, k := range sortedKeys(m) {
		ft, ok := fields[k]
		if !ok {
			verr.Add(join(path, k), "unknown field")
			continue
		}
		checkValue(verr, join(path, k), m[k], ft)
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// FlexID is an id as the original's payloads send it: a string, an integer
// (its decimal text) or {"val": id}.
type FlexID string

// UnmarshalJSON reads the three spellings; null is no id.
func (f *FlexID) UnmarshalJSON(data []byte) error {
	t := bytes.TrimSpace(data)
	switch {
	case string(t) == "null":
		*f = ""
	case len(t) > 0 && t[0] == '"':
		var s string
		if err := json.Unmarshal(t, &s); err != nil {
			return errors.New("must be a string, an integer or {\"val\": id}")
		}
		*f = FlexID(s)
	case len(t) > 0 && (t[0] == '-' || t[0] >= '0' && t[0] <= '9'):
		if _, err := strconv.ParseInt(string(t), 10, 64); err != nil {
			return errors.New("must be a string, an integer or {\"val\": id}")
		}
		*f = FlexID(t)
	case len(t) > 0 && t[0] == '{':
		var w map[string]json.RawMessage
		if err := json.Unmarshal(t, &w); err != nil || len(w) != 1 || w["val"] == nil {
			return errors.New(`an id object must be {"val": id}`)
		}
		var inner FlexID
		if v := bytes.TrimSpace(w["val"]); len(v) > 0 && v[0] == '{' {
			return errors.New(`an id object must be {"val": id}`)
		}
		if err := inner.UnmarshalJSON(w["val"]); err != nil {
			return err
		}
		*f = inner
	default:
		return errors.New("must be a string, an integer or {\"val\": id}")
	}
	return nil
}

// Schema documents the three spellings.
func (FlexID) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{
		Description: `An id: a string, an integer (the original's ids) or {"val": id}.`,
		OneOf: []*huma.Schema{
			{Type: "string"},
			{Type: "integer"},
			{Type: "object", Properties: map[string]*huma.Schema{"val": {}}, Required: []string{"val"}},
		},
	}
}
