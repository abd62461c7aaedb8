package app_test

import (
	"net/http"
	"testing"
	"time"
)

// TestAuthorizationOutlivesSessionLifetime: an authorized session lives
// for the provider's capture window (the offline mode declares none: 7
// days), not the site's session lifetime, so a capture after the lifetime
// still finds it; an unpaid session of the same site expires meanwhile.
func TestAuthorizationOutlivesSessionLifetime(t *testing.T) {
	// The lifetime leaves room for authorizing on a loaded machine.
	h := startHost(t, hostOptions{lifetime: "4s", janitor: "{interval: 200ms, query_schedule: [1h]}"})
	auth := h.create("test", 4200)
	h.expect(h.do("POST", "/notify/offline/"+auth.ID, "", h.payForms(auth.ID)["authorized"].fields), http.StatusOK)
	unpaid := h.create("test", 4200)
	eventually(t, 20*time.Second, "the unpaid session expires", func() bool { return h.get(unpaid.ID).Status == "expired" })
	time.Sleep(600 * time.Millisecond) // a few more janitor runs

	var got struct {
		Status    string    `json:"status"`
		UpdatedAt time.Time `json:"updated_at"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	h.expect(h.do("GET", "/v1/sessions/"+auth.ID, siteKey, nil), http.StatusOK).json(t, &got)
	if got.Status != "authorized" {
		t.Fatalf("authorized session after its lifetime: %s", got.Status)
	}
	if d := got.ExpiresAt.Sub(got.UpdatedAt); d != 7*24*time.Hour {
		t.Errorf("authorization expires %v after it, want the 7-day default capture window", d)
	}
	if op := h.operate(auth.ID, "capture", nil, http.StatusCreated); op.Operation.Status != "succeeded" || op.Session.Status != "paid" {
		t.Errorf("capture after the session lifetime: %+v", op)
	}
}
