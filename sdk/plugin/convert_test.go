package plugin

import (
	"reflect"
	"testing"
	"time"

	"github.com/payhost/payhost/sdk/payment"
)

// requireFilled fails when any field of v (recursively) holds its zero
// value, so the round-trip tests below notice a field added to the SDK but
// forgotten in the converters.
func requireFilled(t *testing.T, path string, v reflect.Value) {
	t.Helper()
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			t.Errorf("%s is nil in the fixture", path)
			return
		}
		requireFilled(t, path, v.Elem())
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			if v.Interface().(time.Time).IsZero() {
				t.Errorf("%s is zero in the fixture", path)
			}
			return
		}
		for i := range v.NumField() {
			requireFilled(t, path+"."+v.Type().Field(i).Name, v.Field(i))
		}
	case reflect.Slice, reflect.Map:
		if v.Len() == 0 {
			t.Errorf("%s is empty in the fixture", path)
		}
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() != reflect.Uint8 {
			for i := range v.Len() {
				requireFilled(t, path+"[]", v.Index(i))
			}
		}
	default:
		if v.IsZero() {
			t.Errorf("%s is zero in the fixture", path)
		}
	}
}

func fixtureSession() payment.Session {
	return payment.Session{
		ID: "ps_1", SiteID: "shop", Mode: "test", Reference: "REF1", OrderRef: "order-1",
		Amount: 1999, Currency: "EUR", Country: "FR",
		Customer:  payment.Customer{Email: "a@example.com", Name: "Ada", Locale: "fr-FR"},
		Lines:     []payment.Line{{SKU: "S", Label: "L", Quantity: 2, UnitAmount: 999, TaxRate: 2000}},
		Status:    payment.StatusPending,
		CreatedAt: time.Date(2026, 11, 22, 10, 0, 0, 123, time.UTC),
		TestMode:  true, ProviderTransactionID: "tx", ProviderData: map[string]string{"k": "v"},
		URLs: payment.URLs{Pay: "p", Return: "r", Cancel: "c", Notify: "n", NotifyStatic: "s"},
	}
}

func fixtureOutcome() *payment.Outcome {
	return &payment.Outcome{
		Status: payment.StatusPaid, Verified: true, Amount: 1999, Currency: "EUR", Reference: "REF1",
		ProviderTransactionID: "tx", AuthorizationCode: "A1", ResponseCode: "00", ResponseMessage: "ok",
		ThreeDS: payment.ThreeDS{Status: "Y", ECI: "05"}, Payload: map[string]string{"a": "b"},
	}
}

func TestSessionRoundTrip(t *testing.T) {
	s := fixtureSession()
	requireFilled(t, "Session", reflect.ValueOf(s))
	if got := sessionFromPB(sessionToPB(s)); !reflect.DeepEqual(got, s) {
		t.Errorf("round trip:\n got %#v\nwant %#v", got, s)
	}
}

func TestDescribeRoundTrip(t *testing.T) {
	d := payment.DescribeResponse{Name: "n", Version: "v", ProtocolVersion: 1, Modes: []payment.Mode{{
		ID: "m", Label: "l", Description: "d", LogoURL: "u", Kind: payment.KindRedirect,
		Currencies: []string{"EUR"}, Countries: []string{"FR"}, MinAmount: 1, MaxAmount: 2, ZeroAmount: true, TestOnly: true,
		Capabilities: payment.Capabilities{Refund: true, PartialRefund: true, Capture: true, PartialCapture: true, Cancel: true, Query: true},
		Reference:    payment.ReferenceFormat{Kind: payment.ReferenceDailySequence, Charset: payment.CharsetNumeric, Length: 6, SequenceMin: 1, SequenceMax: 899999},
		ConfigSchema: []payment.ConfigField{{Key: "k", Label: "l", Type: payment.FieldEnum, Required: true, Secret: true, Default: "a", Help: "h", Enum: []string{"a"},
			Min: ptr(int64(-1)), Max: ptr(int64(10))}},
		CaptureWindow: 29 * 24 * time.Hour,
	}}}
	requireFilled(t, "DescribeResponse", reflect.ValueOf(d))
	if got := describeFromPB(describeToPB(d)); !reflect.DeepEqual(got, d) {
		t.Errorf("round trip:\n got %#v\nwant %#v", got, d)
	}
}

func TestBeginRoundTrip(t *testing.T) {
	b := payment.BeginResponse{
		Form:         &payment.Form{Label: "Pay", URL: "u", Method: "POST", Fields: []payment.Field{{Name: "a", Value: "b"}}, AcceptCharset: "ISO-8859-1"},
		RedirectURL:  "r",
		Choices:      []payment.Form{{Label: "x", URL: "u", Method: "GET", Fields: []payment.Field{{Name: "c", Value: "d"}}, AcceptCharset: "UTF-8"}},
		Instructions: &payment.Instructions{Text: "t", Details: []payment.Field{{Name: "IBAN", Value: "FR76"}}},
		Outcome:      fixtureOutcome(), ProviderTransactionID: "tx", ProviderData: map[string]string{"k": "v"},
	}
	requireFilled(t, "BeginResponse", reflect.ValueOf(b))
	if got := beginFromPB(beginToPB(b)); !reflect.DeepEqual(got, b) {
		t.Errorf("round trip:\n got %#v\nwant %#v", got, b)
	}
	if got := beginFromPB(beginToPB(payment.BeginResponse{})); !reflect.DeepEqual(got, payment.BeginResponse{}) {
		t.Errorf("empty response does not stay empty: %#v", got)
	}
}

func TestCallbackRoundTrip(t *testing.T) {
	req := payment.CallbackRequest{
		Session: fixtureSession(), Config: payment.Config{"k": "v"},
		Request: payment.HTTPRequest{Method: "POST", URL: "/notify/x?a=1", Header: map[string][]string{"X-A": {"1", "2"}}, Body: []byte{0, 1, 0xff}, RemoteAddr: "127.0.0.1:1"},
	}
	requireFilled(t, "CallbackRequest", reflect.ValueOf(req))
	if got := callbackFromPBReq(callbackToPB(req)); !reflect.DeepEqual(got, req) {
		t.Errorf("request round trip:\n got %#v\nwant %#v", got, req)
	}
	resp := payment.CallbackResponse{Outcome: fixtureOutcome(), Response: payment.HTTPResponse{StatusCode: 200, Header: map[string][]string{"Content-Type": {"text/plain"}}, Body: []byte("OK")}}
	requireFilled(t, "CallbackResponse", reflect.ValueOf(resp))
	if got := callbackFromPB(callbackToPBResp(resp)); !reflect.DeepEqual(got, resp) {
		t.Errorf("response round trip:\n got %#v\nwant %#v", got, resp)
	}
}

func TestOperationRoundTrip(t *testing.T) {
	o := payment.OperationResponse{Status: payment.OperationPending, ProviderOperationID: "op", ResponseCode: "c", ResponseMessage: "m", Payload: map[string]string{"a": "b"}}
	requireFilled(t, "OperationResponse", reflect.ValueOf(o))
	if got := operationFromPB(operationToPB(o)); !reflect.DeepEqual(got, o) {
		t.Errorf("round trip:\n got %#v\nwant %#v", got, o)
	}
}

func TestValidateConfigRoundTrip(t *testing.T) {
	r := payment.ValidateConfigResponse{Problems: []payment.ConfigProblem{{Key: "k", Message: "m"}},
		Unsupported: []payment.UnsupportedCapability{{Capability: payment.CapabilityRefund, Reason: "no API password"}}}
	requireFilled(t, "ValidateConfigResponse", reflect.ValueOf(r))
	if got := validateConfigFromPB(validateConfigToPB(r)); !reflect.DeepEqual(got, r) {
		t.Errorf("round trip:\n got %#v\nwant %#v", got, r)
	}
}

func TestOperationRequestRoundTrip(t *testing.T) {
	h := payment.OperationHistory{Attempt: 2, ProviderOperationID: "po", Operations: []payment.OperationRecord{
		{ID: "op_1", Kind: "refund", Amount: 100, Status: "succeeded", ProviderOperationID: "credit1"}}}
	cfg := payment.Config{"k": "v"}
	refund := payment.RefundRequest{Session: fixtureSession(), Config: cfg, OperationID: "op_2", Amount: 50, OperationHistory: h}
	requireFilled(t, "RefundRequest", reflect.ValueOf(refund))
	if got := refundFromPB(refundToPB(refund)); !reflect.DeepEqual(got, refund) {
		t.Errorf("refund round trip:\n got %#v\nwant %#v", got, refund)
	}
	capture := payment.CaptureRequest{Session: fixtureSession(), Config: cfg, OperationID: "op_2", Amount: 50, OperationHistory: h}
	requireFilled(t, "CaptureRequest", reflect.ValueOf(capture))
	if got := captureFromPB(captureToPB(capture)); !reflect.DeepEqual(got, capture) {
		t.Errorf("capture round trip:\n got %#v\nwant %#v", got, capture)
	}
	cancel := payment.CancelRequest{Session: fixtureSession(), Config: cfg, OperationID: "op_2", OperationHistory: h}
	requireFilled(t, "CancelRequest", reflect.ValueOf(cancel))
	if got := cancelFromPB(cancelToPB(cancel)); !reflect.DeepEqual(got, cancel) {
		t.Errorf("cancel round trip:\n got %#v\nwant %#v", got, cancel)
	}
}

func TestCapabilitiesWithout(t *testing.T) {
	all := payment.Capabilities{Refund: true, PartialRefund: true, Capture: true, PartialCapture: true, Cancel: true, Query: true}
	got := all.Without([]payment.UnsupportedCapability{{Capability: payment.CapabilityRefund}, {Capability: payment.CapabilityQuery}, {Capability: "teleport"}})
	want := payment.Capabilities{Capture: true, PartialCapture: true, Cancel: true}
	if got != want {
		t.Errorf("Without = %+v, want %+v", got, want)
	}
	for _, c := range []payment.Capability{payment.CapabilityCapture, payment.CapabilityPartialCapture, payment.CapabilityCancel} {
		if !got.Has(c) {
			t.Errorf("Has(%s) = false", c)
		}
	}
	if got.Has(payment.CapabilityRefund) || got.Has("teleport") {
		t.Error("Has reports a removed or unknown capability")
	}
}

func ptr[T any](v T) *T { return &v }
