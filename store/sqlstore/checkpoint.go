package sqlstore

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// checkpointer copies the SQLite write-ahead log back into the database
// file from a connection of its own, off the commit path. Left to SQLite,
// the commit that crosses wal_autocheckpoint pages runs the checkpoint
// itself: one decision in a few dozen then waited for a thousand pages to
// be copied and synced, which set the p99 and took the single writer's
// time. The writer keeps a high wal_autocheckpoint as a safety net should
// this loop fall behind.
type checkpointer struct {
	db      *sql.DB
	stop    chan struct{}
	done    chan struct{}
	closing sync.Once
	err     error
}

// checkpointEvery is how often the log is checkpointed (PASSIVE: it never
// waits for readers or the writer, and does nothing when the log holds no
// new frames).
const checkpointEvery = 100 * time.Millisecond

// writerAutocheckpoint is the writer's own threshold, in pages.
const writerAutocheckpoint = 10000

func startCheckpointer(ctx context.Context, path, synchronous string) (*checkpointer, error) {
	db, err := openSQLiteDB(ctx, path, []string{"busy_timeout(10000)", "synchronous(" + synchronous + ")"}, "")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	c := &checkpointer{db: db, stop: make(chan struct{}), done: make(chan struct{})}
	go c.loop()
	return c, nil
}

func (c *checkpointer) loop() {
	defer close(c.done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			// An error (a busy database, a closed file) is retried at the
			// next tick; the writer's own threshold bounds the log.
			_, _ = c.db.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
		}
	}
}

// close stops the loop and closes its connection.
// close stops the checkpointer; closing twice (a Store closed twice)
// returns the first close's result.
func (c *checkpointer) close() error {
	c.closing.Do(func() {
		close(c.stop)
		<-c.done
		c.err = c.db.Close()
	})
	return c.err
}
