package payment

// BeginRequest asks a plugin to start a payment.
type BeginRequest struct {
	Session Session
	Config  Config
}

// BeginResponse says what the customer's browser does next. Exactly one of
// Form, RedirectURL, Choices, Instructions or Outcome is set.
type BeginResponse struct {
	// Form is a form the /pay page posts to the provider (auto-submitted,
	// with a visible button as fallback).
	Form *Form
	// RedirectURL sends the browser to the provider with a GET.
	RedirectURL string
	// Choices are several forms the customer picks from (a simulated
	// provider page); nothing is auto-submitted.
	Choices []Form
	// Instructions are shown to the customer of a deferred mode.
	Instructions *Instructions
	// Outcome settles the session at once (instant modes).
	Outcome *Outcome
	// ProviderTransactionID is the provider's id for this payment, when Begin
	// already knows it (a created order).
	ProviderTransactionID string
	// ProviderData is kept by the host and returned in Session.ProviderData.
	// Never put secrets in it.
	ProviderData map[string]string
}

// Form is an HTML form to submit to a provider.
type Form struct {
	// Label is the text of the submit button.
	Label  string
	URL    string
	Method string // "POST" or "GET"
	// Fields keep their order: some providers' pages care.
	Fields []Field
	// AcceptCharset is the encoding the browser must submit the form in,
	// when the provider's page is not UTF-8 (e.g. "ISO-8859-1"); empty
	// means UTF-8.
	AcceptCharset string
}

// Field is one form field.
type Field struct {
	Name  string
	Value string
}

// Instructions tell the customer how to pay a deferred mode.
type Instructions struct {
	// Text is a human sentence ("Send a cheque of 12.00 EUR to ...").
	Text string
	// Details are labelled values (payee, IBAN, BIC, reference), in order.
	Details []Field
}

// NewForm returns a POST form with the fields in the given order.
func NewForm(url string, fields ...Field) *Form {
	return &Form{URL: url, Method: "POST", Fields: fields}
}

// Value returns the value of the first field called name.
func (f *Form) Value(name string) (string, bool) {
	for _, fl := range f.Fields {
		if fl.Name == name {
			return fl.Value, true
		}
	}
	return "", false
}
