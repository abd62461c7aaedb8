package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/payhost/payhost/host/internal/eligibility"
	"github.com/payhost/payhost/host/internal/httpapi"
	"github.com/payhost/payhost/host/internal/pluginmgr"
	"github.com/payhost/payhost/host/internal/session"
	"github.com/payhost/payhost/sdk/payment"
	"github.com/payhost/payhost/shared/locale"
)

type dashboardPage struct {
	page
	Counts         []session.StatusCount
	Backlog        int
	OldestAge      string
	NeedsAttention int
	Attention      []*session.Session
	Plugins        []pluginmgr.Info
}

func (c *Console) handleDashboard(w http.ResponseWriter, r *http.Request, op *operator) {
	ctx := r.Context()
	now := c.Now().UTC()
	d := dashboardPage{page: c.base(r, op, "dashboard"), Plugins: c.Plugins.Plugins()}
	var err error
	if d.Counts, err = c.Store.SessionCounts(ctx, now.Truncate(24*time.Hour)); err != nil {
		c.failErr(w, r, op, err)
		return
	}
	if d.Backlog, err = c.Store.WebhookBacklog(ctx); err != nil {
		c.failErr(w, r, op, err)
		return
	}
	if t, ok, err := c.Store.OldestUndelivered(ctx); err != nil {
		c.failErr(w, r, op, err)
		return
	} else if ok {
		d.OldestAge = now.Sub(t).Truncate(time.Second).String()
	}
	if d.NeedsAttention, err = c.Store.CountNeedingAttention(ctx); err != nil {
		c.failErr(w, r, op, err)
		return
	}
	if d.Attention, err = c.Store.SearchSessions(ctx, session.SessionQuery{NeedsAttention: true, Limit: 10}); err != nil {
		c.failErr(w, r, op, err)
		return
	}
	c.render(w, http.StatusOK, "dashboard", d)
}

// sessionRow is a session as the lists show it.
type sessionRow struct {
	*session.Session
	Amount string
}

type sessionsPage struct {
	page
	Q        url.Values
	Sites    []string
	Statuses []session.Status
	Rows     []sessionRow
	Next     string
}

var statuses = []session.Status{session.StatusCreated, session.StatusPending, session.StatusAuthorized, session.StatusPaid,
	session.StatusPartiallyRefunded, session.StatusRefunded, session.StatusRefused, session.StatusFailed, session.StatusCancelled, session.StatusExpired}

const pageSize = 50

func (c *Console) handleSessions(w http.ResponseWriter, r *http.Request, op *operator) {
	qv := r.URL.Query()
	q := session.SessionQuery{SiteID: qv.Get("site"), Mode: strings.TrimSpace(qv.Get("mode")), Status: session.Status(qv.Get("status")),
		OrderRef: strings.TrimSpace(qv.Get("order_ref")), Reference: strings.TrimSpace(qv.Get("reference")),
		NeedsAttention: qv.Get("needs_attention") == "on", Limit: pageSize}
	if a := strings.TrimSpace(qv.Get("amount")); a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil || n < 1 {
			c.fail(w, r, op, http.StatusBadRequest, "err.amount")
			return
		}
		q.Amount = n
	}
	for _, f := range []struct {
		key string
		t   *time.Time
		add time.Duration
	}{{"from", &q.From, 0}, {"to", &q.To, 24 * time.Hour}} {
		if v := qv.Get(f.key); v != "" {
			t, err := time.Parse(time.DateOnly, v)
			if err != nil {
				c.fail(w, r, op, http.StatusBadRequest, "err.date")
				return
			}
			*f.t = t.Add(f.add)
		}
	}
	if after := qv.Get("after"); after != "" {
		ns, id, ok := strings.Cut(after, "_")
		n, err := strconv.ParseInt(ns, 10, 64)
		if !ok || err != nil {
			c.fail(w, r, op, http.StatusBadRequest, "err.cursor")
			return
		}
		q.AfterCreated, q.AfterID = time.Unix(0, n).UTC(), id
	}
	list, err := c.Store.SearchSessions(r.Context(), q)
	if err != nil {
		c.failErr(w, r, op, err)
		return
	}
	pg := sessionsPage{page: c.base(r, op, "sessions"), Q: qv, Sites: c.Sites, Statuses: statuses}
	for _, s := range list {
		pg.Rows = append(pg.Rows, sessionRow{Session: s, Amount: pg.P.Amount(s.Amount, s.Currency)})
	}
	if len(list) == pageSize {
		last := list[len(list)-1]
		next := url.Values{}
		for k, v := range qv {
			next[k] = v
		}
		next.Set("after", strconv.FormatInt(last.CreatedAt.UnixNano(), 10)+"_"+last.ID)
		pg.Next = "/console/sessions?" + next.Encode()
	}
	c.render(w, http.StatusOK, "sessions", pg)
}

type sessionPage struct {
	page
	S          *session.Session
	Amount     string
	Captured   string
	Refunded   string
	Events     []session.Event
	Operations []session.Operation
	Outbox     []session.OutboxMessage
	Deliveries []session.Delivery
	// The actions the session's state allows now.
	CanConfirm, CanRefund, CanCapture, CanCancel, CanReconcile bool
	// OpKey is this page's idempotency key for refund, capture and cancel:
	// a form sent twice (a double click, a resent POST) operates once.
	OpKey string
}

func (c *Console) handleSession(w http.ResponseWriter, r *http.Request, op *operator) {
	ctx := r.Context()
	s, events, ops, err := c.Service.Record(ctx, "", r.PathValue("id"))
	if err != nil {
		c.failErr(w, r, op, err)
		return
	}
	msgs, ds, err := c.Service.Deliveries(ctx, s.ID)
	if err != nil {
		c.failErr(w, r, op, err)
		return
	}
	pg := sessionPage{page: c.base(r, op, "sessions"), S: s, Events: events, Operations: ops, Outbox: msgs, Deliveries: ds, OpKey: randomToken()}
	pg.Amount = pg.P.Amount(s.Amount, s.Currency)
	pg.Captured = capturedText(pg.P, s)
	pg.Refunded = pg.P.Amount(s.RefundedAmount, s.Currency)
	switch s.Status {
	case session.StatusPending:
		pg.CanConfirm = s.Kind == payment.KindDeferred
		pg.CanReconcile = true
	case session.StatusCreated:
		pg.CanReconcile = true
	case session.StatusAuthorized:
		pg.CanCapture, pg.CanCancel, pg.CanReconcile = true, true, true
	case session.StatusPaid, session.StatusPartiallyRefunded:
		pg.CanRefund = true
	}
	// Buttons only for what the site's mode can do (a cheque is refunded
	// outside payhost).
	for _, m := range c.Service.SiteModeCapabilities() {
		if m.Site == s.SiteID && m.Mode == s.Mode {
			pg.CanRefund = pg.CanRefund && m.Capabilities.Has(payment.CapabilityRefund)
			pg.CanCapture = pg.CanCapture && m.Capabilities.Has(payment.CapabilityCapture)
			pg.CanCancel = pg.CanCancel && m.Capabilities.Has(payment.CapabilityCancel)
		}
	}
	c.render(w, http.StatusOK, "session", pg)
}

// handleAction runs one operator action on a session through the session
// service, audits it, and goes back to the session page.
func (c *Console) handleAction(w http.ResponseWriter, r *http.Request, op *operator) {
	ctx := r.Context()
	id, action := r.PathValue("id"), r.PathValue("action")
	detail := ""
	var err error
	switch action {
	case "confirm":
		_, err = c.Service.Confirm(ctx, id)
	case "reconcile":
		_, err = c.Service.Reconcile(ctx, id, session.SourceOperator)
	case "resolve":
		_, err = c.Service.Resolve(ctx, id)
	case "redeliver":
		var ob int64
		ob, err = strconv.ParseInt(r.PostFormValue("outbox"), 10, 64)
		if err != nil {
			c.fail(w, r, op, http.StatusBadRequest, "err.outbox")
			return
		}
		detail = "outbox=" + strconv.FormatInt(ob, 10)
		err = c.Service.Redeliver(ctx, id, ob)
	case "refund", "capture", "cancel":
		var s *session.Session
		if s, _, err = c.Service.Get(ctx, "", id); err != nil {
			break
		}
		req := session.OperationRequest{Kind: session.OperationKind(action)}
		if k := r.PostFormValue("key"); k != "" {
			if len(k) > 64 {
				c.fail(w, r, op, http.StatusBadRequest, "err.action")
				return
			}
			req.IdempotencyKey = "console-" + action + "-" + k
		}
		if a := strings.TrimSpace(r.PostFormValue("amount")); a != "" && action != "cancel" {
			n, perr := strconv.ParseInt(a, 10, 64)
			if perr != nil || n < 1 {
				c.fail(w, r, op, http.StatusBadRequest, "err.amount")
				return
			}
			req.Amount = n
			detail = "amount=" + a
		}
		_, _, err = c.Service.Operate(ctx, s.SiteID, id, req)
	default:
		c.fail(w, r, op, http.StatusNotFound, "err.action")
		return
	}
	if err != nil {
		c.audit(r, op, action, id, detail, outcome(err))
		c.failErr(w, r, op, err)
		return
	}
	c.audit(r, op, action, id, detail, "ok")
	http.Redirect(w, r, "/console/sessions/"+url.PathEscape(id)+"?done="+action, http.StatusSeeOther)
}

func outcome(err error) string {
	if se, ok := err.(*session.Error); ok {
		return se.Code
	}
	return "error"
}

type pluginsPage struct {
	page
	Plugins []pluginmgr.Info
	Modes   []session.ModeCapabilities
	// CanReload shows the reload button (an admin, with reload wired).
	CanReload bool
}

func (c *Console) handlePlugins(w http.ResponseWriter, r *http.Request, op *operator) {
	c.render(w, http.StatusOK, "plugins", pluginsPage{page: c.base(r, op, "plugins"), Plugins: c.Plugins.Plugins(), Modes: c.Service.SiteModeCapabilities(),
		CanReload: c.Reload != nil && httpapi.RoleRank(op.Role) >= httpapi.RoleRank(httpapi.RoleAdmin)})
}

type siteView struct {
	ID    string
	Modes []modeView
}

type modeView struct {
	ID, Plugin    string
	Configured    bool // enabled in the configuration
	SwitchedOff   bool
	Order         int
	Rules         eligibility.SiteMode
	SwitchedBy    string
	SwitchedAt    time.Time
	Offered       bool
	RefusedReason string
}

type sitesPage struct {
	page
	Sites []siteView
	Cart  url.Values
	// Simulated is set when the cart simulator ran.
	Simulated bool
}

// handleSites explains every site's modes and, with a cart in the query,
// which modes that cart gets and why not the others.
func (c *Console) handleSites(w http.ResponseWriter, r *http.Request, op *operator) {
	ctx := r.Context()
	sw, err := c.Store.ModeSwitches(ctx)
	if err != nil {
		c.failErr(w, r, op, err)
		return
	}
	switched := map[[2]string]session.ModeSwitch{}
	for _, m := range sw {
		switched[[2]string{m.SiteID, m.Mode}] = m
	}
	qv := r.URL.Query()
	pg := sitesPage{page: c.base(r, op, "sites"), Cart: qv}
	simSite := qv.Get("site")
	var sim *eligibility.Result
	if simSite != "" {
		total, perr := strconv.ParseInt(strings.TrimSpace(qv.Get("total")), 10, 64)
		if perr != nil || total < 0 {
			c.fail(w, r, op, http.StatusBadRequest, "err.amount")
			return
		}
		cart := session.CartInput{Type: qv.Get("type"), Currency: strings.ToUpper(qv.Get("currency")), Country: strings.ToUpper(qv.Get("country")),
			Lines: []session.Line{{SKU: "SIM", Label: "simulation", Quantity: 1, UnitAmount: total}}}
		res, err := c.Service.Eligibility(ctx, simSite, cart)
		if err != nil {
			c.failErr(w, r, op, err)
			return
		}
		sim, pg.Simulated = &res, true
	}
	plugins := map[string]string{}
	for _, m := range c.Service.SiteModeCapabilities() {
		plugins[m.Site+"/"+m.Mode] = m.Plugin
	}
	for _, id := range c.Sites {
		site, ok := c.Service.Site(id)
		if !ok {
			continue
		}
		sv := siteView{ID: id}
		for mid, m := range site.Modes {
			mv := modeView{ID: mid, Plugin: plugins[id+"/"+mid], Configured: m.Enabled, Order: m.Order, Rules: m.Eligibility}
			if s, ok := switched[[2]string{id, mid}]; ok {
				mv.SwitchedOff, mv.SwitchedBy, mv.SwitchedAt = !s.Enabled, s.ChangedBy, s.ChangedAt
			}
			if sim != nil && id == simSite {
				allowed, reason := sim.Allows(mid)
				mv.Offered, mv.RefusedReason = allowed, string(reason)
			}
			sv.Modes = append(sv.Modes, mv)
		}
		sort.Slice(sv.Modes, func(i, j int) bool {
			if sv.Modes[i].Order != sv.Modes[j].Order {
				return sv.Modes[i].Order < sv.Modes[j].Order
			}
			return sv.Modes[i].ID < sv.Modes[j].ID
		})
		pg.Sites = append(pg.Sites, sv)
	}
	c.render(w, http.StatusOK, "sites", pg)
}

// handleSwitch switches a configured mode of a site off or back on.
func (c *Console) handleSwitch(w http.ResponseWriter, r *http.Request, op *operator) {
	siteID, mode := r.PathValue("site"), r.PathValue("mode")
	site, ok := c.Service.Site(siteID)
	if !ok {
		c.fail(w, r, op, http.StatusNotFound, "err.mode")
		return
	}
	if m, ok := site.Modes[mode]; !ok || !m.Enabled {
		c.fail(w, r, op, http.StatusNotFound, "err.mode")
		return
	}
	var enabled bool
	switch r.PostFormValue("enabled") {
	case "true":
		enabled = true
	case "false":
	default:
		c.fail(w, r, op, http.StatusBadRequest, "err.action")
		return
	}
	ms := session.ModeSwitch{SiteID: siteID, Mode: mode, Enabled: enabled, ChangedAt: c.Now().UTC(), ChangedBy: op.Name}
	if err := c.Store.SetModeSwitch(r.Context(), ms); err != nil {
		c.audit(r, op, "mode_switch", siteID+"/"+mode, "enabled="+strconv.FormatBool(enabled), "error")
		c.failErr(w, r, op, err)
		return
	}
	c.Switches.Invalidate()
	c.audit(r, op, "mode_switch", siteID+"/"+mode, "enabled="+strconv.FormatBool(enabled), "ok")
	http.Redirect(w, r, "/console/sites?done=switch", http.StatusSeeOther)
}

type auditPage struct {
	page
	Entries []session.AuditEntry
	Next    string
}

func (c *Console) handleAudit(w http.ResponseWriter, r *http.Request, op *operator) {
	f := session.AuditFilter{Actor: r.URL.Query().Get("actor"), Limit: 100}
	if b, err := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64); err == nil {
		f.Before = b
	}
	entries, err := c.Store.Audit(r.Context(), f)
	if err != nil {
		c.failErr(w, r, op, err)
		return
	}
	pg := auditPage{page: c.base(r, op, "audit"), Entries: entries}
	if len(entries) == f.Limit {
		pg.Next = "/console/audit?before=" + strconv.FormatInt(entries[len(entries)-1].ID, 10) + "&actor=" + url.QueryEscape(f.Actor)
	}
	c.render(w, http.StatusOK, "audit", pg)
}

// handleAuditExport downloads the audit log as JSON lines, newest first
// (up to 100,000 entries; the operator API pages further).
func (c *Console) handleAuditExport(w http.ResponseWriter, r *http.Request, op *operator) {
	entries, err := c.Store.Audit(r.Context(), session.AuditFilter{Limit: 100000})
	if err != nil {
		c.failErr(w, r, op, err)
		return
	}
	c.audit(r, op, "audit_export", "", strconv.Itoa(len(entries))+" entries", "ok")
	w.Header().Set("Content-Type", "application/jsonl")
	w.Header().Set("Content-Disposition", `attachment; filename="payhost-audit.jsonl"`)
	enc := json.NewEncoder(w)
	for _, e := range entries {
		if err := enc.Encode(e); err != nil {
			return
		}
	}
}

type reloadPage struct {
	page
	Sites   int
	Changes []pluginChange
}

type pluginChange struct{ Plugin, Change string }

// handleReload re-reads the configuration and the plugins, as
// POST /admin/v1/reload does, and shows what changed or why nothing did.
// The page is rendered, not redirected to: the next request is served by
// the new configuration's console, which does not know this result.
func (c *Console) handleReload(w http.ResponseWriter, r *http.Request, op *operator) {
	res, err := c.Reload(r.Context())
	pg := reloadPage{page: c.base(r, op, "plugins"), Sites: res.Sites}
	if err != nil {
		c.audit(r, op, "reload", "", err.Error(), "reload_failed")
		pg.Error = pg.P.T("err.reload", err.Error())
		c.render(w, http.StatusUnprocessableEntity, "reload", pg)
		return
	}
	var detail []string
	for name, ch := range res.Plugins {
		pg.Changes = append(pg.Changes, pluginChange{Plugin: name, Change: ch})
	}
	sort.Slice(pg.Changes, func(i, j int) bool { return pg.Changes[i].Plugin < pg.Changes[j].Plugin })
	for _, ch := range pg.Changes {
		detail = append(detail, ch.Plugin+"="+ch.Change)
	}
	c.audit(r, op, "reload", "", fmt.Sprintf("sites=%d %s", res.Sites, strings.Join(detail, " ")), "ok")
	pg.Notice = pg.P.T("done.reload")
	c.render(w, http.StatusOK, "reload", pg)
}

// capturedText is what the session's provider took: CapturedAmount after a
// capture; for a session paid at once (a sale) CapturedAmount stays 0 and
// the whole amount was taken; before any payment, nothing ("—").
func capturedText(p *locale.Printer, s *session.Session) string {
	switch {
	case s.CapturedAmount > 0:
		return p.Amount(s.CapturedAmount, s.Currency)
	case s.Status == session.StatusPaid || s.Status == session.StatusPartiallyRefunded || s.Status == session.StatusRefunded:
		return p.Amount(s.Amount, s.Currency)
	}
	return "—"
}
