package session

// Metrics observes what the service does; the app wires Prometheus.
type Metrics interface {
	SessionCreated(mode string)
	Transition(mode string, to Status, src Source, result Result, reason string)
}

type noMetrics struct{}

func (noMetrics) SessionCreated(string)                             {}
func (noMetrics) Transition(string, Status, Source, Result, string) {}
