package sqlstore_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/flowgate/flowgate/internal/dbtest"
	"github.com/flowgate/flowgate/store/sqlstore"
)

// TestMigrate walks the migrations down to nothing and up again, checking
// MigrateStatus, MigrateDown and MigrateUp on the way.
func TestMigrate(t *testing.T) {
	t.Parallel()
	for _, d := range dbtest.Dialects() {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			s := open(t, dbtest.DSN(t, d))
			status, err := s.MigrateStatus(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for i, m := range status {
				if m.Version != int64(i+1) || !m.Applied || m.AppliedAt.IsZero() ||
					!strings.HasPrefix(m.Name, fmt.Sprintf("%05d_", i+1)) {
					t.Fatalf("status[%d] = %+v, want version %d applied", i, m, i+1)
				}
			}
			n := len(status)
			if res, err := s.MigrateUp(ctx); err != nil || len(res) != 0 {
				t.Fatalf("MigrateUp on a current schema = %v, %v; want nothing to do", res, err)
			}

			res, err := s.MigrateDown(ctx)
			if err != nil || res.Version != int64(n) || res.Direction != "down" {
				t.Fatalf("MigrateDown = %+v, %v; want version %d down", res, err, n)
			}
			status, err = s.MigrateStatus(ctx)
			if err != nil || status[n-1].Applied || (n > 1 && !status[n-2].Applied) {
				t.Fatalf("status after one step down = %+v, %v", status, err)
			}
			up, err := s.MigrateUp(ctx)
			if err != nil || len(up) != 1 || up[0].Version != int64(n) || up[0].Direction != "up" {
				t.Fatalf("MigrateUp = %+v, %v; want version %d up", up, err, n)
			}

			for range n {
				if _, err := s.MigrateDown(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.MigrateDown(ctx); !errors.Is(err, sqlstore.ErrNoMigrationApplied) {
				t.Fatalf("MigrateDown with nothing applied = %v, want ErrNoMigrationApplied", err)
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			status, err = s.MigrateStatus(ctx)
			if err != nil || len(status) != n || !status[n-1].Applied {
				t.Fatalf("status after migrating up again = %+v, %v", status, err)
			}
		})
	}
}

// TestMigrateConcurrently starts replicas together on an empty PostgreSQL
// schema: the advisory lock lets one migrate while the others wait, then
// find nothing to do.
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	dsn := dbtest.DSN(t, dbtest.Postgres)
	s := open(t, dsn)
	for {
		if _, err := s.MigrateDown(t.Context()); errors.Is(err, sqlstore.ErrNoMigrationApplied) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Go(func() {
			r, err := sqlstore.Open(t.Context(), dsn, nil)
			if err == nil {
				err = r.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	status, err := s.MigrateStatus(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range status {
		if !m.Applied {
			t.Fatalf("migration %s pending after the replicas started", m.Name)
		}
	}
}

func TestMigrationSQL(t *testing.T) {
	t.Parallel()
	for _, d := range dbtest.Dialects() {
		sql, err := sqlstore.MigrationSQL(d, 1)
		if err != nil || !strings.Contains(sql, "CREATE TABLE tenants") {
			t.Fatalf("MigrationSQL(%s, 1) = %.40q…, %v", d, sql, err)
		}
	}
	if _, err := sqlstore.MigrationSQL("sqlite", 999); err == nil {
		t.Fatal("MigrationSQL of a missing version succeeded")
	}
	if _, err := sqlstore.MigrationSQL("oracle", 1); err == nil {
		t.Fatal("MigrationSQL of an unknown dialect succeeded")
	}
}

// open opens a store on dsn without migrating, closed when the test ends.
func open(t *testing.T, dsn string) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.Open(t.Context(), dsn, &sqlstore.Options{NoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}
