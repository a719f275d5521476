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

// ReaderDB exposes the read pool to the open test.
func ReaderDB(s *Store) *sql.DB { return s.reader }
