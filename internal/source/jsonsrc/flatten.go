package jsonsrc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// ArraySeparator joins the items of an array of scalars into one cell.
const ArraySeparator = "; "

// Flatten reads one JSON value from dec and calls emit for each column it
// yields, in document order:
//   - nested objects become dotted columns (forretningsadresse.postnummer);
//   - numbers keep their JSON text exactly (0.10 stays 0.10, 1e3 stays 1e3);
//   - booleans become true/false and null becomes the empty string;
//   - an array of scalars becomes one column with its items joined by
//     ArraySeparator ("; "), null items as empty text;
//   - an array holding objects or arrays becomes one column with the array's
//     compact JSON text, so the column set stays stable and nothing is lost;
//   - an empty object yields no column, an empty array the empty string.
//
// prefix is prepended to the column names (with a dot); a scalar at the top
// is emitted under prefix itself.
func Flatten(dec *json.Decoder, prefix string, emit func(key, value string)) error {
	return flatten(dec, prefix, func(key, value string, _ uint8) { emit(key, value) })
}

// The JSON types of a flattened value, as bits so a column's types can be
// or-ed together. An array is text (kindString); null has no kind.
const (
	kindString uint8 = 1 << iota
	kindNumber
	kindBool
)

// emitFunc receives a flattened column, its text and its JSON kind.
type emitFunc func(key, value string, kind uint8)

// flatten is Flatten that also gives each value's JSON kind.
func flatten(dec *json.Decoder, prefix string, emit emitFunc) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	return flattenTok(dec, tok, prefix, emit)
}

func flattenTok(dec *json.Decoder, tok json.Token, prefix string, emit emitFunc) error {
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return err
				}
				key, _ := kt.(string)
				if prefix != "" {
					key = prefix + "." + key
				}
				if err := flatten(dec, key, emit); err != nil {
					return err
				}
			}
			_, err := dec.Token() // '}'
			return err
		case '[':
			return flattenArray(dec, prefix, emit)
		}
		return fmt.Errorf("unexpected %v", t)
	default:
		emit(prefix, scalar(tok), scalarKind(tok))
		return nil
	}
}

// scalarKind is the JSON kind of a scalar token (0 for null).
func scalarKind(tok json.Token) uint8 {
	switch tok.(type) {
	case string:
		return kindString
	case json.Number, float64:
		return kindNumber
	case bool:
		return kindBool
	}
	return 0
}

// flattenArray reads the rest of an array whose '[' was consumed.
func flattenArray(dec *json.Decoder, prefix string, emit emitFunc) error {
	var items []string
	var buf *bytes.Buffer // set once a structured item is seen
	for dec.More() {
		if buf != nil {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return err
			}
			buf.WriteByte(',')
			if err := json.Compact(buf, raw); err != nil {
				return err
			}
			continue
		}
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			// Switch to JSON text: re-encode the scalars seen so far, then
			// this item, then the rest.
			buf = &bytes.Buffer{}
			buf.WriteByte('[')
			for i, s := range items {
				if i > 0 {
					buf.WriteByte(',')
				}
				buf.WriteString(s)
			}
			if len(items) > 0 {
				buf.WriteByte(',')
			}
			if err := encodeRest(dec, d, buf); err != nil {
				return err
			}
			continue
		}
		items = append(items, rawScalar(tok))
	}
	if _, err := dec.Token(); err != nil { // ']'
		return err
	}
	if buf != nil {
		buf.WriteByte(']')
		emit(prefix, buf.String(), kindString)
		return nil
	}
	texts := make([]string, len(items))
	for i, s := range items {
		texts[i] = unquote(s)
	}
	emit(prefix, strings.Join(texts, ArraySeparator), kindString)
	return nil
}

// encodeRest writes the compact JSON of a value whose opening delimiter d
// was already read.
func encodeRest(dec *json.Decoder, d json.Delim, buf *bytes.Buffer) error {
	buf.WriteString(d.String())
	first := true
	isObj := d == '{'
	for dec.More() {
		if !first {
			buf.WriteByte(',')
		}
		first = false
		if isObj {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			buf.WriteString(quote(kt.(string)))
			buf.WriteByte(':')
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		if err := json.Compact(buf, raw); err != nil {
			return err
		}
	}
	end, err := dec.Token()
	if err != nil {
		return err
	}
	buf.WriteString(end.(json.Delim).String())
	return nil
}

// scalar is the cell text of a scalar token.
func scalar(tok json.Token) string {
	switch v := tok.(type) {
	case nil:
		return ""
	case bool:
		if v {
			return "true"
		}
		return "false"
	case json.Number:
		return v.String()
	case string:
		return v
	case float64: // only without UseNumber
		return fmt.Sprint(v)
	}
	return fmt.Sprint(tok)
}

// rawScalar is the JSON text of a scalar token: strings quoted, so that an
// array can be re-encoded exactly if it turns out to hold structures.
func rawScalar(tok json.Token) string {
	switch v := tok.(type) {
	case nil:
		return "null"
	case string:
		return quote(v)
	}
	return scalar(tok)
}

// quote is the JSON text of s, without escaping <, > and &.
func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

// unquote turns rawScalar's text back into cell text.
func unquote(s string) string {
	switch {
	case s == "null":
		return ""
	case strings.HasPrefix(s, `"`):
		var v string
		_ = json.Unmarshal([]byte(s), &v)
		return v
	}
	return s
}

// skipValue reads and discards one JSON value without keeping it.
func skipValue(dec *json.Decoder) error {
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
		if depth == 0 {
			return nil
		}
	}
}
