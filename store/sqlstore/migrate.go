package sqlstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"path"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// migrations holds one folder per dialect with the same version numbers:
// version N means the same schema on both engines.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// migrationTable records the applied versions. It is not goose's default
// name, so Flowgate can share a database with an application that uses
// goose for its own tables.
const migrationTable = "flowgate_migrations"

// ErrNoMigrationApplied is returned by MigrateDown when no migration is
// applied.
var ErrNoMigrationApplied = errors.New("sqlstore: no migration to roll back")

// MigrationStatus is one migration known to this build.
type MigrationStatus struct {
	Version int64
	// Name is the file name, such as "00001_init.sql".
	Name    string
	Applied bool
	// AppliedAt is when it was applied; zero when pending.
	AppliedAt time.Time
}

// MigrationResult is one migration applied or rolled back.
type MigrationResult struct {
	Version int64
	Name    string
	// Direction is "up" or "down".
	Direction string
	Duration  time.Duration
}

// Migrate applies every pending migration.
func (s *Store) Migrate(ctx context.Context) error {
	_, err := s.MigrateUp(ctx)
	return err
}

// MigrateUp applies every pending migration and returns them, oldest first
// (none when the schema is current). On PostgreSQL it holds a session
// advisory lock, keyed by the schema, while it runs, so replicas starting
// together migrate one at a time and the others find nothing to do.
func (s *Store) MigrateUp(ctx context.Context) ([]MigrationResult, error) {
	p, err := s.migrator(ctx)
	if err != nil {
		return nil, err
	}
	res, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: migrate up: %w", err)
	}
	out := make([]MigrationResult, len(res))
	for i, r := range res {
		out[i] = migrationResult(r)
	}
	return out, nil
}

// MigrateDown rolls back the latest applied migration. It returns
// ErrNoMigrationApplied when there is none.
func (s *Store) MigrateDown(ctx context.Context) (*MigrationResult, error) {
	p, err := s.migrator(ctx)
	if err != nil {
		return nil, err
	}
	res, err := p.Down(ctx)
	if errors.Is(err, goose.ErrNoNextVersion) {
		return nil, ErrNoMigrationApplied
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: migrate down: %w", err)
	}
	r := migrationResult(res)
	return &r, nil
}

// MigrateStatus lists every migration of this build, oldest first, with
// whether it is applied.
func (s *Store) MigrateStatus(ctx context.Context) ([]MigrationStatus, error) {
	p, err := s.migrator(ctx)
	if err != nil {
		return nil, err
	}
	list, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: migration status: %w", err)
	}
	out := make([]MigrationStatus, len(list))
	for i, m := range list {
		out[i] = MigrationStatus{
			Version:   m.Source.Version,
			Name:      path.Base(m.Source.Path),
			Applied:   m.State == goose.StateApplied,
			AppliedAt: m.AppliedAt,
		}
	}
	return out, nil
}

// MigrationSQL returns the embedded SQL file of a dialect ("sqlite" or
// "postgres") and version, for teams that run migrations with their own
// tool.
func MigrationSQL(dialect string, version int64) (string, error) {
	dir := "migrations/" + dialect
	entries, err := fs.Glob(migrations, fmt.Sprintf("%s/%05d_*.sql", dir, version))
	if err != nil || len(entries) != 1 {
		return "", fmt.Errorf("sqlstore: no migration %d for dialect %q", version, dialect)
	}
	b, err := migrations.ReadFile(entries[0])
	return string(b), err
}

func migrationResult(r *goose.MigrationResult) MigrationResult {
	return MigrationResult{
		Version:   r.Source.Version,
		Name:      path.Base(r.Source.Path),
		Direction: r.Direction,
		Duration:  r.Duration,
	}
}

// migrator builds a goose provider over the writer.
func (s *Store) migrator(ctx context.Context) (*goose.Provider, error) {
	dir, err := fs.Sub(migrations, "migrations/"+s.dialect.name)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: migrations: %w", err)
	}
	opts := []goose.ProviderOption{
		goose.WithTableName(migrationTable),
		goose.WithDisableGlobalRegistry(true),
		goose.WithSlog(s.opts.Logger),
	}
	if s.dialect == postgresDialect {
		locker, err := s.sessionLocker(ctx)
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(s.dialect.goose, s.writer, dir, opts...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: migrations: %w", err)
	}
	return p, nil
}

// sessionLocker returns goose's PostgreSQL advisory-lock locker with a lock
// id derived from the current schema: replicas sharing a schema exclude
// each other, while databases in other schemas (tests run one per schema)
// migrate in parallel.
func (s *Store) sessionLocker(ctx context.Context) (lock.SessionLocker, error) {
	var schema *string
	if err := s.writer.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return nil, fmt.Errorf("sqlstore: migrations: read current schema: %w", err)
	}
	if schema == nil {
		return nil, errors.New("sqlstore: migrations: no schema on the search_path exists")
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte("flowgate migrations\x00" + *schema))
	// Retry every second for up to five minutes: a long migration on
	// another replica is the only reason to wait.
	l, err := lock.NewPostgresSessionLocker(lock.WithLockID(int64(h.Sum64())), lock.WithLockTimeout(1, 300))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: migrations: %w", err)
	}
	return l, nil
}
