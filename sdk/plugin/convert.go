package plugin

import (
	"time"

	"github.com/payhost/payhost/sdk/internal/pluginpb"
	"github.com/payhost/payhost/sdk/payment"
)

// Converters between the SDK's Go types and the wire messages. Both
// directions live here so a field added to one side is visibly missing from
// the other; the round-trip test in convert_test.go fills every field.

func configFromPB(m map[string]string) payment.Config {
	if m == nil {
		return payment.Config{}
	}
	return payment.Config(m)
}

func describeToPB(d payment.DescribeResponse) *pluginpb.DescribeResponse {
	out := &pluginpb.DescribeResponse{Name: d.Name, Version: d.Version, ProtocolVersion: int32(d.ProtocolVersion)}
	for _, m := range d.Modes {
		pm := &pluginpb.Mode{
			Id: m.ID, Label: m.Label, Description: m.Description, LogoUrl: m.LogoURL, Kind: string(m.Kind),
			Currencies: m.Currencies, Countries: m.Countries, MinAmount: m.MinAmount, MaxAmount: m.MaxAmount,
			ZeroAmount: m.ZeroAmount, TestOnly: m.TestOnly,
			Capabilities: &pluginpb.Capabilities{
				Refund: m.Capabilities.Refund, PartialRefund: m.Capabilities.PartialRefund,
				Capture: m.Capabilities.Capture, PartialCapture: m.Capabilities.PartialCapture,
				Cancel: m.Capabilities.Cancel, Query: m.Capabilities.Query,
			},
			Reference: &pluginpb.ReferenceFormat{
				Kind: string(m.Reference.Kind), Charset: string(m.Reference.Charset), Length: int32(m.Reference.Length),
				SequenceMin: m.Reference.SequenceMin, SequenceMax: m.Reference.SequenceMax,
			},
			CaptureWindowSeconds: int64(m.CaptureWindow / time.Second),
		}
		for _, f := range m.ConfigSchema {
			pm.ConfigSchema = append(pm.ConfigSchema, &pluginpb.ConfigField{
				Key: f.Key, Label: f.Label, Type: string(f.Type), Required: f.Required, Secret: f.Secret,
				Default: f.Default, Help: f.Help, Enum: f.Enum, Min: f.Min, Max: f.Max,
			})
		}
		out.Modes = append(out.Modes, pm)
	}
	return out
}

func describeFromPB(d *pluginpb.DescribeResponse) payment.DescribeResponse {
	out := payment.DescribeResponse{Name: d.GetName(), Version: d.GetVersion(), ProtocolVersion: int(d.GetProtocolVersion())}
	for _, pm := range d.GetModes() {
		c, r := pm.GetCapabilities(), pm.GetReference()
		m := payment.Mode{
			ID: pm.GetId(), Label: pm.GetLabel(), Description: pm.GetDescription(), LogoURL: pm.GetLogoUrl(),
			Kind: payment.Kind(pm.GetKind()), Currencies: pm.GetCurrencies(), Countries: pm.GetCountries(),
			MinAmount: pm.GetMinAmount(), MaxAmount: pm.GetMaxAmount(), ZeroAmount: pm.GetZeroAmount(), TestOnly: pm.GetTestOnly(),
			Capabilities: payment.Capabilities{
				Refund: c.GetRefund(), PartialRefund: c.GetPartialRefund(), Capture: c.GetCapture(),
				PartialCapture: c.GetPartialCapture(), Cancel: c.GetCancel(), Query: c.GetQuery(),
			},
			Reference: payment.ReferenceFormat{
				Kind: payment.ReferenceKind(r.GetKind()), Charset: payment.Charset(r.GetCharset()), Length: int(r.GetLength()),
				SequenceMin: r.GetSequenceMin(), SequenceMax: r.GetSequenceMax(),
			},
			CaptureWindow: time.Duration(pm.GetCaptureWindowSeconds()) * time.Second,
		}
		for _, f := range pm.GetConfigSchema() {
			m.ConfigSchema = append(m.ConfigSchema, payment.ConfigField{
				Key: f.GetKey(), Label: f.GetLabel(), Type: payment.FieldType(f.GetType()), Required: f.GetRequired(),
				Secret: f.GetSecret(), Default: f.GetDefault(), Help: f.GetHelp(), Enum: f.GetEnum(), Min: f.Min, Max: f.Max,
			})
		}
		out.Modes = append(out.Modes, m)
	}
	return out
}

func sessionToPB(s payment.Session) *pluginpb.Session {
	out := &pluginpb.Session{
		Id: s.ID, SiteId: s.SiteID, Mode: s.Mode, Reference: s.Reference, OrderRef: s.OrderRef,
		Amount: s.Amount, Currency: s.Currency, Country: s.Country,
		Customer: &pluginpb.Customer{Email: s.Customer.Email, Name: s.Customer.Name, Locale: s.Customer.Locale},
		Status:   string(s.Status), TestMode: s.TestMode,
		ProviderTransactionId: s.ProviderTransactionID, ProviderData: s.ProviderData,
		Urls: &pluginpb.URLs{Pay: s.URLs.Pay, Return: s.URLs.Return, Cancel: s.URLs.Cancel, Notify: s.URLs.Notify, NotifyStatic: s.URLs.NotifyStatic},
	}
	if !s.CreatedAt.IsZero() {
		out.CreatedAtUnixNano = s.CreatedAt.UnixNano()
	}
	for _, l := range s.Lines {
		out.Lines = append(out.Lines, &pluginpb.Line{Sku: l.SKU, Label: l.Label, Quantity: l.Quantity, UnitAmount: l.UnitAmount, TaxRate: l.TaxRate})
	}
	return out
}

func sessionFromPB(s *pluginpb.Session) payment.Session {
	c, u := s.GetCustomer(), s.GetUrls()
	out := payment.Session{
		ID: s.GetId(), SiteID: s.GetSiteId(), Mode: s.GetMode(), Reference: s.GetReference(), OrderRef: s.GetOrderRef(),
		Amount: s.GetAmount(), Currency: s.GetCurrency(), Country: s.GetCountry(),
		Customer: payment.Customer{Email: c.GetEmail(), Name: c.GetName(), Locale: c.GetLocale()},
		Status:   payment.Status(s.GetStatus()), TestMode: s.GetTestMode(),
		ProviderTransactionID: s.GetProviderTransactionId(), ProviderData: s.GetProviderData(),
		URLs: payment.URLs{Pay: u.GetPay(), Return: u.GetReturn(), Cancel: u.GetCancel(), Notify: u.GetNotify(), NotifyStatic: u.GetNotifyStatic()},
	}
	if ns := s.GetCreatedAtUnixNano(); ns != 0 {
		out.CreatedAt = time.Unix(0, ns).UTC()
	}
	for _, l := range s.GetLines() {
		out.Lines = append(out.Lines, payment.Line{SKU: l.GetSku(), Label: l.GetLabel(), Quantity: l.GetQuantity(), UnitAmount: l.GetUnitAmount(), TaxRate: l.GetTaxRate()})
	}
	return out
}

func fieldsToPB(fs []payment.Field) []*pluginpb.Field {
	out := make([]*pluginpb.Field, 0, len(fs))
	for _, f := range fs {
		out = append(out, &pluginpb.Field{Name: f.Name, Value: f.Value})
	}
	return out
}

func fieldsFromPB(fs []*pluginpb.Field) []payment.Field {
	if len(fs) == 0 {
		return nil
	}
	out := make([]payment.Field, 0, len(fs))
	for _, f := range fs {
		out = append(out, payment.Field{Name: f.GetName(), Value: f.GetValue()})
	}
	return out
}

func formToPB(f *payment.Form) *pluginpb.Form {
	if f == nil {
		return nil
	}
	return &pluginpb.Form{Label: f.Label, Url: f.URL, Method: f.Method, Fields: fieldsToPB(f.Fields), AcceptCharset: f.AcceptCharset}
}

func formFromPB(f *pluginpb.Form) *payment.Form {
	if f == nil {
		return nil
	}
	return &payment.Form{Label: f.GetLabel(), URL: f.GetUrl(), Method: f.GetMethod(), Fields: fieldsFromPB(f.GetFields()), AcceptCharset: f.GetAcceptCharset()}
}

func beginToPB(b payment.BeginResponse) *pluginpb.BeginResponse {
	out := &pluginpb.BeginResponse{
		Form: formToPB(b.Form), RedirectUrl: b.RedirectURL, Outcome: outcomeToPB(b.Outcome),
		ProviderTransactionId: b.ProviderTransactionID, ProviderData: b.ProviderData,
	}
	for i := range b.Choices {
		out.Choices = append(out.Choices, formToPB(&b.Choices[i]))
	}
	if b.Instructions != nil {
		out.Instructions = &pluginpb.Instructions{Text: b.Instructions.Text, Details: fieldsToPB(b.Instructions.Details)}
	}
	return out
}

func beginFromPB(b *pluginpb.BeginResponse) payment.BeginResponse {
	out := payment.BeginResponse{
		Form: formFromPB(b.GetForm()), RedirectURL: b.GetRedirectUrl(), Outcome: outcomeFromPB(b.GetOutcome()),
		ProviderTransactionID: b.GetProviderTransactionId(), ProviderData: b.GetProviderData(),
	}
	for _, c := range b.GetChoices() {
		out.Choices = append(out.Choices, *formFromPB(c))
	}
	if in := b.GetInstructions(); in != nil {
		out.Instructions = &payment.Instructions{Text: in.GetText(), Details: fieldsFromPB(in.GetDetails())}
	}
	return out
}

func outcomeToPB(o *payment.Outcome) *pluginpb.Outcome {
	if o == nil {
		return nil
	}
	return &pluginpb.Outcome{
		Status: string(o.Status), Verified: o.Verified, Amount: o.Amount, Currency: o.Currency, Reference: o.Reference,
		ProviderTransactionId: o.ProviderTransactionID, AuthorizationCode: o.AuthorizationCode,
		ResponseCode: o.ResponseCode, ResponseMessage: o.ResponseMessage,
		ThreeDs: &pluginpb.ThreeDS{Status: o.ThreeDS.Status, Eci: o.ThreeDS.ECI}, Payload: o.Payload,
	}
}

func outcomeFromPB(o *pluginpb.Outcome) *payment.Outcome {
	if o == nil {
		return nil
	}
	return &payment.Outcome{
		Status: payment.Status(o.GetStatus()), Verified: o.GetVerified(), Amount: o.GetAmount(), Currency: o.GetCurrency(),
		Reference: o.GetReference(), ProviderTransactionID: o.GetProviderTransactionId(),
		AuthorizationCode: o.GetAuthorizationCode(), ResponseCode: o.GetResponseCode(), ResponseMessage: o.GetResponseMessage(),
		ThreeDS: payment.ThreeDS{Status: o.GetThreeDs().GetStatus(), ECI: o.GetThreeDs().GetEci()}, Payload: o.GetPayload(),
	}
}

func headerToPB(h map[string][]string) map[string]*pluginpb.HeaderValues {
	if len(h) == 0 {
		return nil
	}
	out := make(map[string]*pluginpb.HeaderValues, len(h))
	for k, v := range h {
		out[k] = &pluginpb.HeaderValues{Values: v}
	}
	return out
}

func headerFromPB(h map[string]*pluginpb.HeaderValues) map[string][]string {
	if len(h) == 0 {
		return nil
	}
	out := make(map[string][]string, len(h))
	for k, v := range h {
		out[k] = v.GetValues()
	}
	return out
}

func httpRequestToPB(r payment.HTTPRequest) *pluginpb.HTTPRequest {
	return &pluginpb.HTTPRequest{Method: r.Method, Url: r.URL, Header: headerToPB(r.Header), Body: r.Body, RemoteAddr: r.RemoteAddr}
}

func httpRequestFromPB(r *pluginpb.HTTPRequest) payment.HTTPRequest {
	return payment.HTTPRequest{Method: r.GetMethod(), URL: r.GetUrl(), Header: headerFromPB(r.GetHeader()), Body: r.GetBody(), RemoteAddr: r.GetRemoteAddr()}
}

func callbackToPB(r payment.CallbackRequest) *pluginpb.CallbackRequest {
	return &pluginpb.CallbackRequest{Session: sessionToPB(r.Session), Config: r.Config, Request: httpRequestToPB(r.Request)}
}

func callbackFromPBReq(r *pluginpb.CallbackRequest) payment.CallbackRequest {
	return payment.CallbackRequest{Session: sessionFromPB(r.GetSession()), Config: configFromPB(r.GetConfig()), Request: httpRequestFromPB(r.GetRequest())}
}

func callbackToPBResp(r payment.CallbackResponse) *pluginpb.CallbackResponse {
	return &pluginpb.CallbackResponse{
		Outcome:  outcomeToPB(r.Outcome),
		Response: &pluginpb.HTTPResponse{StatusCode: int32(r.Response.StatusCode), Header: headerToPB(r.Response.Header), Body: r.Response.Body},
	}
}

func callbackFromPB(r *pluginpb.CallbackResponse) payment.CallbackResponse {
	resp := r.GetResponse()
	return payment.CallbackResponse{
		Outcome:  outcomeFromPB(r.GetOutcome()),
		Response: payment.HTTPResponse{StatusCode: int(resp.GetStatusCode()), Header: headerFromPB(resp.GetHeader()), Body: resp.GetBody()},
	}
}

func operationToPB(o payment.OperationResponse) *pluginpb.OperationResponse {
	return &pluginpb.OperationResponse{Status: string(o.Status), ProviderOperationId: o.ProviderOperationID, ResponseCode: o.ResponseCode, ResponseMessage: o.ResponseMessage, Payload: o.Payload}
}

func operationFromPB(o *pluginpb.OperationResponse) payment.OperationResponse {
	return payment.OperationResponse{
		Status: payment.OperationStatus(o.GetStatus()), ProviderOperationID: o.GetProviderOperationId(),
		ResponseCode: o.GetResponseCode(), ResponseMessage: o.GetResponseMessage(), Payload: o.GetPayload(),
	}
}

func validateConfigToPB(r payment.ValidateConfigResponse) *pluginpb.ValidateConfigResponse {
	out := &pluginpb.ValidateConfigResponse{}
	for _, p := range r.Problems {
		out.Problems = append(out.Problems, &pluginpb.ConfigProblem{Key: p.Key, Message: p.Message})
	}
	for _, u := range r.Unsupported {
		out.Unsupported = append(out.Unsupported, &pluginpb.UnsupportedCapability{Capability: string(u.Capability), Reason: u.Reason})
	}
	return out
}

func validateConfigFromPB(r *pluginpb.ValidateConfigResponse) payment.ValidateConfigResponse {
	out := payment.ValidateConfigResponse{}
	for _, p := range r.GetProblems() {
		out.Problems = append(out.Problems, payment.ConfigProblem{Key: p.GetKey(), Message: p.GetMessage()})
	}
	for _, u := range r.GetUnsupported() {
		out.Unsupported = append(out.Unsupported, payment.UnsupportedCapability{Capability: payment.Capability(u.GetCapability()), Reason: u.GetReason()})
	}
	return out
}

func recordsToPB(ops []payment.OperationRecord) []*pluginpb.OperationRecord {
	out := make([]*pluginpb.OperationRecord, len(ops))
	for i, o := range ops {
		out[i] = &pluginpb.OperationRecord{Id: o.ID, Kind: o.Kind, Amount: o.Amount, Status: o.Status, ProviderOperationId: o.ProviderOperationID}
	}
	return out
}

func recordsFromPB(ops []*pluginpb.OperationRecord) []payment.OperationRecord {
	if len(ops) == 0 {
		return nil
	}
	out := make([]payment.OperationRecord, len(ops))
	for i, o := range ops {
		out[i] = payment.OperationRecord{ID: o.GetId(), Kind: o.GetKind(), Amount: o.GetAmount(), Status: o.GetStatus(), ProviderOperationID: o.GetProviderOperationId()}
	}
	return out
}

func refundToPB(r payment.RefundRequest) *pluginpb.RefundRequest {
	return &pluginpb.RefundRequest{Session: sessionToPB(r.Session), Config: r.Config, OperationId: r.OperationID, Amount: r.Amount,
		Attempt: int32(r.Attempt), ProviderOperationId: r.ProviderOperationID, Operations: recordsToPB(r.Operations)}
}

func refundFromPB(r *pluginpb.RefundRequest) payment.RefundRequest {
	return payment.RefundRequest{Session: sessionFromPB(r.GetSession()), Config: configFromPB(r.GetConfig()), OperationID: r.GetOperationId(), Amount: r.GetAmount(),
		OperationHistory: payment.OperationHistory{Attempt: int(r.GetAttempt()), ProviderOperationID: r.GetProviderOperationId(), Operations: recordsFromPB(r.GetOperations())}}
}

func captureToPB(r payment.CaptureRequest) *pluginpb.CaptureRequest {
	return &pluginpb.CaptureRequest{Session: sessionToPB(r.Session), Config: r.Config, OperationId: r.OperationID, Amount: r.Amount,
		Attempt: int32(r.Attempt), ProviderOperationId: r.ProviderOperationID, Operations: recordsToPB(r.Operations)}
}

func captureFromPB(r *pluginpb.CaptureRequest) payment.CaptureRequest {
	return payment.CaptureRequest{Session: sessionFromPB(r.GetSession()), Config: configFromPB(r.GetConfig()), OperationID: r.GetOperationId(), Amount: r.GetAmount(),
		OperationHistory: payment.OperationHistory{Attempt: int(r.GetAttempt()), ProviderOperationID: r.GetProviderOperationId(), Operations: recordsFromPB(r.GetOperations())}}
}

func cancelToPB(r payment.CancelRequest) *pluginpb.CancelRequest {
	return &pluginpb.CancelRequest{Session: sessionToPB(r.Session), Config: r.Config, OperationId: r.OperationID,
		Attempt: int32(r.Attempt), ProviderOperationId: r.ProviderOperationID, Operations: recordsToPB(r.Operations)}
}

func cancelFromPB(r *pluginpb.CancelRequest) payment.CancelRequest {
	return payment.CancelRequest{Session: sessionFromPB(r.GetSession()), Config: configFromPB(r.GetConfig()), OperationID: r.GetOperationId(),
		OperationHistory: payment.OperationHistory{Attempt: int(r.GetAttempt()), ProviderOperationID: r.GetProviderOperationId(), Operations: recordsFromPB(r.GetOperations())}}
}
