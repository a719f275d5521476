package api

import (
	"encoding/base64"
	"strings"
)

// Lists take ?limit= (default 50, at most 500: more is read as 500) and an
// opaque ?cursor=, and answer {items, next_cursor}. next_cursor is set when
// the page is full; it is null on the last page (the page after a full
// last page is empty).

const (
	defaultLimit = 50
	maxLimit     = 500
)

// PageParams are the paging query parameters.
type PageParams struct {
	Limit  int    `query:"limit" minimum:"0" doc:"Page size: default 50, at most 500."`
	Cursor string `query:"cursor" doc:"The next_cursor of the previous page."`
}

func (p *PageParams) limit() int {
	switch {
	case p.Limit <= 0:
		return defaultLimit
	case p.Limit > maxLimit:
		return maxLimit
	}
	return p.Limit
}

// after decodes the cursor of a list kind; "" for the first page.
func (p *PageParams) after(kind string) (string, error) {
	if p.Cursor == "" {
		return "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(p.Cursor)
	if err != nil {
		return "", validationProblem("cursor", "invalid cursor")
	}
	v, ok := strings.CutPrefix(string(raw), kind+":")
	if !ok {
		return "", validationProblem("cursor", "invalid cursor for this list")
	}
	return v, nil
}

// nextCursor returns the cursor after last when the page is full.
func nextCursor(kind string, full bool, last string) *string {
	if !full {
		return nil
	}
	c := base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + last))
	return &c
}

// Page is a list response.
type Page[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor" doc:"Pass as ?cursor= for the next page; null on the last page."`
}

// pageOf slices an in-memory list (sorted by key) after the cursor.
func pageOf[T any](list []T, key func(T) string, p *PageParams, kind string) (*Page[T], error) {
	after, err := p.after(kind)
	if err != nil {
		return nil, err
	}
	start := 0
	if after != "" {
		for start < len(list) && key(list[start]) <= after {
			start++
		}
	}
	end := min(start+p.limit(), len(list))
	items := list[start:end]
	out := &Page[T]{Items: append([]T{}, items...)}
	if end < len(list) && len(items) > 0 {
		out.NextCursor = nextCursor(kind, true, key(items[len(items)-1]))
	}
	return out, nil
}
