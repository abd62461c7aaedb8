package httpapi

import (
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// limiter is a token bucket per client address: burst requests at once,
// refilled at rate per second. It bounds what one browser (or one script
// guessing checkout secrets) may ask of the public widget endpoints.
type limiter struct {
	rate  float64
	burst float64
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(rate, burst float64, now func() time.Time) *limiter {
	return &limiter{rate: rate, burst: burst, now: now, buckets: map[string]*bucket{}}
}

// allow takes a token for key; when none is left it returns how long until
// one is.
func (l *limiter) allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.swept) > time.Minute {
		// Forget full buckets so the map does not grow without bound.
		for k, b := range l.buckets {
			if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

// clientIP is the address a request came from (the limiter's key): the
// TCP peer, or the client behind a trusted proxy (ServeHTTP has put it in
// RemoteAddr, see clientaddr.go).
func clientIP(r *http.Request) string {
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return ip
}

// limitPublic wraps a widget endpoint with the public limiter. A refusal
// carries the CORS headers an allowed origin needs to read it: without
// them the browser hides the 429 and the widget can only say payhost
// cannot be reached. (Preflights are not limited: a refused preflight
// fails the request it announces the same way, and answering one reveals
// nothing and costs little.)
func (s *Server) limitPublic(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := s.public.allow(clientIP(r)); !ok {
			cors(w, r, s.svc.AnySiteAllowsOrigin)
			w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
			writeError(w, http.StatusTooManyRequests, "rate_limited", "too many requests; retry later")
			return
		}
		h(w, r)
	}
}
