package flowgate

import (
	"context"
	"time"
)

// Observer watches the commands the engine runs (attach, start, decide),
// for metrics and tracing: package metrics counts them for Prometheus,
// package tracing makes an OpenTelemetry span of each. It is an interface
// so that this package stays free of either dependency; without one
// (Config.Observer nil) a command costs nothing more.
//
// Both methods run on the caller's goroutine, inside the command's
// latency: keep them cheap and safe for concurrent use.
type Observer interface {
	// CommandStarted is called as a command begins, before its
	// idempotency check and transaction; the command runs with the
	// context it returns (a tracer starts its span there).
	CommandStarted(ctx context.Context, c *Command) context.Context
	// CommandEnded is called with the context CommandStarted returned
	// once the command committed or failed; d is its wall time and err
	// the error its caller gets (nil on success, also when an
	// idempotency key answered it from an earlier result). An attach
	// that succeeded has c.InstanceID set by then.
	CommandEnded(ctx context.Context, c *Command, d time.Duration, err error)
}

// CommandKind names a command an Observer sees.
type CommandKind string

// Command kinds.
const (
	CommandAttach CommandKind = "attach"
	CommandStart  CommandKind = "start"
	CommandDecide CommandKind = "decide"
)

// Command describes a command to an Observer.
type Command struct {
	Kind CommandKind
	// Action is a decision's action; empty for attach and start.
	Action   Action
	TenantID string
	// InstanceID is the instance the command acts on; for an attach it
	// is set when the command ends, if it succeeded.
	InstanceID string
}

// JoinObservers returns an Observer calling each of obs in turn (nil ones
// skipped): CommandStarted in order, CommandEnded in reverse order with
// the context each one's CommandStarted returned, so that the first one's
// span encloses the others'.
func JoinObservers(obs ...Observer) Observer {
	var list joinedObservers
	for _, o := range obs {
		if o != nil {
			list = append(list, o)
		}
	}
	switch len(list) {
	case 0:
		return nil
	case 1:
		return list[0]
	}
	return list
}

type joinedObservers []Observer

// joinedKey holds, in a command's context, the context each joined
// observer's CommandStarted returned.
type joinedKey struct{}

func (j joinedObservers) CommandStarted(ctx context.Context, c *Command) context.Context {
	ctxs := make([]context.Context, len(j))
	for i, o := range j {
		ctx = o.CommandStarted(ctx, c)
		ctxs[i] = ctx
	}
	return context.WithValue(ctx, joinedKey{}, ctxs)
}

func (j joinedObservers) CommandEnded(ctx context.Context, c *Command, d time.Duration, err error) {
	ctxs, _ := ctx.Value(joinedKey{}).([]context.Context)
	for i := len(j) - 1; i >= 0; i-- {
		oc := ctx
		if i < len(ctxs) {
			oc = ctxs[i]
		}
		j[i].CommandEnded(oc, c, d, err)
	}
}

// observed runs fn, a command, between the observer's two calls.
func (e *Engine) observed(ctx context.Context, o Observer, c Command, fn func(ctx context.Context) (*InstanceView, error)) (*InstanceView, error) {
	ctx = o.CommandStarted(ctx, &c)
	start := time.Now()
	v, err := fn(ctx)
	if c.InstanceID == "" && v != nil && v.Instance != nil {
		c.InstanceID = v.Instance.ID
	}
	o.CommandEnded(ctx, &c, time.Since(start), err)
	return v, err
}
