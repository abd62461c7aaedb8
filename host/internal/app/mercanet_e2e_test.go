package app_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// startSandbox runs the payhost-sandbox binary on a free loopback port and
// returns its base URL.
func startSandbox(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, sandboxBin, "--listen", "127.0.0.1:0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("sandbox did not start: %v", err)
	}
	return strings.TrimSpace(line[strings.Index(line, "http://"):])
}

const mercanetMode = `      mercanet:
        enabled: true
        order: 5
        config:
          merchant_id: "211000021310001"
          secret_key: "S9i8qClCnb2CZU3y3Vn0toIOgz3z_aBi79akR30vM9o"
          environment: "%s/mercanet"
`

// browser follows what a customer's browser does between the host and the
// sandbox: it posts forms and reads the next page, never following
// redirects by itself.
type browser struct {
	t      *testing.T
	client *http.Client
}

func newBrowser(t *testing.T) *browser {
	return &browser{t: t, client: &http.Client{Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// submit posts a form (resolving a relative action against base) and
// returns the status and body.
func (b *browser) submit(base string, f form, extra url.Values) (int, []byte, http.Header) {
	b.t.Helper()
	target, err := url.Parse(base)
	if err != nil {
		b.t.Fatal(err)
	}
	action, err := target.Parse(f.action)
	if err != nil {
		b.t.Fatal(err)
	}
	fields := url.Values{}
	for k, v := range f.fields {
		fields[k] = append([]string(nil), v...)
	}
	for k, v := range extra {
		fields[k] = v
	}
	resp, err := b.client.PostForm(action.String(), fields)
	if err != nil {
		b.t.Fatalf("POST %s: %v", action, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body, resp.Header
}

func onlyForm(t *testing.T, page []byte) form {
	t.Helper()
	forms := parseForms(t, page)
	if len(forms) != 1 {
		t.Fatalf("page has %d forms: %s", len(forms), page)
	}
	return forms[0]
}

// mercanetPay walks create → /pay → paymentInit → hosted page → choice and
// returns the session and the page that sends the browser back.
func mercanetPay(t *testing.T, h *host, choice string) (sessionJSON, form) {
	t.Helper()
	s := h.create("mercanet", 1999)
	b := newBrowser(t)
	payPage := h.expect(h.do("GET", "/pay/"+s.ID, "", nil), http.StatusOK)
	init := onlyForm(t, payPage.body)
	status, hosted, _ := b.submit(h.base, init, nil)
	if status != http.StatusOK {
		t.Fatalf("paymentInit: %d %s", status, hosted)
	}
	// The buyer sees the shop's name, not its merchant id.
	if !strings.Contains(string(hosted), `data-testid="merchant">Demo Shop<`) {
		t.Errorf("the hosted page does not name the shop: %s", hosted)
	}
	page := onlyForm(t, hosted)
	status, back, _ := b.submit(init.action, page, url.Values{"choice": {choice}})
	if status != http.StatusOK {
		t.Fatalf("choice: %d %s", status, back)
	}
	return s, onlyForm(t, back)
}

func timeline(s sessionJSON) []string {
	var out []string
	for _, e := range s.Events {
		out = append(out, e.Source+":"+e.Result+":"+e.From+">"+e.To)
	}
	return out
}

func TestMercanetThroughSandbox(t *testing.T) {
	sandbox := startSandbox(t)
	h := startHost(t, hostOptions{dir: providerDir, modes: strings.ReplaceAll(mercanetMode, "%s", sandbox)})

	tests := []struct {
		choice, want string
	}{
		{"accept", "paid"}, {"refuse", "refused"}, {"cancel", "cancelled"},
	}
	for _, tc := range tests {
		t.Run(tc.choice, func(t *testing.T) {
			h := h.with(t)
			s, back := mercanetPay(t, h, tc.choice)
			// The automatic response arrived before the browser comes back.
			if got := h.get(s.ID).Status; got != tc.want {
				t.Fatalf("after the automatic response: %s, want %s", got, tc.want)
			}
			r := h.expect(h.do("POST", pathOf(t, back.action), "", back.fields), http.StatusSeeOther)
			if u, _ := url.Parse(r.header.Get("Location")); u.Query().Get("status") != tc.want {
				t.Errorf("shop return %s", r.header.Get("Location"))
			}
			got := h.get(s.ID)
			// buyer:recorded: /pay sent the buyer to Mercanet's form (never twice).
			want := []string{"api:applied:>created", "api:applied:created>pending", "buyer:recorded:pending>", "notification:applied:pending>" + tc.want, "return:duplicate:" + tc.want + ">" + tc.want}
			if strings.Join(timeline(got), " ") != strings.Join(want, " ") {
				t.Errorf("timeline %v, want %v", timeline(got), want)
			}
		})
	}

	t.Run("duplicate automatic response", func(t *testing.T) {
		h := h.with(t)
		s, back := mercanetPay(t, h, "accept")
		for range 2 {
			h.expect(h.do("POST", "/notify/mercanet/"+s.ID, "", back.fields), http.StatusOK)
		}
		got := h.get(s.ID)
		last := got.Events[len(got.Events)-1]
		if got.Status != "paid" || last.Result != "duplicate" || len(got.Events) != 6 {
			t.Errorf("after duplicates: %s %v", got.Status, timeline(got))
		}
	})

	t.Run("no automatic response, no return: settled by query", func(t *testing.T) {
		h := h.with(t)
		s, _ := mercanetPay(t, h, "accept-silent")
		if got := h.get(s.ID).Status; got != "pending" {
			t.Fatalf("status %s before reconciliation", got)
		}
		h.expect(h.do("POST", "/admin/v1/sessions/"+s.ID+"/reconcile", adminKey, nil), http.StatusOK)
		got := h.get(s.ID)
		last := got.Events[len(got.Events)-1]
		if got.Status != "paid" || last.Source != "operator" || last.Result != "applied" {
			t.Errorf("after reconcile: %s %+v", got.Status, last)
		}
	})

	t.Run("browser return without automatic response", func(t *testing.T) {
		h := h.with(t)
		s, back := mercanetPay(t, h, "accept-silent")
		h.expect(h.do("POST", pathOf(t, back.action), "", back.fields), http.StatusSeeOther)
		if got := h.get(s.ID); got.Status != "paid" || got.Events[len(got.Events)-1].Source != "return" {
			t.Errorf("after a sealed return: %s %v", got.Status, timeline(got))
		}
	})

	t.Run("query before the customer chose records nothing new", func(t *testing.T) {
		h := h.with(t)
		s := h.create("mercanet", 1999)
		h.expect(h.do("POST", "/admin/v1/sessions/"+s.ID+"/reconcile", adminKey, nil), http.StatusOK)
		got := h.get(s.ID)
		last := got.Events[len(got.Events)-1]
		if got.Status != "pending" || last.Result != "recorded" || last.Reason != "query_no_state" {
			t.Errorf("after reconcile: %s %+v", got.Status, last)
		}
	})

	t.Run("tampered responses change nothing", func(t *testing.T) {
		h := h.with(t)
		s, back := mercanetPay(t, h, "accept-silent")
		forged := url.Values{}
		for k, v := range back.fields {
			forged[k] = v
		}
		forged.Set("Data", strings.Replace(back.fields.Get("Data"), "amount=1999", "amount=1", 1))
		h.expect(h.do("POST", "/notify/mercanet/"+s.ID, "", forged), http.StatusBadRequest)
		r := h.expect(h.do("POST", "/return/"+s.ID, "", forged), http.StatusSeeOther)
		if u, _ := url.Parse(r.header.Get("Location")); u.Query().Get("status") != "pending" {
			t.Errorf("forged return sent the shop %s", r.header.Get("Location"))
		}
		got := h.get(s.ID)
		if got.Status != "pending" || got.Events[len(got.Events)-1].Reason != "invalid_signature" {
			t.Errorf("after forgeries: %s %+v", got.Status, got.Events[len(got.Events)-1])
		}
	})

	t.Run("the sandbox refuses a bad seal", func(t *testing.T) {
		h := h.with(t)
		s := h.create("mercanet", 1999)
		init := onlyForm(t, h.expect(h.do("GET", "/pay/"+s.ID, "", nil), http.StatusOK).body)
		status, body, _ := newBrowser(t).submit(h.base, init, url.Values{"Seal": {strings.Repeat("0", 64)}})
		if status != http.StatusBadRequest || !strings.Contains(string(body), "responseCode=34") {
			t.Errorf("bad seal: %d %s", status, body)
		}
	})
}

// TestJanitorQueriesPendingSessions: a payment whose responses never came
// is settled by the janitor's scheduled Query, recorded as its event.
func TestJanitorQueriesPendingSessions(t *testing.T) {
	sandbox := startSandbox(t)
	h := startHost(t, hostOptions{dir: providerDir, modes: strings.ReplaceAll(mercanetMode, "%s", sandbox),
		janitor: "{interval: 200ms, query_schedule: [300ms, 300ms, 300ms]}"})
	s, _ := mercanetPay(t, h, "accept-silent")
	eventually(t, 10*time.Second, "janitor query", func() bool { return h.get(s.ID).Status == "paid" })
	got := h.get(s.ID)
	last := got.Events[len(got.Events)-1]
	if last.Source != "janitor" || last.Result != "applied" {
		t.Errorf("settled by %+v", last)
	}
}
