package sqlstore

import (
	"strings"
	"testing"
)

func TestRenumber(t *testing.T) {
	t.Parallel()
	tests := []struct {
		query  string
		offset int
		want   string
	}{
		{`UPDATE x SET a = $1 WHERE b = $2`, 0, `UPDATE x SET a = $1 WHERE b = $2`},
		{`UPDATE x SET a = $1 WHERE b = $2`, 10, `UPDATE x SET a = $11 WHERE b = $12`},
		{`VALUES ($9, $10), ($11, $12)`, 91, `VALUES ($100, $101), ($102, $103)`},
		// Quoted text is copied as it is, placeholders after it shifted.
		{`WHERE s IN ('a$1', 'b') AND "c$2" = $3`, 5, `WHERE s IN ('a$1', 'b') AND "c$2" = $8`},
		{`SELECT 'it''s $1', $1`, 1, `SELECT 'it''s $1', $2`},
		// A lone $ and an unterminated quote survive.
		{`SELECT $ + $2`, 1, `SELECT $ + $3`},
		{`SELECT 'open $1`, 1, `SELECT 'open $1`},
		{`$1$2`, 2, `$3$4`},
	}
	for _, tt := range tests {
		var sb strings.Builder
		renumber(&sb, tt.query, tt.offset)
		if got := sb.String(); got != tt.want {
			t.Errorf("renumber(%q, %d) = %q, want %q", tt.query, tt.offset, got, tt.want)
		}
	}
}

// TestBatchStatement checks the shape of a flushed PostgreSQL statement:
// the guard of the instance update is selected first.
func TestBatchStatement(t *testing.T) {
	t.Parallel()
	guard := &part{guard: true, each: true, stmts: []recorded{{query: `UPDATE instances SET v = $1 WHERE id = $2`, args: []any{2, "i"}}}}
	rows := &part{stmts: []recorded{{query: `INSERT INTO events (a, b) VALUES ($1, $2) RETURNING a`, args: []any{"e", 1}}}}
	q, args := chunkStatement([]ref{{guard, 0}, {rows, 0}})
	want := "WITH w0 AS (UPDATE instances SET v = $1 WHERE id = $2 RETURNING 1),\n" +
		"w1 AS (INSERT INTO events (a, b) VALUES ($3, $4) RETURNING a)\n" +
		"SELECT 1 / (SELECT count(*) FROM w0), (SELECT count(*) FROM w0), (SELECT count(*) FROM w1)"
	if q != want {
		t.Errorf("statement:\n%s\nwant:\n%s", q, want)
	}
	if len(args) != 4 || args[2] != "e" {
		t.Errorf("args = %v", args)
	}
}
