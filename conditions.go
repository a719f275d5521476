package flowgate

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"cel.dev/cel-go/cel"

	"github.com/flowgate/flowgate/flowtype"
)

// conditionCache keeps compiled CEL programs by source: conditions live in
// immutable definition versions, so a program never goes stale.
type conditionCache struct {
	env *cel.Env
	mu  sync.RWMutex
	m   map[string]cel.Program
}

func newConditionCache() *conditionCache {
	env, err := cel.NewEnv(
		cel.Variable("subject", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("metadata", cel.MapType(cel.StringType, cel.DynType)),
		cel.CrossTypeNumericComparisons(true),
	)
	if err != nil {
		panic(fmt.Sprintf("flowgate: building the CEL environment: %v", err))
	}
	return &conditionCache{env: env, m: map[string]cel.Program{}}
}

// compile type-checks src as a boolean CEL expression.
func (c *conditionCache) compile(src string) (cel.Program, error) {
	c.mu.RLock()
	p, ok := c.m[src]
	c.mu.RUnlock()
	if ok {
		return p, nil
	}
	ast, iss := c.env.Compile(src)
	if iss != nil && iss.Err() != nil {
		return nil, fmt.Errorf("invalid condition: %s", strings.TrimSpace(iss.Err().Error()))
	}
	if !ast.OutputType().IsExactType(cel.BoolType) && !ast.OutputType().IsExactType(cel.DynType) {
		return nil, fmt.Errorf("invalid condition: %q must be a boolean expression, not %s", src, ast.OutputType())
	}
	p, err := c.env.Program(ast, cel.CostLimit(100_000))
	if err != nil {
		return nil, fmt.Errorf("invalid condition: %w", err)
	}
	c.mu.Lock()
	c.m[src] = p
	c.mu.Unlock()
	return p, nil
}

// eval runs src against the subject's data and the instance's metadata.
// ok is false when the expression could not be evaluated (a missing field,
// a type mismatch); callers decide what that means.
func (c *conditionCache) eval(src string, subject, metadata json.RawMessage) (value, ok bool) {
	p, err := c.compile(src)
	if err != nil {
		return false, false
	}
	out, _, err := p.Eval(map[string]any{
		"subject":  jsonObject(subject),
		"metadata": jsonObject(metadata),
	})
	if err != nil {
		return false, false
	}
	b, isBool := out.Value().(bool)
	return b, isBool
}

func jsonObject(raw json.RawMessage) map[string]any {
	m := map[string]any{}
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &m)
	}
	return m
}

// lookupOps maps the original's Django lookups to CEL operators.
var lookupOps = map[string]string{
	"exact": "==", "gte": ">=", "lte": "<=", "gt": ">", "lt": "<",
}

// ConditionsToCEL translates auto-start conditions into one CEL expression.
// raw is either a JSON string (already CEL) or the original's lookups
// object, for example {"amount__gte": 1000, "category__in": ["a", "b"]}.
// Supported lookups: field, field__exact, __gte, __lte, __gt, __lt, __in,
// __isnull. Every lookup but __isnull is false when the field is missing.
func ConditionsToCEL(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "true", nil
	}
	var src string
	if err := json.Unmarshal(raw, &src); err == nil {
		return src, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return "", fmt.Errorf("conditions must be a CEL expression or an object of lookups")
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		part, err := lookupToCEL(k, m[k])
		if err != nil {
			return "", err
		}
		parts = append(parts, part)
	}
	if len(parts) == 0 {
		return "true", nil
	}
	return strings.Join(parts, " && "), nil
}

func lookupToCEL(key string, value json.RawMessage) (string, error) {
	field, op, _ := strings.Cut(key, "__")
	if op == "" {
		op = "exact"
	}
	if !validField(field) {
		return "", fmt.Errorf("lookup %q: %q is not a field name", key, field)
	}
	sel := "subject." + field
	has := "has(" + sel + ")"
	lit, err := celLiteral(value)
	if err != nil {
		return "", fmt.Errorf("lookup %q: %w", key, err)
	}
	switch op {
	case "in":
		if len(value) == 0 || value[0] != '[' {
			return "", fmt.Errorf("lookup %q needs a list value", key)
		}
		return fmt.Sprintf("(%s && %s in %s)", has, sel, lit), nil
	case "isnull":
		var b bool
		if err := json.Unmarshal(value, &b); err != nil {
			return "", fmt.Errorf("lookup %q needs true or false", key)
		}
		if b {
			return fmt.Sprintf("(!%s || %s == null)", has, sel), nil
		}
		return fmt.Sprintf("(%s && %s != null)", has, sel), nil
	}
	cmp, ok := lookupOps[op]
	if !ok {
		return "", fmt.Errorf("unknown lookup %q in %q (supported: exact, gte, lte, gt, lt, in, isnull)", op, key)
	}
	return fmt.Sprintf("(%s && %s %s %s)", has, sel, cmp, lit), nil
}

func validField(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// celLiteral turns a JSON value into CEL source; JSON and CEL literals
// coincide for strings, numbers, booleans, null and lists of them.
func celLiteral(v json.RawMessage) (string, error) {
	var x any
	if err := json.Unmarshal(v, &x); err != nil {
		return "", fmt.Errorf("invalid value")
	}
	switch t := x.(type) {
	case map[string]any:
		return "", fmt.Errorf("objects are not supported as lookup values")
	case []any:
		for _, el := range t {
			if _, isObj := el.(map[string]any); isObj {
				return "", fmt.Errorf("objects are not supported as lookup values")
			}
			if _, isList := el.([]any); isList {
				return "", fmt.Errorf("nested lists are not supported as lookup values")
			}
		}
	}
	b, err := json.Marshal(x)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// checkCondition type-checks a step condition or an auto-start rule.
func (e *Engine) checkCondition(path, src string) error {
	if _, err := e.conds.compile(src); err != nil {
		return &flowtype.ValidationError{Errors: []flowtype.FieldError{{Path: path, Message: err.Error()}}}
	}
	return nil
}
