package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/flowgate/flowgate/store"
)

// Options configures Open. A nil *Options means every default.
type Options struct {
	// Synchronous is SQLite's synchronous pragma: "FULL" (an acknowledged
	// write survives a power loss) or "NORMAL" (faster; a power loss may
	// drop the latest commits, never corrupt). Defaults to "FULL".
	// PostgreSQL ignores it.
	Synchronous string
	// ReadConns is the size of SQLite's read pool. Defaults to 4.
	// PostgreSQL ignores it.
	ReadConns int
	// MaxConns caps PostgreSQL's one pool. Defaults to 16. SQLite ignores
	// it (one writer connection plus ReadConns readers).
	MaxConns int
	// Logger receives migration progress. Defaults to discarding.
	Logger *slog.Logger
	// NoMigrate skips applying pending migrations in Open (the CLI's
	// migrate commands and replicas that migrate separately use it).
	NoMigrate bool
	// Now is the clock for the created_at and updated_at columns the store
	// stamps. Defaults to time.Now.
	Now func() time.Time
}

func (o *Options) withDefaults() (*Options, error) {
	c := Options{}
	if o != nil {
		c = *o
	}
	c.Synchronous = strings.ToUpper(c.Synchronous)
	switch c.Synchronous {
	case "":
		c.Synchronous = "FULL"
	case "FULL", "NORMAL":
	default:
		return nil, fmt.Errorf("sqlstore: Synchronous must be FULL or NORMAL, not %q", o.Synchronous)
	}
	if c.ReadConns <= 0 {
		c.ReadConns = 4
	}
	if c.MaxConns <= 0 {
		c.MaxConns = 16
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return &c, nil
}

// Store is a store.Store over database/sql, for SQLite or PostgreSQL.
// It is safe for concurrent use.
type Store struct {
	*executor
	dialect *dialect
	// writer takes every write; on SQLite it is one connection, so writes
	// queue in Go instead of failing with "database is locked".
	writer *sql.DB
	// reader serves reads outside a transaction; on PostgreSQL it is writer.
	reader *sql.DB
	opts   *Options
	// ckpt checkpoints SQLite's log in the background (nil on PostgreSQL).
	ckpt *checkpointer
}

var _ store.Store = (*Store)(nil)

// Open connects to dsn and, unless opts.NoMigrate, applies pending
// migrations. A dsn starting with postgres:// or postgresql:// is
// PostgreSQL (the pgx driver; its URL parameters such as search_path apply
// to every connection); anything else is a SQLite file path, created when
// missing, opened in WAL mode with foreign keys on.
func Open(ctx context.Context, dsn string, opts *Options) (*Store, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	d := dialectFor(dsn)
	s := &Store{dialect: d, opts: o}
	if d == postgresDialect {
		err = s.openPostgres(ctx, dsn)
	} else {
		err = s.openSQLite(ctx, dsn)
	}
	if err != nil {
		return nil, err
	}
	s.executor = &executor{read: s.reader, write: s.writer, begin: s.beginTx, dialect: d, now: o.Now}
	if !o.NoMigrate {
		if err := s.Migrate(ctx); err != nil {
			_ = s.Close()
			return nil, err
		}
	}
	return s, nil
}

func (s *Store) openPostgres(ctx context.Context, dsn string) error {
	db, err := sql.Open(s.dialect.driver, dsn)
	if err != nil {
		return fmt.Errorf("sqlstore: open postgres: %w", err)
	}
	db.SetMaxOpenConns(s.opts.MaxConns)
	db.SetMaxIdleConns(s.opts.MaxConns)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return fmt.Errorf("sqlstore: connect to postgres: %w", err)
	}
	s.writer, s.reader = db, db
	return nil
}

func (s *Store) openSQLite(ctx context.Context, path string) error {
	// Every connection to ":memory:" is a database of its own, so the read
	// pool would never see the writer's rows.
	if path == "" || strings.HasPrefix(path, ":memory:") || strings.Contains(path, "mode=memory") {
		return fmt.Errorf("sqlstore: SQLite needs a database file, not %q (the writer and the read pool share it)", path)
	}
	// busy_timeout comes first: setting journal_mode may itself wait for
	// another process (a CLI migrate next to a server).
	common := []string{"busy_timeout(10000)"}
	// temp_store(MEMORY) keeps statement and savepoint journals (group
	// commit runs each command in a savepoint) off the disk. The writer's
	// page cache is larger than SQLite's 2 MiB default: a command or a
	// cleanup batch touches pages of a dozen tables and indexes, and each
	// miss is a read system call.
	writer, err := openSQLiteDB(ctx, path, append(common,
		"journal_mode(WAL)", "synchronous("+s.opts.Synchronous+")", "foreign_keys(ON)", "temp_store(MEMORY)",
		fmt.Sprintf("cache_size(%d)", writerCacheKiB),
		fmt.Sprintf("wal_autocheckpoint(%d)", writerAutocheckpoint)), "immediate")
	if err != nil {
		return err
	}
	// One connection: SQLite has a single writer anyway, and queueing in
	// database/sql beats spinning on SQLITE_BUSY. _txlock=immediate takes the
	// write lock at BEGIN, so a transaction never fails halfway for a lock.
	writer.SetMaxOpenConns(1)
	reader, err := openSQLiteDB(ctx, path, append(common, "query_only(ON)"), "")
	if err != nil {
		_ = writer.Close()
		return err
	}
	reader.SetMaxOpenConns(s.opts.ReadConns)
	reader.SetMaxIdleConns(s.opts.ReadConns)
	ckpt, err := startCheckpointer(ctx, path, s.opts.Synchronous)
	if err != nil {
		_ = writer.Close()
		_ = reader.Close()
		return err
	}
	s.writer, s.reader, s.ckpt = writer, reader, ckpt
	return nil
}

// writerCacheKiB is the SQLite writer's page cache, as cache_size takes
// it (negative: KiB).
const writerCacheKiB = -32768

// openSQLiteDB opens path with the pragmas run, in order, on every new
// connection.
func openSQLiteDB(ctx context.Context, path string, pragmas []string, txlock string) (*sql.DB, error) {
	q := url.Values{"_pragma": pragmas}
	if txlock != "" {
		q.Set("_txlock", txlock)
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	conn, err := newCachingConnector(path + sep + q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open sqlite %s: %w", path, err)
	}
	db := sql.OpenDB(conn)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlstore: open sqlite %s: %w", path, err)
	}
	return db, nil
}

// Begin starts a write transaction (BEGIN IMMEDIATE on SQLite). While it is
// open it holds SQLite's only writer connection: write through the Tx, not
// the Store, or the write waits for the Tx to end.
func (s *Store) Begin(ctx context.Context) (store.Tx, error) {
	tx, err := s.beginTx(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: begin: %w", err)
	}
	return &Tx{executor: s.txExecutor(tx), tx: tx}, nil
}

func (s *Store) beginTx(ctx context.Context) (*sql.Tx, error) {
	return s.writer.BeginTx(ctx, nil)
}

// WithTx wraps a transaction the caller began on DB(); the caller commits
// or rolls back.
func (s *Store) WithTx(tx *sql.Tx) store.Executor {
	return s.txExecutor(tx)
}

// txExecutor runs every query in tx.
func (s *Store) txExecutor(tx *sql.Tx) *executor {
	return &executor{read: tx, write: tx, dialect: s.dialect, now: s.opts.Now}
}

// DB returns the handle writes go through: on SQLite the one-connection
// writer pool, on PostgreSQL the pool.
func (s *Store) DB() *sql.DB { return s.writer }

// Dialect reports "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.dialect.name }

// Close closes both pools.
func (s *Store) Close() error {
	var err error
	if s.ckpt != nil {
		err = s.ckpt.close()
	}
	err = errors.Join(err, s.writer.Close())
	if s.reader != s.writer {
		err = errors.Join(err, s.reader.Close())
	}
	return err
}

// Tx is a write transaction begun by Store.Begin.
type Tx struct {
	*executor
	tx *sql.Tx
}

var _ store.Tx = (*Tx)(nil)

// Commit commits the transaction.
func (t *Tx) Commit() error { return t.tx.Commit() }

// Rollback aborts the transaction; after Commit it returns sql.ErrTxDone.
func (t *Tx) Rollback() error { return t.tx.Rollback() }

// SQLTx returns the *sql.Tx the executor runs in (a Tx, or WithTx's), nil
// on the Store itself. The engine hands it to Config.OnSubjectStatus so a
// host's own writes commit with the decision.
func (e *executor) SQLTx() *sql.Tx {
	tx, _ := e.write.(*sql.Tx)
	return tx
}
