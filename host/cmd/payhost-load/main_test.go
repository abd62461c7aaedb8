package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestRun runs every phase briefly against the real offline plugin: the
// tool must keep measuring what the README says it measures, with no
// failed request and every webhook delivered and verified. It checks no
// figure: those belong to a quiet machine and a longer run (make bench).
func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the offline plugin and runs a load")
	}
	dir := filepath.Join(t.TempDir(), "plugins")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "payhost-plugin-offline"), "../../../plugins/offline/cmd/payhost-plugin-offline")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the offline plugin: %v\n%s", err, out)
	}
	args := []string{"-plugins", dir, "-clients", "4", "-duration", "1s", "-slice", "500ms", "-periodic=false"}
	if dsn := os.Getenv("PAYHOST_TEST_POSTGRES"); dsn != "" {
		args = append(args, "-db", "sqlite,postgres", "-postgres", dsn)
	}
	var out strings.Builder
	if err := runMain(args, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	got := out.String()
	t.Log(got)
	if strings.Contains(got, "first error") {
		t.Error("a request failed")
	}
	// Every row of a closed-loop or half-rate phase: name, then pairs/s,
	// latencies, webhooks and errors, which must be 0.
	row := regexp.MustCompile(`(?m)^(.+?(closed loop|at \d+/s))\s+(\d+) .* (\d+) +[\d.]+ ms$`)
	rows := row.FindAllStringSubmatch(got, -1)
	phases := map[string]bool{}
	for _, r := range rows {
		phases[strings.TrimSpace(r[1])] = true
		if r[4] != "0" {
			t.Errorf("%s: %s errors", r[1], r[4])
		}
		if r[3] == "0" {
			t.Errorf("%s: no pair completed", r[1])
		}
	}
	for _, want := range []string{"payhost sqlite, closed loop", "floor: bare + plugin + webhooks, closed loop", "bare net/http + SQLite, closed loop"} {
		if !phases[want] {
			t.Errorf("no %q row", want)
		}
	}
	delivered := regexp.MustCompile(`(?m)^(.+): (\d+) webhooks delivered \((\d+) queued by successful requests\).* (\d+) bad signatures$`)
	reports := delivered.FindAllStringSubmatch(got, -1)
	if len(reports) < 2 {
		t.Errorf("want a webhook report for payhost and the floor, got %d", len(reports))
	}
	for _, r := range reports {
		// More may arrive than counted: a pair cut off at the end of a
		// phase can have its create committed without the client's answer.
		d, _ := strconv.Atoi(r[2])
		q, _ := strconv.Atoi(r[3])
		if d < q || r[4] != "0" {
			t.Errorf("%s: %s webhooks delivered of %s queued, %s bad signatures", r[1], r[2], r[3], r[4])
		}
	}
	for _, want := range []string{"ratio payhost sqlite / bare:", "ratio floor: bare + plugin + webhooks / bare:", "ratio payhost sqlite / floor:", ", eligibility"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in the report", want)
		}
	}
}
