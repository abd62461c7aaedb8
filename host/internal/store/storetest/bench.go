package storetest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/payhost/payhost/host/internal/cputime"
	"github.com/payhost/payhost/host/internal/session"
)

// BenchPaidSession measures the store's part of one paid session, as the
// service and the webhook worker drive it: the insert, the begin update
// (pending, its event and webhook), the notification update (paid, its
// event and webhook), then the worker's claim and one delivery record per
// webhook. parallel > 1 runs that many sessions at once (the writes queue
// on the engine's writer, as under load). ns/op is per paid session.
//
// ordered gives the sessions ids that sort by creation, as the service
// makes them; otherwise they are random, to show what that order saves.
func BenchPaidSession(b *testing.B, st session.Store, parallel int, ordered bool) {
	ctx := context.Background()
	var n atomic.Int64
	pay := func() error {
		i := n.Add(1)
		now := time.Now().UTC()
		id := fmt.Sprintf("ps_%016x%08d", now.UnixNano(), i)
		if !ordered {
			id = "ps_" + rand.Text()
		}
		s := NewSession(id, now)
		s.Status, s.Action, s.ProviderTransactionID, s.CapturedAmount, s.RefundedAmount = session.StatusCreated, nil, "", 0, 0
		if err := st.CreateSession(ctx, s, []session.Event{event(s.ID, "", session.StatusCreated, now)}, nil); err != nil {
			return err
		}
		for _, step := range []struct{ from, to session.Status }{{session.StatusCreated, session.StatusPending}, {session.StatusPending, session.StatusPaid}} {
			if _, err := st.UpdateSession(ctx, s.ID, func(cur *session.Session) (session.Change, error) {
				cur.Status, cur.UpdatedAt = step.to, now
				if step.to == session.StatusPending {
					cur.Action = &session.Action{RedirectURL: "https://psp.example/pay/" + cur.ID}
				} else {
					cur.ProviderTransactionID, cur.CapturedAmount = "tx-"+cur.ID, cur.Amount
				}
				m := outbox(cur, step.to)
				m.CreatedAt = now
				return session.Change{Session: cur, Events: []session.Event{event(cur.ID, step.from, step.to, now)},
					Outbox: []session.OutboxMessage{m}}, nil
			}); err != nil {
				return err
			}
		}
		// The worker claims what is due (its own batch and others').
		msgs, err := st.ClaimOutbox(ctx, now.Add(time.Second), time.Minute, 64)
		if err != nil {
			return err
		}
		// and records the batch's attempts together.
		rs := make([]session.DeliveryResult, len(msgs))
		for i, m := range msgs {
			rs[i] = session.DeliveryResult{Delivered: true,
				Delivery: session.Delivery{OutboxID: m.ID, EventID: m.EventID, SessionID: m.SessionID, At: now, StatusCode: 204, Latency: time.Millisecond}}
		}
		errs, err := st.RecordDeliveries(ctx, rs)
		if err != nil {
			return err
		}
		return errors.Join(errs...)
	}
	b.ReportAllocs()
	// CPU time per session, beside wall time: on a shared machine the
	// wall time mostly tells how busy the other processes are.
	cpu0 := cputime.SelfAndChildren()
	defer func() {
		b.ReportMetric(float64((cputime.SelfAndChildren()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
	}()
	if parallel <= 1 {
		for b.Loop() {
			if err := pay(); err != nil {
				b.Fatal(err)
			}
		}
		return
	}
	b.SetParallelism((parallel + 1) / 2) // GOMAXPROCS × this goroutines
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := pay(); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
