package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"unicode/utf8"
)

// Error codes of bad request bodies.
const (
	// codeInvalidInput: bytes no endpoint accepts (NUL, invalid UTF-8);
	// PostgreSQL cannot store them and no shop means them.
	codeInvalidInput = "invalid_input"
	// codeInvalidJSON: not exactly one JSON value of the endpoint's shape.
	codeInvalidJSON = "invalid_json"
)

// inputError is a refused request body or URL, with its machine-readable
// code and a message for the client.
type inputError struct {
	code, msg string
}

func (e *inputError) Error() string { return e.code + ": " + e.msg }

func invalidInput(format string, args ...any) *inputError {
	return &inputError{codeInvalidInput, fmt.Sprintf(format, args...)}
}

func invalidJSON(format string, args ...any) *inputError {
	return &inputError{codeInvalidJSON, fmt.Sprintf(format, args...)}
}

// unmarshalStrict decodes raw into v, refusing what encoding/json lets
// through: invalid UTF-8 (replaced by U+FFFD), NUL in strings and keys,
// duplicate keys (the last one wins), keys in another letter case (matched
// case-insensitively), unknown keys and data after the value. The checks
// walk the tokens against v's type, so they hold at every depth.
func unmarshalStrict(raw []byte, v any) error {
	if !utf8.Valid(raw) {
		return invalidInput("the request body is not valid UTF-8")
	}
	if err := checkSurrogates(raw); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := walkJSON(dec, reflect.TypeOf(v), "body"); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return invalidJSON("the request body holds more than one JSON value")
	}
	full := json.NewDecoder(bytes.NewReader(raw))
	full.DisallowUnknownFields()
	if err := full.Decode(v); err != nil {
		return invalidJSON("the request body is not valid JSON for this endpoint: %v", err)
	}
	return nil
}

// checkSurrogates refuses a \u escape of half a UTF-16 surrogate pair
// ("\ud800" alone): encoding/json would store U+FFFD in its place, a
// silent change of the shop's data.
func checkSurrogates(raw []byte) error {
	inString := false
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case !inString:
			inString = c == '"'
		case c == '"':
			inString = false
		case c == '\\' && i+1 < len(raw):
			i++
			if raw[i] != 'u' {
				continue
			}
			r, ok := hex4(raw[i+1:])
			if !ok {
				continue // the decoder reports the bad escape
			}
			i += 4
			switch {
			case r >= 0xDC00 && r <= 0xDFFF:
				return invalidInput("the request body holds half a UTF-16 surrogate pair (\\u%04x)", r)
			case r >= 0xD800 && r <= 0xDBFF:
				if lo, ok := hex4(raw[min(i+3, len(raw)):]); i+2 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' && ok && lo >= 0xDC00 && lo <= 0xDFFF {
					i += 6
					continue
				}
				return invalidInput("the request body holds half a UTF-16 surrogate pair (\\u%04x)", r)
			}
		}
	}
	return nil
}

// hex4 reads four hex digits.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// walkJSON reads one value from dec; t is the Go type it will be decoded
// into (nil: any shape is accepted, only keys and strings are checked).
func walkJSON(dec *json.Decoder, t reflect.Type, at string) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && (t.Kind() == reflect.Interface || reflect.PointerTo(t).Implements(unmarshalerType)) {
		t = nil
	}
	tok, err := dec.Token()
	if err != nil {
		return invalidJSON("the request body is not valid JSON: %v", err)
	}
	switch tok := tok.(type) {
	case string:
		if strings.IndexByte(tok, 0) >= 0 {
			return invalidInput("%s holds a NUL character", at)
		}
	case json.Delim:
		switch tok {
		case '{':
			return walkObject(dec, t, at)
		case '[':
			var elem reflect.Type
			if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
				elem = t.Elem()
			}
			for i := 0; dec.More(); i++ {
				if err := walkJSON(dec, elem, fmt.Sprintf("%s[%d]", at, i)); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil {
				return invalidJSON("the request body is not valid JSON: %v", err)
			}
		}
	}
	return nil
}

func walkObject(dec *json.Decoder, t reflect.Type, at string) error {
	var fields map[string]reflect.Type
	if t != nil && t.Kind() == reflect.Struct {
		fields = jsonFields(t)
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return invalidJSON("the request body is not valid JSON: %v", err)
		}
		key, _ := tok.(string)
		if strings.IndexByte(key, 0) >= 0 {
			return invalidInput("a key of %s holds a NUL character", at)
		}
		if seen[key] {
			return invalidJSON("%s has the key %q twice", at, key)
		}
		seen[key] = true
		var ft reflect.Type
		switch {
		case fields != nil:
			var ok bool
			if ft, ok = fields[key]; !ok {
				return invalidJSON("%s has an unknown key %q (keys are case-sensitive)", at, key)
			}
		case t != nil && t.Kind() == reflect.Map:
			ft = t.Elem()
		}
		if err := walkJSON(dec, ft, at+"."+key); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return invalidJSON("the request body is not valid JSON: %v", err)
	}
	return nil
}

// jsonFields returns the exact JSON names of a struct's fields, as
// encoding/json writes them, with their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range jsonFields(ft) {
					if _, ok := out[k]; !ok {
						out[k] = v
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}
