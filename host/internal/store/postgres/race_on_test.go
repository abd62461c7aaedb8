//go:build race

package postgres

// raceDetector: the race detector slows the pure-Go SQLite driver and the
// drain tenfold or more; backlog tests scale down under it.
const raceDetector = true
