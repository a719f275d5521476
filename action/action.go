// Package action holds what an action handler is given and returns: the
// types every handler is written against, Flowgate's built-ins (email,
// webhook, set_subject_field, log) included. Package flowgate re-exports
// them (flowgate.Handler, flowgate.ActionRequest), so application code
// needs only the root import; the built-ins import this package instead,
// which lets the engine register them without an import cycle.
//
// A handler runs after the command that wrote its event committed, at
// least once: it may run again after a crash or a failure, always with the
// same Request.RunKey, which is what it should deduplicate its side
// effects by.
package action

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/flowgate/flowgate/flowtype"
)

// Handler runs one action for one event. A nil error records the run as
// succeeded; an error records a failed attempt, retried with backoff until
// the run's attempts are used up (then it is dead), unless it is wrapped
// by Permanent. A handler must honour ctx: it is cancelled at the
// attempt's timeout and when the workers stop.
type Handler func(ctx context.Context, req *Request) error

// Request is everything a handler is given.
type Request struct {
	TenantID string
	// RunID identifies the run record; RunKey is stable across attempts
	// and processes: deduplicate side effects by it.
	RunID  string
	RunKey string
	// Attempt counts from 1.
	Attempt int
	// ActionID is the database action's id ("" for the settings and
	// default tiers); Handler the name it was registered under.
	ActionID string
	Handler  string
	// Tier and Level say where the action was resolved (SEMANTICS §5).
	Tier  flowtype.Tier
	Level flowtype.Level
	// Parameters is the action's JSON object (nil when it has none).
	Parameters json.RawMessage
	// Event is the event the action runs for.
	Event *flowtype.Event
	// Instance, Subject and Tasks are read when the attempt starts: the
	// state the event's command committed, or a later one.
	Instance *flowtype.Instance
	Subject  *flowtype.Subject
	Tasks    []*flowtype.Task
	// Actor is the user whose command wrote the event (nil when unknown).
	Actor *flowtype.User
	// Context is the event resolved against the workflow: names of the
	// workflow and of the units involved, the reason, the delegate.
	Context EventContext
	// Services answers the questions handlers commonly ask the engine.
	Services Services

	result any
}

// Params decodes Parameters into v; no parameters leave v unchanged.
func (r *Request) Params(v any) error {
	if len(r.Parameters) == 0 {
		return nil
	}
	if err := json.Unmarshal(r.Parameters, v); err != nil {
		return Permanent(fmt.Errorf("%s: parameters: %w", r.Handler, err))
	}
	return nil
}

// SetResult records v (encoded as JSON) on the run when the attempt
// succeeds: counts, ids of what was sent.
func (r *Request) SetResult(v any) { r.result = v }

// Result returns what SetResult recorded.
func (r *Request) Result() any { return r.result }

// Node names a workflow, pipeline or stage.
type Node struct {
	ID    string            `json:"id"`
	Name  map[string]string `json:"name"`
	Order int               `json:"order"`
}

// DisplayName is the name in lang, else in English, else any.
func (n *Node) DisplayName(lang string) string {
	if n == nil {
		return ""
	}
	if v := n.Name[lang]; v != "" {
		return v
	}
	if v := n.Name["en"]; v != "" {
		return v
	}
	for _, v := range n.Name {
		if v != "" {
			return v
		}
	}
	return n.ID
}

// EventContext is an event resolved against the instance's workflow (the
// original passes the same facts to its handlers as keyword arguments).
type EventContext struct {
	Workflow        *Node `json:"workflow"`
	WorkflowVersion int   `json:"workflow_version"`
	// Pipeline and Stage are the unit the event concerns (SEMANTICS §3.6).
	Pipeline *Node `json:"pipeline,omitempty"`
	Stage    *Node `json:"stage,omitempty"`
	// CurrentPipeline and CurrentStage are the instance's position when
	// the attempt starts.
	CurrentPipeline *Node `json:"current_pipeline,omitempty"`
	CurrentStage    *Node `json:"current_stage,omitempty"`
	// From and To name a move's units.
	FromPipeline *Node  `json:"from_pipeline,omitempty"`
	ToPipeline   *Node  `json:"to_pipeline,omitempty"`
	FromStage    *Node  `json:"from_stage,omitempty"`
	ToStage      *Node  `json:"to_stage,omitempty"`
	Reason       string `json:"reason,omitempty"`
	// DelegatedTo is the delegate's user id (after_delegate).
	DelegatedTo string `json:"delegated_to,omitempty"`
	// Data is the event's data document, decoded.
	Data map[string]any `json:"data,omitempty"`
}

// Services is what a handler may ask the engine, about the request's
// tenant and instance.
type Services interface {
	// User reads a user of the tenant; an unknown id is an error matching
	// flowtype.ErrNotFound.
	User(ctx context.Context, id string) (*flowtype.User, error)
	// CurrentApprovers lists the users who may act on the instance now:
	// the holders of its current tasks (a role step's members each hold
	// one), or the starter while it awaits resubmission.
	CurrentApprovers(ctx context.Context) ([]string, error)
	// NextApprovers lists the users who would get the tasks of the unit
	// after the current one (roles expanded to their eligible members).
	NextApprovers(ctx context.Context) ([]string, error)
	// SetSubjectStatus sets one status field of the instance's subject (as
	// a completion does, Config.OnSubjectStatus included).
	SetSubjectStatus(ctx context.Context, field, value string) error
	// SetSubjectData sets one top-level key of the subject's data document.
	SetSubjectData(ctx context.Context, key string, value json.RawMessage) error
}

// permanentError marks an error retrying cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string   { return e.err.Error() }
func (e *permanentError) Unwrap() error   { return e.err }
func (e *permanentError) Permanent() bool { return true }

// Permanent wraps err so that the run is marked dead at once instead of
// retried (bad parameters, a recipient that cannot exist). Permanent(nil)
// is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

// IsPermanent reports whether err was wrapped by Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

type requestKey struct{}

// NewContext returns ctx carrying req; the engine calls it before a
// handler runs.
func NewContext(ctx context.Context, req *Request) context.Context {
	return context.WithValue(ctx, requestKey{}, req)
}

// FromContext returns the request a handler runs for, or nil outside one.
func FromContext(ctx context.Context) *Request {
	r, _ := ctx.Value(requestKey{}).(*Request)
	return r
}
