package pluginmgr_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/payhost/payhost/host/internal/cputime"
	"github.com/payhost/payhost/host/internal/pluginmgr"
	"github.com/payhost/payhost/sdk/payment"
)

// offlinePlugin builds the real offline plugin into a private plugins
// directory.
func offlinePlugin(b *testing.B) string {
	b.Helper()
	dir := filepath.Join(b.TempDir(), "plugins")
	if err := os.Mkdir(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	exe := filepath.Join(dir, pluginmgr.Prefix+"offline")
	cmd := exec.Command("go", "build", "-o", exe, "../../../plugins/offline/cmd/payhost-plugin-offline")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		b.Fatalf("building the offline plugin: %v", err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	return dir
}

// BenchmarkPluginCall measures one call's round trip from the host to the
// real offline plugin binary: go-plugin, gRPC over AutoMTLS on a local
// socket, the manager's deadline and observer, the SDK's conversions on both
// sides. It reports the median and the 99th percentile per call besides the
// mean (ns/op).
func BenchmarkPluginCall(b *testing.B) {
	m := pluginmgr.New(pluginmgr.Options{
		Dir: offlinePlugin(b), Verify: pluginmgr.VerifyWarn, StartTimeout: 30 * time.Second, CallTimeout: 10 * time.Second,
		Logger: hclog.New(&hclog.LoggerOptions{Output: io.Discard}),
	})
	b.Cleanup(func() { m.Close() })
	if err := m.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	prov, ok := m.Provider("offline")
	if !ok {
		b.Fatal("offline plugin not running")
	}
	const key = "bench_signing_key_0123456789"
	conf := payment.Config{"signing_key": key}
	sess := payment.Session{ID: "ps_bench", SiteID: "bench", Mode: "test", Reference: "BENCH0001", Amount: 2500, Currency: "EUR",
		URLs: payment.URLs{Return: "http://127.0.0.1/return/ps_bench", Notify: "http://127.0.0.1/notify/offline/ps_bench"}}
	fields := "amount=2500&currency=EUR&reference=BENCH0001&session=ps_bench&status=paid&t=1763800000&txn=TEST-1"
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(fields))
	body := fields + "&sig=" + hex.EncodeToString(mac.Sum(nil))
	notify := payment.CallbackRequest{Session: sess, Config: conf, Request: payment.HTTPRequest{
		Method: "POST", URL: sess.URLs.Notify, Body: []byte(body),
		Header: map[string][]string{"Content-Type": {"application/x-www-form-urlencoded"}},
	}}
	ctx := context.Background()
	// handleNotification reports a notification not verified as an error:
	// the parallel variant calls it from goroutines of its own, where
	// b.Fatal must not be called.
	handleNotification := func() error {
		r, err := prov.HandleNotification(ctx, notify)
		if err == nil && (r.Outcome == nil || r.Outcome.Status != payment.StatusPaid) {
			return fmt.Errorf("notification not verified: %+v", r)
		}
		return err
	}
	calls := []struct {
		name string
		call func() error
	}{
		{"Describe", func() error { _, err := prov.Describe(ctx, payment.DescribeRequest{}); return err }},
		{"Begin", func() error {
			_, err := prov.Begin(ctx, payment.BeginRequest{Session: sess, Config: conf})
			return err
		}},
		{"HandleNotification", handleNotification},
	}
	for _, c := range calls {
		b.Run(c.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			cpu0 := cputime.SelfAndChildren()
			b.ResetTimer()
			for range b.N {
				start := time.Now()
				if err := c.call(); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "µs-median")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "µs-p99")
			b.ReportMetric(float64((cputime.SelfAndChildren()-cpu0).Microseconds())/float64(b.N), "µs-cpu/op")
		})
	}
	// Under load many calls are in flight at once: the CPU a call costs
	// both processes then is what bounds the host's throughput.
	b.Run("HandleNotification-parallel", func(b *testing.B) {
		b.SetParallelism(8) // 16 callers on this 2-core machine, as the load tool has
		cpu0 := cputime.SelfAndChildren()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := handleNotification(); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.StopTimer()
		b.ReportMetric(float64((cputime.SelfAndChildren()-cpu0).Microseconds())/float64(b.N), "µs-cpu/op")
	})
}
