package console

import (
	"context"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/payhost/payhost/host/internal/session"
)

// SwitchStore keeps the mode switches.
type SwitchStore interface {
	ModeSwitches(ctx context.Context) ([]session.ModeSwitch, error)
}

// Switches implements session.ModeFilter over the stored mode switches,
// re-read at most every TTL: a switch made on any instance takes effect
// everywhere within TTL (1 s).
type Switches struct {
	store SwitchStore
	log   hclog.Logger
	ttl   time.Duration
	now   func() time.Time

	mu      sync.Mutex
	off     map[[2]string]bool
	fetched time.Time
}

var _ session.ModeFilter = (*Switches)(nil)

// NewSwitches returns the filter; it reads on first use.
func NewSwitches(store SwitchStore, log hclog.Logger) *Switches {
	if log == nil {
		log = hclog.NewNullLogger()
	}
	return &Switches{store: store, log: log, ttl: time.Second, now: time.Now}
}

// Disabled implements session.ModeFilter. When the database cannot be
// read the last known switches stay in force (none before the first read).
func (s *Switches) Disabled(siteID, mode string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now := s.now(); s.off == nil || now.Sub(s.fetched) >= s.ttl {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		all, err := s.store.ModeSwitches(ctx)
		cancel()
		s.fetched = now
		if err != nil {
			s.log.Warn("reading the mode switches; keeping the last ones", "error", err)
			if s.off == nil {
				s.off = map[[2]string]bool{}
			}
		} else {
			off := make(map[[2]string]bool, len(all))
			for _, m := range all {
				if !m.Enabled {
					off[[2]string{m.SiteID, m.Mode}] = true
				}
			}
			s.off = off
		}
	}
	return s.off[[2]string{siteID, mode}]
}

// Invalidate makes the next Disabled re-read (after a switch here).
func (s *Switches) Invalidate() {
	s.mu.Lock()
	s.off = nil
	s.mu.Unlock()
}
