package definition

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/flowgate/flowgate/flowtype"
)

// reader turns raw JSON pieces into Go values, recording every problem at
// its path instead of stopping at the first, so that one answer lists all
// of them.
type reader struct {
	errs flowtype.ValidationError
}

func (r *reader) fail(path, msg string) { r.errs.Add(path, msg) }

// field is one member of a JSON object, in document order.
type field struct {
	key string
	val json.RawMessage
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// checkDocument reports whether data is exactly one JSON value, so that the
// pieces cut from it later are known to be well formed.
func checkDocument(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	var v json.RawMessage
	if err := dec.Decode(&v); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("the document is empty")
		}
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("unexpected data after the top-level value")
	}
	return nil
}

func isNull(raw json.RawMessage) bool {
	return string(bytes.TrimSpace(raw)) == "null"
}

func kind(raw json.RawMessage) byte {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return 0
	}
	return t[0]
}

// object splits a JSON object into its members in document order. A null
// is an empty object; anything else that is not an object is reported.
func (r *reader) object(path string, raw json.RawMessage, what string) ([]field, bool) {
	if isNull(raw) {
		return nil, true
	}
	if kind(raw) != '{' {
		r.fail(path, what+" must be an object")
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		r.fail(path, "invalid JSON: "+err.Error())
		return nil, false
	}
	var fields []field
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			r.fail(path, "invalid JSON: "+err.Error())
			return nil, false
		}
		key, _ := tok.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			r.fail(path, "invalid JSON: "+err.Error())
			return nil, false
		}
		if seen[key] {
			r.fail(join(path, key), "duplicate field")
			continue
		}
		seen[key] = true
		fields = append(fields, field{key: key, val: val})
	}
	return fields, true
}

// list splits a JSON array into its elements. A null is an empty list.
func (r *reader) list(path string, raw json.RawMessage) ([]json.RawMessage, bool) {
	if isNull(raw) {
		return nil, true
	}
	if kind(raw) != '[' {
		r.fail(path, "must be a list")
		return nil, false
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		r.fail(path, "invalid JSON: "+err.Error())
		return nil, false
	}
	return items, true
}

// str reads a JSON string; null reads as "".
func (r *reader) str(path string, raw json.RawMessage) string {
	if isNull(raw) {
		return ""
	}
	if kind(raw) != '"' {
		r.fail(path, "must be a string")
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		r.fail(path, "invalid JSON: "+err.Error())
	}
	return s
}

// boolean reads true or false; ok is false for null and on error.
func (r *reader) boolean(path string, raw json.RawMessage) (v, ok bool) {
	switch string(bytes.TrimSpace(raw)) {
	case "true":
		return true, true
	case "false":
		return false, true
	case "null":
		return false, false
	}
	r.fail(path, "must be true or false")
	return false, false
}

// integer reads a whole number that fits an int32, so that a definition
// means the same on every platform and in every database column. Integral
// floats (2.0, 1e2) are accepted because YAML and some JSON writers emit
// them for whole numbers. ok is false for null and on error.
func (r *reader) integer(path string, raw json.RawMessage) (int, bool) {
	if isNull(raw) {
		return 0, false
	}
	k := kind(raw)
	if k != '-' && (k < '0' || k > '9') {
		r.fail(path, "must be an integer")
		return 0, false
	}
	text := string(bytes.TrimSpace(raw))
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		if n < math.MinInt32 || n > math.MaxInt32 {
			r.fail(path, "is out of range")
			return 0, false
		}
		return int(n), true
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		r.fail(path, "must be an integer")
		return 0, false
	}
	if f != math.Trunc(f) {
		r.fail(path, "must be an integer")
		return 0, false
	}
	if f < math.MinInt32 || f > math.MaxInt32 || math.IsInf(f, 0) {
		r.fail(path, "is out of range")
		return 0, false
	}
	return int(f), true
}

const idMessage = `must be a string, an integer or {"val": id}`

// id reads an id: a string, an integer (the original's ids were integers;
// it becomes its decimal text) or the original's {"val": id} wrapper.
// null and "" read as no id.
func (r *reader) id(path string, raw json.RawMessage) string {
	return r.idDepth(path, raw, 0)
}

func (r *reader) idDepth(path string, raw json.RawMessage, depth int) string {
	switch k := kind(raw); {
	case isNull(raw):
		return ""
	case k == '"':
		return r.str(path, raw)
	case k == '-' || (k >= '0' && k <= '9'):
		text := string(bytes.TrimSpace(raw))
		if !isDecimal(text) {
			r.fail(path, idMessage)
			return ""
		}
		return text
	case k == '{' && depth == 0:
		fields, ok := r.object(path, raw, "id")
		if !ok {
			return ""
		}
		var id string
		found := false
		for _, f := range fields {
			if f.key != "val" {
				r.fail(join(path, f.key), "unknown field")
				continue
			}
			found = true
			id = r.idDepth(join(path, "val"), f.val, depth+1)
		}
		if !found {
			r.fail(path, `an id object must have "val"`)
		}
		return id
	}
	r.fail(path, idMessage)
	return ""
}

func isDecimal(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// canonicalJSON rewrites a free JSON value in one canonical spelling
// (compact, keys sorted, strings re-escaped, numbers kept as written) so
// that a value read from a file and the same value read back from an
// export compare equal byte for byte.
func canonicalJSON(raw json.RawMessage) (json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return json.RawMessage(bytes.TrimRight(buf.Bytes(), "\n")), nil
}

// free reads a value kept verbatim (an extra key, action parameters).
func (r *reader) free(path string, raw json.RawMessage) json.RawMessage {
	v, err := canonicalJSON(raw)
	if err != nil {
		r.fail(path, "invalid JSON: "+err.Error())
		return nil
	}
	return v
}
