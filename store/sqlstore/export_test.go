package sqlstore

import (
	"database/sql"

	"github.com/flowgate/flowgate/store"
)

// InboxQuery exposes TaskListOpenByUser's query to the plan test.
func InboxQuery(p *store.TaskListOpenByUserParams) (string, []any) {
	q, a := inboxQuery(p)
	return q, a
}

// ClaimQuery exposes ActionRunClaim's statement to the plan test; its
// arguments are the owner, the lease's end, now and the limit.
func ClaimQuery(s *Store) string { return claimQuery(s.dialect) }

// ReaderDB exposes the read pool to the open test.
func ReaderDB(s *Store) *sql.DB { return s.reader }
