package sandbox

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"hash/crc32"
	"strconv"
)

// The sandbox's own reading of PayPal's webhook transmission signature
// (REST SDKs' Event.validateReceivedEvent; paypal.md §4), written apart from
// the plugin: the end-to-end tests pass only if both, each written from the
// specification, agree.

// transmissionString is what PayPal signs for one delivery: transmission
// id, transmission time, the listener's webhook id and the CRC-32 (IEEE) of
// the raw body as an unsigned decimal, joined with '|'.
func transmissionString(id, sentAt, webhookID string, body []byte) string {
	return id + "|" + sentAt + "|" + webhookID + "|" + strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10)
}

// signTransmission is SHA256withRSA (RSASSA-PKCS1-v1_5 over SHA-256) of
// the transmission string, in Base64, as Paypal-Transmission-Sig carries it.
func signTransmission(key *rsa.PrivateKey, signed string) (string, error) {
	sum := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// transmissionVerifies checks a Base64 SHA256withRSA signature of the
// transmission string with the certificate's RSA key.
func transmissionVerifies(cert *x509.Certificate, signed, sigB64 string) bool {
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok || sigB64 == "" {
		return false
	}
	sig, err := base64.StdEncoding.DecodeString(sigB64)
	if err != nil {
		return false
	}
	sum := sha256.Sum256([]byte(signed))
	return rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig) == nil
}
