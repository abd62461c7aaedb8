package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// errClosed answers a transaction queued after Close.
var errClosed = errors.New("the store is closed")

// maxGroup bounds how many transactions one commit carries.
const maxGroup = 64

// groupCommitter is the single writer of an engine with one writer
// (SQLite). Each store method hands it its transaction function; the writer
// takes every function queued at that moment, runs them one after the other
// in one database transaction, each inside its own savepoint, commits once,
// and only then answers each caller. A function that fails is rolled back
// to its savepoint alone; the others commit. A caller therefore sees exactly
// what a transaction of its own would give (its writes committed when it is
// answered without error, nothing of them otherwise), while the commit, its
// WAL write and the BEGIN/COMMIT statements are shared by the group. The
// functions run serially, so each sees the writes of those before it, as
// with serialized transactions.
type groupCommitter struct {
	db       *sql.DB
	numbered bool
	queue    chan *groupTx
	stop     chan struct{}
	done     sync.WaitGroup
	stopOnce sync.Once
	// mu guards closed: senders hold it for reading while they queue, so
	// that once close has set it nothing more enters the queue.
	mu     sync.RWMutex
	closed bool
	// committed transactions and the commits that carried them
	txs, commits atomic.Int64
}

// GroupStats tells how group commit is doing.
type GroupStats struct {
	// Transactions committed, and Commits that carried them.
	Transactions, Commits int64
	// Queued transactions are waiting for the writer.
	Queued int
}

// GroupStats reports the group commit's counters; zero when the engine does
// not group its transactions.
func (db *DB) GroupStats() GroupStats {
	if db.group == nil {
		return GroupStats{}
	}
	return GroupStats{Transactions: db.group.txs.Load(), Commits: db.group.commits.Load(), Queued: len(db.group.queue)}
}

type groupTx struct {
	ctx    context.Context
	fn     func(conn) error
	result chan error
	// panicked holds what fn panicked with: rolled back like an error,
	// then raised again in the caller's goroutine.
	panicked any
}

func newGroupCommitter(db *sql.DB, numbered bool) *groupCommitter {
	g := &groupCommitter{db: db, numbered: numbered, queue: make(chan *groupTx, maxGroup), stop: make(chan struct{})}
	g.done.Add(1)
	go g.run()
	return g
}

// do runs fn in a group transaction and returns once it is committed (nil)
// or rolled back (fn's error, or the commit's).
func (g *groupCommitter) do(ctx context.Context, fn func(conn) error) error {
	t := &groupTx{ctx: ctx, fn: fn, result: make(chan error, 1)}
	g.mu.RLock()
	if g.closed {
		g.mu.RUnlock()
		return errClosed
	}
	select {
	case g.queue <- t:
	case <-ctx.Done():
		g.mu.RUnlock()
		return ctx.Err()
	}
	g.mu.RUnlock()
	// Once queued the writer always answers, even if ctx ends meanwhile:
	// the caller must learn whether its writes were committed.
	err := <-t.result
	if t.panicked != nil {
		panic(t.panicked)
	}
	return err
}

// errPanicked stands for a transaction function's panic in the batch.
var errPanicked = errors.New("the transaction function panicked")

// call runs t's function, turning a panic into errPanicked.
func (t *groupTx) call(c conn) (err error) {
	defer func() {
		if p := recover(); p != nil {
			t.panicked, err = p, errPanicked
		}
	}()
	return t.fn(c)
}

// close refuses new transactions, lets the writer finish those already
// queued, and waits for it.
func (g *groupCommitter) close() {
	g.stopOnce.Do(func() {
		g.mu.Lock()
		g.closed = true
		g.mu.Unlock()
		close(g.stop)
	})
	g.done.Wait()
}

func (g *groupCommitter) run() {
	defer g.done.Done()
	batch := make([]*groupTx, 0, maxGroup)
	stopping := false
	for {
		select {
		case t := <-g.queue:
			batch = append(batch[:0], t)
			// Let the callers answered by the last commit, and those
			// about to call, run before taking the group: they queue
			// their next transactions at once, and would otherwise wait
			// for a commit of one or two. Yield while the queue grows (a
			// few times at most); without concurrent callers this costs
			// one yield.
			for i, n := 0, -1; i < 4 && len(g.queue) > n; i++ {
				n = len(g.queue)
				runtime.Gosched()
			}
		case <-g.stop:
			// Nothing enters the queue any more: finish what is in it.
			stopping = true
			select {
			case t := <-g.queue:
				batch = append(batch[:0], t)
			default:
				return
			}
		}
	more:
		for len(batch) < maxGroup {
			select {
			case t := <-g.queue:
				batch = append(batch, t)
			default:
				break more
			}
		}
		g.apply(batch)
		clear(batch)
		if stopping && len(g.queue) == 0 {
			return
		}
	}
}

// apply runs one batch in one transaction and answers every caller.
func (g *groupCommitter) apply(batch []*groupTx) {
	results := make([]error, len(batch))
	answer := func() {
		for i, t := range batch {
			t.result <- results[i]
		}
	}
	fail := func(err error) {
		for i := range results {
			if results[i] == nil {
				results[i] = err
			}
		}
		answer()
	}
	// The transaction outlives any one caller: a caller's cancellation
	// must not interrupt the connection, which would roll back the whole
	// group (SQLite aborts the transaction of an interrupted write).
	tx, err := g.db.BeginTx(context.Background(), nil)
	if err != nil {
		fail(fmt.Errorf("begin: %w", err))
		return
	}
	single := len(batch) == 1
	committed := 0
	for i, t := range batch {
		if err := t.ctx.Err(); err != nil {
			results[i] = err // gave up before its turn: nothing written
			continue
		}
		c := conn{c: tx, numbered: g.numbered, ctx: context.WithoutCancel(t.ctx)}
		if !single {
			if _, err := tx.Exec(`SAVEPOINT group_tx`); err != nil {
				tx.Rollback()
				fail(fmt.Errorf("savepoint: %w", err))
				return
			}
		}
		err := t.call(c)
		switch {
		case err == nil && !single:
			_, err = tx.Exec(`RELEASE group_tx`)
			if err != nil {
				tx.Rollback()
				fail(fmt.Errorf("release savepoint: %w", err))
				return
			}
			committed++
		case err == nil:
			committed++
		case single:
			results[i] = err
			tx.Rollback()
			answer()
			return
		default:
			results[i] = err
			if _, rerr := tx.Exec(`ROLLBACK TO group_tx`); rerr != nil {
				tx.Rollback()
				fail(fmt.Errorf("rollback to savepoint: %w", rerr))
				return
			}
			if _, rerr := tx.Exec(`RELEASE group_tx`); rerr != nil {
				tx.Rollback()
				fail(fmt.Errorf("release savepoint: %w", rerr))
				return
			}
		}
	}
	if committed == 0 {
		tx.Rollback()
		answer()
		return
	}
	if err := tx.Commit(); err != nil {
		fail(fmt.Errorf("commit: %w", err))
		return
	}
	g.txs.Add(int64(committed))
	g.commits.Add(1)
	answer()
}
