// Command payhost-load measures the host's throughput against a yardstick,
// in one run on one machine (absolute figures drift on a shared machine;
// the ratio holds):
//
//  1. payhost, in-process, with the real offline plugin (test mode, through
//     go-plugin) and a local webhook receiver that verifies every signature:
//     N clients in a closed loop, each creating a session and sending its
//     signed "paid" notification, for D; then the same at half the measured
//     rate (latency under load, not at saturation); then eligibility
//     requests with explain;
//  2. a bare net/http + SQLite server doing the two equivalent writes (an
//     insert, then a signature-checked update), same clients, same D;
//  3. the floor: the bare server plus what a paid session costs whatever
//     the host's store, its two calls to the same plugin binary and its two
//     signed webhooks to a verifying receiver.
//
// It prints pairs per second, p50/p99 per operation, the webhooks delivered
// during each phase and the ratios payhost / bare, floor / bare and
// payhost / floor: the architecture's share of the gap (plugin processes,
// webhooks) and the host's own. `make bench` runs it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/payhost/payhost/host/internal/cputime"
	"github.com/payhost/payhost/host/internal/store/sqlstore"
)

func main() {
	if err := runMain(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "payhost-load:", err)
		os.Exit(1)
	}
}

type options struct {
	clients     int
	duration    time.Duration
	engines     []string
	postgres    string
	plugins     string
	profileDir  string
	logLevel    string
	eligibility bool
	half        bool
	bare        bool
	floor       bool
	floorPlugin bool
	slice       time.Duration
	prefill     int
	periodic    bool
	explain     bool
}

func runMain(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("payhost-load", flag.ContinueOnError)
	var o options
	var engines string
	fs.IntVar(&o.clients, "clients", 16, "concurrent clients (closed loop)")
	fs.DurationVar(&o.duration, "duration", 8*time.Second, "length of each measured phase")
	fs.StringVar(&engines, "db", "sqlite", "payhost's engines, comma-separated: sqlite, postgres")
	fs.StringVar(&o.postgres, "postgres", os.Getenv("PAYHOST_TEST_POSTGRES"), "PostgreSQL DSN (a schema is created and dropped per run)")
	fs.StringVar(&o.plugins, "plugins", "bin/plugins", "plugins directory holding payhost-plugin-offline")
	fs.StringVar(&o.profileDir, "profile", "", "write a CPU profile of the closed-loop phases (payhost-load.cpu.pprof) into this directory")
	fs.StringVar(&o.logLevel, "log", "", "host log level (trace, debug, info, warn, error) to stderr; none by default")
	fs.BoolVar(&o.eligibility, "eligibility", true, "measure eligibility requests too")
	fs.BoolVar(&o.half, "half", true, "measure latency at half the closed-loop rate too")
	fs.BoolVar(&o.bare, "bare", true, "measure the bare net/http + SQLite server")
	fs.BoolVar(&o.floor, "floor", true, "measure the bare server plus the plugin calls and webhooks payhost cannot skip")
	fs.BoolVar(&o.floorPlugin, "floor-plugin", true, "with -floor=true: call the plugin (false: the floor's webhooks alone, to see what each part costs)")
	fs.IntVar(&o.prefill, "prefill", 0, "fill payhost's database with this many settled sessions (events, delivered webhooks) first")
	fs.BoolVar(&o.explain, "explain", false, "print the engine's plans of the periodic queries after the load")
	fs.BoolVar(&o.periodic, "periodic", true, "time the janitor's and webhook worker's queries before and after the load")
	fs.DurationVar(&o.slice, "slice", time.Second, "closed-loop phases take turns in slices this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.engines = strings.Split(engines, ",")
	if o.clients < 1 || o.duration <= 0 || o.slice <= 0 {
		return errors.New("-clients, -duration and -slice must be positive")
	}
	if _, err := os.Stat(filepath.Join(o.plugins, "payhost-plugin-offline")); err != nil {
		return fmt.Errorf("the offline plugin is not in %s (run make build): %w", o.plugins, err)
	}
	tmp, err := os.MkdirTemp("", "payhost-load-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if o.plugins, err = offlineOnly(o.plugins, tmp); err != nil {
		return err
	}
	if o.profileDir != "" {
		if err := os.MkdirAll(o.profileDir, 0o755); err != nil {
			return err
		}
	}
	ctx := context.Background()

	fmt.Fprintf(out, "payhost-load: %d clients, %s per phase, GOMAXPROCS %d, %d CPUs; payhost with the offline plugin (test mode), webhooks to a local receiver\n",
		o.clients, o.duration, runtime.GOMAXPROCS(0), runtime.NumCPU())
	fmt.Fprintf(out, "closed-loop phases are interleaved in slices of %s so that every server sees the same background load;\n"+
		"a payhost slice lasts until the webhooks it queued are delivered (pairs/s counts that time)\n\n", o.slice)

	// Start every server first, so that the closed-loop phases can take
	// turns.
	var targets []*loadTarget
	defer func() {
		for _, t := range targets {
			t.close()
		}
	}()
	for _, engine := range o.engines {
		engine = strings.TrimSpace(engine)
		rcv, err := startReceiver()
		if err != nil {
			return err
		}
		t, err := startPayhost(ctx, engine, o.postgres, o.plugins, tmp, rcv.url, o.logLevel, o.clients, o.prefill, out)
		if err != nil {
			rcv.Close()
			return fmt.Errorf("payhost on %s: %w", engine, err)
		}
		targets = append(targets, &loadTarget{name: "payhost " + engine, pair: t.payhostPair(), payhost: t, rcv: rcv,
			close: func() { t.Close(); rcv.Close() }})
	}
	var floorTarget *loadTarget
	if o.floor {
		rcv, err := startReceiver()
		if err != nil {
			return err
		}
		f, err := startFloor(tmp, o.plugins, rcv.url, o.clients, o.floorPlugin)
		if err != nil {
			rcv.Close()
			return fmt.Errorf("floor server: %w", err)
		}
		name := "floor: bare + plugin + webhooks"
		if !o.floorPlugin {
			name = "floor: bare + webhooks"
		}
		floorTarget = &loadTarget{name: name, pair: f.barePair(), rcv: rcv,
			close: func() { f.Close(); rcv.Close() }}
		targets = append(targets, floorTarget)
	}
	if o.bare {
		b, err := startBare(tmp, o.clients)
		if err != nil {
			return fmt.Errorf("bare server: %w", err)
		}
		targets = append(targets, &loadTarget{name: "bare net/http + SQLite", pair: b.barePair(), close: b.Close})
	}
	if o.periodic {
		for _, t := range targets {
			if t.payhost != nil {
				if err := timePeriodic(ctx, out, t.name+", idle before", t.payhost.main.Store); err != nil {
					return err
				}
			}
		}
	}
	for _, t := range targets {
		if _, err := t.measure(ctx, o.clients, time.Second, 0, t.pair); err != nil {
			return fmt.Errorf("%s, warm-up: %w", t.name, err)
		}
		t.closed = result{name: t.name + ", closed loop", webhooks: -1}
	}

	if o.profileDir != "" {
		f, err := os.Create(filepath.Join(o.profileDir, "payhost-load.cpu.pprof"))
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return err
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	for done := time.Duration(0); done < o.duration; done += o.slice {
		for _, t := range targets {
			r, err := t.measureDrained(ctx, o.clients, min(o.slice, o.duration-done), 0, t.pair, true)
			if err != nil {
				return fmt.Errorf("%s: %w", t.name, err)
			}
			t.closed.add(r)
		}
	}
	if o.profileDir != "" {
		pprof.StopCPUProfile()
	}
	fmt.Fprintf(out, "%-44s %8s %17s %17s %9s %7s %9s\n", "phase", "pairs/s", "create p50/p99 ms", "notify p50/p99 ms", "webhooks", "errors", "CPU/pair")
	for _, t := range targets {
		printRow(out, t.closed)
	}
	for _, t := range targets {
		if t.payhost == nil {
			continue
		}
		if o.half {
			rate := t.closed.rate() / 2
			h, err := t.measure(ctx, o.clients, o.duration, rate, t.pair)
			if err != nil {
				return err
			}
			h.name = fmt.Sprintf("%s, at %.0f/s", t.name, rate)
			printRow(out, h)
		}
		if o.eligibility {
			e, err := t.measure(ctx, o.clients, o.duration/2, 0, t.payhost.payhostEligibility())
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "%-44s %8.0f %17s %17s %9s %7d  (requests/s; p50/p99 ms %s/%s)\n", t.name+", eligibility", e.rate(), "", "", "", e.errors,
				ms(e.pct(opEligibility, .5)), ms(e.pct(opEligibility, .99)))
		}
	}
	fmt.Fprintln(out)
	for _, t := range targets {
		if t.rcv == nil {
			continue
		}
		// Wait for the rest, so that nothing is left behind unreported.
		start := time.Now()
		for t.rcv.received.Load() < int64(t.queued) && time.Since(start) < 60*time.Second {
			time.Sleep(50 * time.Millisecond)
		}
		fmt.Fprintf(out, "%s: %d webhooks delivered (%d queued by successful requests), the last %.1f s after the load stopped; %d bad signatures\n",
			t.name, t.rcv.received.Load(), t.queued, time.Since(start).Seconds(), t.rcv.bad.Load())
		if t.payhost == nil {
			continue
		}
		if g, ok := t.payhost.main.Store.(interface{ GroupStats() sqlstore.GroupStats }); ok {
			if st := g.GroupStats(); st.Commits > 0 {
				fmt.Fprintf(out, "%s: %d write transactions in %d commits (%.1f per commit)\n", t.name, st.Transactions, st.Commits,
					float64(st.Transactions)/float64(st.Commits))
			}
		}
		if o.periodic {
			if err := timePeriodic(ctx, out, t.name+", idle after", t.payhost.main.Store); err != nil {
				return err
			}
		}
		if o.explain {
			if err := printPlans(ctx, out, t.name, t.payhost.main.Store); err != nil {
				return err
			}
		}
	}
	bare := targets[len(targets)-1]
	if o.bare && bare.closed.loops > 0 {
		for _, t := range targets[:len(targets)-1] {
			fmt.Fprintf(out, "ratio %s / bare: %.2f× pairs/s, %.2f× CPU per pair\n", t.name, t.closed.rate()/bare.closed.rate(),
				float64(t.closed.cpuPerLoop())/float64(bare.closed.cpuPerLoop()))
		}
	}
	if floorTarget != nil && floorTarget.closed.loops > 0 {
		for _, t := range targets {
			if t.payhost != nil {
				fmt.Fprintf(out, "ratio %s / floor: %.2f× pairs/s, %.2f× CPU per pair\n", t.name, t.closed.rate()/floorTarget.closed.rate(),
					float64(t.closed.cpuPerLoop())/float64(floorTarget.closed.cpuPerLoop()))
			}
		}
	}
	return nil
}

// loadTarget is one server under load and what was measured of it.
type loadTarget struct {
	name    string
	pair    work
	payhost *target   // nil for the bare server
	rcv     *receiver // payhost's webhook receiver
	close   func()
	closed  result
	// queued counts the webhooks payhost owes: each successful create and
	// notify queues one (pending, then paid).
	queued int
}

// measure runs one phase (or slice of one) against t.
func (t *loadTarget) measure(ctx context.Context, clients int, d time.Duration, rate float64, w work) (result, error) {
	return t.measureDrained(ctx, clients, d, rate, w, false)
}

// measureDrained is measure; with drainSlices, the phase also waits for
// the webhooks it queued.
func (t *loadTarget) measureDrained(ctx context.Context, clients int, d time.Duration, rate float64, w work, drainSlices bool) (result, error) {
	var before int64
	if t.rcv != nil {
		before = t.rcv.received.Load()
	}
	cpu0 := cputime.SelfAndChildren()
	r := run(ctx, t.name, clients, d, rate, w)
	if t.rcv != nil {
		r.webhooks = t.rcv.received.Load() - before
		t.queued += len(r.lat[opCreate]) + len(r.lat[opNotify])
		if drainSlices {
			// The webhooks this slice queued are part of its work: the
			// slice lasts until they are delivered, so that none is left
			// to run during another server's slice.
			start := time.Now()
			for t.rcv.received.Load() < int64(t.queued) && time.Since(start) < 30*time.Second {
				time.Sleep(5 * time.Millisecond)
			}
			r.elapsed += time.Since(start)
			r.webhooks = t.rcv.received.Load() - before
			r.cpu = cputime.SelfAndChildren() - cpu0
		}
	}
	if r.errors > 0 && r.loops == 0 {
		return r, fmt.Errorf("every request failed: %w", r.firstErr)
	}
	return r, nil
}

func printRow(out io.Writer, r result) {
	hooks := ""
	if r.webhooks >= 0 {
		hooks = fmt.Sprint(r.webhooks)
	}
	fmt.Fprintf(out, "%-44s %8.0f %17s %17s %9s %7d %7s ms\n", r.name, r.rate(),
		ms(r.pct(opCreate, .5))+" / "+ms(r.pct(opCreate, .99)),
		ms(r.pct(opNotify, .5))+" / "+ms(r.pct(opNotify, .99)), hooks, r.errors, ms(r.cpuPerLoop()))
	if r.firstErr != nil {
		fmt.Fprintf(out, "    first error: %v\n", r.firstErr)
	}
}

// offlineOnly copies the offline plugin into a directory of its own, so
// that the host starts that plugin alone.
func offlineOnly(dir, tmp string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "payhost-plugin-offline"))
	if err != nil {
		return "", err
	}
	out := filepath.Join(tmp, "plugins")
	if err := os.Mkdir(out, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(out, "payhost-plugin-offline"), b, 0o755); err != nil {
		return "", err
	}
	// The host refuses a plugins directory writable by others: make the
	// modes exact whatever the umask.
	return out, errors.Join(os.Chmod(out, 0o755), os.Chmod(filepath.Join(out, "payhost-plugin-offline"), 0o755))
}
