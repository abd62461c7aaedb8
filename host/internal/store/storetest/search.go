package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/payhost/payhost/host/internal/session"
)

// FillStart is when FillSessions' first session was created; session i
// (1 to n) was created i seconds later.
var FillStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// FillSessions inserts n sessions for the console's list, in batches of
// one statement each (a session at a time would take an hour for a
// million). Their JSON columns are copied from a session created through
// the store; the filtered columns are spread as a shop's would be:
//
//	site     shop 79%, b2b 20%, rare 1%
//	mode     card ~70%, paypal 25%, cheque 5%, wire 0.1%
//	status   paid ~74%, refused ~9%, expired ~6%, refunded 2%, pending 0.1%
//	amount   100 + i%5000 (n/5000 sessions per amount)
//	order    ord-<i>; reference REF<i>; transaction tx-<i> for 2 in 3
//	flag     needs attention: 1 in 10,000
//
// exec runs one statement on the store's database, outside the store.
func FillSessions(t testing.TB, st session.Store, exec func(ctx context.Context, query string) error, n int) {
	t.Helper()
	ctx := context.Background()
	tmpl := NewSession("ps_template", FillStart)
	if err := st.CreateSession(ctx, tmpl, nil, nil); err != nil {
		t.Fatal(err)
	}
	const batch = 50_000
	for lo := 1; lo <= n; lo += batch {
		hi := min(lo+batch-1, n)
		q := fmt.Sprintf(`WITH RECURSIVE seq(i) AS (SELECT %d UNION ALL SELECT i + 1 FROM seq WHERE i < %d)
INSERT INTO sessions (id, site_id, mode, plugin, kind, status, amount, currency, country, cart_type,
	order_ref, reference, reference_scope, cart, customer, return_url, cancel_url, action,
	provider_transaction_id, provider_data, created_at, updated_at, expires_at, version,
	captured_amount, refunded_amount, next_check_at, check_attempts, checkout_id, needs_attention)
SELECT 'ps_f' || i,
	CASE WHEN i %% 100 = 0 THEN 'rare' WHEN i %% 5 = 0 THEN 'b2b' ELSE 'shop' END,
	CASE WHEN i %% 1000 = 0 THEN 'wire' WHEN i %% 20 = 1 THEN 'cheque' WHEN i %% 4 = 2 THEN 'paypal' ELSE 'card' END,
	t.plugin, t.kind,
	CASE WHEN i %% 1000 = 7 THEN 'pending' WHEN i %% 50 = 3 THEN 'refunded' WHEN i %% 10 = 4 THEN 'refused'
		WHEN i %% 15 = 5 THEN 'expired' ELSE 'paid' END,
	100 + i %% 5000, t.currency, t.country, t.cart_type,
	'ord-' || i, 'REF' || i, t.reference_scope, t.cart, t.customer, t.return_url, t.cancel_url, t.action,
	CASE WHEN i %% 3 = 0 THEN '' ELSE 'tx-' || i END, t.provider_data,
	%d + CAST(i AS BIGINT) * 1000000000, t.updated_at, t.expires_at, t.version,
	t.captured_amount, t.refunded_amount, NULL, 0, t.checkout_id,
	CASE WHEN i %% 10000 = 0 THEN 1 ELSE 0 END
FROM seq, sessions t WHERE t.id = 'ps_template'`, lo, hi, FillStart.UnixNano())
		if err := exec(ctx, q); err != nil {
			t.Fatalf("filling sessions %d to %d: %v", lo, hi, err)
		}
	}
}

// SearchCase is one filter of the console's sessions list.
type SearchCase struct {
	Name  string
	Query session.SessionQuery
	// Many is set when the filter can match a large share of the
	// sessions: its plan must then read them in (created_at, id) order
	// from an index, never sort every match to show fifty.
	Many bool
	// Indexes are the indexes a good plan reads the page from (any one).
	Indexes []string
	// Deep is the cursor of a page near the oldest end of the filter's
	// sessions in FillSessions' data (a position: its id is empty).
	Deep time.Time
}

// SearchCases are the console's filters, alone and combined, with values
// common and rare in FillSessions(n)'s data.
func SearchCases(n int) []SearchCase {
	at := func(i int) time.Time { return FillStart.Add(time.Duration(i) * time.Second) }
	deep := at(n / 20)
	day := at(n / 2)
	cases := []SearchCase{
		{Name: "no filter", Many: true, Indexes: []string{"sessions_by_created_id"}},
		{Name: "site common", Query: session.SessionQuery{SiteID: "shop"}, Many: true, Indexes: []string{"sessions_by_site_created"}},
		{Name: "site rare", Query: session.SessionQuery{SiteID: "rare"}, Many: true, Indexes: []string{"sessions_by_site_created"}},
		{Name: "mode common", Query: session.SessionQuery{Mode: "card"}, Many: true, Indexes: []string{"sessions_by_mode_created"}},
		{Name: "mode rare", Query: session.SessionQuery{Mode: "wire"}, Many: true, Indexes: []string{"sessions_by_mode_created"}},
		{Name: "status common", Query: session.SessionQuery{Status: session.StatusPaid}, Many: true, Indexes: []string{"sessions_by_status_created"}},
		{Name: "status rare", Query: session.SessionQuery{Status: session.StatusPending}, Many: true, Indexes: []string{"sessions_by_status_created"}},
		{Name: "dates (one day)", Query: session.SessionQuery{From: day, To: day.Add(24 * time.Hour)}, Many: true, Deep: day.Add(time.Hour), Indexes: []string{"sessions_by_created_id"}},
		{Name: "order reference", Query: session.SessionQuery{OrderRef: fmt.Sprintf("ord-%d", n/2)}, Indexes: []string{"sessions_by_order_ref"}},
		{Name: "provider reference", Query: session.SessionQuery{Reference: fmt.Sprintf("REF%d", n/2)}, Indexes: []string{"sessions_by_reference", "sessions_by_provider_tx"}},
		{Name: "provider transaction", Query: session.SessionQuery{Reference: fmt.Sprintf("tx-%d", n/2+2-(n/2+2)%3+1)}, Indexes: []string{"sessions_by_reference", "sessions_by_provider_tx"}},
		{Name: "amount", Query: session.SessionQuery{Amount: 4242}, Many: true, Indexes: []string{"sessions_by_amount_created"}},
		{Name: "needs attention", Query: session.SessionQuery{NeedsAttention: true}, Many: true, Indexes: []string{"sessions_attention_by_created"}},
		{Name: "site + status", Query: session.SessionQuery{SiteID: "rare", Status: session.StatusExpired}, Many: true, Indexes: []string{"sessions_by_site_status_created"}},
		{Name: "site + mode + dates", Query: session.SessionQuery{SiteID: "shop", Mode: "cheque", From: day, To: day.Add(24 * time.Hour)}, Many: true, Deep: day.Add(time.Hour),
			Indexes: []string{"sessions_by_site_created", "sessions_by_mode_created"}},
	}
	for i := range cases {
		if cases[i].Deep.IsZero() {
			cases[i].Deep = deep
		}
		cases[i].Query.Limit = 50
	}
	return cases
}
