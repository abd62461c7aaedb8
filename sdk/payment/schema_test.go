package payment_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/payhost/payhost/sdk/payment"
)

func TestApplySchema(t *testing.T) {
	one, five, ten := int64(1), int64(5), int64(10)
	schema := []payment.ConfigField{
		{Key: "merchant_id", Type: payment.FieldString, Required: true, Min: &five, Max: &ten},
		{Key: "secret_key", Type: payment.FieldString, Required: true, Secret: true},
		{Key: "api_url", Type: payment.FieldURL, Default: "https://api.example.com"},
		{Key: "capture_days", Type: payment.FieldInt, Min: &one, Max: &ten},
		{Key: "test", Type: payment.FieldBool, Default: "false"},
		{Key: "hash", Type: payment.FieldEnum, Enum: []string{"SHA-256", "SHA-512"}, Default: "SHA-512"},
		{Key: "timeout", Type: payment.FieldDuration, Max: &ten},
	}
	tests := []struct {
		name     string
		cfg      payment.Config
		want     payment.Config
		problems map[string]string // key → fragment of the message
	}{
		{"defaults filled", payment.Config{"merchant_id": "m1234", "secret_key": "s3cret"},
			payment.Config{"merchant_id": "m1234", "secret_key": "s3cret", "api_url": "https://api.example.com", "test": "false", "hash": "SHA-512"}, nil},
		{"empty value takes the default", payment.Config{"merchant_id": "m1234", "secret_key": "s", "hash": ""},
			payment.Config{"merchant_id": "m1234", "secret_key": "s", "api_url": "https://api.example.com", "test": "false", "hash": "SHA-512"}, nil},
		{"required missing", payment.Config{}, nil, map[string]string{"merchant_id": "required", "secret_key": "required"}},
		{"unknown key", payment.Config{"merchant_id": "m1234", "secret_key": "s", "colour": "blue"}, nil, map[string]string{"colour": "unknown key"}},
		{"types", payment.Config{"merchant_id": "m1234", "secret_key": "s", "api_url": "/relative", "capture_days": "3.5", "test": "yes", "hash": "MD5", "timeout": "30"},
			nil, map[string]string{"api_url": "absolute", "capture_days": "integer", "test": "true or false", "hash": "one of SHA-256, SHA-512", "timeout": "unit"}},
		{"bounds", payment.Config{"merchant_id": "m1", "secret_key": "s", "capture_days": "11", "timeout": "1m"},
			nil, map[string]string{"merchant_id": "at least 5 characters", "capture_days": "at most 10", "timeout": "at most 10 seconds"}},
		{"in bounds", payment.Config{"merchant_id": "m1234567", "secret_key": "s", "capture_days": "10", "timeout": "10s"}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problems := payment.ApplySchema(schema, tt.cfg)
			if tt.want != nil && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("config = %v, want %v", got, tt.want)
			}
			seen := map[string]bool{}
			for _, p := range problems {
				seen[p.Key] = true
				frag, ok := tt.problems[p.Key]
				if !ok || !strings.Contains(p.Message, frag) {
					t.Errorf("problem %s: %q, want one containing %q", p.Key, p.Message, frag)
				}
				if v := tt.cfg[p.Key]; len(v) > 2 && strings.Contains(p.Message, v) {
					t.Errorf("problem %s echoes the value %q", p.Key, v)
				}
			}
			for k := range tt.problems {
				if !seen[k] {
					t.Errorf("no problem about %s", k)
				}
			}
		})
	}
}
