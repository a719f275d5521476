package flowgate

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"sync"

	"github.com/flowgate/flowgate/action"
	"github.com/flowgate/flowgate/action/email"
	"github.com/flowgate/flowgate/action/logaction"
	"github.com/flowgate/flowgate/action/setfield"
	"github.com/flowgate/flowgate/action/webhook"
	"github.com/flowgate/flowgate/flowtype"
)

// Action handler types, re-exported from package action.
type (
	// Handler runs one action for one event, after the command that wrote
	// the event committed, at least once. See action.Handler.
	Handler = action.Handler
	// ActionRequest is what a handler is given: the instance, the event,
	// the acting user, the parameters, the run key, the tier and level,
	// and the event resolved against the workflow.
	ActionRequest = action.Request
	// ActionRun is one execution record of a resolved action.
	ActionRun = flowtype.ActionRun
	// RunStatus is an action run's state.
	RunStatus = flowtype.RunStatus
)

// Names of the built-in handlers, registered by New.
const (
	HandlerEmail           = email.Name
	HandlerWebhook         = webhook.Name
	HandlerSetSubjectField = setfield.Name
	HandlerLog             = logaction.Name
)

// EventFromContext returns the event the running action handler was called
// for, or nil outside a handler.
func EventFromContext(ctx context.Context) *Event {
	if r := action.FromContext(ctx); r != nil {
		return r.Event
	}
	return nil
}

// ActionRequestFromContext returns the running handler's request, or nil
// outside a handler.
func ActionRequestFromContext(ctx context.Context) *ActionRequest { return action.FromContext(ctx) }

// PermanentError wraps err so that the action run is marked dead at once
// instead of retried. See action.Permanent.
func PermanentError(err error) error { return action.Permanent(err) }

// handlerName is what a handler may be registered as: the original's
// dotted paths ("crm.notifications.notify") and plain names.
var handlerName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.:-]{0,199}$`)

// registry maps handler names to handlers. Safe for concurrent use.
type registry struct {
	mu sync.RWMutex
	m  map[string]Handler
}

func (r *registry) get(name string) (Handler, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	h, ok := r.m[name]
	return h, ok
}

func (r *registry) add(name string, h Handler) error {
	if !handlerName.MatchString(name) {
		return fmt.Errorf("flowgate: invalid handler name %q (letters, digits and _ . : -, starting with a letter)", name)
	}
	if h == nil {
		return fmt.Errorf("flowgate: handler %q is nil", name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.m[name]; dup {
		return fmt.Errorf("flowgate: handler %q is already registered", name)
	}
	r.m[name] = h
	return nil
}

func (r *registry) names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.m))
	for n := range r.m {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// AddHandler registers fn under name, so that actions (database rows,
// settings) may name it. It panics on an invalid or duplicate name or a
// nil fn: registration is start-up code, and a mistake there is a bug.
// Names of the built-ins (email, webhook, set_subject_field, log) are
// taken. Safe for concurrent use, also while workers run.
func (e *Engine) AddHandler(name string, fn Handler) {
	if err := e.AddHandlerSafely(name, fn); err != nil {
		panic(err)
	}
}

// AddHandlerSafely is AddHandler returning the error instead of panicking.
func (e *Engine) AddHandlerSafely(name string, fn Handler) error {
	return e.acts.handlers.add(name, fn)
}

// Handlers lists the registered handler names, built-ins included, sorted.
func (e *Engine) Handlers() []string { return e.acts.handlers.names() }

// HandlerRegistered reports whether name is a registered handler.
func (e *Engine) HandlerRegistered(name string) bool {
	_, ok := e.acts.handlers.get(name)
	return ok
}

// registerBuiltins adds the built-in handlers, configured from cfg.
func (a *actionState) registerBuiltins(cfg *Config) {
	ec := cfg.Email
	ec.Disabled = ec.Disabled || cfg.DisableEmails
	if ec.Logger == nil {
		ec.Logger = cfg.Logger
	}
	for name, h := range map[string]Handler{
		email.Name:     email.New(ec),
		webhook.Name:   webhook.New(cfg.Webhook),
		setfield.Name:  setfield.New(),
		logaction.Name: logaction.New(cfg.Logger),
	} {
		if err := a.handlers.add(name, h); err != nil {
			panic(err) // the built-in names are valid and distinct
		}
	}
}
