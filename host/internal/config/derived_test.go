package config

import (
	"errors"
	"strings"
	"testing"
)

// TestNoDerivedProblems: a key that failed to decode is reported once, by
// what is wrong with it, not a second time by the check of its (zero)
// value; a bad neighbour is still reported on its own line.
func TestNoDerivedProblems(t *testing.T) {
	tests := []struct {
		name, add string
		want      []string
		notWant   []string
	}{
		{"timeout without a unit", "plugins: {call_timeout: 15, start_timeout: 0s}\n",
			[]string{"plugins.call_timeout: 15 has no unit", "plugins.start_timeout: must be a positive duration"},
			[]string{"plugins.call_timeout: must be", "plugins.start_timeout, plugins.call_timeout"}},
		{"drain timeout without a unit", "shutdown: {drain_timeout: 20, delay: -1s}\n",
			[]string{"shutdown.drain_timeout: 20 has no unit", "shutdown.delay: cannot be negative"},
			[]string{"shutdown.drain_timeout: must be"}},
		{"parallel not a number", "webhooks: {parallel: many, poll_interval: 0s}\n",
			[]string{"webhooks.parallel: must be a whole number", "webhooks.poll_interval: must be a positive duration"},
			[]string{"webhooks.parallel: must be at least"}},
		{"janitor interval", "janitor: {interval: 30, query_schedule: []}\n",
			[]string{"janitor.interval: 30 has no unit", "janitor.query_schedule: must not be empty"},
			[]string{"janitor.interval: must be"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(write(t, minimal+tc.add), env(nil))
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v", err)
			}
			all := strings.Join(ve.Problems, "\n")
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("no problem %q in:\n%s", w, all)
				}
			}
			for _, nw := range tc.notWant {
				if strings.Contains(all, nw) {
					t.Errorf("derived problem %q in:\n%s", nw, all)
				}
			}
		})
	}
}
