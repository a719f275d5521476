// Package logaction is the built-in "log" action handler: it writes the
// event to a structured log. Useful to see what actions would run, and as
// the smallest example of a handler.
//
// Parameters: {"message": "…", "level": "debug" | "info" | "warn" | "error"}
// (defaults: "flowgate action", info).
package logaction

import (
	"context"
	"log/slog"
	"strings"

	"github.com/flowgate/flowgate/action"
)

// Name is the handler's registered name.
const Name = "log"

// Params are the action's parameters.
type Params struct {
	Message string `json:"message"`
	Level   string `json:"level"`
}

// New returns a handler logging to logger (slog.Default() when nil).
func New(logger *slog.Logger) action.Handler {
	return func(ctx context.Context, req *action.Request) error {
		var p Params
		if err := req.Params(&p); err != nil {
			return err
		}
		l := logger
		if l == nil {
			l = slog.Default()
		}
		if p.Message == "" {
			p.Message = "flowgate action"
		}
		level := slog.LevelInfo
		switch strings.ToLower(p.Level) {
		case "debug":
			level = slog.LevelDebug
		case "warn", "warning":
			level = slog.LevelWarn
		case "error":
			level = slog.LevelError
		}
		l.Log(ctx, level, p.Message,
			"tenant", req.TenantID, "instance", req.Instance.ID, "event", string(req.Event.Type),
			"seq", req.Event.Seq, "actor", req.Event.Actor, "stage", req.Event.StageID,
			"pipeline", req.Event.PipelineID, "tier", string(req.Tier), "level", string(req.Level),
			"run_key", req.RunKey, "attempt", req.Attempt)
		return nil
	}
}
