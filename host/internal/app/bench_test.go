package app_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkCreateSession measures POST /v1/sessions end to end on loopback:
// HTTP, eligibility, reference allocation, the real offline plugin's Begin
// over gRPC, and the SQLite transactions.
func BenchmarkCreateSession(b *testing.B) {
	h := startHost(b, benchHost(b))
	body := createReq("test", 2500)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h.expect(h.do("POST", "/v1/sessions", siteKey, body), http.StatusCreated)
	}
}

// BenchmarkNotification measures a first, state-changing notification end
// to end: HTTP, the plugin's signature verification over gRPC, the state
// transition with its event and webhook in one transaction. Sessions and
// their signed forms are prepared outside the timer.
func BenchmarkNotification(b *testing.B) {
	h := startHost(b, benchHost(b))
	type job struct {
		id   string
		form form
	}
	jobs := make([]job, b.N)
	for i := range jobs {
		s := h.create("test", 2500)
		jobs[i] = job{s.ID, h.payForms(s.ID)["paid"]}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for _, j := range jobs {
		h.expect(h.do("POST", "/notify/offline/"+j.id, "", j.form.fields), http.StatusOK)
	}
}

// BenchmarkCreateSessionParallel is BenchmarkCreateSession with concurrent
// clients: throughput when writes queue on SQLite's single writer.
func BenchmarkCreateSessionParallel(b *testing.B) {
	h := startHost(b, benchHost(b))
	body := createReq("test", 2500)
	b.ReportAllocs()
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			// Errorf, not Fatalf: FailNow may not run outside the benchmark goroutine.
			if r := h.do("POST", "/v1/sessions", siteKey, body); r.status != http.StatusCreated {
				b.Errorf("status %d: %s", r.status, r.body)
				return
			}
		}
	})
}

// benchHost runs with a shop that accepts every webhook, as in production,
// so the delivery worker's work is part of what is measured.
func benchHost(b *testing.B) hostOptions {
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	b.Cleanup(shop.Close)
	return hostOptions{noSpec: true, hook: shop.URL}
}
