package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps one prepared statement per distinct query text of a
// SQLite pool. The modernc driver parses and plans a statement on every
// call made without one, which cost about a fifth of a decision's CPU;
// with the cache a query is prepared once per connection and then only
// bound and stepped. PostgreSQL needs none: pgx caches prepared
// statements per connection itself.
//
// The cache is bounded: queries longer than maxCachedQuery (long IN
// lists) and queries beyond maxCachedStmts distinct texts run unprepared.
type stmtCache struct {
	db *sql.DB
	mu sync.RWMutex
	m  map[string]*sql.Stmt
}

const (
	maxCachedStmts = 512
	maxCachedQuery = 4096
)

func newStmtCache(db *sql.DB) *stmtCache { return &stmtCache{db: db, m: map[string]*sql.Stmt{}} }

// stmt returns the prepared statement of query, or nil when the query is
// not cached (the caller then runs it unprepared).
func (c *stmtCache) stmt(ctx context.Context, query string) *sql.Stmt {
	if len(query) > maxCachedQuery {
		return nil
	}
	c.mu.RLock()
	s, ok := c.m[query]
	full := len(c.m) >= maxCachedStmts
	c.mu.RUnlock()
	if ok || full {
		return s
	}
	s, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		// Let the unprepared call report the error (or succeed: a
		// statement may fail to prepare only for a lost connection).
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.m[query]; ok {
		_ = s.Close()
		return prev
	}
	c.m[query] = s
	return s
}

// close closes every cached statement.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, s := range c.m {
		_ = s.Close()
		delete(c.m, q)
	}
}

// cachedDB runs queries on the pool through the cache.
type cachedDB struct{ c *stmtCache }

func (d cachedDB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := d.c.stmt(ctx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return d.c.db.ExecContext(ctx, query, args...)
}

func (d cachedDB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := d.c.stmt(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return d.c.db.QueryContext(ctx, query, args...)
}

func (d cachedDB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := d.c.stmt(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return d.c.db.QueryRowContext(ctx, query, args...)
}

// cachedTx runs queries in a transaction begun on the cache's pool,
// through the pool's statements (Tx.StmtContext reuses the statement
// already prepared on the transaction's connection).
type cachedTx struct {
	tx *sql.Tx
	c  *stmtCache
}

func (t cachedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := t.c.stmt(ctx, query); s != nil {
		return t.tx.StmtContext(ctx, s).ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

func (t cachedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := t.c.stmt(ctx, query); s != nil {
		return t.tx.StmtContext(ctx, s).QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, query, args...)
}

func (t cachedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := t.c.stmt(ctx, query); s != nil {
		return t.tx.StmtContext(ctx, s).QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, query, args...)
}
