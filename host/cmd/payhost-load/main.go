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
//     insert, then a signature-checked update), same clients, same D.
//
// It prints pairs per second, p50/p99 per operation, the webhooks delivered
// during each phase and the ratio payhost / bare. `make bench` runs it.
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
	fs.StringVar(&o.profileDir, "profile", "", "write CPU profiles of the closed-loop phases into this directory")
	fs.StringVar(&o.logLevel, "log", "", "host log level (trace, debug, info, warn, error) to stderr; none by default")
	fs.BoolVar(&o.eligibility, "eligibility", true, "measure eligibility requests too")
	fs.BoolVar(&o.half, "half", true, "measure latency at half the closed-loop rate too")
	fs.BoolVar(&o.bare, "bare", true, "measure the bare net/http + SQLite server")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.engines = strings.Split(engines, ",")
	if o.clients < 1 || o.duration <= 0 {
		return errors.New("-clients and -duration must be positive")
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

	fmt.Fprintf(out, "payhost-load: %d clients, %s per phase, GOMAXPROCS %d, %d CPUs; payhost with the offline plugin (test mode), webhooks to a local receiver\n\n",
		o.clients, o.duration, runtime.GOMAXPROCS(0), runtime.NumCPU())
	fmt.Fprintf(out, "%-30s %9s %17s %17s %9s %7s\n", "phase", "pairs/s", "create p50/p99 ms", "notify p50/p99 ms", "webhooks", "errors")
	var results []result
	for _, engine := range o.engines {
		rs, err := measurePayhost(ctx, o, strings.TrimSpace(engine), tmp, out)
		if err != nil {
			return fmt.Errorf("payhost on %s: %w", engine, err)
		}
		results = append(results, rs...)
	}
	var yard result
	if o.bare {
		b, err := startBare(tmp, o.clients)
		if err != nil {
			return fmt.Errorf("bare server: %w", err)
		}
		_ = run(ctx, "warm-up", o.clients, time.Second, 0, b.barePair())
		yard = run(ctx, "bare net/http + SQLite", o.clients, o.duration, 0, b.barePair())
		b.Close()
		printRow(out, yard)
	}
	fmt.Fprintln(out)
	for _, r := range results {
		if strings.HasSuffix(r.name, "closed loop") && yard.loops > 0 {
			fmt.Fprintf(out, "ratio %s / bare: %.2f×\n", strings.TrimSuffix(r.name, ", closed loop"), r.rate()/yard.rate())
		}
	}
	return nil
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
	// mode exact whatever the umask.
	return out, errors.Join(os.Chmod(out, 0o755), os.Chmod(filepath.Join(out, "payhost-plugin-offline"), 0o755))
}

// measurePayhost runs the payhost phases on one engine.
func measurePayhost(ctx context.Context, o options, engine, tmp string, out io.Writer) ([]result, error) {
	rcv, err := startReceiver()
	if err != nil {
		return nil, err
	}
	defer rcv.Close()
	t, err := startPayhost(ctx, engine, o.postgres, o.plugins, tmp, rcv.url, o.logLevel, o.clients)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	queued := 0
	phase := func(name string, d time.Duration, rate float64, w work, profile bool) (result, error) {
		if profile && o.profileDir != "" {
			f, err := os.Create(filepath.Join(o.profileDir, "payhost-"+engine+".cpu.pprof"))
			if err != nil {
				return result{}, err
			}
			defer f.Close()
			if err := pprof.StartCPUProfile(f); err != nil {
				return result{}, err
			}
			defer pprof.StopCPUProfile()
		}
		before := rcv.received.Load()
		r := run(ctx, name, o.clients, d, rate, w)
		r.webhooks = rcv.received.Load() - before
		// Each successful create and notify queues one webhook (pending,
		// then paid), even when the phase ended between the two.
		queued += len(r.lat[opCreate]) + len(r.lat[opNotify])
		if r.errors > 0 && r.loops == 0 {
			return r, fmt.Errorf("%s: every request failed: %w", name, r.firstErr)
		}
		return r, nil
	}
	if _, err := phase("warm-up", time.Second, 0, t.payhostPair(), false); err != nil {
		return nil, err
	}
	label := "payhost " + engine
	full, err := phase(label+", closed loop", o.duration, 0, t.payhostPair(), true)
	if err != nil {
		return nil, err
	}
	printRow(out, full)
	rs := []result{full}
	if o.half {
		h, err := phase(fmt.Sprintf("%s, at %.0f/s", label, full.rate()/2), o.duration, full.rate()/2, t.payhostPair(), false)
		if err != nil {
			return nil, err
		}
		printRow(out, h)
		rs = append(rs, h)
	}
	if o.eligibility {
		e, err := phase(label+", eligibility", o.duration/2, 0, t.payhostEligibility(), false)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(out, "%-30s %9.0f %17s %17s %9s %7d  (requests/s; p50/p99 ms %s/%s)\n", e.name, e.rate(), "", "", "", e.errors,
			ms(e.pct(opEligibility, .5)), ms(e.pct(opEligibility, .99)))
	}
	// Wait for the rest, so that nothing is left behind unreported.
	want := int64(queued)
	start := time.Now()
	for rcv.received.Load() < want && time.Since(start) < 60*time.Second {
		time.Sleep(50 * time.Millisecond)
	}
	fmt.Fprintf(out, "%-30s %d of %d webhooks delivered, the last %.1f s after the load stopped; %d bad signatures\n",
		label+", drain", rcv.received.Load(), want, time.Since(start).Seconds(), rcv.bad.Load())
	return rs, nil
}

func printRow(out io.Writer, r result) {
	hooks := ""
	if r.webhooks >= 0 {
		hooks = fmt.Sprint(r.webhooks)
	}
	fmt.Fprintf(out, "%-30s %9.0f %17s %17s %9s %7d\n", r.name, r.rate(),
		ms(r.pct(opCreate, .5))+" / "+ms(r.pct(opCreate, .99)),
		ms(r.pct(opNotify, .5))+" / "+ms(r.pct(opNotify, .99)), hooks, r.errors)
	if r.firstErr != nil {
		fmt.Fprintf(out, "    first error: %v\n", r.firstErr)
	}
}
