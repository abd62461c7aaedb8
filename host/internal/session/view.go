package session

import (
	"time"

	"github.com/payhost/payhost/sdk/payment"
)

// View is a session as the shop API and webhooks show it.
type View struct {
	ID     string `json:"id"`
	Site   string `json:"site"`
	Status Status `json:"status"`
	// Livemode is false for a session of a test-mode site: no money moved.
	Livemode              bool              `json:"livemode"`
	Mode                  string            `json:"mode"`
	Plugin                string            `json:"plugin"`
	Kind                  payment.Kind      `json:"kind"`
	Amount                int64             `json:"amount"`
	Currency              string            `json:"currency"`
	OrderRef              string            `json:"order_ref"`
	Reference             string            `json:"reference"`
	RedirectURL           string            `json:"redirect_url"`
	Instructions          *InstructionsView `json:"instructions"`
	ProviderTransactionID string            `json:"provider_transaction_id,omitempty"`
	Cart                  Cart              `json:"cart"`
	Customer              CustomerView      `json:"customer"`
	ReturnURL             string            `json:"return_url"`
	CancelURL             string            `json:"cancel_url"`
	CheckoutID            string            `json:"checkout_id,omitempty"`
	CreatedAt             time.Time         `json:"created_at"`
	UpdatedAt             time.Time         `json:"updated_at"`
	ExpiresAt             time.Time         `json:"expires_at"`
	RefundedAmount        int64             `json:"refunded_amount"`
	CapturedAmount        int64             `json:"captured_amount,omitempty"`
	// NeedsAttention: the provider reported a payment after the session
	// closed; an operator refunds it (or the shop revives the order) and
	// resolves the session.
	NeedsAttention bool            `json:"needs_attention"`
	Events         []EventView     `json:"events,omitempty"`
	Operations     []OperationView `json:"operations,omitempty"`
}

// InstructionsView tells the customer how to pay a deferred mode.
type InstructionsView struct {
	Text    string      `json:"text"`
	Details []FieldView `json:"details"`
}

// FieldView is one labelled value.
type FieldView struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// OperationView is a refund, capture or cancellation as the API shows it.
type OperationView struct {
	ID                  string          `json:"id"`
	Kind                OperationKind   `json:"kind"`
	Amount              int64           `json:"amount"`
	Status              OperationStatus `json:"status"`
	ProviderOperationID string          `json:"provider_operation_id,omitempty"`
	ResponseCode        string          `json:"response_code,omitempty"`
	CreatedAt           time.Time       `json:"created_at"`
	UpdatedAt           time.Time       `json:"updated_at"`
}

// ViewOperation returns the API representation of an operation.
func ViewOperation(o *Operation) OperationView {
	return OperationView{ID: o.ID, Kind: o.Kind, Amount: o.Amount, Status: o.Status, ProviderOperationID: o.ProviderOperationID,
		ResponseCode: o.ResponseCode, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt}
}

func instructionsView(in *payment.Instructions) *InstructionsView {
	if in == nil {
		return nil
	}
	v := &InstructionsView{Text: in.Text, Details: []FieldView{}}
	for _, d := range in.Details {
		v.Details = append(v.Details, FieldView{Name: d.Name, Value: d.Value})
	}
	return v
}

// CustomerView is the customer with JSON names.
type CustomerView struct {
	Email  string `json:"email,omitempty"`
	Name   string `json:"name,omitempty"`
	Locale string `json:"locale,omitempty"`
}

// EventView is an event as the API shows it.
type EventView struct {
	Time                  time.Time         `json:"time"`
	Source                Source            `json:"source"`
	Result                Result            `json:"result"`
	From                  Status            `json:"from,omitempty"`
	To                    Status            `json:"to,omitempty"`
	Reason                string            `json:"reason,omitempty"`
	ProviderTransactionID string            `json:"provider_transaction_id,omitempty"`
	ProviderCode          string            `json:"provider_code,omitempty"`
	ProviderMessage       string            `json:"provider_message,omitempty"`
	AuthorizationCode     string            `json:"authorization_code,omitempty"`
	Payload               map[string]string `json:"payload,omitempty"`
}

// View returns the API representation of a session.
func (s *Service) View(sess *Session) View {
	v := View{
		ID:                    sess.ID,
		Site:                  sess.SiteID,
		Status:                sess.Status,
		Mode:                  sess.Mode,
		Plugin:                sess.Plugin,
		Kind:                  sess.Kind,
		Amount:                sess.Amount,
		Currency:              sess.Currency,
		OrderRef:              sess.OrderRef,
		Reference:             sess.Reference,
		RedirectURL:           s.publicURL + "/pay/" + sess.ID,
		ProviderTransactionID: sess.ProviderTransactionID,
		Cart:                  sess.Cart,
		Customer:              CustomerView(sess.Customer),
		ReturnURL:             sess.ReturnURL,
		CancelURL:             sess.CancelURL,
		CheckoutID:            sess.CheckoutID,
		CreatedAt:             sess.CreatedAt,
		UpdatedAt:             sess.UpdatedAt,
		ExpiresAt:             sess.ExpiresAt,
		RefundedAmount:        sess.RefundedAmount,
		CapturedAmount:        sess.CapturedAmount,
		NeedsAttention:        sess.NeedsAttention,
	}
	if site, ok := s.sites[sess.SiteID]; ok {
		v.Livemode = !site.TestMode
	}
	if sess.Action != nil {
		v.Instructions = instructionsView(sess.Action.Instructions)
	}
	if v.Cart.Lines == nil {
		v.Cart.Lines = []Line{}
	}
	return v
}

// ViewWithEvents adds the timeline and the operations to a session's view.
func (s *Service) ViewWithEvents(sess *Session, events []Event, ops []Operation) View {
	v := s.View(sess)
	for i := range ops {
		v.Operations = append(v.Operations, ViewOperation(&ops[i]))
	}
	v.Events = make([]EventView, len(events))
	for i, e := range events {
		v.Events[i] = EventView{
			Time: e.Time, Source: e.Source, Result: e.Result, From: e.From, To: e.To, Reason: e.Reason,
			ProviderTransactionID: e.ProviderTransactionID, ProviderCode: e.ProviderCode,
			ProviderMessage: e.ProviderMessage, AuthorizationCode: e.AuthorizationCode, Payload: e.Payload,
		}
	}
	return v
}
