package mercanet

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"sort"
	"strconv"

	"github.com/payhost/payhost/sdk/payment"
)

// Seal algorithms of the Paypage POST form.
const (
	// SealSHA256 is the historical default: no SealAlgorithm field is sent.
	SealSHA256 = "SHA-256"
	// SealHMACSHA256 is announced with the form field SealAlgorithm.
	SealHMACSHA256 = "HMAC-SHA-256"
)

// SealPOST computes the Paypage POST seal over data exactly as posted (the
// base64 text when Encode=base64):
//
//	SHA-256:      lowercase hex SHA-256(UTF-8(data) || UTF-8(key))
//	HMAC-SHA-256: lowercase hex HMAC-SHA-256(key, UTF-8(data))
func SealPOST(data, key, algorithm string) string {
	if algorithm == SealHMACSHA256 {
		m := hmac.New(sha256.New, []byte(key))
		m.Write([]byte(data))
		return hex.EncodeToString(m.Sum(nil))
	}
	sum := sha256.Sum256([]byte(data + key))
	return hex.EncodeToString(sum[:])
}

// VerifyPOST checks a received seal in constant time (hex case-insensitive).
// Without a key anyone could compute the seal: nothing verifies.
func VerifyPOST(data, seal, key, algorithm string) bool {
	return seal != "" && key != "" && payment.ConstantTimeEqualHex(SealPOST(data, key, algorithm), seal)
}

// SealJSON computes the seal of the JSON interfaces (Office, IR_WS):
// lowercase hex HMAC-SHA-256(key, the values of every field but keyVersion,
// sealAlgorithm and seal, sorted by field name, concatenated).
func SealJSON(fields map[string]string, key string) string {
	names := make([]string, 0, len(fields))
	for name := range fields {
		switch name {
		case "keyVersion", "sealAlgorithm", "seal":
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names)
	m := hmac.New(sha256.New, []byte(key))
	for _, name := range names {
		m.Write([]byte(fields[name]))
	}
	return hex.EncodeToString(m.Sum(nil))
}

// SealOffice computes the seal of an Office JSON message (request or
// response) decoded with json.Decoder.UseNumber: lowercase hex
// HMAC-SHA-256(key, S), where S is the values of every field but
// keyVersion, sealAlgorithm and seal, in the alphabetical order of their
// names, without separators. Numbers keep their JSON text, null adds
// nothing, a nested object adds its own values sorted by name at its
// parent's place, a list its items in order.
func SealOffice(msg map[string]any, key string) string {
	m := hmac.New(sha256.New, []byte(key))
	names := make([]string, 0, len(msg))
	for name := range msg {
		switch name {
		case "keyVersion", "sealAlgorithm", "seal":
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		writeSealValue(m, msg[name])
	}
	return hex.EncodeToString(m.Sum(nil))
}

func writeSealValue(w io.Writer, v any) {
	switch x := v.(type) {
	case nil:
	case string:
		io.WriteString(w, x)
	case json.Number:
		io.WriteString(w, x.String())
	case int64:
		io.WriteString(w, strconv.FormatInt(x, 10))
	case bool:
		// UNVERIFIED: no published message seals a boolean; its JSON text.
		io.WriteString(w, strconv.FormatBool(x))
	case map[string]any:
		names := make([]string, 0, len(x))
		for name := range x {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			writeSealValue(w, x[name])
		}
	case []any:
		for _, item := range x {
			writeSealValue(w, item)
		}
	}
}
