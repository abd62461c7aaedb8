package sandbox

// DirectLink maintenance (maintenancedirect.asp) and query (querydirect.asp),
// written from ogone-operations.md without the plugin's code: the signature
// and the answers are computed here so that a mistake in the plugin cannot
// hide behind the same mistake in its simulator.

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// APIUser is a DirectLink API user of a merchant (User Manager) with the
// account's "Checks for DirectLink": its own SHA-IN passphrase and the
// allowed caller IPs.
type APIUser struct {
	PSPID    string `json:"pspid"`
	UserID   string `json:"userid"`
	Password string `json:"password"`
	// SHAIn is the DirectLink SHA-IN passphrase; the hash algorithm is the
	// merchant's.
	SHAIn string `json:"sha_in"`
	// AllowedIPs lists the callers accepted; empty accepts any.
	AllowedIPs []string `json:"allowed_ips"`
	// Online answers maintenance with its final status at once. Otherwise,
	// as Ogone does, the answer is pending (91, 61, 81) and the final status
	// comes SettleAfter later, announced by a post-sale request.
	Online      bool          `json:"online"`
	SettleAfter time.Duration `json:"settle_after"`
}

// DemoAPIUser is the demo merchant's API user for `make run`.
var DemoAPIUser = APIUser{PSPID: "payhostdemo", UserID: "payhostapi", Password: "demo-api-password",
	SHAIn: "demo-directlink-sha-in", SettleAfter: 3 * time.Second}

// dlSigned are the SHA-IN names DirectLink maintenance and query sign
// (ogone-operations.md §5; PAYIDSUB is not among them).
var dlSigned = map[string]bool{"AMOUNT": true, "CURRENCY": true, "OPERATION": true, "ORDERID": true,
	"PAYID": true, "PSPID": true, "PSWD": true, "USERID": true}

// dlOrder is an order as DirectLink sees it, amounts in AMOUNT units
// (major units × 100).
type dlOrder struct {
	pspid, orderID, payID, currency string
	charset                         string
	feedback                        url.Values // the payment's post-sale fields, for later requests
	authorised, captured, refunded  int64
	status                          string
	// closed: RFS or DES ended the order, no maintenance is accepted.
	// capturesClosed: SAS was the last capture; the order stays open for
	// refunds (the sheet refuses a "capture after close", not a refund).
	closed, capturesClosed bool
	history                []*dlItem // PAYIDSUB = index + 1
}

type dlItem struct {
	operation     string
	amount        int64
	status, final string
}

// directLink holds the DirectLink side of the sandbox.
type directLink struct {
	s      *Server
	mu     sync.Mutex
	users  map[string]APIUser   // by PSPID
	orders map[string]*dlOrder  // by PSPID/PAYID
	drop   map[string]int       // PSPID -> maintenance answers still to drop
	unsure map[string]int       // PSPID -> maintenance answers still to give as uncertain (x2)
	counts map[string]dlCounter // PSPID/PAYID -> maintenance requests applied, by OPERATION
}

type dlCounter map[string]int

// registerDirectLink adds the DirectLink pages and their back office.
func (s *Server) registerDirectLink() {
	d := &directLink{s: s, users: map[string]APIUser{DemoAPIUser.PSPID: DemoAPIUser}, orders: map[string]*dlOrder{},
		drop: map[string]int{}, unsure: map[string]int{}, counts: map[string]dlCounter{}}
	for _, env := range []string{"test", "prod"} {
		s.mux.HandleFunc("POST /ncol/"+env+"/maintenancedirect.asp", d.maintenance)
		s.mux.HandleFunc("POST /ncol/"+env+"/querydirect.asp", d.query)
	}
	s.mux.HandleFunc("POST /backoffice/directlink/users", d.addUser)
	s.mux.HandleFunc("POST /backoffice/directlink/drop", d.nextFaults(d.drop))
	s.mux.HandleFunc("POST /backoffice/directlink/uncertain", d.nextFaults(d.unsure))
	s.mux.HandleFunc("GET /backoffice/directlink/orders", d.showOrder)
}

// answer is one <ncresponse>.
type answer struct {
	orderID, payID, payIDSub, ncStatus, ncError, ncErrorPlus, acceptance, status, amount, currency string
}

func (a answer) write(w http.ResponseWriter) {
	attr := func(name, v string) string {
		var b strings.Builder
		b.WriteString(" " + name + `="`)
		for _, r := range v {
			switch r {
			case '"':
				b.WriteString("&quot;")
			case '&':
				b.WriteString("&amp;")
			case '<':
				b.WriteString("&lt;")
			case '>':
				b.WriteString("&gt;")
			default:
				b.WriteRune(r)
			}
		}
		return b.String() + `"`
	}
	body := `<?xml version="1.0"?>` + "\n<ncresponse" + attr("orderID", a.orderID) + attr("PAYID", a.payID) + attr("PAYIDSUB", a.payIDSub) +
		attr("NCSTATUS", a.ncStatus) + attr("NCERROR", a.ncError) + attr("NCERRORPLUS", a.ncErrorPlus) + attr("ACCEPTANCE", a.acceptance) +
		attr("STATUS", a.status) + attr("amount", a.amount) + attr("currency", a.currency) + attr("PM", "CreditCard") + attr("BRAND", "VISA") + "/>\n"
	w.Header().Set("Content-Type", "text/XML; charset=iso-8859-1")
	io.WriteString(w, dlLatin1(body))
}

func refused(nc, plus string) answer {
	return answer{ncStatus: nc[:1], ncError: nc, ncErrorPlus: plus, status: "0"}
}

// dlRequest is an authenticated DirectLink request.
type dlRequest struct {
	user   APIUser
	params map[string]string // upper-case names
	order  *dlOrder
}

// authenticate runs the checks of §2 in the order a caller meets them and
// finds the order; a zero answer means the request may proceed.
func (d *directLink) authenticate(r *http.Request, query bool) (dlRequest, answer) {
	if err := r.ParseForm(); err != nil {
		return dlRequest{}, refused("50001111", "unreadable request")
	}
	params := map[string]string{}
	var signed []string
	for name, vs := range r.PostForm {
		u := strings.ToUpper(name)
		params[u] = vs[0]
		if dlSigned[u] && vs[0] != "" {
			signed = append(signed, u+"="+vs[0])
		}
	}
	d.mu.Lock()
	user, known := d.users[params["PSPID"]]
	d.mu.Unlock()
	d.s.mu.Lock()
	merchant, hasMerchant := d.s.merchants[params["PSPID"]]
	d.s.mu.Unlock()
	if !known || !hasMerchant {
		return dlRequest{}, refused("50001118", "PSPID not found or not allowed to use DirectLink")
	}
	if ip, _, _ := net.SplitHostPort(r.RemoteAddr); len(user.AllowedIPs) > 0 && !contains(user.AllowedIPs, ip) {
		return dlRequest{}, refused("50001111", "unknown order/1/i/"+ip)
	}
	if subtle.ConstantTimeCompare([]byte(params["USERID"]), []byte(user.UserID)) != 1 ||
		subtle.ConstantTimeCompare([]byte(params["PSWD"]), []byte(user.Password)) != 1 {
		return dlRequest{}, refused("50001119", "password incorrect or user disabled")
	}
	if params["SHASIGN"] == "" {
		return dlRequest{}, refused("50001111", "unknown order/0/s")
	}
	sort.Strings(signed)
	h := dlHash(merchant.Algorithm)
	for _, kv := range signed {
		io.WriteString(h, kv+user.SHAIn)
	}
	want := hex.EncodeToString(h.Sum(nil))
	if subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(params["SHASIGN"]))) != 1 {
		return dlRequest{}, refused("50001111", "unknown order/1/s")
	}
	if params["PAYID"] == "" && params["ORDERID"] == "" {
		return dlRequest{}, refused("50001111", " no orderid")
	}
	o := d.order(merchant, params["PAYID"], params["ORDERID"])
	if o == nil {
		a := refused("50001130", "unknown orderid "+params["ORDERID"]+params["PAYID"]+" for merchant "+merchant.PSPID)
		if query {
			a.status = ""
		}
		return dlRequest{}, a
	}
	return dlRequest{user: user, params: params, order: o}, answer{}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func dlHash(algorithm string) hash.Hash {
	switch algorithm {
	case "SHA-1":
		return sha1.New()
	case "SHA-256":
		return sha256.New()
	}
	return sha512.New()
}

// order finds a settled order of the hosted page by PAYID or ORDERID, and
// takes it over on first use. Caller must not hold d.mu.
func (d *directLink) order(m Merchant, payID, orderID string) *dlOrder {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, o := range d.orders {
		if o.pspid == m.PSPID && ((payID != "" && o.payID == payID) || (payID == "" && o.orderID == orderID)) {
			return o
		}
	}
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	for _, st := range d.s.last {
		v := st.values
		if st.m.PSPID != m.PSPID || (payID != "" && v.Get("PAYID") != payID) || (payID == "" && v.Get("orderID") != orderID) {
			continue
		}
		status := v.Get("STATUS")
		if status != "5" && status != "9" {
			return nil // refused, cancelled or uncertain: nothing to maintain
		}
		amount := dlMinor(v.Get("amount"))
		o := &dlOrder{pspid: m.PSPID, orderID: v.Get("orderID"), payID: v.Get("PAYID"), currency: v.Get("currency"),
			charset: st.charset, feedback: v, authorised: amount, status: status}
		if status == "9" {
			o.captured = amount
		}
		d.orders[m.PSPID+"/"+o.payID] = o
		return o
	}
	return nil
}

// dlMinor reads a feedback amount in major units ("19.08", "4") as AMOUNT
// units (× 100).
func dlMinor(major string) int64 {
	whole, frac, _ := strings.Cut(major, ".")
	frac = (frac + "00")[:2]
	n, _ := strconv.ParseInt(whole+frac, 10, 64)
	return n
}

// dlMajor writes AMOUNT units as the answers do: major units, no trailing
// zeros ("4", "19.08", "0.5").
func dlMajor(n int64) string {
	s := fmt.Sprintf("%d.%02d", n/100, n%100)
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}

// pending and final statuses of each maintenance operation.
var dlStatuses = map[string][2]string{
	"SAS": {"91", "9"}, "SAL": {"91", "9"},
	"RFD": {"81", "8"}, "RFS": {"81", "8"},
	"DES": {"61", "6"}, "DEL": {"61", "6"},
}

func (d *directLink) maintenance(w http.ResponseWriter, r *http.Request) {
	req, refusal := d.authenticate(r, false)
	if refusal.ncError != "" {
		refusal.write(w)
		return
	}
	op := strings.ToUpper(req.params["OPERATION"])
	var amount int64
	if a := req.params["AMOUNT"]; a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil || n <= 0 {
			refused("50001111", "invalid AMOUNT").write(w)
			return
		}
		amount = n
	}
	d.mu.Lock()
	o := req.order
	a, item := d.apply(o, op, amount)
	if item == nil {
		d.mu.Unlock()
		a.write(w)
		return
	}
	key := o.pspid + "/" + o.payID
	if d.counts[key] == nil {
		d.counts[key] = dlCounter{}
	}
	d.counts[key][op]++
	drop := d.drop[o.pspid] > 0
	if drop {
		d.drop[o.pspid]--
	}
	if d.unsure[o.pspid] > 0 {
		// An unrecoverable communication error with the acquirer: the
		// answer says uncertain (92, 82, 62, 72), the item settles later.
		d.unsure[o.pspid]--
		a.ncStatus, a.status = "2", a.status[:1]+"2"
	}
	sub := len(o.history)
	settleAfter := req.user.SettleAfter
	if !req.user.Online {
		time.AfterFunc(settleAfter, func() { d.settle(o, sub) })
	}
	d.mu.Unlock()
	if drop {
		// Lost answer: the operation is applied, the connection closed
		// without a reply.
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	a.write(w)
}

// apply checks and records one maintenance request under d.mu; item is nil
// when the request is refused.
func (d *directLink) apply(o *dlOrder, op string, amount int64) (answer, *dlItem) {
	st, ok := dlStatuses[op]
	if !ok {
		return refused("50001111", "invalid OPERATION "+op), nil
	}
	notAllowed := refused("50001127", "|this order is not authorized|")
	if o.closed {
		return notAllowed, nil
	}
	switch op {
	case "SAS", "SAL":
		if o.capturesClosed || o.captured >= o.authorised { // a sale, fully captured, or after the last capture
			return notAllowed, nil
		}
		if amount == 0 {
			amount = o.authorised - o.captured
		}
		if amount > o.authorised-o.captured {
			return refused("50001126", "Overflow in data capture requests"), nil
		}
		o.captured += amount
		o.capturesClosed = op == "SAS"
	case "RFD", "RFS":
		if o.captured == 0 {
			return notAllowed, nil // refund before capture
		}
		if amount == 0 {
			amount = o.captured - o.refunded
		}
		if amount > o.captured-o.refunded {
			return refused("50001129", "Overflow in refunds requests"), nil
		}
		o.refunded += amount
		o.closed = op == "RFS"
	case "DES", "DEL":
		switch {
		case o.captured == 0:
		case o.refunded == 0:
			st = [2]string{"71", "7"} // deleting a captured payment
		default:
			return notAllowed, nil
		}
		amount = o.authorised
		o.closed = op == "DES"
	}
	item := &dlItem{operation: op, amount: amount, status: st[0], final: st[1]}
	if d.users[o.pspid].Online {
		item.status = item.final
	}
	o.history = append(o.history, item)
	o.status = item.status
	return answer{orderID: o.orderID, payID: o.payID, payIDSub: strconv.Itoa(len(o.history)), ncStatus: "0", ncError: "0",
		ncErrorPlus: "!", acceptance: o.feedback.Get("ACCEPTANCE"), status: item.status, amount: dlMajor(amount), currency: o.currency}, item
}

// settle moves a pending history item to its final status and sends the
// post-sale request, as Ogone does for status changes.
func (d *directLink) settle(o *dlOrder, sub int) {
	d.mu.Lock()
	item := o.history[sub-1]
	item.status = item.final
	if sub == len(o.history) {
		o.status = item.status
	}
	d.s.mu.Lock()
	m, ok := d.s.merchants[o.pspid] // the back office's configuration now
	d.s.mu.Unlock()
	values, pass := d.postSaleValues(o, m, sub, item)
	d.mu.Unlock()
	if ok && m.PostSaleURL != "" {
		values.Set("SHASIGN", pass)
		d.s.postSale(m, o.orderID, values, 1)
	}
}

// postSaleValues builds the post-sale request of a history item, signed
// with SHA-OUT (every field sent is in the SHA-OUT list).
func (d *directLink) postSaleValues(o *dlOrder, m Merchant, sub int, item *dlItem) (url.Values, string) {
	fields := map[string]string{"orderID": o.orderID, "currency": o.currency, "amount": dlMajor(item.amount), "PM": "CreditCard",
		"ACCEPTANCE": o.feedback.Get("ACCEPTANCE"), "STATUS": item.status, "CARDNO": o.feedback.Get("CARDNO"), "PAYID": o.payID,
		"PAYIDSUB": strconv.Itoa(sub), "NCERROR": "0", "BRAND": "VISA", "COMPLUS": o.feedback.Get("COMPLUS"),
		"TRXDATE": time.Now().UTC().Format("01/02/06")}
	pass := m.SHAOut
	if o.charset == "ISO-8859-1" {
		pass = dlLatin1(pass)
	}
	values := url.Values{}
	var signed []string
	for k, v := range fields {
		if v == "" {
			continue
		}
		values.Set(k, v)
		signed = append(signed, strings.ToUpper(k)+"="+v)
	}
	sort.Strings(signed)
	h := dlHash(m.Algorithm)
	for _, kv := range signed {
		io.WriteString(h, kv+pass)
	}
	return values, strings.ToUpper(hex.EncodeToString(h.Sum(nil)))
}

func (d *directLink) query(w http.ResponseWriter, r *http.Request) {
	req, refusal := d.authenticate(r, true)
	if refusal.ncError != "" {
		refusal.write(w)
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	o := req.order
	a := answer{orderID: o.orderID, payID: o.payID, ncStatus: "0", ncError: "0", ncErrorPlus: "!",
		acceptance: o.feedback.Get("ACCEPTANCE"), currency: o.currency}
	if s := req.params["PAYIDSUB"]; s != "" && s != "0" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > len(o.history) {
			a := refused("50001131", "error accessing history item "+s)
			a.status = ""
			a.write(w)
			return
		}
		item := o.history[n-1]
		a.payIDSub, a.status, a.amount = s, item.status, dlMajor(item.amount)
		a.write(w)
		return
	}
	a.payIDSub, a.status, a.amount = strconv.Itoa(len(o.history)), o.status, dlMajor(o.authorised)
	a.write(w)
}

func (d *directLink) addUser(w http.ResponseWriter, r *http.Request) {
	var u APIUser
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&u); err != nil || u.PSPID == "" || u.UserID == "" || u.Password == "" || u.SHAIn == "" {
		http.Error(w, "pspid, userid, password and sha_in are required", http.StatusBadRequest)
		return
	}
	d.mu.Lock()
	d.users[u.PSPID] = u
	d.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// nextFaults sets, per merchant (pspid), how many of the next maintenance
// requests get a fault: in drop, the answer is lost after being applied;
// in unsure, the answer is uncertain (NCSTATUS 2, STATUS x2) while the
// operation goes through.
func (d *directLink) nextFaults(faults map[string]int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.FormValue("count"))
		if err != nil || n < 0 || r.FormValue("pspid") == "" {
			http.Error(w, "pspid and count are required", http.StatusBadRequest)
			return
		}
		d.mu.Lock()
		faults[r.FormValue("pspid")] = n
		d.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}
}

// OrderView is an order's DirectLink state, for tests.
type OrderView struct {
	PayID      string `json:"payid"`
	Status     string `json:"status"`
	Authorised int64  `json:"authorised"`
	Captured   int64  `json:"captured"`
	Refunded   int64  `json:"refunded"`
	Closed     bool   `json:"closed"`
	// CapturesClosed: after SAS, the last capture (refunds still accepted).
	CapturesClosed bool           `json:"captures_closed"`
	History        []ItemView     `json:"history"`
	Requests       map[string]int `json:"requests"` // maintenance requests applied, by OPERATION
}

// ItemView is one history item (PAYIDSUB = index + 1).
type ItemView struct {
	Operation string `json:"operation"`
	Amount    int64  `json:"amount"`
	Status    string `json:"status"`
}

func (d *directLink) showOrder(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var o *dlOrder
	for _, x := range d.orders {
		if x.pspid == r.FormValue("pspid") && (x.payID == r.FormValue("payid") || x.orderID == r.FormValue("orderid")) {
			o = x
		}
	}
	if o == nil {
		http.Error(w, "no DirectLink order with this pspid and payid or orderid", http.StatusNotFound)
		return
	}
	v := OrderView{PayID: o.payID, Status: o.status, Authorised: o.authorised, Captured: o.captured, Refunded: o.refunded,
		Closed: o.closed, CapturesClosed: o.capturesClosed, History: []ItemView{}, Requests: map[string]int{}}
	for _, it := range o.history {
		v.History = append(v.History, ItemView{Operation: it.operation, Amount: it.amount, Status: it.status})
	}
	for k, n := range d.counts[o.pspid+"/"+o.payID] {
		v.Requests[k] = n
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// dlLatin1 encodes UTF-8 text as ISO-8859-1 ('?' for what it lacks).
func dlLatin1(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xFF {
			r = '?'
		}
		b = append(b, byte(r))
	}
	return string(b)
}
