package payment_test

import (
	"strings"
	"testing"

	"github.com/payhost/payhost/sdk/payment"
)

func TestDescribeProblems(t *testing.T) {
	good := func() payment.DescribeResponse {
		return payment.DescribeResponse{Name: "acme", ProtocolVersion: payment.ProtocolVersion, Modes: []payment.Mode{{
			ID: "acme", Label: "Acme", Kind: payment.KindRedirect,
			ConfigSchema: []payment.ConfigField{{Key: "api_key", Type: payment.FieldString, Secret: true}},
		}}}
	}
	tests := []struct {
		name  string
		edit  func(*payment.DescribeResponse)
		wants string // a fragment of the one problem, "" for none
	}{
		{"well-formed, reference defaulted", func(*payment.DescribeResponse) {}, ""},
		{"bad name", func(d *payment.DescribeResponse) { d.Name = "Acme Pay" }, "name"},
		{"protocol", func(d *payment.DescribeResponse) { d.ProtocolVersion = 2 }, "protocol version 2"},
		{"no label", func(d *payment.DescribeResponse) { d.Modes[0].Label = "" }, "no label"},
		{"kind", func(d *payment.DescribeResponse) { d.Modes[0].Kind = "card" }, "unknown kind"},
		{"short reference", func(d *payment.DescribeResponse) {
			d.Modes[0].Reference = payment.ReferenceFormat{Kind: payment.ReferenceRandom, Charset: payment.CharsetNumeric, Length: 4}
		}, "too short"},
		{"sequence", func(d *payment.DescribeResponse) {
			d.Modes[0].Reference = payment.ReferenceFormat{Kind: payment.ReferenceDailySequence, Charset: payment.CharsetNumeric, Length: 6, SequenceMin: 5, SequenceMax: 5}
		}, "min < max"},
		{"key case", func(d *payment.DescribeResponse) { d.Modes[0].ConfigSchema[0].Key = "ApiKey" }, "snake_case"},
		{"secret default", func(d *payment.DescribeResponse) { d.Modes[0].ConfigSchema[0].Default = "x" }, "must not have a default"},
		{"empty enum", func(d *payment.DescribeResponse) { d.Modes[0].ConfigSchema[0].Type = payment.FieldEnum }, "lists no value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := good()
			tt.edit(&d)
			got := payment.DescribeProblems(d)
			switch {
			case tt.wants == "" && len(got) > 0:
				t.Errorf("problems %q, want none", got)
			case tt.wants != "" && (len(got) != 1 || !strings.Contains(got[0], tt.wants)):
				t.Errorf("problems %q, want one about %q", got, tt.wants)
			}
		})
	}
}

func TestReferenceWithDefault(t *testing.T) {
	if got := (payment.ReferenceFormat{}).WithDefault(); got.Kind != payment.ReferenceRandom || got.Length != 20 || got.Charset != payment.CharsetUpperAlphanumeric {
		t.Errorf("default = %+v", got)
	}
	seq := payment.ReferenceFormat{Kind: payment.ReferenceDailySequence, Charset: payment.CharsetNumeric, Length: 6, SequenceMin: 1, SequenceMax: 899999}
	if got := seq.WithDefault(); got != seq {
		t.Errorf("a declared format changed: %+v", got)
	}
}
