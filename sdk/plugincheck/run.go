package plugincheck

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/payhost/payhost/sdk/payment"
	"github.com/payhost/payhost/sdk/plugin"
)

// Options tune a run. The zero value is usable.
type Options struct {
	// Configs are configuration values per mode id, laid over the fixture
	// configuration generated from the mode's schema (use them when the
	// plugin needs values of a particular shape to accept a configuration).
	Configs map[string]payment.Config
	// CallTimeout bounds each call; 0 means 10 seconds.
	CallTimeout time.Duration
	// Concurrency is the number of concurrent calls; 0 means 50.
	Concurrency int
}

// checker carries one run's state.
type checker struct {
	path   string
	opts   Options
	rep    *Report
	run    *plugin.Running
	p      payment.Provider
	desc   payment.DescribeResponse
	secret string
	logs   *syncBuffer
	// seen collects every answer and error, for the secrets check.
	seen strings.Builder
	// errs collects every error, for the typed_errors check.
	errs []error
	// begins holds each mode's Begin answer for the replay callbacks.
	begins map[string]payment.BeginResponse
	hole   *blackHole
	// provider answers every request 503 at the fixture URLs, so a plugin
	// calling its API gets a fast, definite failure.
	provider *httptest.Server
}

// Run launches the plugin at path and runs the whole suite. It never
// returns an error: a plugin that cannot start fails the handshake check
// and the rest is skipped.
func Run(ctx context.Context, path string, o Options) *Report {
	if o.CallTimeout <= 0 {
		o.CallTimeout = 10 * time.Second
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 50
	}
	c := &checker{path: path, opts: o, rep: &Report{Path: path}, secret: canary("zz-secret-"), logs: &syncBuffer{}, begins: map[string]payment.BeginResponse{}}
	hole, err := listenBlackHole()
	if err != nil {
		c.rep.add("handshake", Fail, "cannot listen on loopback for the deadline check: %v", err)
		return c.rep
	}
	defer hole.Close()
	c.hole = hole
	c.provider = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "fixture provider: unavailable", http.StatusServiceUnavailable)
	}))
	defer c.provider.Close()
	logger := hclog.New(&hclog.LoggerOptions{Output: c.logs, Level: hclog.Trace, JSONFormat: true})
	run, err := plugin.Launch(ctx, path, plugin.LaunchOptions{StartTimeout: 20 * time.Second, Logger: logger})
	if err != nil {
		c.rep.add("handshake", Fail, "%v", err)
		for _, name := range []string{"describe", "validate_config", "begin", "callbacks", "typed_errors", "deadline", "concurrency", "secrets", "shutdown", "host_gone"} {
			c.rep.add(name, Skip, "the plugin did not start")
		}
		return c.rep
	}
	defer run.Stop()
	c.run, c.p, c.desc = run, run.Provider(), run.Describe()
	c.rep.Plugin = c.desc.Name
	if v := run.ProtocolVersion(); v != payment.ProtocolVersion {
		c.rep.add("handshake", Fail, "negotiated protocol %d, the host speaks %d", v, payment.ProtocolVersion)
	} else {
		c.rep.add("handshake", Pass, "protocol %d, AutoMTLS, empty environment", v)
	}
	c.checkDescribe()
	if len(c.desc.Modes) > 0 {
		c.checkValidateConfig(ctx)
		c.checkBegin(ctx)
		c.checkCallbacks(ctx)
		c.checkDeadline(ctx)
		c.checkConcurrency(ctx)
	}
	c.checkTypedErrors()
	c.checkSecrets()
	c.checkShutdown(ctx)
	c.checkHostGone(ctx)
	return c.rep
}

// call runs fn under the per-call timeout and records its answer.
func call[T any](ctx context.Context, c *checker, fn func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.CallTimeout)
	defer cancel()
	out, err := fn(ctx)
	fmt.Fprintf(&c.seen, "%#v\n", out)
	if err != nil {
		fmt.Fprintf(&c.seen, "%v\n", err)
		c.errs = append(c.errs, err)
	}
	return out, err
}

func (c *checker) checkDescribe() {
	problems := payment.DescribeProblems(c.desc)
	if base := filepath.Base(c.path); strings.HasPrefix(base, "payhost-plugin-") && strings.TrimPrefix(base, "payhost-plugin-") != c.desc.Name {
		problems = append(problems, fmt.Sprintf("the binary is %s but the plugin calls itself %q: the host refuses it", base, c.desc.Name))
	}
	fmt.Fprintf(&c.seen, "%#v\n", c.desc)
	if len(problems) > 0 {
		c.rep.add("describe", Fail, "%s", strings.Join(problems, "; "))
		return
	}
	ids := make([]string, 0, len(c.desc.Modes))
	for _, m := range c.desc.Modes {
		ids = append(ids, m.ID)
	}
	c.rep.add("describe", Pass, "%s %s, modes %s", c.desc.Name, c.desc.Version, strings.Join(ids, ", "))
}

func (c *checker) fixture(m payment.Mode) payment.Config {
	return fixtureConfig(m, c.secret, c.provider.URL+"/"+m.ID, c.opts.Configs[m.ID])
}

func (c *checker) checkValidateConfig(ctx context.Context) {
	_, err := call(ctx, c, func(ctx context.Context) (payment.ValidateConfigResponse, error) {
		return c.p.ValidateConfig(ctx, payment.ValidateConfigRequest{Mode: "no-such-mode-" + c.desc.Name, Config: payment.Config{}})
	})
	if code := payment.ErrorCode(err); code != payment.CodeInvalidRequest {
		c.rep.add("validate_config/unknown_mode", Fail, "an unknown mode answered %v, want an invalid_request error", errOrNil(err))
	} else {
		c.rep.add("validate_config/unknown_mode", Pass, "refused with invalid_request")
	}
	for _, m := range c.desc.Modes {
		name := "validate_config/" + m.ID
		var problems []string
		empty, err := call(ctx, c, func(ctx context.Context) (payment.ValidateConfigResponse, error) {
			return c.p.ValidateConfig(ctx, payment.ValidateConfigRequest{Mode: m.ID, Config: payment.Config{}, TestMode: true})
		})
		if err != nil {
			c.rep.add(name, Fail, "an empty configuration gave the error %v: report problems, not an error", err)
			continue
		}
		reported := problemKeys(empty)
		for _, f := range m.ConfigSchema {
			if f.Required && f.Default == "" && !reported[f.Key] {
				problems = append(problems, fmt.Sprintf("required key %s missing but not reported", f.Key))
			}
		}
		for _, u := range empty.Unsupported {
			if !m.Capabilities.Has(u.Capability) || u.Reason == "" {
				problems = append(problems, fmt.Sprintf("withholds %q (reason %q): only a declared capability, with a reason", u.Capability, u.Reason))
			}
		}
		wrong, mustReport, values := wrongConfig(m, c.fixture(m))
		resp, err := call(ctx, c, func(ctx context.Context) (payment.ValidateConfigResponse, error) {
			return c.p.ValidateConfig(ctx, payment.ValidateConfigRequest{Mode: m.ID, Config: wrong, TestMode: true})
		})
		if err != nil {
			problems = append(problems, fmt.Sprintf("values of the wrong type gave the error %v: report problems, not an error", err))
		} else {
			reported := problemKeys(resp)
			for _, k := range mustReport {
				if !reported[k] {
					problems = append(problems, fmt.Sprintf("key %s has a value that is not of its declared type or enum, not reported", k))
				}
			}
			for _, pr := range append(resp.Problems, empty.Problems...) {
				for _, v := range append(values, c.secret) {
					if strings.Contains(pr.Message, v) {
						problems = append(problems, fmt.Sprintf("the problem about %s echoes the configured value", pr.Key))
					}
				}
			}
		}
		if len(problems) > 0 {
			c.rep.add(name, Fail, "%s", strings.Join(problems, "; "))
		} else {
			c.rep.add(name, Pass, "%d problems for an empty configuration, %d wrongly typed keys reported, no value echoed", len(empty.Problems), len(mustReport))
		}
	}
}

func problemKeys(r payment.ValidateConfigResponse) map[string]bool {
	out := map[string]bool{}
	for _, p := range r.Problems {
		out[p.Key] = true
	}
	return out
}

func errOrNil(err error) string {
	if err == nil {
		return "no error"
	}
	return err.Error()
}

// validFixture returns the fixture configuration of m, or why the plugin
// refuses it.
func (c *checker) validFixture(ctx context.Context, m payment.Mode) (payment.Config, string) {
	cfg := c.fixture(m)
	resp, err := call(ctx, c, func(ctx context.Context) (payment.ValidateConfigResponse, error) {
		return c.p.ValidateConfig(ctx, payment.ValidateConfigRequest{Mode: m.ID, Config: cfg, TestMode: true})
	})
	if err != nil {
		return nil, err.Error()
	}
	if len(resp.Problems) > 0 {
		var keys []string
		for _, p := range resp.Problems {
			keys = append(keys, p.Key+": "+p.Message)
		}
		return nil, "the fixture configuration is refused (" + strings.Join(keys, "; ") + "); give values with --config"
	}
	return cfg, ""
}

func (c *checker) checkBegin(ctx context.Context) {
	for _, m := range c.desc.Modes {
		name := "begin/" + m.ID
		cfg, why := c.validFixture(ctx, m)
		if cfg == nil {
			c.rep.add(name, Skip, "%s", why)
			continue
		}
		s := fixtureSession(m, "ps_check_"+strings.ReplaceAll(m.ID, "-", "_"))
		resp, err := call(ctx, c, func(ctx context.Context) (payment.BeginResponse, error) {
			return c.p.Begin(ctx, payment.BeginRequest{Session: s, Config: cfg})
		})
		if err != nil {
			if known(payment.ErrorCode(err)) && payment.ErrorCode(err) != payment.CodePluginUnavailable {
				c.rep.add(name, Pass, "typed error %v", err)
			} else {
				c.rep.add(name, Fail, "untyped error %v", err)
			}
			continue
		}
		c.begins[m.ID] = resp
		if problems := beginProblems(m, resp); len(problems) > 0 {
			c.rep.add(name, Fail, "%s", strings.Join(problems, "; "))
		} else {
			c.rep.add(name, Pass, "%s", beginKind(resp))
		}
	}
}

func beginKind(r payment.BeginResponse) string {
	switch {
	case r.Form != nil:
		return fmt.Sprintf("form %s %s with %d fields", r.Form.Method, r.Form.URL, len(r.Form.Fields))
	case r.RedirectURL != "":
		return "redirect to " + r.RedirectURL
	case len(r.Choices) > 0:
		return fmt.Sprintf("%d choices", len(r.Choices))
	case r.Instructions != nil:
		return "instructions"
	case r.Outcome != nil:
		return "outcome " + string(r.Outcome.Status)
	}
	return "nothing"
}

func beginProblems(m payment.Mode, r payment.BeginResponse) []string {
	var out []string
	set := 0
	for _, b := range []bool{r.Form != nil, r.RedirectURL != "", len(r.Choices) > 0, r.Instructions != nil, r.Outcome != nil} {
		if b {
			set++
		}
	}
	if set != 1 {
		out = append(out, fmt.Sprintf("exactly one of form, redirect URL, choices, instructions or outcome must be set, got %d", set))
	}
	if r.RedirectURL != "" {
		if err := absoluteURL(r.RedirectURL); err != nil {
			out = append(out, "redirect URL "+err.Error())
		}
	}
	forms := r.Choices
	if r.Form != nil {
		forms = append(forms, *r.Form)
	}
	for _, f := range forms {
		if err := absoluteURL(f.URL); err != nil {
			out = append(out, "form URL "+err.Error())
		}
		if f.Method != "POST" && f.Method != "GET" {
			out = append(out, fmt.Sprintf("form method %q, want POST or GET", f.Method))
		}
		for _, fl := range f.Fields {
			if fl.Name == "" {
				out = append(out, "a form field has no name")
				break
			}
		}
	}
	if r.Instructions != nil && r.Instructions.Text == "" && len(r.Instructions.Details) == 0 {
		out = append(out, "instructions are empty")
	}
	if r.Outcome != nil && m.Kind == payment.KindRedirect && r.Outcome.Verified {
		out = append(out, "a redirect mode settled in Begin")
	}
	return out
}

func absoluteURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return fmt.Errorf("%q does not parse: %v", s, err)
	case u.Scheme != "https" && u.Scheme != "http", u.Host == "":
		return fmt.Errorf("%q is not an absolute http(s) URL", s)
	}
	return nil
}

func known(c payment.Code) bool {
	switch c {
	case payment.CodeInvalidRequest, payment.CodeInvalidConfig, payment.CodeInvalidSignature, payment.CodeUnsupported,
		payment.CodeProviderRejected, payment.CodeProviderUnavailable, payment.CodeTimeout, payment.CodePluginUnavailable, payment.CodeInternal:
		return true
	}
	return false
}

// callbackRequests are the forged requests sent to a mode: empty, garbage
// in the query and in a form body (with status words providers use), and
// a replay of what Begin handed the browser (a signed request is not a
// signed answer).
func (c *checker) callbackRequests(m payment.Mode, s payment.Session) map[string]payment.HTTPRequest {
	garbage := url.Values{
		"status": {"paid"}, "STATUS": {"9"}, "responseCode": {"00"}, "vads_trans_status": {"AUTHORISED"}, "vads_result": {"00"},
		"Data": {"amount=" + fmt.Sprint(s.Amount) + "|responseCode=00|transactionReference=" + s.Reference}, "Seal": {strings.Repeat("0", 64)},
		"SHASIGN": {strings.Repeat("A", 40)}, "signature": {strings.Repeat("0", 64)}, "orderID": {s.Reference}, "amount": {fmt.Sprint(s.Amount)},
		"session_id": {s.ID}, "reference": {s.Reference},
	}.Encode()
	form := map[string][]string{"Content-Type": {"application/x-www-form-urlencoded"}}
	reqs := map[string]payment.HTTPRequest{
		"empty":         {},
		"garbage_query": {Method: "GET", URL: s.URLs.Return + "?" + garbage, Header: map[string][]string{}, RemoteAddr: "203.0.113.9:4000"},
		"garbage_form":  {Method: "POST", URL: s.URLs.Notify, Header: form, Body: []byte(garbage), RemoteAddr: "203.0.113.9:4000"},
		"garbage_bytes": {Method: "POST", URL: s.URLs.Notify, Header: map[string][]string{"Content-Type": {"application/json"}}, Body: []byte("\x00\xff{not json"), RemoteAddr: "203.0.113.9:4000"},
	}
	if b, ok := c.begins[m.ID]; ok {
		if b.Form != nil {
			v := url.Values{}
			for _, f := range b.Form.Fields {
				v.Add(f.Name, f.Value)
			}
			reqs["replayed_form"] = payment.HTTPRequest{Method: "POST", URL: s.URLs.Notify, Header: form, Body: []byte(v.Encode()), RemoteAddr: "203.0.113.9:4000"}
			reqs["replayed_query"] = payment.HTTPRequest{Method: "GET", URL: s.URLs.Return + "?" + v.Encode(), Header: map[string][]string{}, RemoteAddr: "203.0.113.9:4000"}
		}
		if b.RedirectURL != "" {
			if u, err := url.Parse(b.RedirectURL); err == nil {
				reqs["replayed_query"] = payment.HTTPRequest{Method: "GET", URL: s.URLs.Return + "?" + u.RawQuery, Header: map[string][]string{}, RemoteAddr: "203.0.113.9:4000"}
			}
		}
	}
	return reqs
}

func (c *checker) checkCallbacks(ctx context.Context) {
	for _, m := range c.desc.Modes {
		name := "callbacks/" + m.ID
		cfg, why := c.validFixture(ctx, m)
		if cfg == nil {
			cfg = c.fixture(m) // a refused configuration must not verify anything either
		}
		s := fixtureSession(m, "ps_check_"+strings.ReplaceAll(m.ID, "-", "_"))
		if b, ok := c.begins[m.ID]; ok {
			s.ProviderData, s.ProviderTransactionID = b.ProviderData, b.ProviderTransactionID
		}
		reqs := c.callbackRequests(m, s)
		kinds := make([]string, 0, len(reqs))
		for k := range reqs {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		var problems []string
		calls := 0
		for _, k := range kinds {
			for _, h := range []struct {
				name string
				fn   func(context.Context, payment.CallbackRequest) (payment.CallbackResponse, error)
			}{{"HandleReturn", c.p.HandleReturn}, {"HandleNotification", c.p.HandleNotification}} {
				for range 2 { // the second time is a replay of the first
					calls++
					resp, err := call(ctx, c, func(ctx context.Context) (payment.CallbackResponse, error) {
						return h.fn(ctx, payment.CallbackRequest{Session: s, Config: cfg, Request: reqs[k]})
					})
					if err == nil && settles(resp.Outcome) {
						problems = append(problems, fmt.Sprintf("%s of a %s request gave a verified %s outcome", h.name, strings.ReplaceAll(k, "_", " "), resp.Outcome.Status))
					}
				}
			}
		}
		problems = dedupe(problems)
		switch {
		case len(problems) > 0:
			c.rep.add(name, Fail, "%s", strings.Join(problems, "; "))
		case why != "":
			c.rep.add(name, Pass, "%d forged calls, none settled (with the fixture configuration the plugin refuses)", calls)
		default:
			c.rep.add(name, Pass, "%d forged calls (%s), none settled", calls, strings.Join(kinds, ", "))
		}
	}
}

func settles(o *payment.Outcome) bool {
	return o != nil && o.Verified && o.Status != payment.StatusUnknown && o.Status != payment.StatusPending
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func (c *checker) checkTypedErrors() {
	var problems []string
	codes := map[payment.Code]int{}
	for _, err := range c.errs {
		code := payment.ErrorCode(err)
		codes[code]++
		switch {
		case !known(code):
			problems = append(problems, fmt.Sprintf("unknown code %q (%v)", code, err))
		case code == payment.CodePluginUnavailable:
			problems = append(problems, fmt.Sprintf("the plugin stopped answering: %v", err))
		case code == payment.CodeInternal && strings.HasPrefix(err.(*payment.Error).Message, "plugin error: "):
			// fromStatus's fallback: a gRPC status without the error
			// details, so the contract code was lost on the way.
			problems = append(problems, fmt.Sprintf("an error arrived without its error details: %v", err))
		}
	}
	problems = dedupe(problems)
	var seen []string
	for code, n := range codes {
		seen = append(seen, fmt.Sprintf("%s×%d", code, n))
	}
	sort.Strings(seen)
	switch {
	case len(problems) > 0:
		c.rep.add("typed_errors", Fail, "%s", strings.Join(problems, "; "))
	case len(c.errs) == 0:
		c.rep.add("typed_errors", Skip, "the plugin answered no error")
	default:
		c.rep.add("typed_errors", Pass, "%d errors, each with its code (%s)", len(c.errs), strings.Join(seen, ", "))
	}
}

// checkDeadline points every URL key of each mode's configuration at a
// listener that accepts and never answers, calls Begin with a short
// deadline, and checks that any connection the plugin opened is closed
// soon after the deadline: the plugin passed the call's context on.
func (c *checker) checkDeadline(ctx context.Context) {
	const deadline = 300 * time.Millisecond
	tried := 0
	var problems []string
	for _, m := range c.desc.Modes {
		over := payment.Config{}
		for k, v := range c.opts.Configs[m.ID] {
			over[k] = v
		}
		urls := 0
		for _, f := range m.ConfigSchema {
			if f.Type == payment.FieldURL {
				over[f.Key] = c.hole.URL() + "/" + f.Key
				urls++
			}
		}
		if urls == 0 {
			continue
		}
		cfg := fixtureConfig(m, c.secret, c.hole.URL(), over)
		s := fixtureSession(m, "ps_check_deadline")
		before := c.hole.Accepted()
		tried++
		cctx, cancel := context.WithTimeout(ctx, deadline)
		start := time.Now()
		_, err := c.p.Begin(cctx, payment.BeginRequest{Session: s, Config: cfg})
		cancel()
		fmt.Fprintf(&c.seen, "%v\n", err)
		if err != nil {
			c.errs = append(c.errs, err)
		}
		if time.Since(start) > deadline+2*time.Second {
			problems = append(problems, fmt.Sprintf("mode %s: Begin returned %s after a %s deadline", m.ID, time.Since(start).Round(time.Millisecond), deadline))
		}
		if c.hole.Accepted() == before {
			continue // Begin makes no outgoing call in this mode
		}
		if !c.hole.WaitIdle(2 * time.Second) {
			problems = append(problems, fmt.Sprintf("mode %s: Begin kept its connection to the provider open 2s after the host's %s deadline (pass the call's context to outgoing requests)", m.ID, deadline))
		}
	}
	switch {
	case len(problems) > 0:
		c.rep.add("deadline", Fail, "%s", strings.Join(problems, "; "))
	case c.hole.Accepted() == 0:
		c.rep.add("deadline", Pass, "%d modes with URL keys called with a %s deadline; no outgoing call to observe", tried, deadline)
	default:
		c.rep.add("deadline", Pass, "outgoing calls abandoned when the %s deadline passed", deadline)
	}
}

// checkConcurrency sends Describe, ValidateConfig and Begin calls at once
// and compares each answer's error code with the same call made alone.
func (c *checker) checkConcurrency(ctx context.Context) {
	type job struct {
		mode payment.Mode
		cfg  payment.Config
		want payment.Code
	}
	var jobs []job
	for _, m := range c.desc.Modes {
		cfg := c.fixture(m)
		s := fixtureSession(m, "ps_check_concurrent")
		_, err := call(ctx, c, func(ctx context.Context) (payment.BeginResponse, error) {
			return c.p.Begin(ctx, payment.BeginRequest{Session: s, Config: cfg})
		})
		jobs = append(jobs, job{m, cfg, payment.ErrorCode(err)})
	}
	var mu sync.Mutex
	var problems []string
	var wg sync.WaitGroup
	start := time.Now()
	for i := range c.opts.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			j := jobs[i%len(jobs)]
			cctx, cancel := context.WithTimeout(ctx, c.opts.CallTimeout)
			defer cancel()
			var err error
			var got string
			switch i % 3 {
			case 0:
				var d payment.DescribeResponse
				d, err = c.p.Describe(cctx, payment.DescribeRequest{})
				if err == nil && d.Name != c.desc.Name {
					got = "Describe changed its name to " + d.Name
				}
			case 1:
				_, err = c.p.ValidateConfig(cctx, payment.ValidateConfigRequest{Mode: j.mode.ID, Config: j.cfg, TestMode: true})
			default:
				_, err = c.p.Begin(cctx, payment.BeginRequest{Session: fixtureSession(j.mode, fmt.Sprintf("ps_check_c%d", i)), Config: j.cfg})
				if payment.ErrorCode(err) == j.want {
					err = nil
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				problems = append(problems, fmt.Sprintf("call %d: %v", i, err))
			}
			if got != "" {
				problems = append(problems, got)
			}
		}()
	}
	wg.Wait()
	if len(problems) > 0 {
		c.rep.add("concurrency", Fail, "%d of %d concurrent calls differ from the same call alone: %s", len(problems), c.opts.Concurrency, strings.Join(dedupe(problems), "; "))
		return
	}
	c.rep.add("concurrency", Pass, "%d concurrent calls in %s", c.opts.Concurrency, time.Since(start).Round(time.Millisecond))
}

func (c *checker) checkSecrets() {
	secrets := 0
	for _, m := range c.desc.Modes {
		for _, f := range m.ConfigSchema {
			if f.Secret {
				secrets++
			}
		}
	}
	if secrets == 0 {
		c.rep.add("secrets", Skip, "no configuration key is declared secret")
		return
	}
	var where []string
	if strings.Contains(c.seen.String(), c.secret) {
		where = append(where, "an answer, an error or a payload")
	}
	if bytes.Contains(c.logs.Bytes(), []byte(c.secret)) {
		where = append(where, "the plugin's log")
	}
	if len(where) > 0 {
		c.rep.add("secrets", Fail, "a configured secret appeared in %s", strings.Join(where, " and "))
		return
	}
	c.rep.add("secrets", Pass, "%d secret keys, never seen in answers, errors, payloads or logs", secrets)
}

func (c *checker) checkShutdown(ctx context.Context) {
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := c.run.Shutdown(sctx); err != nil {
		c.rep.add("shutdown", Fail, "%v within 5s", err)
		return
	}
	c.rep.add("shutdown", Pass, "exited %s after the host's shutdown request", time.Since(start).Round(time.Millisecond))
}

// blackHole accepts connections and never answers; it counts them and
// notices when the peer closes them.
type blackHole struct {
	ln       net.Listener
	mu       sync.Mutex
	accepted int
	open     int
}

func listenBlackHole() (*blackHole, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	h := &blackHole{ln: ln}
	go h.serve()
	return h, nil
}

func (h *blackHole) serve() {
	for {
		conn, err := h.ln.Accept()
		if err != nil {
			return
		}
		h.mu.Lock()
		h.accepted++
		h.open++
		h.mu.Unlock()
		go func() {
			defer conn.Close()
			buf := make([]byte, 4096)
			for {
				if _, err := conn.Read(buf); err != nil {
					break
				}
			}
			h.mu.Lock()
			h.open--
			h.mu.Unlock()
		}()
	}
}

func (h *blackHole) URL() string { return "http://" + h.ln.Addr().String() }

// Accepted is the number of connections accepted so far.
func (h *blackHole) Accepted() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.accepted
}

// WaitIdle waits until no connection is open, up to within.
func (h *blackHole) WaitIdle(within time.Duration) bool {
	end := time.Now().Add(within)
	for time.Now().Before(end) {
		h.mu.Lock()
		open := h.open
		h.mu.Unlock()
		if open == 0 {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

func (h *blackHole) Close() error { return h.ln.Close() }

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}
