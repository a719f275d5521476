package sqlstore_test

import (
	"testing"

	"github.com/flowgate/flowgate/internal/dbtest"
	"github.com/flowgate/flowgate/store"
	"github.com/flowgate/flowgate/store/storetest"
)

// TestPostgres runs the conformance suite on PostgreSQL, a fresh schema per
// subtest, when FLOWGATE_TEST_POSTGRES names a database; it skips
// otherwise.
func TestPostgres(t *testing.T) {
	t.Parallel()
	dbtest.Require(t, dbtest.Postgres)
	storetest.Exercise(t, func(t *testing.T) store.Store {
		return dbtest.Open(t, dbtest.Postgres)
	})
}
