package ogone

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/payhost/payhost/sdk/payment"
)

// DirectLink pages, under the environment's base URL (…/ncol/test/ or
// …/ncol/prod/, the same base as the hosted page).
const (
	pageMaintenance = "maintenancedirect.asp"
	pageQuery       = "querydirect.asp"
)

// Maintenance operations (OPERATION on maintenancedirect.asp).
const (
	opCaptureLast  = "SAS" // last or full capture: closes the order
	opRefund       = "RFD" // partial refund: more may follow
	opRefundLast   = "RFS" // last or full refund: closes the order
	opDeleteClose  = "DES" // delete the authorisation and close
	maxHistoryItem = 99    // bound on the PAYIDSUB scan of a retry
)

// directLink is a configuration's DirectLink account.
type directLink struct {
	base, pspid, user, password, shaIn, algorithm string
}

func directLinkFrom(cfg payment.Config) (directLink, error) {
	if directLinkKeys(cfg) != 3 {
		return directLink{}, payment.Errorf(payment.CodeUnsupported, "%s", noDirectLink)
	}
	page, ok := pageURL(cfg)
	if !ok {
		return directLink{}, payment.Errorf(payment.CodeInvalidConfig, "environment: not a usable base URL")
	}
	return directLink{base: page[:strings.LastIndex(page, "/")+1], pspid: cfg[keyPSPID], user: cfg[keyDLUser],
		password: cfg[keyDLPassword], shaIn: cfg[keyDLSHAIn], algorithm: cfg[keyAlgorithm]}, nil
}

// body is the form a DirectLink page receives: the fields plus PSPID,
// USERID and PSWD, names sorted, empty values left out, and SHASIGN (SHA-IN
// over the same fields with the DirectLink passphrase) last.
func (d directLink) body(fields []Param) string {
	all := append([]Param{{"PSPID", d.pspid}, {"USERID", d.user}, {"PSWD", d.password}}, fields...)
	sent := all[:0]
	for _, p := range all {
		if p.Value != "" {
			sent = append(sent, p)
		}
	}
	sort.Slice(sent, func(i, j int) bool { return strings.ToUpper(sent[i].Name) < strings.ToUpper(sent[j].Name) })
	var b strings.Builder
	for _, p := range sent {
		b.WriteString(url.QueryEscape(p.Name) + "=" + url.QueryEscape(p.Value) + "&")
	}
	b.WriteString("SHASIGN=" + Sign(sent, d.shaIn, d.algorithm, shaIn))
	return b.String()
}

// reply is a DirectLink answer: the attributes of <ncresponse>, names
// upper-cased.
type reply map[string]string

// UnmarshalXML reads the attributes leniently: any case, any order,
// unknown ones kept but ignored.
func (r *reply) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	*r = reply{}
	for _, a := range start.Attr {
		(*r)[strings.ToUpper(a.Name.Local)] = a.Value
	}
	return d.Skip()
}

// call posts fields to a DirectLink page and reads the XML answer. Without
// a usable answer the request may still have been processed: the error is
// a timeout or provider_unavailable, never a refusal.
func (p *Provider) call(ctx context.Context, d directLink, page string, fields []Param) (reply, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.base+page, strings.NewReader(d.body(fields)))
	if err != nil {
		return nil, payment.Errorf(payment.CodeInvalidConfig, "DirectLink URL: %v", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := p.client.Do(req)
	if err != nil {
		// The error text names the URL, never the body (credentials).
		code := payment.CodeProviderUnavailable
		if ctx.Err() != nil {
			code = payment.CodeTimeout
		}
		return nil, payment.Errorf(code, "%s: %v", page, redactURLError(err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, payment.Errorf(payment.CodeProviderUnavailable, "%s: reading the answer: %v", page, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, payment.Errorf(payment.CodeProviderUnavailable, "%s answered HTTP %d", page, resp.StatusCode)
	}
	r, err := parseReply(raw, resp.Header.Get("Content-Type"))
	if err != nil {
		return nil, payment.Errorf(payment.CodeProviderUnavailable, "%s: %v", page, err)
	}
	return r, nil
}

// redactURLError keeps the failure's cause without the request.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// parseReply reads <ncresponse …/>. The answer is ISO-8859-1 unless its
// Content-Type says otherwise.
func parseReply(raw []byte, contentType string) (reply, error) {
	charset := CharsetLatin1
	if _, params, err := mime.ParseMediaType(contentType); err == nil && strings.EqualFold(params["charset"], "utf-8") {
		charset = CharsetUTF8
	}
	text := DecodeCharset(string(raw), charset)
	dec := xml.NewDecoder(strings.NewReader(text))
	// Already UTF-8: the declaration's encoding is ignored.
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("no <ncresponse> in the answer")
		}
		if se, ok := tok.(xml.StartElement); ok {
			if !strings.EqualFold(se.Name.Local, "ncresponse") {
				return nil, fmt.Errorf("answer is <%s>, not <ncresponse>", se.Name.Local)
			}
			var r reply
			if err := r.UnmarshalXML(dec, se); err != nil {
				return nil, fmt.Errorf("unreadable <ncresponse>: %v", err)
			}
			return r, nil
		}
	}
}

// ncError is what an answer's NCERROR (and NCSTATUS) says about whether the
// request was carried out.
type ncError int

const (
	ncAccepted ncError = iota // read STATUS
	ncRejected                // documented refusal: nothing was done
	ncUnknown                 // uncertain, technical or undocumented: ask again later
	ncNotFound                // 50001130 / 50001131: no such order or history item
)

// rejectedCodes are the documented NCERRORs of a maintenance or query that
// was not carried out (ogone-operations.md §7).
var rejectedCodes = map[string]string{
	"50001111": "data validation error",
	"50001113": "order already processed",
	"50001116": "unknown origin IP",
	"50001117": "no origin IP",
	"50001118": "PSPID not found or incorrect",
	"50001119": "API user password incorrect or disabled",
	"50001126": "overflow in data capture requests",
	"50001127": "the order is not in a state allowing this operation",
	"50001128": "missing authorisation code",
	"50001129": "overflow in refunds requests",
	"50001184": "SHA-IN mismatch",
}

// retryableCodes are the acquirer or platform technical errors after which
// the state is unknown (Odoo's retryable list).
var retryableCodes = map[string]bool{
	"30001010": true, "30001011": true, "30001015": true, "30001057": true, "30001058": true,
	"30001998": true, "30001999": true, "30961001": true,
}

func classify(r reply) (ncError, string) {
	nc := strings.TrimSpace(r["NCERROR"])
	if len(nc) > 8 {
		nc = strings.TrimLeft(nc, "0") // Odoo's ten-digit spelling 0020001xxx
	}
	msg := strings.TrimSpace(r["NCERRORPLUS"])
	switch {
	case r["NCSTATUS"] == "2":
		return ncUnknown, "uncertain (NCSTATUS 2): " + msg
	case nc == "" || nc == "0":
		return ncAccepted, ""
	case nc == "50001130" || nc == "50001131":
		return ncNotFound, msg
	case rejectedCodes[nc] != "":
		return ncRejected, rejectedCodes[nc] + ": " + msg
	case strings.HasPrefix(nc, "20001"), strings.HasPrefix(nc, "40001"), retryableCodes[nc]:
		return ncUnknown, "technical error, state unknown: " + msg
	case len(nc) == 8 && nc[0] == '3':
		return ncRejected, "refused by the acquirer: " + msg
	}
	return ncUnknown, "undocumented NCERROR " + nc + ": " + msg
}
