package sqlite

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/payhost/payhost/host/internal/session"
	"github.com/payhost/payhost/host/internal/store/storetest"
)

// TestGroupCommit queues many updates behind a blocked one, so that they
// run as one group: every other update writes its session, event and
// webhook and then fails on a duplicate operation key after its UPDATE ran.
// The failed ones leave nothing behind, the others are committed, all in
// one commit.
func TestGroupCommit(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	defer db.Close()
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	taken := storetest.NewSession("ps_taken", at)
	taken.Status = session.StatusPaid
	if err := db.CreateSession(ctx, taken, nil, nil); err != nil {
		t.Fatal(err)
	}
	dup := session.Operation{ID: "op_first", SiteID: taken.SiteID, Kind: session.OperationRefund, Amount: 1,
		Status: session.OperationSucceeded, IdempotencyKey: "dup", CreatedAt: at, UpdatedAt: at}
	if _, err := db.UpdateSession(ctx, taken.ID, func(cur *session.Session) (session.Change, error) {
		return session.Change{Operations: []session.Operation{dup}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	const n = 40
	for i := range n {
		s := storetest.NewSession(fmt.Sprintf("ps_group_%02d", i), at)
		s.Status = session.StatusCreated
		if err := db.CreateSession(ctx, s, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	before := db.GroupStats()

	// The blocker holds the writer until every update is queued.
	started, release := make(chan struct{}), make(chan struct{})
	blockerDone := make(chan error, 1)
	go func() {
		_, err := db.UpdateSession(ctx, taken.ID, func(cur *session.Session) (session.Change, error) {
			close(started)
			<-release
			return session.Change{}, nil
		})
		blockerDone <- err
	}()
	<-started
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("ps_group_%02d", i)
			_, errs[i] = db.UpdateSession(ctx, id, func(cur *session.Session) (session.Change, error) {
				next := *cur
				next.Status = session.StatusPending
				ch := session.Change{Session: &next,
					Events: []session.Event{{SessionID: id, Time: at, Source: session.SourceAPI, Result: session.ResultApplied,
						From: session.StatusCreated, To: session.StatusPending, Payload: map[string]string{}}},
					Outbox: []session.OutboxMessage{{EventID: id + ":pending", SessionID: id, SiteID: cur.SiteID,
						Status: session.StatusPending, Payload: []byte(`{}`), CreatedAt: at}}}
				if i%2 == 1 {
					op := dup
					op.ID = "op_" + id
					ch.Operations = []session.Operation{op} // fails after the UPDATE
				}
				return ch, nil
			})
		}()
	}
	deadline := time.Now().Add(30 * time.Second)
	for db.GroupStats().Queued < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d updates queued", db.GroupStats().Queued)
		}
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	if err := <-blockerDone; err != nil {
		t.Fatal(err)
	}

	for i := range n {
		id := fmt.Sprintf("ps_group_%02d", i)
		s, err := db.Session(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		events, err := db.Events(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		msgs, err := db.Outbox(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 1 {
			if !errors.Is(errs[i], session.ErrConflict) {
				t.Errorf("%s: error %v, want a conflict", id, errs[i])
			}
			if s.Status != session.StatusCreated || s.Version != 1 || len(events) != 0 || len(msgs) != 0 {
				t.Errorf("%s failed but left %s v%d, %d events, %d webhooks", id, s.Status, s.Version, len(events), len(msgs))
			}
			continue
		}
		if errs[i] != nil {
			t.Errorf("%s: %v", id, errs[i])
		}
		if s.Status != session.StatusPending || s.Version != 2 || len(events) != 1 || len(msgs) != 1 {
			t.Errorf("%s committed as %s v%d, %d events, %d webhooks; want pending v2, 1, 1", id, s.Status, s.Version, len(events), len(msgs))
		}
	}
	after := db.GroupStats()
	if txs, commits := after.Transactions-before.Transactions, after.Commits-before.Commits; txs != 1+n/2 || commits != 2 {
		t.Errorf("%d transactions in %d commits, want %d in 2 (the blocker, then the group)", txs, commits, 1+n/2)
	}
}

// A caller whose context ends while queued gets its error, and nothing of
// its transaction is written; a Close with callers queued answers them.
func TestGroupCommitCancelAndClose(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	for _, id := range []string{"ps_block", "ps_cancel"} {
		if err := db.CreateSession(ctx, storetest.NewSession(id, at), nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	started, release := make(chan struct{}), make(chan struct{})
	go db.UpdateSession(ctx, "ps_block", func(cur *session.Session) (session.Change, error) {
		close(started)
		<-release
		return session.Change{}, nil
	})
	<-started
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := db.UpdateSession(cctx, "ps_cancel", func(cur *session.Session) (session.Change, error) {
			next := *cur
			next.Status = session.StatusPending
			return session.Change{Session: &next}, nil
		})
		done <- err
	}()
	for db.GroupStats().Queued < 1 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	close(release)
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller got %v", err)
	}
	if s, err := db.Session(ctx, "ps_cancel"); err != nil || s.Status != session.StatusCreated {
		t.Fatalf("cancelled update written: %v %v", s, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpdateSession(ctx, "ps_cancel", func(cur *session.Session) (session.Change, error) {
		return session.Change{}, nil
	}); err == nil {
		t.Fatal("update after Close succeeded")
	}
}
