package session

import "context"

// Metrics observes what the service does; the app wires Prometheus.
type Metrics interface {
	SessionCreated(mode string)
	Transition(mode string, to Status, src Source, result Result, reason string)
	// Pruned counts what retention removed: "idempotency_keys" or
	// "webhook_payloads".
	Pruned(kind string, n int)
}

// observedStore counts the events of a session update in the metrics once
// the update has committed: the update function may run several times
// when the database retries the transaction, and only its last run was
// stored.
type observedStore struct {
	Store
	m Metrics
}

func (o observedStore) UpdateSession(ctx context.Context, id string, fn UpdateFunc) (*Session, error) {
	var (
		mode   string
		events []Event
	)
	out, err := o.Store.UpdateSession(ctx, id, func(cur *Session) (Change, error) {
		mode = cur.Mode
		ch, err := fn(cur)
		events = ch.Events
		return ch, err
	})
	if err == nil {
		for _, e := range events {
			o.m.Transition(mode, e.To, e.Source, e.Result, e.Reason)
		}
	}
	return out, err
}

type noMetrics struct{}

func (noMetrics) SessionCreated(string)                             {}
func (noMetrics) Transition(string, Status, Source, Result, string) {}
func (noMetrics) Pruned(string, int)                                {}
