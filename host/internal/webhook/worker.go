// Package webhook delivers the outbox to the shops: each message is POSTed
// to the site's webhook URL, signed (Payhost-Signature) and identified
// (Payhost-Event-Id), retried on the site's schedule while the shop does
// not answer 2xx, every attempt recorded. Messages are claimed with a lease
// in the store, so several host instances never deliver one at the same
// time, and a session's messages go out in order.
package webhook

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/go-hclog"

	"github.com/payhost/payhost/host/internal/session"
	"github.com/payhost/payhost/host/internal/shopsig"
)

// DefaultSchedule spreads retries over about 24 hours: 1 min, 5 min ×2,
// 10 min ×5, 1 h ×5, 6 h ×3.
func DefaultSchedule() []time.Duration {
	return []time.Duration{
		time.Minute, 5 * time.Minute, 5 * time.Minute,
		10 * time.Minute, 10 * time.Minute, 10 * time.Minute, 10 * time.Minute, 10 * time.Minute,
		time.Hour, time.Hour, time.Hour, time.Hour, time.Hour,
		6 * time.Hour, 6 * time.Hour, 6 * time.Hour,
	}
}

// Target is where and how a site receives webhooks.
type Target struct {
	URL    string
	Secret string
	// Schedule lists the delays before each retry; nil means
	// DefaultSchedule. After the last one the message is given up.
	Schedule []time.Duration
	// Timeout bounds one attempt; 0 means 10 s.
	Timeout time.Duration
}

// Store is what the worker needs of the session store.
type Store interface {
	ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]session.OutboxMessage, error)
	RecordDeliveries(ctx context.Context, rs []session.DeliveryResult) ([]error, error)
}

// Observer receives the outcome of each attempt (metrics).
type Observer interface {
	Delivered(site string, ok bool, latency time.Duration)
}

// Options configure a Worker.
type Options struct {
	Store   Store
	Targets map[string]Target // by site id
	Logger  hclog.Logger
	// Poll is how often the outbox is checked; default 1 s.
	Poll time.Duration
	// Parallel bounds concurrent deliveries; default 4.
	Parallel int
	Client   *http.Client
	Observer Observer
	Now      func() time.Time
}

// Worker delivers webhooks until its context ends.
type Worker struct {
	o Options
}

// New returns a worker.
func New(o Options) *Worker {
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.Parallel <= 0 {
		o.Parallel = 4
	}
	if o.Client == nil {
		// Keep a connection per parallel delivery: the default transport
		// keeps two per shop, so the others were closed after each
		// delivery and the next one paid a new TCP (and TLS) handshake.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = o.Parallel
		o.Client = &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if o.Logger == nil {
		o.Logger = hclog.NewNullLogger()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Worker{o: o}
}

// lease is how long a claimed message is reserved: longer than the longest
// attempt, so two instances never deliver one message at once.
func (w *Worker) lease() time.Duration {
	longest := 10 * time.Second
	for _, t := range w.o.Targets {
		longest = max(longest, t.Timeout)
	}
	return 2*longest + 5*time.Second
}

// Run delivers until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	tick := time.NewTicker(w.o.Poll)
	defer tick.Stop()
	for {
		for w.RunOnce(ctx) > 0 && ctx.Err() == nil {
			// keep going while there is work
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// RunOnce claims and delivers one batch; it returns how many messages it
// handled.
func (w *Worker) RunOnce(ctx context.Context) int {
	msgs, err := w.o.Store.ClaimOutbox(ctx, w.o.Now(), w.lease(), w.o.Parallel*4)
	if err != nil {
		if ctx.Err() == nil {
			w.o.Logger.Error("claiming webhooks", "error", err)
		}
		return 0
	}
	// The attempts are recorded together once the batch is done: one
	// transaction instead of one per message. The next claim waits for
	// the batch anyway, and a session's next message becomes claimable
	// only once its predecessor is recorded, so no delivery waits longer.
	results := make([]session.DeliveryResult, len(msgs))
	sem := make(chan struct{}, w.o.Parallel)
	var wg sync.WaitGroup
	for i, m := range msgs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			results[i] = w.deliver(ctx, m)
		}()
	}
	wg.Wait()
	w.record(ctx, results)
	return len(msgs)
}

const maxResponse = 512

// deliver makes one attempt and says what to record.
func (w *Worker) deliver(ctx context.Context, m session.OutboxMessage) session.DeliveryResult {
	target, ok := w.o.Targets[m.SiteID]
	now := w.o.Now()
	d := session.Delivery{OutboxID: m.ID, EventID: m.EventID, SessionID: m.SessionID, At: now}
	if !ok || target.URL == "" {
		// Nothing to deliver to: recorded once, not retried.
		d.Error = "the site has no webhook URL"
		return session.DeliveryResult{Delivery: d, Delivered: true}
	}
	timeout := target.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, target.URL, bytes.NewReader(m.Payload))
	if err != nil {
		d.Error = "invalid webhook URL"
		return session.DeliveryResult{Delivery: d}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "payhost-webhook/1")
	req.Header.Set("Payhost-Event-Id", m.EventID)
	req.Header.Set("Payhost-Signature", shopsig.Webhook(target.Secret, now, m.Payload))
	start := time.Now()
	resp, err := w.o.Client.Do(req)
	d.Latency = time.Since(start)
	if err != nil {
		d.Error = err.Error()
	} else {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
		resp.Body.Close()
		d.StatusCode, d.Response = resp.StatusCode, truncate(b)
	}
	ok = err == nil && d.StatusCode/100 == 2
	if w.o.Observer != nil {
		w.o.Observer.Delivered(m.SiteID, ok, d.Latency)
	}
	if ok {
		return session.DeliveryResult{Delivery: d, Delivered: true}
	}
	schedule := target.Schedule
	if schedule == nil {
		schedule = DefaultSchedule()
	}
	var next time.Time
	if m.Attempts < len(schedule) {
		next = now.Add(schedule[m.Attempts])
	}
	w.o.Logger.Warn("webhook not delivered", "session_id", m.SessionID, "event_id", m.EventID, "status", d.StatusCode,
		"error", d.Error, "attempt", m.Attempts+1, "next", next)
	return session.DeliveryResult{Delivery: d, Next: next}
}

// record stores a batch's attempts. Recording must survive the worker's
// shutdown: the attempts happened.
func (w *Worker) record(ctx context.Context, rs []session.DeliveryResult) {
	ctx = context.WithoutCancel(ctx)
	errs, err := w.o.Store.RecordDeliveries(ctx, rs)
	if err != nil {
		// The batch's transaction failed as a whole: record one by one, so
		// that one bad attempt does not leave the others' leases to lapse
		// into a second delivery.
		w.o.Logger.Warn("recording webhook attempts as a batch failed; recording them one by one", "error", err)
		errs = make([]error, len(rs))
		for i := range rs {
			if e, err := w.o.Store.RecordDeliveries(ctx, rs[i:i+1]); err != nil {
				errs[i] = err
			} else {
				errs[i] = e[0]
			}
		}
	}
	for i, err := range errs {
		if err != nil {
			w.o.Logger.Error("recording a webhook attempt", "event_id", rs[i].Delivery.EventID, "error", err)
		}
	}
}

// truncate keeps the start of a response, as valid UTF-8.
func truncate(b []byte) string {
	if len(b) > maxResponse {
		b = b[:maxResponse]
	}
	for len(b) > 0 && !utf8.Valid(b) {
		b = b[:len(b)-1]
	}
	return string(b)
}
