// Package logctx carries log attributes in a context.Context, so that
// every record logged with that context carries them: the API puts a
// request's id, tenant and instance there, and the engine's logs made
// while serving the request (with the request's context) show them too,
// without the engine knowing about requests.
//
// Attributes live in scopes: With opens a scope below the context's;
// Add adds to the innermost scope in place, so that whoever holds a
// context of that scope sees the addition (the access log, written by the
// outermost middleware, learns the tenant that authentication found
// further in).
package logctx

import (
	"context"
	"log/slog"
	"sync/atomic"
)

// scope is a set of attributes below a parent scope.
type scope struct {
	parent *scope
	attrs  atomic.Pointer[[]slog.Attr]
}

type scopeKey struct{}

// With returns a context whose records carry attrs after those of ctx.
func With(ctx context.Context, attrs ...slog.Attr) context.Context {
	s := &scope{parent: from(ctx)}
	if len(attrs) > 0 {
		list := append([]slog.Attr(nil), attrs...)
		s.attrs.Store(&list)
	}
	return context.WithValue(ctx, scopeKey{}, s)
}

// Add adds attrs to the innermost scope of ctx, where every context of
// that scope sees them. It reports false, adding nothing, when ctx has no
// scope (use With).
func Add(ctx context.Context, attrs ...slog.Attr) bool {
	s := from(ctx)
	if s == nil {
		return false
	}
	for {
		old := s.attrs.Load()
		var list []slog.Attr
		if old != nil {
			list = append(list, *old...)
		}
		list = append(list, attrs...)
		if s.attrs.CompareAndSwap(old, &list) {
			return true
		}
	}
}

// Attrs returns the attributes of ctx, outermost scope first.
func Attrs(ctx context.Context) []slog.Attr {
	return appendAttrs(nil, from(ctx))
}

func appendAttrs(dst []slog.Attr, s *scope) []slog.Attr {
	if s == nil {
		return dst
	}
	dst = appendAttrs(dst, s.parent)
	if p := s.attrs.Load(); p != nil {
		dst = append(dst, *p...)
	}
	return dst
}

func from(ctx context.Context) *scope {
	if ctx == nil {
		return nil
	}
	s, _ := ctx.Value(scopeKey{}).(*scope)
	return s
}
