package locale

import (
	"testing"
	"testing/fstest"

	"golang.org/x/text/language"
)

func TestFormatAmount(t *testing.T) {
	tests := []struct {
		lang  language.Tag
		minor int64
		code  string
		want  string
	}{
		{language.French, 2590, "EUR", "25,90\u00a0€"},
		{language.English, 2590, "EUR", "€25.90"},
		{language.English, 500, "JPY", "¥500"},
		{language.French, 500, "JPY", "500\u00a0JPY"},
		{language.English, 123456789, "EUR", "€1,234,567.89"},
		{language.French, 123456789, "EUR", "1\u202f234\u202f567,89\u00a0€"},
		{language.English, 5, "EUR", "€0.05"},
		{language.English, -1500, "USD", "-$15.00"},
		{language.French, 1500, "USD", "15,00\u00a0$US"},
		{language.English, 1234, "KWD", "KWD\u00a01.234"},
		{language.AmericanEnglish, 2590, "EUR", "€25.90"},
	}
	for _, tt := range tests {
		if got := FormatAmount(tt.lang, tt.minor, tt.code); got != tt.want {
			t.Errorf("FormatAmount(%s, %d, %s) = %q, want %q", tt.lang, tt.minor, tt.code, got, tt.want)
		}
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		customer, accept string
		want             language.Tag
	}{
		{"fr-FR", "en-US,en;q=0.9", language.French},
		{"fr_BE", "", language.French},
		{"", "fr-CH, fr;q=0.9, en;q=0.8", language.French},
		{"de-DE", "fr", language.French},
		{"en-GB", "fr", language.English},
		{"", "", language.English},
		{"", "de-DE", language.English},
		{"garbage!!", "also garbage;;", language.English},
	}
	for _, tt := range tests {
		if got := Match(tt.customer, tt.accept); got != tt.want {
			t.Errorf("Match(%q, %q) = %s, want %s", tt.customer, tt.accept, got, tt.want)
		}
	}
}

func TestCatalog(t *testing.T) {
	fsys := fstest.MapFS{
		"m/en.json": {Data: []byte(`{"hello": "Hello %s", "pay": "Pay %s"}`)},
		"m/fr.json": {Data: []byte(`{"hello": "Bonjour %s", "pay": "Payer %s"}`)},
	}
	c, err := NewCatalog(fsys, "m")
	if err != nil {
		t.Fatal(err)
	}
	fr := c.Printer(language.French)
	if got := fr.T("hello", "Ada"); got != "Bonjour Ada" {
		t.Errorf("fr hello = %q", got)
	}
	if got := fr.T("pay", fr.Amount(2590, "EUR")); got != "Payer 25,90\u00a0€" {
		t.Errorf("fr pay = %q", got)
	}
	if got := c.Printer(language.English).T("hello", "Ada"); got != "Hello Ada" {
		t.Errorf("en hello = %q", got)
	}
	if fr.Lang() != "fr" {
		t.Errorf("Lang = %q", fr.Lang())
	}

	fsys["m/fr.json"] = &fstest.MapFile{Data: []byte(`{"hello": "Bonjour %s", "extra": "x"}`)}
	if _, err := NewCatalog(fsys, "m"); err == nil {
		t.Error("catalogs with different keys accepted")
	}
}

func BenchmarkFormatAmount(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		FormatAmount(language.French, 123456789, "EUR")
	}
}
