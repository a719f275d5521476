package cli

import (
	"encoding/json"
	"errors"

	"cel.dev/cel-go/cel"

	"github.com/flowgate/flowgate"
)

// checkConditions checks an auto-start condition as the engine will: the
// original's lookups are converted with flowgate.ConditionsToCEL, then the
// CEL is compiled against the engine's variables (subject, metadata).
func checkConditions(raw json.RawMessage) error {
	src, err := flowgate.ConditionsToCEL(raw)
	if err != nil {
		return err
	}
	env, err := cel.NewEnv(
		cel.Variable("subject", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("metadata", cel.MapType(cel.StringType, cel.DynType)),
		cel.CrossTypeNumericComparisons(true),
	)
	if err != nil {
		return err
	}
	if _, iss := env.Compile(src); iss != nil && iss.Err() != nil {
		return errors.New("invalid CEL: " + iss.Err().Error())
	}
	return nil
}
