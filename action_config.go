package flowgate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/flowtype"
)

// ActionSettings is the settings tier of action resolution, the original's
// WORKFLOW_ACTIONS_CONFIG: action lists by subject type, the key "default"
// serving every type without a list of its own. A nil ActionSettings (or
// no list for the type and no "default") means "not configured": the
// built-in defaults apply. A list that is present but empty means "no
// actions at all" for its types.
//
// Decoded from JSON or YAML, it accepts the original's two shapes: a flat
// list (stored under "default") or a map by subject type. Entries accept
// function_path as an alias of handler; order defaults to 1.
type ActionSettings map[string][]definition.Action

// SettingsForAll returns settings that apply the actions to every subject
// type. SettingsForAll() with no action means "no actions".
func SettingsForAll(actions ...definition.Action) ActionSettings {
	if actions == nil {
		actions = []definition.Action{}
	}
	return ActionSettings{settingsDefault: actions}
}

const settingsDefault = "default"

// lookup returns the list for a subject type and whether one applies.
func (s ActionSettings) lookup(subjectType string) ([]definition.Action, bool) {
	if list, ok := s[subjectType]; ok {
		return list, true
	}
	list, ok := s[settingsDefault]
	return list, ok
}

// UnmarshalJSON reads a flat list or a map of lists by subject type.
func (s *ActionSettings) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if bytes.Equal(data, []byte("null")) {
		*s = nil
		return nil
	}
	decodeList := func(raw json.RawMessage) ([]definition.Action, error) {
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, fmt.Errorf("actions settings: want a list of actions: %w", err)
		}
		out := make([]definition.Action, 0, len(items))
		for _, it := range items {
			a, err := definition.DecodeActionJSON(it)
			if err != nil {
				return nil, err
			}
			out = append(out, *a)
		}
		return out, nil
	}
	if len(data) > 0 && data[0] == '[' {
		list, err := decodeList(data)
		if err != nil {
			return err
		}
		*s = ActionSettings{settingsDefault: list}
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("actions settings: want a list or a map of lists by subject type: %w", err)
	}
	out := ActionSettings{}
	for k, raw := range m {
		list, err := decodeList(raw)
		if err != nil {
			return fmt.Errorf("actions settings %q: %w", k, err)
		}
		out[k] = list
	}
	*s = out
	return nil
}

// validate checks every entry's event type and handler name (not whether
// the handler is registered: handlers may be added after New).
func (s ActionSettings) validate() error {
	verr := &flowtype.ValidationError{}
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for i, a := range s[k] {
			p := fmt.Sprintf("actions[%s][%d]", k, i)
			if !definition.IsActionType(a.ActionType) {
				verr.Add(p+".action_type", fmt.Sprintf("Invalid action_type: %s", a.ActionType))
			}
			if a.Handler == "" {
				verr.Add(p+".handler", "handler is required")
			}
		}
	}
	return verr.Err()
}

// WorkerConfig configures the dispatcher that runs action runs (see
// Engine.StartWorkers). The zero value is usable.
type WorkerConfig struct {
	// Concurrency bounds the handlers running at once. Defaults to 10.
	Concurrency int
	// BatchSize bounds the runs claimed by one query. Defaults to 100.
	BatchSize int
	// PollInterval is how often due runs are looked for when no commit
	// of this engine wakes the workers. Defaults to 1 second.
	PollInterval time.Duration
	// Timeout bounds one attempt of a handler. Defaults to 1 minute.
	Timeout time.Duration
	// Lease is how long a claimed run is reserved for this process; a run
	// not finished by then (the process died) is due again. Defaults to
	// Timeout + 1 minute; it must exceed Timeout.
	Lease time.Duration
	// MaxAttempts is how many attempts a new run gets before it is dead.
	// Defaults to 8.
	MaxAttempts int
	// Backoff is the delay before the attempt after attempt n failed.
	// Defaults to 5 s doubled per attempt, capped at 1 h, with jitter.
	Backoff func(attempt int) time.Duration
	// Owner names this process in leases. Defaults to host-pid-random.
	Owner string
	// StopTimeout is how long RunWorkers waits for handlers in flight
	// when its context ends. Defaults to 30 seconds.
	StopTimeout time.Duration
	// OnRecorded, when set, is called after the outcome of an attempt is
	// written (tests wait on it).
	OnRecorded func(tenantID, runID string, status RunStatus)
}

// actionsEnabled reports the ActionsEnabled switch (nil means on).
func (c *Config) actionsEnabled() bool { return c.ActionsEnabled == nil || *c.ActionsEnabled }

func (w WorkerConfig) maxAttempts() int {
	if w.MaxAttempts <= 0 {
		return 8
	}
	return w.MaxAttempts
}
