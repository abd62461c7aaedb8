package plugincheck

import (
	"encoding/json"
	"fmt"
	"io"
)

// Status is the result of one check.
type Status string

// The statuses of a check.
const (
	Pass Status = "PASS"
	Fail Status = "FAIL"
	Skip Status = "SKIP"
)

// Result is one check's outcome; Detail says why it failed or was skipped,
// or what was seen.
type Result struct {
	Check  string `json:"check"`
	Status Status `json:"status"`
	Detail string `json:"detail,omitempty"`
}

// Report is a whole run over one binary.
type Report struct {
	Path    string   `json:"path"`
	Plugin  string   `json:"plugin,omitempty"`
	Results []Result `json:"results"`
	Passed  int      `json:"passed"`
	Failed  int      `json:"failed"`
	Skipped int      `json:"skipped"`
}

func (r *Report) add(check string, st Status, format string, args ...any) {
	r.Results = append(r.Results, Result{Check: check, Status: st, Detail: fmt.Sprintf(format, args...)})
	switch st {
	case Pass:
		r.Passed++
	case Fail:
		r.Failed++
	case Skip:
		r.Skipped++
	}
}

// OK reports whether no check failed.
func (r *Report) OK() bool { return r.Failed == 0 }

// Status returns the status of the named check, or "" when it did not run.
func (r *Report) Status(check string) Status {
	for _, res := range r.Results {
		if res.Check == check {
			return res.Status
		}
	}
	return ""
}

// WriteText writes one line per check and a summary.
func (r *Report) WriteText(w io.Writer) error {
	for _, res := range r.Results {
		line := fmt.Sprintf("%s %s", res.Status, res.Check)
		if res.Detail != "" {
			line += ": " + res.Detail
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	verdict := "ok"
	if !r.OK() {
		verdict = "FAILED"
	}
	_, err := fmt.Fprintf(w, "%s: %d passed, %d failed, %d skipped: %s\n", r.Path, r.Passed, r.Failed, r.Skipped, verdict)
	return err
}

// WriteJSON writes the report as one JSON document.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
