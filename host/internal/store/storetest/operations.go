package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/payhost/payhost/host/internal/session"
)

func operation(id, sessionID string, status session.OperationStatus, key string, next time.Time) session.Operation {
	return session.Operation{ID: id, SessionID: sessionID, SiteID: "shop", Kind: session.OperationRefund, Amount: 500, Status: status,
		ProviderOperationID: "prov-" + id, ResponseCode: "00", ResponseMessage: "ok", IdempotencyKey: key,
		CreatedAt: base, UpdatedAt: base, NextCheckAt: next, CheckAttempts: 1}
}

func addOps(t *testing.T, st session.Store, id string, ops ...session.Operation) error {
	t.Helper()
	_, err := st.UpdateSession(context.Background(), id, func(cur *session.Session) (session.Change, error) {
		if cur.Status == session.StatusCreated {
			// Operations follow a payment; a created session has none.
			cur.Status = session.StatusPaid
			return session.Change{Session: cur, Operations: ops}, nil
		}
		return session.Change{Operations: ops}, nil
	})
	return err
}

func testOperations(t *testing.T, st session.Store) {
	ctx := context.Background()
	fresh := NewSession("ps_fresh", base)
	mustCreate(t, st, fresh)
	if _, err := st.UpdateSession(ctx, fresh.ID, func(*session.Session) (session.Change, error) {
		return session.Change{Operations: []session.Operation{operation("op_0", fresh.ID, session.OperationRequested, "", time.Time{})}}, nil
	}); err == nil {
		t.Error("an operation was stored on a session still in created")
	}
	if ops, _ := st.Operations(ctx, fresh.ID); len(ops) != 0 {
		t.Errorf("operations of a created session: %+v", ops)
	}
	s := NewSession("ps_a", base)
	mustCreate(t, st, s)
	op := operation("op_1", s.ID, session.OperationUnknown, "key-1", base.Add(time.Minute))
	if err := addOps(t, st, s.ID, op, operation("op_2", s.ID, session.OperationSucceeded, "", time.Time{})); err != nil {
		t.Fatal(err)
	}
	ops, err := st.Operations(ctx, s.ID)
	if err != nil || len(ops) != 2 || !reflect.DeepEqual(ops[0], op) {
		t.Fatalf("operations = %+v, %v", ops, err)
	}
	if got, err := st.OperationByKey(ctx, "shop", "key-1"); err != nil || got.ID != "op_1" {
		t.Errorf("by key = %+v, %v", got, err)
	}
	if _, err := st.OperationByKey(ctx, "other", "key-1"); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("key of another site: %v", err)
	}
	if err := addOps(t, st, s.ID, operation("op_3", s.ID, session.OperationRequested, "key-1", time.Time{})); !errors.Is(err, session.ErrConflict) {
		t.Errorf("reused key: %v", err)
	}
	// The update function sees the session's operations.
	if _, err := st.UpdateSession(ctx, s.ID, func(cur *session.Session) (session.Change, error) {
		if len(cur.Operations) != 2 || cur.Operations[0].ID != "op_1" {
			return session.Change{}, fmt.Errorf("update function saw operations %+v", cur.Operations)
		}
		return session.Change{}, nil
	}); err != nil {
		t.Error(err)
	}
	// Due: open operations whose check time passed.
	if due, _ := st.DueOperations(ctx, base, 10); len(due) != 0 {
		t.Errorf("due too early: %+v", due)
	}
	if due, _ := st.DueOperations(ctx, base.Add(time.Hour), 10); len(due) != 1 || due[0].ID != "op_1" {
		t.Errorf("due = %+v", due)
	}
	// Updating by id.
	op.Status, op.ProviderOperationID, op.NextCheckAt = session.OperationSucceeded, "prov-final", time.Time{}
	if err := addOps(t, st, s.ID, op); err != nil {
		t.Fatal(err)
	}
	ops, _ = st.Operations(ctx, s.ID)
	if len(ops) != 2 || ops[0].Status != session.OperationSucceeded || ops[0].ProviderOperationID != "prov-final" {
		t.Errorf("after update: %+v", ops)
	}
	if due, _ := st.DueOperations(ctx, base.Add(time.Hour), 10); len(due) != 0 {
		t.Errorf("a settled operation is still due: %+v", due)
	}
}

func testDueSessions(t *testing.T, st session.Store) {
	ctx := context.Background()
	mk := func(id string, status session.Status, next, expires time.Time) {
		s := NewSession(id, base)
		s.Status, s.NextCheckAt, s.ExpiresAt = status, next, expires
		mustCreate(t, st, s)
	}
	later := base.Add(time.Hour)
	mk("ps_check", session.StatusPending, base.Add(time.Minute), later)
	mk("ps_expired", session.StatusCreated, time.Time{}, base.Add(2*time.Minute))
	mk("ps_paid", session.StatusPaid, base, base)
	mk("ps_future", session.StatusPending, later, later)
	due, err := st.DueSessions(ctx, base.Add(30*time.Minute), 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range due {
		ids = append(ids, s.ID)
	}
	if fmt.Sprint(ids) != "[ps_check ps_expired]" {
		t.Errorf("due = %v", ids)
	}
}

func queue(t *testing.T, st session.Store, s *session.Session, statuses ...session.Status) {
	t.Helper()
	var msgs []session.OutboxMessage
	for _, status := range statuses {
		msgs = append(msgs, outbox(s, status))
	}
	if _, err := st.UpdateSession(context.Background(), s.ID, func(*session.Session) (session.Change, error) {
		return session.Change{Outbox: msgs}, nil
	}); err != nil {
		t.Fatal(err)
	}
}

func testOutboxDelivery(t *testing.T, st session.Store) {
	ctx := context.Background()
	a, b := NewSession("ps_a", base), NewSession("ps_b", base)
	mustCreate(t, st, a)
	mustCreate(t, st, b)
	queue(t, st, a, session.StatusPending, session.StatusPaid)
	queue(t, st, b, session.StatusPending)
	if oldest, ok, err := st.OldestUndelivered(ctx); err != nil || !ok || !oldest.Equal(base) {
		t.Errorf("oldest = %v %v %v", oldest, ok, err)
	}
	now := base.Add(time.Second)
	claimed, err := st.ClaimOutbox(ctx, now, time.Minute, 10)
	if err != nil || len(claimed) != 2 {
		t.Fatalf("claimed %+v, %v: want the first message of each session", claimed, err)
	}
	for _, m := range claimed {
		if m.Status != session.StatusPending {
			t.Errorf("claimed %s before the session's earlier message", m.EventID)
		}
	}
	if again, _ := st.ClaimOutbox(ctx, now, time.Minute, 10); len(again) != 0 {
		t.Errorf("leased messages claimed again: %+v", again)
	}
	var ma session.OutboxMessage
	for _, m := range claimed {
		if m.SessionID == a.ID {
			ma = m
			continue
		}
		if err := st.RecordDelivery(ctx, session.Delivery{OutboxID: m.ID, EventID: m.EventID, SessionID: m.SessionID, At: now, StatusCode: 204}, true, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	// A message named with another session is refused, and nothing is
	// recorded for it.
	wrong := session.Delivery{OutboxID: ma.ID, EventID: ma.EventID, SessionID: "ps_other", At: now, StatusCode: 204}
	if err := st.RecordDelivery(ctx, wrong, true, time.Time{}); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("delivery recorded through another session: %v", err)
	}
	if ds, _ := st.Deliveries(ctx, "ps_other"); len(ds) != 0 {
		t.Fatalf("deliveries of the wrong session: %+v", ds)
	}
	// A failed attempt: retried at next; the later message still waits.
	fail := session.Delivery{OutboxID: ma.ID, EventID: ma.EventID, SessionID: a.ID, At: now, StatusCode: 503, Latency: time.Millisecond, Response: "busy"}
	if err := st.RecordDelivery(ctx, fail, false, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if c, _ := st.ClaimOutbox(ctx, now.Add(30*time.Second), time.Minute, 10); len(c) != 0 {
		t.Errorf("claimed before its next attempt: %+v", c)
	}
	c, _ := st.ClaimOutbox(ctx, now.Add(2*time.Minute), time.Minute, 10)
	if len(c) != 1 || c[0].ID != ma.ID || c[0].Attempts != 1 {
		t.Fatalf("retry claim = %+v", c)
	}
	ok := session.Delivery{OutboxID: ma.ID, EventID: ma.EventID, SessionID: a.ID, At: now.Add(2 * time.Minute), StatusCode: 200}
	if err := st.RecordDelivery(ctx, ok, true, time.Time{}); err != nil {
		t.Fatal(err)
	}
	c, _ = st.ClaimOutbox(ctx, now.Add(2*time.Minute), time.Minute, 10)
	if len(c) != 1 || c[0].Status != session.StatusPaid {
		t.Fatalf("next message of the session = %+v", c)
	}
	// Given up: recorded, and the message leaves the queue.
	if err := st.RecordDelivery(ctx, session.Delivery{OutboxID: c[0].ID, EventID: c[0].EventID, SessionID: a.ID, At: now.Add(3 * time.Minute), Error: "refused"}, false, time.Time{}); err != nil {
		t.Fatal(err)
	}
	msgs, _ := st.Outbox(ctx, a.ID)
	if len(msgs) != 2 || msgs[0].DeliveredAt.IsZero() || msgs[1].GivenUpAt.IsZero() || msgs[1].Attempts != 1 {
		t.Errorf("outbox = %+v", msgs)
	}
	ds, _ := st.Deliveries(ctx, a.ID)
	if len(ds) != 3 || ds[0].StatusCode != 503 || ds[0].Response != "busy" || ds[0].Latency != time.Millisecond || ds[2].Error != "refused" {
		t.Errorf("deliveries = %+v", ds)
	}
	// Redelivery puts a done message back in the queue.
	if err := st.Redeliver(ctx, a.ID, msgs[0].ID, now.Add(4*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if c, _ := st.ClaimOutbox(ctx, now.Add(4*time.Minute), time.Minute, 10); len(c) != 1 || c[0].ID != msgs[0].ID {
		t.Errorf("after redeliver: %+v", c)
	}
	if err := st.Redeliver(ctx, b.ID, msgs[0].ID, now); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("redeliver through another session: %v", err)
	}
}

func testConcurrentOutboxClaims(t *testing.T, st session.Store) {
	for i := range 20 {
		s := NewSession(fmt.Sprintf("ps_%02d", i), base)
		s.Reference = fmt.Sprintf("REF%02d", i)
		mustCreate(t, st, s)
		queue(t, st, s, session.StatusPending)
	}
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := st.ClaimOutbox(context.Background(), base.Add(time.Second), time.Minute, 8)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			for _, m := range c {
				seen[m.ID]++
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if len(seen) != 20 {
		t.Errorf("%d messages claimed, want all 20", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("message %d claimed %d times", id, n)
		}
	}
}

// testNeedsAttention: the mark is stored, filtered on and counted.
func testNeedsAttention(t *testing.T, st session.Store) {
	ctx := context.Background()
	a, b := NewSession("ps_a", base), NewSession("ps_b", base.Add(time.Second))
	a.NeedsAttention = true
	mustCreate(t, st, a)
	mustCreate(t, st, b)
	if got, _ := st.Session(ctx, a.ID); !got.NeedsAttention {
		t.Error("needs_attention not stored")
	}
	list := func() []string {
		l, err := st.Sessions(ctx, session.Filter{NeedsAttention: true})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, s := range l {
			ids = append(ids, s.ID)
		}
		return ids
	}
	if ids := list(); fmt.Sprint(ids) != "[ps_a]" {
		t.Errorf("needing attention = %v", ids)
	}
	if _, err := st.UpdateSession(ctx, b.ID, func(cur *session.Session) (session.Change, error) {
		cur.NeedsAttention = true
		return session.Change{Session: cur}, nil
	}); err != nil {
		t.Fatal(err)
	}
	if ids := list(); fmt.Sprint(ids) != "[ps_b ps_a]" {
		t.Errorf("needing attention = %v", ids)
	}
	if n, err := st.CountNeedingAttention(ctx); err != nil || n != 2 {
		t.Errorf("count = %d, %v", n, err)
	}
	if all, _ := st.Sessions(ctx, session.Filter{}); len(all) != 2 {
		t.Errorf("unfiltered list = %d sessions", len(all))
	}
}

// testRetention: old idempotency keys go; delivered payloads are emptied
// past their age, the message and its attempts staying; waiting,
// given-up and recent ones are kept.
func testRetention(t *testing.T, st session.Store) {
	ctx := context.Background()
	for i, at := range []time.Time{base, base.Add(time.Hour), base.Add(48 * time.Hour)} {
		st.ClaimIdempotencyKey(ctx, session.IdempotencyKey{SiteID: "shop", Key: fmt.Sprint("k", i), RequestHash: "h", CreatedAt: at})
	}
	if n, err := st.PruneIdempotencyKeys(ctx, base.Add(24*time.Hour), 1); err != nil || n != 1 {
		t.Fatalf("prune keys (limit 1) = %d, %v", n, err)
	}
	if n, _ := st.PruneIdempotencyKeys(ctx, base.Add(24*time.Hour), 10); n != 1 {
		t.Errorf("second prune = %d, want the other old key", n)
	}
	if _, held, _ := st.ClaimIdempotencyKey(ctx, session.IdempotencyKey{SiteID: "shop", Key: "k2", RequestHash: "h", CreatedAt: base.Add(48 * time.Hour)}); held {
		t.Error("a recent key was pruned")
	}
	if _, held, _ := st.ClaimIdempotencyKey(ctx, session.IdempotencyKey{SiteID: "shop", Key: "k0", RequestHash: "other", CreatedAt: base.Add(49 * time.Hour)}); !held {
		t.Error("an old key was kept")
	}

	s := NewSession("ps_a", base)
	mustCreate(t, st, s)
	queue(t, st, s, session.StatusPending, session.StatusPaid, session.StatusRefunded)
	for i := range 2 { // the first two delivered, at base and base+1h
		c, _ := st.ClaimOutbox(ctx, base.Add(time.Duration(i)*time.Hour), time.Minute, 1)
		if len(c) != 1 {
			t.Fatalf("claim %d = %+v", i, c)
		}
		st.RecordDelivery(ctx, session.Delivery{OutboxID: c[0].ID, EventID: c[0].EventID, SessionID: s.ID, At: base.Add(time.Duration(i) * time.Hour), StatusCode: 204}, true, time.Time{})
	}
	now := base.Add(100 * time.Hour)
	if n, err := st.PruneWebhookPayloads(ctx, base.Add(30*time.Minute), now, 10); err != nil || n != 1 {
		t.Fatalf("prune payloads = %d, %v", n, err)
	}
	if n, _ := st.PruneWebhookPayloads(ctx, base.Add(30*time.Minute), now, 10); n != 0 {
		t.Errorf("pruned again: %d", n)
	}
	msgs, _ := st.Outbox(ctx, s.ID)
	if len(msgs) != 3 || len(msgs[0].Payload) != 0 || msgs[0].DeliveredAt.IsZero() || len(msgs[1].Payload) == 0 || len(msgs[2].Payload) == 0 {
		t.Errorf("outbox after pruning: %+v", msgs)
	}
	if ds, _ := st.Deliveries(ctx, s.ID); len(ds) != 2 {
		t.Errorf("delivery records = %d, want both kept", len(ds))
	}
	if err := st.Redeliver(ctx, s.ID, msgs[0].ID, now); !errors.Is(err, session.ErrPruned) {
		t.Errorf("redelivering a pruned message: %v", err)
	}
	if got, err := st.Session(ctx, s.ID); err != nil || got == nil {
		t.Errorf("the session was pruned: %v", err)
	}
}

// testRecordIsOneInstant updates a session again and again, each update
// adding one operation, one event and setting RefundedAmount to the
// number of operations, while readers take SessionRecord: every record
// must show the three in step, never a session from before an update with
// operations or events from after it.
func testRecordIsOneInstant(t *testing.T, st session.Store) {
	ctx := context.Background()
	s := NewSession("ps_instant", base)
	s.Status, s.RefundedAmount = session.StatusPaid, 0
	mustCreate(t, st, s)
	const updates = 150
	done := make(chan struct{})
	errs := make(chan error, 3)
	for r := 0; r < 2; r++ {
		go func() {
			for {
				select {
				case <-done:
					errs <- nil
					return
				default:
				}
				cur, events, ops, err := st.SessionRecord(ctx, s.ID)
				if err != nil {
					errs <- err
					return
				}
				if int64(len(ops)) != cur.RefundedAmount || len(events) != len(ops)+1 {
					errs <- fmt.Errorf("record of version %d: %d operations, %d events, refunded %d", cur.Version, len(ops), len(events), cur.RefundedAmount)
					return
				}
			}
		}()
	}
	for i := 1; i <= updates; i++ {
		if _, err := st.UpdateSession(ctx, s.ID, func(cur *session.Session) (session.Change, error) {
			cur.RefundedAmount = int64(len(cur.Operations) + 1)
			op := session.Operation{ID: fmt.Sprintf("op_instant%03d", i), SessionID: cur.ID, SiteID: cur.SiteID, Kind: session.OperationRefund,
				Amount: 1, Status: session.OperationSucceeded, CreatedAt: base.Add(time.Duration(i) * time.Second), UpdatedAt: base}
			return session.Change{Session: cur, Operations: []session.Operation{op}, Events: []session.Event{event(cur.ID, cur.Status, cur.Status, base)}}, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	for r := 0; r < 2; r++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if _, _, _, err := st.SessionRecord(ctx, "ps_absent"); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("record of an absent session: %v", err)
	}
}

// testDeliveryBatches: a batch records each attempt as RecordDelivery
// would, in one transaction; an attempt naming the wrong session is
// refused alone; concurrent batches over the same sessions in opposite
// orders neither deadlock nor lose an attempt.
func testDeliveryBatches(t *testing.T, st session.Store) {
	ctx := context.Background()
	for i := range 6 {
		s := NewSession(fmt.Sprintf("ps_batch%d", i), base)
		mustCreate(t, st, s)
		queue(t, st, s, session.StatusPending, session.StatusPaid)
	}
	now := base.Add(time.Second)
	claimed, err := st.ClaimOutbox(ctx, now, time.Minute, 10)
	if err != nil || len(claimed) != 6 {
		t.Fatalf("claimed %d, %v", len(claimed), err)
	}
	result := func(m session.OutboxMessage, delivered bool, next time.Time) session.DeliveryResult {
		return session.DeliveryResult{Delivery: session.Delivery{OutboxID: m.ID, EventID: m.EventID, SessionID: m.SessionID, At: now, StatusCode: 204}, Delivered: delivered, Next: next}
	}
	wrong := result(claimed[1], true, time.Time{})
	wrong.Delivery.SessionID = "ps_other"
	rs := []session.DeliveryResult{
		result(claimed[0], true, time.Time{}),
		wrong,
		result(claimed[2], false, now.Add(time.Minute)),
		result(claimed[3], false, time.Time{}),
	}
	errs, err := st.RecordDeliveries(ctx, rs)
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) != 4 || errs[0] != nil || !errors.Is(errs[1], session.ErrNotFound) || errs[2] != nil || errs[3] != nil {
		t.Fatalf("errs = %v", errs)
	}
	outboxOf := func(id string) []session.OutboxMessage {
		msgs, err := st.Outbox(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return msgs
	}
	if m := outboxOf(claimed[0].SessionID); m[0].DeliveredAt.IsZero() {
		t.Errorf("delivered attempt not recorded: %+v", m[0])
	}
	if m := outboxOf(claimed[1].SessionID); m[0].Attempts != 0 {
		t.Errorf("the refused attempt wrote: %+v", m[0])
	}
	if m := outboxOf(claimed[2].SessionID); m[0].Attempts != 1 || !m[0].DeliveredAt.IsZero() || !m[0].GivenUpAt.IsZero() {
		t.Errorf("retried attempt = %+v", m[0])
	}
	if m := outboxOf(claimed[3].SessionID); m[0].GivenUpAt.IsZero() {
		t.Errorf("given-up attempt = %+v", m[0])
	}
	// Each matching attempt has its record, with what was given; the refused
	// one has none.
	for i, want := range []int{1, 0, 1, 1} {
		ds, err := st.Deliveries(ctx, claimed[i].SessionID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != want {
			t.Errorf("session %s: %d attempts recorded, want %d", claimed[i].SessionID, len(ds), want)
			continue
		}
		if want == 1 && (ds[0].OutboxID != claimed[i].ID || ds[0].EventID != claimed[i].EventID || ds[0].StatusCode != 204 || !ds[0].At.Equal(now)) {
			t.Errorf("session %s: recorded %+v", claimed[i].SessionID, ds[0])
		}
	}
	// The delivered and given-up sessions' next messages are claimable; the
	// retried one waits for its next attempt, the unrecorded one for its lease.
	next, err := st.ClaimOutbox(ctx, now, time.Minute, 10)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]session.Status{}
	for _, m := range next {
		got[m.SessionID] = m.Status
	}
	if len(got) != 2 || got[claimed[0].SessionID] != session.StatusPaid || got[claimed[3].SessionID] != session.StatusPaid {
		t.Errorf("claimed after the batch: %v", got)
	}

	// Two batches over the same three sessions, in opposite orders.
	var fwd, back []session.DeliveryResult
	for _, m := range next {
		fwd = append(fwd, result(m, true, time.Time{}))
	}
	fwd = append(fwd, result(claimed[4], true, time.Time{}))
	for i := len(fwd) - 1; i >= 0; i-- {
		r := fwd[i]
		r.Delivery.At = now.Add(time.Second)
		back = append(back, r)
	}
	var wg sync.WaitGroup
	batchErrs := make([][]error, 2)
	txErrs := make([]error, 2)
	for i, b := range [][]session.DeliveryResult{fwd, back} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			batchErrs[i], txErrs[i] = st.RecordDeliveries(ctx, b)
		}()
	}
	wg.Wait()
	for i := range 2 {
		if txErrs[i] != nil {
			t.Fatalf("batch %d: %v", i, txErrs[i])
		}
		for _, err := range batchErrs[i] {
			if err != nil {
				t.Errorf("batch %d: %v", i, err)
			}
		}
	}
	for _, r := range fwd {
		ds, err := st.Deliveries(ctx, r.Delivery.SessionID)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, d := range ds {
			if d.OutboxID == r.Delivery.OutboxID {
				n++
			}
		}
		if n != 2 {
			t.Errorf("message %d: %d attempts recorded, want 2 (one per batch)", r.Delivery.OutboxID, n)
		}
	}
	if errs, err := st.RecordDeliveries(ctx, nil); err != nil || len(errs) != 0 {
		t.Errorf("empty batch: %v %v", errs, err)
	}
}
