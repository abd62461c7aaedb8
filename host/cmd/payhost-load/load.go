package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/payhost/payhost/host/internal/cputime"
)

// op is one kind of request the load measures.
type op string

const (
	opCreate      op = "create"
	opNotify      op = "notify"
	opEligibility op = "eligibility"
)

// work is what one client does once per loop: a create and a notify (a
// pair), or one eligibility request. It reports each request's latency
// through rec.
type work func(ctx context.Context, client int, rec func(op, time.Duration)) error

// result is one phase's figures.
type result struct {
	name     string
	loops    int
	elapsed  time.Duration
	lat      map[op][]time.Duration // sorted
	errors   int
	firstErr error
	// webhooks is the number delivered to the receiver during the phase
	// (-1 when the phase has no receiver).
	webhooks int64
	// cpu is the CPU time this process (server and load generator) used
	// during the phase.
	cpu time.Duration
}

// add merges another slice of the same phase into r.
func (r *result) add(o result) {
	r.loops += o.loops
	r.elapsed += o.elapsed
	r.errors += o.errors
	if r.firstErr == nil {
		r.firstErr = o.firstErr
	}
	if r.lat == nil {
		r.lat = map[op][]time.Duration{}
	}
	for k, l := range o.lat {
		r.lat[k] = append(r.lat[k], l...)
	}
	for _, l := range r.lat {
		slices.Sort(l)
	}
	r.cpu += o.cpu
	if o.webhooks >= 0 {
		r.webhooks = max(r.webhooks, 0) + o.webhooks
	}
}

// cpuPerLoop is the process CPU time per loop.
func (r result) cpuPerLoop() time.Duration {
	if r.loops == 0 {
		return 0
	}
	return r.cpu / time.Duration(r.loops)
}

func (r result) rate() float64 { return float64(r.loops) / r.elapsed.Seconds() }

func (r result) pct(o op, p float64) time.Duration {
	l := r.lat[o]
	if len(l) == 0 {
		return 0
	}
	i := int(float64(len(l)-1) * p)
	return l[i]
}

// run drives clients closed-loop for d: each client starts its next loop as
// soon as the previous one ends. When rate > 0, loops are paced instead:
// rate loops per second in total are handed out to whichever client is free,
// which measures latency under a given load rather than the maximum.
//
// At the end of d no loop starts, and those under way finish: cutting them
// off would waste the work already done on them, and a request given up
// mid-way costs the server more than one that completes (a PostgreSQL
// connection whose query is cancelled is closed, then reopened).
func run(ctx context.Context, name string, clients int, d time.Duration, rate float64, w work) result {
	stop, cancelStop := context.WithTimeout(ctx, d)
	defer cancelStop()
	ctx, cancel := context.WithTimeout(ctx, d+time.Minute)
	defer cancel()
	var tokens chan struct{}
	if rate > 0 {
		tokens = make(chan struct{}, clients)
		go func() {
			interval := time.Duration(float64(time.Second) / rate)
			next := time.Now()
			for {
				next = next.Add(interval)
				time.Sleep(time.Until(next))
				select {
				case tokens <- struct{}{}:
				case <-stop.Done():
					return
				default:
					// Every client is busy: the load is more than the host
					// takes; the tick is dropped and shows as a lower rate.
				}
			}
		}()
	}
	type perClient struct {
		lat    map[op][]time.Duration
		loops  int
		errors int
		first  error
	}
	all := make([]perClient, clients)
	var wg sync.WaitGroup
	cpu0 := cputime.SelfAndChildren()
	start := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pc := &all[c]
			pc.lat = map[op][]time.Duration{}
			rec := func(o op, t time.Duration) { pc.lat[o] = append(pc.lat[o], t) }
			for stop.Err() == nil {
				if tokens != nil {
					select {
					case <-tokens:
					case <-stop.Done():
						return
					}
				}
				if err := w(ctx, c, rec); err != nil {
					if ctx.Err() != nil {
						return // the phase's safety timeout, not a failure
					}
					pc.errors++
					if pc.first == nil {
						pc.first = err
					}
					continue
				}
				pc.loops++
			}
		}()
	}
	wg.Wait()
	res := result{name: name, elapsed: time.Since(start), lat: map[op][]time.Duration{}, webhooks: -1, cpu: cputime.SelfAndChildren() - cpu0}
	for _, pc := range all {
		res.loops += pc.loops
		res.errors += pc.errors
		if res.firstErr == nil {
			res.firstErr = pc.first
		}
		for o, l := range pc.lat {
			res.lat[o] = append(res.lat[o], l...)
		}
	}
	for _, l := range res.lat {
		slices.Sort(l)
	}
	return res
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }
