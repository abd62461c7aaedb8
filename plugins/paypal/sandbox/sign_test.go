package sandbox

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"testing"

	"github.com/payhost/payhost/shared/providertest"
)

// TestTransmissionSignatureReproducesPublishedVector: the sandbox's own
// code, not the plugin's, builds the published signed string and verifies
// the published signature with the published certificate; any changed
// part, or no signature, fails.
func TestTransmissionSignatureReproducesPublishedVector(t *testing.T) {
	for _, v := range providertest.LoadFrom(t, "..", "paypal") {
		t.Run(v.Name, func(t *testing.T) {
			block, _ := pem.Decode([]byte(v.Key))
			if block == nil {
				t.Fatal("no certificate in the vector")
			}
			cert, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			id, at, hook, body := v.Input("PAYPAL-TRANSMISSION-ID"), v.Input("PAYPAL-TRANSMISSION-TIME"), v.Input("webhook_id"), []byte(v.Input("body"))
			signed := transmissionString(id, at, hook, body)
			if signed != v.Input("signed_string") {
				t.Fatalf("signed string %q, want %q", signed, v.Input("signed_string"))
			}
			if !transmissionVerifies(cert, signed, v.Expected) {
				t.Fatal("the published signature does not verify")
			}
			for name, other := range map[string]string{
				"webhook id": transmissionString(id, at, "WH-OTHER", body),
				"time":       transmissionString(id, "2017-03-30T20:04:06Z", hook, body),
				"body":       transmissionString(id, at, hook, append([]byte(" "), body[1:]...)),
			} {
				if transmissionVerifies(cert, other, v.Expected) {
					t.Errorf("another %s verifies", name)
				}
			}
			if transmissionVerifies(cert, signed, "") {
				t.Error("an empty signature verifies")
			}
		})
	}
}

func TestSignThenVerify(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	cert := &x509.Certificate{PublicKey: &key.PublicKey}
	signed := transmissionString("tid", "2026-11-30T00:00:00Z", "WH-1", []byte(`{"id":"WH-EVENT"}`))
	sig, err := signTransmission(key, signed)
	if err != nil {
		t.Fatal(err)
	}
	if !transmissionVerifies(cert, signed, sig) || transmissionVerifies(cert, signed+"x", sig) {
		t.Error("sign/verify round trip")
	}
}
