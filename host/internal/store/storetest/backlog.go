package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/payhost/payhost/host/internal/session"
)

// OutboxBacklog queues messages webhooks over sessions sessions (in
// order per session), then drains the queue the way the webhook worker
// does, with four concurrent claimers, checking that each session's
// messages go out in order, none twice and none lost. It reports the
// claim times: a claim must cost the same whatever the backlog and
// whatever the planner's statistics (the engine test decides whether
// they are ever gathered). It fails when one claim takes longer than
// maxClaim.
func OutboxBacklog(t *testing.T, st session.Store, messages, sessions int, maxClaim time.Duration) {
	ctx := context.Background()
	per := messages / sessions
	statuses := []session.Status{session.StatusPending, session.StatusAuthorized, session.StatusPaid, session.StatusRefunded, session.StatusCancelled}
	if per > len(statuses) {
		t.Fatalf("at most %d messages per session", len(statuses))
	}
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < sessions; i += 4 {
				s := NewSession(fmt.Sprintf("ps_b%05d", i), base)
				s.Reference = fmt.Sprintf("B%05d", i)
				var msgs []session.OutboxMessage
				for _, status := range statuses[:per] {
					msgs = append(msgs, outbox(s, status))
				}
				if err := st.CreateSession(ctx, s, nil, msgs); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	t.Logf("queued %d messages over %d sessions in %v", messages, sessions, time.Since(start).Round(time.Millisecond))

	var (
		mu      sync.Mutex
		claims  []time.Duration
		next    = map[string]int{} // session -> index of its next message
		done    int
		failure error
	)
	start = time.Now()
	now := base.Add(time.Hour)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for empty := 0; empty < 3; {
				t0 := time.Now()
				c, err := st.ClaimOutbox(ctx, now, time.Minute, 64)
				d := time.Since(t0)
				mu.Lock()
				claims = append(claims, d)
				if err == nil && failure != nil {
					err = failure
				}
				mu.Unlock()
				if err != nil {
					mu.Lock()
					failure = fmt.Errorf("claimer %d: %w", w, err)
					mu.Unlock()
					return
				}
				if len(c) == 0 {
					empty++
					time.Sleep(10 * time.Millisecond)
					continue
				}
				empty = 0
				for _, m := range c {
					mu.Lock()
					want := statuses[next[m.SessionID]]
					next[m.SessionID]++
					done++
					mu.Unlock()
					if m.Status != want {
						t.Errorf("session %s: %s delivered, want %s first", m.SessionID, m.Status, want)
					}
					d := session.Delivery{OutboxID: m.ID, EventID: m.EventID, SessionID: m.SessionID, At: now, StatusCode: 204}
					if err := st.RecordDelivery(ctx, d, true, time.Time{}); err != nil {
						mu.Lock()
						failure = err
						mu.Unlock()
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	if failure != nil {
		t.Fatal(failure)
	}
	if done != messages {
		t.Errorf("%d messages delivered, want %d", done, messages)
	}
	for id, n := range next {
		if n != per {
			t.Errorf("session %s: %d messages delivered, want %d", id, n, per)
		}
	}
	if _, ok, err := st.OldestUndelivered(ctx); ok || err != nil {
		t.Errorf("after the drain, something still waits (%v)", err)
	}
	slices.Sort(claims)
	p99 := claims[len(claims)*99/100]
	worst := claims[len(claims)-1]
	t.Logf("drained in %v: %d claims, median %v, p99 %v, max %v", time.Since(start).Round(time.Millisecond),
		len(claims), claims[len(claims)/2], p99, worst)
	if worst > maxClaim {
		t.Errorf("slowest claim took %v, want at most %v whatever the backlog", worst, maxClaim)
	}
}
