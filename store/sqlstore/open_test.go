package sqlstore_test

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/flowgate/flowgate/internal/dbtest"
	"github.com/flowgate/flowgate/store"
	"github.com/flowgate/flowgate/store/sqlstore"
)

// TestOpenSQLite checks the connection settings the store relies on: WAL,
// the synchronous level, foreign keys, a busy timeout, one writer
// connection and a read-only read pool.
func TestOpenSQLite(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		sync string
		want int // PRAGMA synchronous: 1 NORMAL, 2 FULL
	}{{"", 2}, {"FULL", 2}, {"normal", 1}} {
		t.Run("synchronous="+tt.sync, func(t *testing.T) {
			t.Parallel()
			s, err := sqlstore.Open(t.Context(), filepath.Join(t.TempDir(), "f.db"), &sqlstore.Options{Synchronous: tt.sync})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			w, r := s.DB(), sqlstore.ReaderDB(s)
			pragma(t, w, "journal_mode", "wal")
			pragma(t, w, "synchronous", tt.want)
			pragma(t, w, "foreign_keys", 1)
			pragma(t, w, "busy_timeout", 10000)
			pragma(t, r, "query_only", 1)
			pragma(t, r, "busy_timeout", 10000)
			if n := w.Stats().MaxOpenConnections; n != 1 {
				t.Errorf("writer MaxOpenConnections = %d, want 1", n)
			}
			if n := r.Stats().MaxOpenConnections; n != 4 {
				t.Errorf("reader MaxOpenConnections = %d, want the default 4", n)
			}
			if _, err := r.ExecContext(t.Context(), `INSERT INTO tenants (id, name, created_at) VALUES ('x', '', 0)`); err == nil {
				t.Error("the read pool accepted a write")
			}
		})
	}
	t.Run("InMemory", func(t *testing.T) {
		t.Parallel()
		for _, dsn := range []string{"", ":memory:", "file:x?mode=memory"} {
			if _, err := sqlstore.Open(t.Context(), dsn, nil); err == nil {
				t.Fatalf("Open(%q) succeeded, want an error", dsn)
			}
		}
	})
	t.Run("BadSynchronous", func(t *testing.T) {
		t.Parallel()
		if _, err := sqlstore.Open(t.Context(), filepath.Join(t.TempDir(), "f.db"), &sqlstore.Options{Synchronous: "OFF"}); err == nil {
			t.Fatal("Open accepted synchronous OFF")
		}
	})
}

func pragma[T comparable](t *testing.T, db *sql.DB, name string, want T) {
	t.Helper()
	var got T
	if err := db.QueryRowContext(t.Context(), "PRAGMA "+name).Scan(&got); err != nil {
		t.Fatalf("PRAGMA %s: %v", name, err)
	}
	if got != want {
		t.Errorf("PRAGMA %s = %v, want %v", name, got, want)
	}
}

// TestPlaceholders checks that both drivers bind $n by number: out of
// order and repeated, as the shared queries write them.
func TestPlaceholders(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, s store.Store) {
		var got string
		err := s.DB().QueryRowContext(t.Context(),
			`SELECT CAST($2 AS TEXT) || CAST($1 AS TEXT) || CAST($2 AS TEXT)`, "a", "b").Scan(&got)
		if err != nil {
			t.Fatal(err)
		}
		if got != "bab" {
			t.Fatalf("got %q, want %q", got, "bab")
		}
	})
}

// TestCloseTwice: closing a store twice is harmless (deferred closes in
// callers that also close explicitly).
func TestCloseTwice(t *testing.T) {
	t.Parallel()
	s, err := sqlstore.Open(t.Context(), filepath.Join(t.TempDir(), "f.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	_ = s.Close() // must not panic; database/sql reports nothing for a closed pool
}
