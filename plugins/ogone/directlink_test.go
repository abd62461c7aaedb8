package ogone

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/payhost/payhost/sdk/payment"
)

type dlVectors struct {
	Requests []struct {
		Name, Page, Algorithm, Passphrase string
		PSPID                             string `json:"pspid"`
		UserID                            string `json:"userid"`
		PSWD                              string `json:"pswd"`
		Fields                            [][2]string
		Body, SHASign                     string
	}
	SHAInExamples []struct {
		Name, Algorithm, Passphrase string
		Fields                      [][2]string
		String                      string
		SHASign                     string
	} `json:"sha_in_examples"`
}

func loadDLVectors(t *testing.T) dlVectors {
	t.Helper()
	b, err := os.ReadFile("testdata/directlink_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v dlVectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Requests) != 5 || len(v.SHAInExamples) != 1 {
		t.Fatalf("%d requests and %d examples, want the sheet's 5 and the guide's 1", len(v.Requests), len(v.SHAInExamples))
	}
	return v
}

// TestDirectLinkPublishedRequests rebuilds the sheet's five signed requests
// byte for byte: the body as sent, then SHASIGN (published in lower case by
// GOV.UK Pay; Ogone's usual upper case is sent).
func TestDirectLinkPublishedRequests(t *testing.T) {
	for _, v := range loadDLVectors(t).Requests {
		t.Run(v.Name, func(t *testing.T) {
			d := directLink{pspid: v.PSPID, user: v.UserID, password: v.PSWD, shaIn: v.Passphrase, algorithm: v.Algorithm}
			var fields []Param
			for _, f := range v.Fields {
				fields = append(fields, Param{f[0], f[1]})
			}
			got := d.body(fields)
			want := v.Body + "&SHASIGN=" + strings.ToUpper(v.SHASign)
			if got != want {
				t.Errorf("body\n got %s\nwant %s", got, want)
			}
			if !payment.ConstantTimeEqualHex(strings.TrimPrefix(got[len(v.Body):], "&SHASIGN="), v.SHASign) {
				t.Errorf("signature differs from the published %s", v.SHASign)
			}
		})
	}
}

func TestDirectLinkGuideSHAInExample(t *testing.T) {
	for _, v := range loadDLVectors(t).SHAInExamples {
		var params []Param
		var s strings.Builder
		for _, f := range v.Fields {
			params = append(params, Param{f[0], f[1]})
			s.WriteString(f[0] + "=" + f[1] + v.Passphrase)
		}
		if s.String() != v.String {
			t.Fatalf("string to hash %q, want %q", s.String(), v.String)
		}
		if got := Sign(params, v.Passphrase, v.Algorithm, shaIn); got != v.SHASign {
			t.Errorf("%s = %s, want %s", v.Algorithm, got, v.SHASign)
		}
	}
}

func TestDirectLinkBodyLeavesOutEmptyValues(t *testing.T) {
	d := directLink{pspid: "merchant-id", user: "username", password: "password", shaIn: "sha-passphrase", algorithm: SHA512}
	with := d.body([]Param{{"OPERATION", "SAS"}, {"AMOUNT", ""}, {"PAYID", "payId"}})
	without := d.body([]Param{{"OPERATION", "SAS"}, {"PAYID", "payId"}})
	if with != without || strings.Contains(with, "AMOUNT") {
		t.Errorf("empty AMOUNT changed the request: %s", with)
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		r    reply
		want ncError
	}{
		{reply{"NCERROR": "0", "STATUS": "91"}, ncAccepted},
		{reply{"NCERROR": "", "NCSTATUS": "0", "STATUS": "91"}, ncAccepted},
		{reply{"NCSTATUS": "5", "NCERROR": "50001127"}, ncRejected},
		{reply{"NCSTATUS": "5", "NCERROR": "50001129"}, ncRejected},
		{reply{"NCSTATUS": "5", "NCERROR": "50001111", "NCERRORPLUS": "unknown order/1/s"}, ncRejected},
		{reply{"NCSTATUS": "5", "NCERROR": "50001130"}, ncNotFound},
		{reply{"NCSTATUS": "5", "NCERROR": "50001131"}, ncNotFound},
		{reply{"NCSTATUS": "5", "NCERROR": "50001133"}, ncUnknown},
		{reply{"NCSTATUS": "2", "NCERROR": "20001001"}, ncUnknown},
		{reply{"NCERROR": "0020001005"}, ncUnknown},
		{reply{"NCSTATUS": "3", "NCERROR": "30001001"}, ncRejected},
		{reply{"NCSTATUS": "3", "NCERROR": "30001999"}, ncUnknown},
		{reply{"NCERROR": "40001134"}, ncUnknown},
		{reply{"NCERROR": "50009999"}, ncUnknown},
		{reply{"NCSTATUS": "2", "NCERROR": "0"}, ncUnknown},
	}
	for _, tc := range tests {
		if got, _ := classify(tc.r); got != tc.want {
			t.Errorf("classify(%v) = %d, want %d", tc.r, got, tc.want)
		}
	}
}

// TestOperationStatuses maps every STATUS of the sheet's table for each
// operation kind; anything else is unknown, never a success.
func TestOperationStatuses(t *testing.T) {
	S, P, F, U := payment.OperationSucceeded, payment.OperationPending, payment.OperationFailed, payment.OperationUnknown
	tests := []struct {
		kind   string
		status map[string]payment.OperationStatus
	}{
		{kindCapture, map[string]payment.OperationStatus{"9": S, "95": S, "91": P, "92": U, "93": F, "99": P, "5": U, "8": U, "6": U, "100": U, "": U, "0": U}},
		{kindRefund, map[string]payment.OperationStatus{"8": S, "85": S, "81": P, "82": U, "83": F, "84": F, "94": F, "7": S, "74": S, "71": P, "72": U, "73": F, "9": U, "100": U}},
		{kindCancel, map[string]payment.OperationStatus{"6": S, "64": S, "61": P, "62": U, "63": F, "7": S, "71": P, "5": U, "9": U, "8": U}},
	}
	for _, tc := range tests {
		for st, want := range tc.status {
			r := reply{"NCERROR": "0", "STATUS": st, "PAYID": "3014644340", "PAYIDSUB": "2"}
			got := operationResponse(tc.kind, r)
			if got.Status != want {
				t.Errorf("%s STATUS %q = %s, want %s", tc.kind, st, got.Status, want)
			}
			if got.ProviderOperationID != "3014644340/2" {
				t.Errorf("%s STATUS %q: provider operation %q", tc.kind, st, got.ProviderOperationID)
			}
		}
	}
	// A refusal is failed and claims no history item.
	got := operationResponse(kindRefund, reply{"NCSTATUS": "5", "NCERROR": "50001129", "STATUS": "0", "PAYID": "1", "PAYIDSUB": "1"})
	if got.Status != F || got.ProviderOperationID != "" || got.ResponseCode != "50001129" {
		t.Errorf("over-refund = %+v", got)
	}
}

func TestParseReply(t *testing.T) {
	raw := "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<NCResponse orderid=\"ABREF1245\" payID=\"3014644340\" PAYIDSUB=\"1\" NCSTATUS=\"0\" NCERROR=\"0\" NCERRORPLUS=\"Fran\xe7ais\" STATUS=\"91\" amount=\"5\" currency=\"GBP\" NEWTHING=\"x\"/>"
	r, err := parseReply([]byte(raw), "text/XML; Charset=iso-8859-1")
	if err != nil {
		t.Fatal(err)
	}
	if r["ORDERID"] != "ABREF1245" || r["PAYID"] != "3014644340" || r["STATUS"] != "91" || r["AMOUNT"] != "5" || r["NCERRORPLUS"] != "Français" {
		t.Errorf("reply = %v", r)
	}
	if _, err := parseReply([]byte("<html>error</html>"), "text/html"); err == nil {
		t.Error("an HTML page was read as an answer")
	}
}

func TestUnsupportedWithoutDirectLink(t *testing.T) {
	cfg := config(CharsetUTF8)
	if u := unsupported(cfg); len(u) != 4 || u[0].Reason != noDirectLink {
		t.Errorf("without DirectLink: %+v", u)
	}
	cfg[keyDLUser], cfg[keyDLPassword], cfg[keyDLSHAIn] = "api", "pw-123456", "dl-sha-in-123"
	if u := unsupported(cfg); len(u) != 0 {
		t.Errorf("with DirectLink: %+v", u)
	}
	if p := validate(cfg); len(p) != 0 {
		t.Errorf("valid DirectLink configuration: %+v", p)
	}
	delete(cfg, keyDLPassword)
	if p := validate(cfg); len(p) != 1 || p[0].Key != keyDLPassword {
		t.Errorf("half a DirectLink configuration: %+v", p)
	}
}
