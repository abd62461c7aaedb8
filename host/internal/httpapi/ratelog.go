package httpapi

import (
	"sync"
	"time"
)

// logLimiter lets one log line through per interval and counts the lines it
// holds back, so that anyone able to send bad requests cannot flood the log.
type logLimiter struct {
	interval time.Duration

	mu         sync.Mutex
	next       time.Time
	suppressed int
}

// allow reports whether a line may be logged at now and, if so, how many
// were held back since the last one.
func (l *logLimiter) allow(now time.Time) (ok bool, suppressed int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Before(l.next) {
		l.suppressed++
		return false, 0
	}
	l.next = now.Add(l.interval)
	suppressed, l.suppressed = l.suppressed, 0
	return true, suppressed
}
