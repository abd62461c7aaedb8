package paypal

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/payhost/payhost/sdk/payment"
)

// event is a webhook envelope.
type event struct {
	ID           string          `json:"id"`
	EventType    string          `json:"event_type"`
	ResourceType string          `json:"resource_type"`
	Resource     json.RawMessage `json:"resource"`
}

// webhookHeaders are the transmission headers PayPal signs with.
type webhookHeaders struct {
	transmissionID, transmissionTime, transmissionSig, certURL, authAlgo string
}

func headersOf(r payment.HTTPRequest) webhookHeaders {
	return webhookHeaders{
		transmissionID:   r.HeaderValue("Paypal-Transmission-Id"),
		transmissionTime: r.HeaderValue("Paypal-Transmission-Time"),
		transmissionSig:  r.HeaderValue("Paypal-Transmission-Sig"),
		certURL:          r.HeaderValue("Paypal-Cert-Url"),
		authAlgo:         r.HeaderValue("Paypal-Auth-Algo"),
	}
}

// SignedString is what PayPal signs: transmission id, time, the listener's
// webhook id and the CRC32 of the raw body as an unsigned decimal, joined
// with '|'.
func SignedString(transmissionID, transmissionTime, webhookID string, body []byte) string {
	return transmissionID + "|" + transmissionTime + "|" + webhookID + "|" + strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10)
}

// VerifySignature checks a transmission signature (Base64 RSASSA-PKCS1-v1_5
// with SHA-256) with the certificate's public key.
func VerifySignature(cert *x509.Certificate, signed, sigB64 string) error {
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return fmt.Errorf("the certificate does not hold an RSA key")
	}
	sig, err := base64.StdEncoding.DecodeString(sigB64)
	if err != nil {
		return fmt.Errorf("the signature is not Base64")
	}
	sum := sha256.Sum256([]byte(signed))
	return rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig)
}

// certAllowed says whether a certificate URL may be fetched: https on a
// PayPal host, or, for the local sandbox only, a URL under its base.
func certAllowed(certURL, env string) bool {
	u, err := url.Parse(certURL)
	if err != nil || u.User != nil {
		return false
	}
	if base, local, _ := apiBase(env); local {
		return strings.HasPrefix(certURL, base+"/")
	}
	host := strings.ToLower(u.Hostname())
	return u.Scheme == "https" && (host == "paypal.com" || strings.HasSuffix(host, ".paypal.com")) && (u.Port() == "" || u.Port() == "443")
}

// certificate fetches (once) and checks the certificate at certURL: its
// validity at now, and for PayPal's environments its name and chain.
func (p *Provider) certificate(ctx context.Context, certURL, env string) (*x509.Certificate, error) {
	p.certMu.Lock()
	cert, ok := p.certs[certURL]
	p.certMu.Unlock()
	if !ok {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, certURL, nil)
		if err != nil {
			return nil, err
		}
		resp, err := p.http.Do(req)
		if err != nil {
			return nil, fmt.Errorf("fetching the certificate: %s", redactURL(err))
		}
		defer resp.Body.Close()
		raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil || resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("fetching the certificate: HTTP %d", resp.StatusCode)
		}
		chain, err := parseChain(raw)
		if err != nil {
			return nil, err
		}
		cert = chain[0]
		if _, local, _ := apiBase(env); !local {
			if err := p.checkPayPalCert(chain); err != nil {
				return nil, err
			}
		}
		p.certMu.Lock()
		p.certs[certURL] = cert
		p.certMu.Unlock()
	}
	now := p.now()
	if now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
		return nil, fmt.Errorf("the certificate is not valid at %s", now.UTC().Format(time.RFC3339))
	}
	return cert, nil
}

func parseChain(raw []byte) ([]*x509.Certificate, error) {
	var chain []*x509.Certificate
	for {
		var block *pem.Block
		block, raw = pem.Decode(raw)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parsing the certificate: %v", err)
		}
		chain = append(chain, c)
	}
	if len(chain) == 0 {
		return nil, fmt.Errorf("no certificate in the answer")
	}
	return chain, nil
}

// checkPayPalCert checks the leaf is PayPal's message verification
// certificate and chains to a trusted root.
func (p *Provider) checkPayPalCert(chain []*x509.Certificate) error {
	leaf := chain[0]
	cn := strings.ToLower(leaf.Subject.CommonName)
	if !strings.HasPrefix(cn, "messageverificationcerts.") || !strings.HasSuffix(cn, ".paypal.com") {
		return fmt.Errorf("the certificate is issued to %q, not PayPal's message verification", leaf.Subject.CommonName)
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{Roots: p.roots, Intermediates: inter, CurrentTime: p.now(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil {
		return fmt.Errorf("the certificate chain does not verify: %v", err)
	}
	return nil
}

// verifyWebhook checks a webhook with the configured method. Every
// transmission header PayPal sends is required, whichever the method: a
// webhook that lost one is not a PayPal webhook.
func (p *Provider) verifyWebhook(ctx context.Context, cfg payment.Config, r payment.HTTPRequest) error {
	h := headersOf(r)
	if h.transmissionID == "" || h.transmissionTime == "" || h.transmissionSig == "" || h.certURL == "" || h.authAlgo == "" {
		return payment.Errorf(payment.CodeInvalidSignature, "PayPal transmission headers missing")
	}
	if cfg[keyWebhookID] == "" {
		return payment.Errorf(payment.CodeInvalidSignature, "no webhook_id configured")
	}
	if cfg[keyVerification] == VerifyAPI {
		return p.verifyByAPI(ctx, cfg, h, r.Body)
	}
	if h.authAlgo != "SHA256withRSA" {
		return payment.Errorf(payment.CodeInvalidSignature, "unsupported auth algorithm %q", h.authAlgo)
	}
	if !certAllowed(h.certURL, cfg[keyEnvironment]) {
		return payment.Errorf(payment.CodeInvalidSignature, "certificate URL outside PayPal's hosts")
	}
	cert, err := p.certificate(ctx, h.certURL, cfg[keyEnvironment])
	if err != nil {
		return payment.Errorf(payment.CodeInvalidSignature, "%v", err)
	}
	if err := VerifySignature(cert, SignedString(h.transmissionID, h.transmissionTime, cfg[keyWebhookID], r.Body), h.transmissionSig); err != nil {
		return payment.Errorf(payment.CodeInvalidSignature, "the webhook signature does not verify")
	}
	return nil
}

func (p *Provider) verifyByAPI(ctx context.Context, cfg payment.Config, h webhookHeaders, body []byte) error {
	c, err := p.client(cfg)
	if err != nil {
		return err
	}
	req := map[string]any{
		"auth_algo": h.authAlgo, "cert_url": h.certURL, "transmission_id": h.transmissionID,
		"transmission_sig": h.transmissionSig, "transmission_time": h.transmissionTime,
		"webhook_id": cfg[keyWebhookID], "webhook_event": json.RawMessage(body),
	}
	var out struct {
		VerificationStatus string `json:"verification_status"`
	}
	if err := c.call(ctx, "POST", "/v1/notifications/verify-webhook-signature", "", req, &out); err != nil {
		return err
	}
	if out.VerificationStatus != "SUCCESS" {
		return payment.Errorf(payment.CodeInvalidSignature, "PayPal says the webhook signature is %s", out.VerificationStatus)
	}
	return nil
}

// resourceIDs reads what links a webhook to a session.
type resourceIDs struct {
	ID                string `json:"id"`
	CustomID          string `json:"custom_id"`
	InvoiceID         string `json:"invoice_id"`
	SupplementaryData struct {
		RelatedIDs struct {
			OrderID string `json:"order_id"`
		} `json:"related_ids"`
	} `json:"supplementary_data"`
	PurchaseUnits []struct {
		CustomID string `json:"custom_id"`
	} `json:"purchase_units"`
}

// IdentifyCallback reads the session reference from the event's resource
// (custom_id, which Begin sets to the reference). Unverified.
func (p *Provider) IdentifyCallback(_ context.Context, req payment.IdentifyCallbackRequest) (payment.IdentifyCallbackResponse, error) {
	var ev event
	if err := json.Unmarshal(req.Request.Body, &ev); err != nil || ev.ID == "" {
		return payment.IdentifyCallbackResponse{}, payment.Errorf(payment.CodeInvalidRequest, "not a PayPal webhook event")
	}
	var r resourceIDs
	_ = json.Unmarshal(ev.Resource, &r)
	ref := firstNonEmpty(r.CustomID, r.InvoiceID)
	if ref == "" && len(r.PurchaseUnits) > 0 {
		ref = r.PurchaseUnits[0].CustomID
	}
	if ref == "" {
		return payment.IdentifyCallbackResponse{}, payment.Errorf(payment.CodeInvalidRequest, "event %s names no payhost reference", ev.ID)
	}
	return payment.IdentifyCallbackResponse{Reference: ref}, nil
}

// HandleNotification verifies the webhook, then turns it into an outcome.
// CHECKOUT.ORDER.APPROVED captures (the return may never come);
// PAYMENT.CAPTURE.* report the capture's fate.
func (p *Provider) HandleNotification(ctx context.Context, req payment.CallbackRequest) (payment.CallbackResponse, error) {
	if err := p.verifyWebhook(ctx, req.Config, req.Request); err != nil {
		return payment.CallbackResponse{}, err
	}
	var ev event
	if err := json.Unmarshal(req.Request.Body, &ev); err != nil {
		return payment.CallbackResponse{}, payment.Errorf(payment.CodeInvalidRequest, "the event is not JSON")
	}
	ok := payment.HTTPResponse{StatusCode: 200}
	var ids resourceIDs
	_ = json.Unmarshal(ev.Resource, &ids)
	s := req.Session
	switch ev.EventType {
	case "CHECKOUT.ORDER.APPROVED":
		if ids.ID != orderID(s) {
			return payment.CallbackResponse{}, payment.Errorf(payment.CodeInvalidRequest, "the event is about another order")
		}
		c, err := p.client(req.Config)
		if err != nil {
			return payment.CallbackResponse{}, err
		}
		o, err := p.capture(ctx, c, s)
		if err != nil {
			return payment.CallbackResponse{}, err
		}
		if o != nil {
			o.Payload["event_id"] = ev.ID
		}
		return payment.CallbackResponse{Outcome: o, Response: ok}, nil
	case "PAYMENT.CAPTURE.COMPLETED", "PAYMENT.CAPTURE.PENDING", "PAYMENT.CAPTURE.DENIED", "PAYMENT.CAPTURE.DECLINED":
		var cp capture
		if err := json.Unmarshal(ev.Resource, &cp); err != nil {
			return payment.CallbackResponse{}, payment.Errorf(payment.CodeInvalidRequest, "unreadable capture resource")
		}
		if oid := cp.SupplementaryData.RelatedIDs.OrderID; oid != "" && oid != orderID(s) {
			return payment.CallbackResponse{}, payment.Errorf(payment.CodeInvalidRequest, "the capture belongs to another order")
		}
		o, err := captureOutcome(cp, s)
		if err != nil {
			return payment.CallbackResponse{}, err
		}
		o.Payload["event_id"] = ev.ID
		return payment.CallbackResponse{Outcome: o, Response: ok}, nil
	case "PAYMENT.CAPTURE.REFUNDED", "PAYMENT.CAPTURE.REVERSED":
		// The resource is the refund; the session's capture is refunded in
		// part or in full. The host compares with what it recorded.
		var rf struct {
			ID     string `json:"id"`
			Status string `json:"status"`
			Amount money  `json:"amount"`
		}
		if err := json.Unmarshal(ev.Resource, &rf); err != nil || rf.ID == "" {
			return payment.CallbackResponse{}, payment.Errorf(payment.CodeInvalidRequest, "unreadable refund resource")
		}
		amount, err := parseValue(rf.Amount.Value, rf.Amount.CurrencyCode)
		if err != nil || amount <= 0 {
			return payment.CallbackResponse{}, payment.Errorf(payment.CodeInvalidRequest, "the refund %s states no valid amount", rf.ID)
		}
		status := payment.StatusRefunded
		if amount < s.Amount {
			status = payment.StatusPartiallyRefunded
		}
		// The outcome describes the refund (see payment.Outcome): its
		// amount and currency, and PayPal's refund id.
		return payment.CallbackResponse{Outcome: &payment.Outcome{Status: status, Verified: true, Reference: s.Reference,
			Amount: amount, Currency: rf.Amount.CurrencyCode, ProviderTransactionID: rf.ID,
			ResponseCode: ev.EventType, ResponseMessage: "refund " + rf.ID + " " + rf.Status,
			Payload: map[string]string{"event_id": ev.ID, "refund_id": rf.ID}}, Response: ok}, nil
	}
	// Other events are acknowledged and recorded without a state change.
	return payment.CallbackResponse{Outcome: &payment.Outcome{Verified: true, ResponseCode: ev.EventType,
		Payload: map[string]string{"event_id": ev.ID}}, Response: ok}, nil
}
