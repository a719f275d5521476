package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/flowgate/flowgate/store/sqlstore"
)

// Target is one database setting a run measures: SQLite at one
// synchronous setting (a fresh file per measurement, in Dir), or
// PostgreSQL (a fresh schema per measurement in the database of BaseDSN,
// dropped afterwards).
type Target struct {
	Dialect string // "sqlite" or "postgres"
	Sync    string // SQLite: "FULL" or "NORMAL"
	BaseDSN string // PostgreSQL: postgres://…
	Dir     string // SQLite: where the files go
	// Keep leaves the SQLite files and PostgreSQL schemas in place.
	Keep bool
}

func (t Target) String() string {
	if t.Dialect == "postgres" {
		return "postgres"
	}
	return "sqlite/" + t.Sync
}

// database is a fresh, migrated database for one measurement.
type database struct {
	target Target
	dsn    string
	store  *sqlstore.Store
	drop   func() error
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// open creates a fresh database named after the measurement.
func (t Target) open(ctx context.Context, name string) (*database, error) {
	return t.fresh(ctx, name, nil)
}

// fresh creates a database named after the measurement; on SQLite, fill,
// when not nil, writes the file first (a copy of a seeded database).
func (t Target) fresh(ctx context.Context, name string, fill func(path string) error) (*database, error) {
	d := &database{target: t}
	switch t.Dialect {
	case "postgres":
		dsn, drop, err := freshSchema(ctx, t.BaseDSN, "fgbench_"+strings.ReplaceAll(name, "-", "_")+"_"+randomSuffix())
		if err != nil {
			return nil, err
		}
		d.dsn, d.drop = dsn, drop
	default:
		dir := t.Dir
		if dir == "" {
			dir = os.TempDir()
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		path := filepath.Join(dir, fmt.Sprintf("flowgate-bench-%s-%s-%s.db", name, strings.ToLower(t.Sync), randomSuffix()))
		d.dsn = path
		d.drop = func() error {
			var errs []error
			for _, suffix := range []string{"", "-wal", "-shm"} {
				if err := os.Remove(path + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
					errs = append(errs, err)
				}
			}
			return errors.Join(errs...)
		}
	}
	if fill != nil && t.Dialect != "postgres" {
		if err := fill(d.dsn); err != nil {
			_ = d.drop()
			return nil, err
		}
	}
	s, err := sqlstore.Open(ctx, d.dsn, &sqlstore.Options{Synchronous: t.Sync})
	if err != nil {
		_ = d.drop()
		return nil, fmt.Errorf("bench: open %s: %w", t, err)
	}
	d.store = s
	return d, nil
}

// close closes the store and removes the database unless kept.
func (d *database) close() error {
	err := d.store.Close()
	if d.target.Keep {
		return err
	}
	return errors.Join(err, d.drop())
}

// freshSchema creates a schema in the database of base and returns a DSN
// whose search_path names it, and a function that drops it.
func freshSchema(ctx context.Context, base, schema string) (string, func() error, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, fmt.Errorf("bench: --db %q is not a postgres:// URL: %w", base, err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, err
	}
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA "`+schema+`"`); err != nil {
		_ = admin.Close()
		return "", nil, fmt.Errorf("bench: create schema %s: %w", schema, err)
	}
	drop := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, err := admin.ExecContext(ctx, `DROP SCHEMA "`+schema+`" CASCADE`)
		return errors.Join(err, admin.Close())
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

// dialect reports "sqlite" or "postgres".
func (d *database) dialect() string { return d.store.Dialect() }

// bytes returns the space the database's tables and indexes take: the
// ideal engine's (ideal true) or the rest. SQLite counts the pages in use
// after a checkpoint, by table with the dbstat table when the build has
// it, else for the whole file (callers then measure one engine at a time);
// PostgreSQL sums pg_total_relation_size over the schema's tables.
func (d *database) bytes(ctx context.Context, ideal bool) (int64, error) {
	db := d.store.DB()
	like := "NOT LIKE"
	if ideal {
		like = "LIKE"
	}
	if d.dialect() == "postgres" {
		if _, err := db.ExecContext(ctx, `CHECKPOINT`); err != nil {
			// Only superusers may checkpoint; sizes are still right.
			_ = err
		}
		var n sql.NullInt64
		err := db.QueryRowContext(ctx, `
			SELECT SUM(pg_total_relation_size(c.oid)) FROM pg_class c
			JOIN pg_namespace ns ON ns.oid = c.relnamespace
			WHERE ns.nspname = current_schema() AND c.relkind = 'r' AND c.relname `+like+` 'ideal\_%'`).Scan(&n)
		return n.Int64, err
	}
	if _, err := db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return 0, err
	}
	var n sql.NullInt64
	if err := db.QueryRowContext(ctx, `SELECT SUM(pgsize) FROM dbstat WHERE name `+like+` 'ideal\_%' ESCAPE '\'`).Scan(&n); err == nil {
		return n.Int64, nil
	}
	var pages, free, size int64
	for q, dst := range map[string]*int64{`PRAGMA page_count`: &pages, `PRAGMA freelist_count`: &free, `PRAGMA page_size`: &size} {
		if err := db.QueryRowContext(ctx, q).Scan(dst); err != nil {
			return 0, err
		}
	}
	return (pages - free) * size, nil
}
