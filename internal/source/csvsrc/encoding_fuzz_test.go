package csvsrc

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// FuzzDetectEncoding writes the fuzzer's text (text with at least one
// letter outside ASCII and no control characters) in the three encodings Norwegian exports come in: UTF-8,
// Windows-1252 (where the bytes are not also valid UTF-8: those are
// ambiguous) and UTF-16LE with a byte-order mark. Detect must never panic,
// must accept or refuse all three alike, must name the encoding each was
// written in, and must find the same dialect and header in all three.
// Seeds are in testdata/fuzz/FuzzDetectEncoding.
func FuzzDetectEncoding(f *testing.F) {
	f.Add("navn;beløp\nØrn;12,5\nÆble;3\n")
	f.Add("\"Kommune\",\"Innbyggere\"\r\n\"Bærum\",\"128 000\"\r\n")
	f.Add("sep=;\nå;b\n1;2\n")
	f.Add("Tittel på rapporten\n\nid\tnavn\n1\tJosé\n")
	f.Fuzz(func(t *testing.T, text string) {
		if !utf8.ValidString(text) || strings.ContainsRune(text, 0) || strings.ContainsRune(text, utf8.RuneError) || !hasHigh([]byte(text)) {
			return
		}
		if strings.ContainsFunc(text, func(r rune) bool { return r < 0x20 && r != '\t' && r != '\r' && r != '\n' || r == 0x7f }) {
			return // control bytes: binary sniffing, tested elsewhere
		}
		cp, err := charmap.Windows1252.NewEncoder().String(text)
		if err != nil || utf8.ValidString(cp) {
			return // not representable in Windows-1252, or ambiguous
		}
		u16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(text)
		if err != nil {
			t.Fatal(err)
		}
		d8, err8 := Detect([]byte(text), true, Options{})
		dcp, errcp := Detect([]byte(cp), true, Options{})
		d16, err16 := Detect([]byte(u16), true, Options{})
		if (err8 == nil) != (errcp == nil) || (err8 == nil) != (err16 == nil) {
			t.Fatalf("UTF-8: %v; Windows-1252: %v; UTF-16LE: %v (text %q)", err8, errcp, err16, text)
		}
		if err8 != nil {
			return
		}
		if d8.Encoding != UTF8 || (dcp.Encoding != Windows1252 && dcp.Encoding != ISO88591) || d16.Encoding != UTF16LE || !d16.BOM {
			t.Fatalf("encodings %s, %s, %s (BOM %v) for UTF-8, Windows-1252, UTF-16LE (text %q)", d8.Encoding, dcp.Encoding, d16.Encoding, d16.BOM, text)
		}
		for name, d := range map[string]*Detection{"Windows-1252": dcp, "UTF-16LE": d16} {
			if d.Delimiter != d8.Delimiter || d.Quote != d8.Quote || d.Skip != d8.Skip || !reflect.DeepEqual(d.Header, d8.Header) {
				t.Fatalf("%s: delimiter %q quote %q skip %d header %q; UTF-8: %q %q %d %q (text %q)",
					name, d.Delimiter, d.Quote, d.Skip, d.Header, d8.Delimiter, d8.Quote, d8.Skip, d8.Header, text)
			}
		}
	})
}
