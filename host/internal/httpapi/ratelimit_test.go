package httpapi

import (
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := newLimiter(2, 3, func() time.Time { return now })
	for i := range 3 {
		if ok, _ := l.allow("a"); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	ok, wait := l.allow("a")
	if ok || wait <= 0 || wait > 500*time.Millisecond {
		t.Fatalf("past the burst: ok=%v wait=%s", ok, wait)
	}
	if ok, _ := l.allow("b"); !ok {
		t.Error("another client is limited by the first one")
	}
	now = now.Add(500 * time.Millisecond) // one token back at 2/s
	if ok, _ := l.allow("a"); !ok {
		t.Error("no token after the refill")
	}
	if ok, _ := l.allow("a"); ok {
		t.Error("two tokens after half a second at 2/s")
	}
	now = now.Add(time.Hour)
	l.allow("c") // sweeps full buckets
	if _, kept := l.buckets["b"]; kept {
		t.Error("an idle client's bucket is kept")
	}
}
