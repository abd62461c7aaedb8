package web

// The data of the buyer pages (checkout chooser, pay page). Handlers build
// them; amounts arrive formatted by the page's printer.

// CheckoutPage is the hosted chooser.
type CheckoutPage struct {
	Base
	OrderRef string
	Lines    []LineView
	Shipping string // "" without shipping
	Total    string
	// Notice tells why the buyer is back (an attempt refused...).
	Notice string
	Offers []Offer
	// Action is where the chosen mode is posted.
	Action    string
	CancelURL string
}

// LineView is one cart line.
type LineView struct {
	Label    string
	Quantity int64
	Amount   string
}

// Offer is one payment mode the buyer may pick.
type Offer struct {
	ID, Label, Description, Logo, Kind string
}

// PayPage is /pay/{id}: a provider form sent at once, the test choices, or
// a deferred mode's instructions.
type PayPage struct {
	Base
	Amount   string
	OrderRef string
	// Provider names who takes the payment ("Mercanet").
	Provider     string
	Form         *Form
	Choices      []Choice
	Instructions *Instructions
	ShopURL      string
}

// Form is an HTML form to post to a provider.
type Form struct {
	Method, URL, AcceptCharset string
	Fields                     []Field
}

// Field is a name and a value.
type Field struct{ Name, Value string }

// Choice is a form behind one button.
type Choice struct {
	Form  Form
	Label string
	// Class is the button's CSS class ("primary" for the main choice).
	Class string
}

// Instructions tell how to pay a deferred mode.
type Instructions struct {
	Text    string
	Details []Field
}

// LogoFor returns the embedded logo of a mode kind or provider.
func LogoFor(mode, kind string) string {
	switch mode {
	case "test":
		return StaticPrefix + "/logos/test.svg"
	case "free":
		return StaticPrefix + "/logos/free.svg"
	case "cheque":
		return StaticPrefix + "/logos/cheque.svg"
	case "transfer":
		return StaticPrefix + "/logos/bank.svg"
	case "paypal":
		return StaticPrefix + "/logos/wallet.svg"
	}
	if kind == "deferred" {
		return StaticPrefix + "/logos/bank.svg"
	}
	return StaticPrefix + "/logos/card.svg"
}
