package definition

import (
	"encoding/json"
	"regexp"
	"strings"
)

// langTag is the shape of a language tag as a name key: "en", "ar",
// "fr-CA", "zh-Hant-TW". It is deliberately loose (no registry lookup).
var langTag = regexp.MustCompile(`^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$`)

// nameParts gathers a node's name as written: the name member (a map or a
// string) and the original's name_<tag> members, merged once the whole
// object has been read so that their order does not matter.
type nameParts struct {
	name    json.RawMessage
	hasName bool
	tagged  []field // name_<tag> members, key holding the tag
}

// names reads a node's name from its members and returns the members that
// are not part of it. The name is read first, whatever its members' places,
// because name and name_<tag> are merged.
func (r *reader) names(path string, fields []field) (Name, []field) {
	var parts nameParts
	rest := fields[:0:0]
	for _, f := range fields {
		if !parts.take(f) {
			rest = append(rest, f)
		}
	}
	return parts.resolve(r, path), rest
}

// take claims key when it is part of a name and reports whether it did.
func (n *nameParts) take(f field) bool {
	if f.key == "name" {
		n.name, n.hasName = f.val, true
		return true
	}
	tag, ok := strings.CutPrefix(f.key, "name_")
	if !ok || !langTag.MatchString(tag) {
		return false
	}
	n.tagged = append(n.tagged, field{key: tag, val: f.val})
	return true
}

// resolve builds the Name. Empty values are dropped: an empty name is no
// name. A tag given twice with different texts is an error rather than a
// silent choice.
func (n *nameParts) resolve(r *reader, path string) Name {
	out := Name{}
	if n.hasName {
		out = r.localized(join(path, "name"), n.name)
	}
	for _, f := range n.tagged {
		p := join(path, "name_"+f.key)
		s := r.str(p, f.val)
		if s == "" {
			continue
		}
		if prev, ok := out[f.key]; ok && prev != s {
			r.fail(p, "conflicts with name."+f.key)
			continue
		}
		out[f.key] = s
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// localized reads a text given either as a string (English) or as a map of
// language tag to text. It never returns nil.
func (r *reader) localized(path string, raw json.RawMessage) Name {
	out := Name{}
	switch kind(raw) {
	case 'n':
		r.str(path, raw)
	case '"':
		if s := r.str(path, raw); s != "" {
			out["en"] = s
		}
	case '{':
		fields, _ := r.object(path, raw, "")
		for _, f := range fields {
			p := join(path, f.key)
			if !langTag.MatchString(f.key) {
				r.fail(p, "is not a language tag")
				continue
			}
			if s := r.str(p, f.val); s != "" {
				out[f.key] = s
			}
		}
	default:
		r.fail(path, "must be a string or an object of language tag to text")
	}
	return out
}

// description reads a description: a string, or a localized map of which
// the default language's text is kept (the model holds one string).
func (r *reader) description(path string, raw json.RawMessage) string {
	return r.localized(path, raw).Default()
}
