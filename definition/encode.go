package definition

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"sigs.k8s.io/yaml"
)

// EncodeJSON writes w as the canonical definition document: indented,
// names as maps, enumerations as stored, orders and ids explicit, free keys
// sorted. Decoding the result gives a workflow equal to w when w came from
// a decode (decoding applies the defaults that encoding writes out as
// they are).
func EncodeJSON(w *Workflow) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(w); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// EncodeYAML writes the document of [EncodeJSON] as YAML (keys sorted).
// In the rare case where the YAML writer would change the document's
// meaning (a free key spelled "<<" reads back as a YAML merge), it writes
// the JSON text instead, which is valid YAML and reads back exactly.
func EncodeYAML(w *Workflow) ([]byte, error) {
	doc, err := EncodeJSON(w)
	if err != nil {
		return nil, err
	}
	safe := escapeForYAML(doc)
	want, err := readsAs(safe)
	if err != nil {
		return nil, fmt.Errorf("the export does not read as YAML: %w", err)
	}
	out, err := yaml.JSONToYAML(safe)
	if err == nil {
		if got, err := readsAs(out); err == nil && bytes.Equal(got, want) {
			return out, nil
		}
	}
	return safe, nil
}

// readsAs is what a YAML reader makes of doc, in canonical JSON.
func readsAs(doc []byte) ([]byte, error) {
	j, err := yamlToJSON(doc)
	if err != nil {
		return nil, err
	}
	return canonicalJSON(j)
}

// escapeForYAML spells as \u escapes the characters that JSON allows raw
// but a YAML reader refuses or turns into line breaks (DEL, C1 controls,
// line and paragraph separators, BOM, non-characters). The conversion
// reads the JSON text as YAML, and only strings can hold such characters,
// so escaping them keeps the text the same JSON.
func escapeForYAML(doc []byte) []byte {
	var out []byte
	for i, r := range string(doc) {
		if !yamlUnsafe(r) {
			if out != nil {
				out = utf8.AppendRune(out, r)
			}
			continue
		}
		if out == nil {
			out = append(make([]byte, 0, len(doc)+16), doc[:i]...)
		}
		out = fmt.Appendf(out, `\u%04x`, r)
	}
	if out == nil {
		return doc
	}
	return out
}

func yamlUnsafe(r rune) bool {
	return (r >= 0x7f && r <= 0x9f) || r == 0x2028 || r == 0x2029 || r == 0xfeff || r == 0xfffe || r == 0xffff
}
