package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// checkpointEvery is how often the background checkpointer copies the
// WAL's committed pages into the database file.
const checkpointEvery = 250 * time.Millisecond

// checkpointer takes WAL checkpoints off the write path. SQLite's
// automatic checkpoint runs inside a COMMIT once the WAL passes 1000 pages:
// that commit, and every transaction queued behind the single writer, then
// waits for the page copy and its fsync. The write connection has
// wal_autocheckpoint off; this goroutine runs PASSIVE checkpoints on a
// connection of its own, which never block the writer nor wait for it, and
// the writer restarts the WAL from its beginning once a checkpoint has
// caught up, so the file stays bounded as before.
type checkpointer struct {
	db   *sql.DB
	stop chan struct{}
	done sync.WaitGroup
	once sync.Once
}

func startCheckpointer(db *sql.DB) *checkpointer {
	c := &checkpointer{db: db, stop: make(chan struct{})}
	c.done.Add(1)
	go c.run()
	return c
}

func (c *checkpointer) run() {
	defer c.done.Done()
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			// An error (the database busy or closing) is retried at
			// the next tick; the WAL only grows meanwhile.
			_, _ = c.db.ExecContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`)
		}
	}
}

// close stops the checkpointer, runs a last checkpoint and closes its
// connection.
func (c *checkpointer) close() error {
	c.once.Do(func() { close(c.stop) })
	c.done.Wait()
	_, _ = c.db.ExecContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`)
	return c.db.Close()
}
