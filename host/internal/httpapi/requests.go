package httpapi

import (
	"github.com/payhost/payhost/host/internal/checkout"
	"github.com/payhost/payhost/host/internal/session"
	"github.com/payhost/payhost/sdk/payment"
)

// The request bodies of the shop API as the wire spells them (design §6).
// They are declared here, with every key's exact name, rather than reusing
// the service's types: the strict decoder matches keys case-sensitively
// against these tags, and renaming a service field never changes the API.

type cartRequest struct {
	Type           string        `json:"type"`
	Currency       string        `json:"currency"`
	Country        string        `json:"country"`
	Lines          []lineRequest `json:"lines"`
	ShippingAmount int64         `json:"shipping_amount"`
	TotalAmount    *int64        `json:"total_amount"`
}

type lineRequest struct {
	SKU        string `json:"sku"`
	Label      string `json:"label"`
	Quantity   int64  `json:"quantity"`
	UnitAmount int64  `json:"unit_amount"`
	TaxRate    int64  `json:"tax_rate"`
}

type customerRequest struct {
	Email  string `json:"email"`
	Name   string `json:"name"`
	Locale string `json:"locale"`
}

type createRequest struct {
	Mode      string          `json:"mode"`
	OrderRef  string          `json:"order_ref"`
	Cart      cartRequest     `json:"cart"`
	Customer  customerRequest `json:"customer"`
	ReturnURL string          `json:"return_url"`
	CancelURL string          `json:"cancel_url"`
}

type checkoutRequest struct {
	OrderRef  string          `json:"order_ref"`
	Cart      cartRequest     `json:"cart"`
	Customer  customerRequest `json:"customer"`
	ReturnURL string          `json:"return_url"`
	CancelURL string          `json:"cancel_url"`
	ExpiresIn int64           `json:"expires_in"`
}

type eligibilityRequest struct {
	Cart    cartRequest `json:"cart"`
	Explain bool        `json:"explain"`
}

type operationRequest struct {
	Amount int64 `json:"amount"`
}

func (c cartRequest) input() session.CartInput {
	in := session.CartInput{Type: c.Type, Currency: c.Currency, Country: c.Country,
		ShippingAmount: c.ShippingAmount, TotalAmount: c.TotalAmount}
	if c.Lines != nil {
		in.Lines = make([]session.Line, len(c.Lines))
		for i, l := range c.Lines {
			in.Lines[i] = session.Line{SKU: l.SKU, Label: l.Label, Quantity: l.Quantity, UnitAmount: l.UnitAmount, TaxRate: l.TaxRate}
		}
	}
	return in
}

func (c customerRequest) input() payment.Customer {
	return payment.Customer{Email: c.Email, Name: c.Name, Locale: c.Locale}
}

func (r createRequest) input() session.CreateRequest {
	return session.CreateRequest{
		Mode: r.Mode, OrderRef: r.OrderRef, Cart: r.Cart.input(), Customer: r.Customer.input(),
		ReturnURL: r.ReturnURL, CancelURL: r.CancelURL,
	}
}

func (r checkoutRequest) input() checkout.CreateRequest {
	return checkout.CreateRequest{
		OrderRef: r.OrderRef, Cart: r.Cart.input(), Customer: r.Customer.input(),
		ReturnURL: r.ReturnURL, CancelURL: r.CancelURL, ExpiresIn: r.ExpiresIn,
	}
}
