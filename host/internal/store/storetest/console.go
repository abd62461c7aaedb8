package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/payhost/payhost/host/internal/session"
)

// ConsoleStore is what the operator console keeps besides sessions.
type ConsoleStore interface {
	AppendAudit(ctx context.Context, e session.AuditEntry) error
	Audit(ctx context.Context, f session.AuditFilter) ([]session.AuditEntry, error)
	SetModeSwitch(ctx context.Context, m session.ModeSwitch) error
	ModeSwitches(ctx context.Context) ([]session.ModeSwitch, error)
	CreateLogin(ctx context.Context, l session.ConsoleLogin) error
	Login(ctx context.Context, tokenHash string, now time.Time) (session.ConsoleLogin, error)
	DeleteLogin(ctx context.Context, tokenHash string) error
	SearchSessions(ctx context.Context, q session.SessionQuery) ([]*session.Session, error)
	SessionCounts(ctx context.Context, since time.Time) ([]session.StatusCount, error)
}

func testConsole(t *testing.T, st session.Store) {
	cs, ok := st.(ConsoleStore)
	if !ok {
		t.Fatalf("%T does not keep the console's data", st)
	}
	ctx := context.Background()

	t.Run("Audit", func(t *testing.T) {
		for i := range 5 {
			actor := "alice"
			if i%2 == 1 {
				actor = "bob"
			}
			e := session.AuditEntry{At: base.Add(time.Duration(i) * time.Second), Actor: actor, Role: "operator", Via: "console",
				Action: "refund", Target: fmt.Sprintf("ps_%d", i), Detail: "amount=100", Remote: "127.0.0.1", Outcome: "ok"}
			if err := cs.AppendAudit(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		all, err := cs.Audit(ctx, session.AuditFilter{})
		if err != nil || len(all) != 5 || all[0].Target != "ps_4" || !all[0].At.Equal(base.Add(4*time.Second)) || all[0].Remote != "127.0.0.1" {
			t.Fatalf("audit = %+v, %v", all, err)
		}
		page, err := cs.Audit(ctx, session.AuditFilter{Actor: "alice", Before: all[0].ID, Limit: 2})
		if err != nil || len(page) != 2 || page[0].Target != "ps_2" || page[1].Target != "ps_0" {
			t.Fatalf("alice's page = %+v, %v", page, err)
		}
	})

	t.Run("ModeSwitches", func(t *testing.T) {
		if err := cs.SetModeSwitch(ctx, session.ModeSwitch{SiteID: "shop", Mode: "cheque", Enabled: false, ChangedAt: base, ChangedBy: "alice"}); err != nil {
			t.Fatal(err)
		}
		if err := cs.SetModeSwitch(ctx, session.ModeSwitch{SiteID: "shop", Mode: "cheque", Enabled: true, ChangedAt: base.Add(time.Minute), ChangedBy: "bob"}); err != nil {
			t.Fatal(err)
		}
		got, err := cs.ModeSwitches(ctx)
		if err != nil || len(got) != 1 || !got[0].Enabled || got[0].ChangedBy != "bob" || !got[0].ChangedAt.Equal(base.Add(time.Minute)) {
			t.Fatalf("switches = %+v, %v", got, err)
		}
	})

	t.Run("Logins", func(t *testing.T) {
		l := session.ConsoleLogin{TokenHash: "h1", Operator: "alice", CSRF: "c1", CreatedAt: base, ExpiresAt: base.Add(time.Hour)}
		if err := cs.CreateLogin(ctx, l); err != nil {
			t.Fatal(err)
		}
		if got, err := cs.Login(ctx, "h1", base.Add(time.Minute)); err != nil || got.Operator != "alice" || got.CSRF != "c1" {
			t.Fatalf("login = %+v, %v", got, err)
		}
		if _, err := cs.Login(ctx, "h1", base.Add(2*time.Hour)); err == nil {
			t.Fatal("an expired login was accepted")
		}
		if err := cs.DeleteLogin(ctx, "h1"); err != nil {
			t.Fatal(err)
		}
		if _, err := cs.Login(ctx, "h1", base.Add(time.Minute)); err == nil || errors.Is(err, context.Canceled) {
			t.Fatalf("a logged-out login: %v", err)
		}
	})

	t.Run("SearchSessions", func(t *testing.T) {
		for i := range 7 {
			s := NewSession(fmt.Sprintf("ps_search_%d", i), base.Add(time.Duration(i/2)*time.Second)) // pairs share created_at
			if i == 3 {
				s.SiteID, s.Amount, s.OrderRef = "other", 4200, "ORDER-3"
			}
			mustCreate(t, st, s)
		}
		var ids []string
		q := session.SessionQuery{Limit: 3}
		for {
			page, err := cs.SearchSessions(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range page {
				ids = append(ids, s.ID)
			}
			if len(page) < q.Limit {
				break
			}
			last := page[len(page)-1]
			q.AfterCreated, q.AfterID = last.CreatedAt, last.ID
		}
		want := []string{"ps_search_6", "ps_search_5", "ps_search_4", "ps_search_3", "ps_search_2", "ps_search_1", "ps_search_0"}
		if fmt.Sprint(ids) != fmt.Sprint(want) {
			t.Fatalf("pages = %v, want %v", ids, want)
		}
		for name, q := range map[string]session.SessionQuery{
			"site":      {SiteID: "other"},
			"amount":    {Amount: 4200},
			"order_ref": {OrderRef: "ORDER-3"},
			"reference": {Reference: "tx-ps_search_3"},
		} {
			got, err := cs.SearchSessions(ctx, q)
			if err != nil || len(got) != 1 || got[0].ID != "ps_search_3" {
				t.Errorf("%s: %d sessions, %v", name, len(got), err)
			}
		}
		got, err := cs.SearchSessions(ctx, session.SessionQuery{From: base.Add(time.Second), To: base.Add(2 * time.Second)})
		if err != nil || len(got) != 2 {
			t.Errorf("dates: %d sessions, %v", len(got), err)
		}
		// Paging inside a date range (the end date is left out below the
		// cursor), and a cursor past the end date.
		rng := session.SessionQuery{From: base.Add(time.Second), To: base.Add(3 * time.Second), Limit: 3}
		first, err := cs.SearchSessions(ctx, rng)
		if err != nil || len(first) != 3 {
			t.Fatalf("range, first page: %d sessions, %v", len(first), err)
		}
		rng.AfterCreated, rng.AfterID = first[2].CreatedAt, first[2].ID
		second, err := cs.SearchSessions(ctx, rng)
		if err != nil || len(second) != 1 || second[0].ID != "ps_search_2" {
			t.Errorf("range, second page: %v, %v", second, err)
		}
		rng.AfterCreated, rng.AfterID = base.Add(time.Hour), ""
		if got, err := cs.SearchSessions(ctx, rng); err != nil || len(got) != 3 || got[0].ID != "ps_search_5" {
			t.Errorf("range, cursor past the end date: %d sessions, %v", len(got), err)
		}
		counts, err := cs.SessionCounts(ctx, base)
		if err != nil || len(counts) != 1 || counts[0].Count != 7 || counts[0].Mode != "test" {
			t.Errorf("counts = %+v, %v", counts, err)
		}
	})
}
