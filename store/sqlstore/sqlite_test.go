package sqlstore_test

import (
	"testing"

	"github.com/flowgate/flowgate/internal/dbtest"
	"github.com/flowgate/flowgate/store"
	"github.com/flowgate/flowgate/store/storetest"
)

// TestSQLite runs the conformance suite on SQLite, a fresh file per
// subtest.
func TestSQLite(t *testing.T) {
	t.Parallel()
	storetest.Exercise(t, func(t *testing.T) store.Store {
		return dbtest.Open(t, dbtest.SQLite)
	})
}
