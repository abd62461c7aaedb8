package paypal

import (
	"context"

	"github.com/payhost/payhost/sdk/payment"
)

// order is the part of an Orders v2 order the plugin reads.
type order struct {
	ID            string `json:"id"`
	Status        string `json:"status"`
	PurchaseUnits []struct {
		ReferenceID string `json:"reference_id"`
		CustomID    string `json:"custom_id"`
		InvoiceID   string `json:"invoice_id"`
		Payments    struct {
			Captures []capture `json:"captures"`
		} `json:"payments"`
	} `json:"purchase_units"`
	Links []struct {
		Href string `json:"href"`
		Rel  string `json:"rel"`
	} `json:"links"`
}

type money struct {
	CurrencyCode string `json:"currency_code"`
	Value        string `json:"value"`
}

type capture struct {
	ID            string `json:"id"`
	Status        string `json:"status"`
	Amount        money  `json:"amount"`
	CustomID      string `json:"custom_id"`
	InvoiceID     string `json:"invoice_id"`
	StatusDetails struct {
		Reason string `json:"reason"`
	} `json:"status_details"`
	SupplementaryData struct {
		RelatedIDs struct {
			OrderID string `json:"order_id"`
		} `json:"related_ids"`
	} `json:"supplementary_data"`
}

// Begin creates the order (idempotent per session) and sends the buyer to
// its approval link.
func (p *Provider) Begin(ctx context.Context, req payment.BeginRequest) (payment.BeginResponse, error) {
	s := req.Session
	c, err := p.client(req.Config)
	if err != nil {
		return payment.BeginResponse{}, err
	}
	value, ok := formatValue(s.Amount, s.Currency)
	if !ok || s.Amount <= 0 {
		return payment.BeginResponse{}, payment.Errorf(payment.CodeInvalidRequest, "PayPal cannot take %d %s (minor units)", s.Amount, s.Currency)
	}
	experience := map[string]any{
		"user_action": "PAY_NOW", "return_url": s.URLs.Return, "cancel_url": s.URLs.Cancel,
		"landing_page": req.Config[keyLandingPage], "shipping_preference": "NO_SHIPPING",
	}
	if b := req.Config[keyBrandName]; b != "" {
		experience["brand_name"] = b
	}
	if l := s.Customer.Locale; len(l) == 5 && l[2] == '-' {
		experience["locale"] = l
	}
	body := map[string]any{
		"intent": "CAPTURE",
		"purchase_units": []map[string]any{{
			"reference_id": s.Reference,
			"custom_id":    s.Reference,
			"invoice_id":   s.Reference,
			"description":  truncate(s.OrderRef, 127),
			"amount":       money{CurrencyCode: s.Currency, Value: value},
		}},
		"payment_source": map[string]any{"paypal": map[string]any{"experience_context": experience}},
	}
	var o order
	// The request id makes a retried Begin (after a timeout) return the
	// order created the first time instead of a second one.
	if err := c.call(ctx, "POST", "/v2/checkout/orders", "payhost-order-"+s.ID, body, &o); err != nil {
		return payment.BeginResponse{}, err
	}
	link := ""
	for _, l := range o.Links {
		if l.Rel == "payer-action" || (l.Rel == "approve" && link == "") {
			link = l.Href
		}
	}
	if o.ID == "" || link == "" {
		return payment.BeginResponse{}, payment.Errorf(payment.CodeProviderUnavailable, "PayPal created no order or no approval link")
	}
	// The order id is kept as provider data; the transaction id is the
	// capture's, set when the capture settles the session.
	return payment.BeginResponse{RedirectURL: link, ProviderData: map[string]string{"order_id": o.ID}}, nil
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}
