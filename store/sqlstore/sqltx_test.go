package sqlstore_test

import (
	"database/sql"
	"testing"

	"github.com/flowgate/flowgate/internal/dbtest"
)

// TestSQLTx checks that a transaction's executor exposes its *sql.Tx (the
// engine passes it to Config.OnSubjectStatus) and that the store does not.
func TestSQLTx(t *testing.T) {
	type sqlTxer interface{ SQLTx() *sql.Tx }
	for _, d := range dbtest.Dialects() {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			s := dbtest.Open(t, d)
			if tx := s.(sqlTxer).SQLTx(); tx != nil {
				t.Fatal("the store outside a transaction reports a *sql.Tx")
			}
			tx, err := s.Begin(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			if tx.(sqlTxer).SQLTx() == nil {
				t.Fatal("Begin's Tx does not expose its *sql.Tx")
			}
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}
			raw, err := s.DB().BeginTx(t.Context(), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Rollback()
			if got := s.WithTx(raw).(sqlTxer).SQLTx(); got != raw {
				t.Fatalf("WithTx exposes %p, want the caller's %p", got, raw)
			}
		})
	}
}
