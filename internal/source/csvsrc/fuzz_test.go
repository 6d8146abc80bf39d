package csvsrc

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzRead feeds arbitrary bytes to Open and Read. They must never panic,
// every field must come out as valid UTF-8 (the input was decoded, whatever
// it was), line numbers must rise, and the report must count what was read.
// Seeds are in testdata/fuzz/FuzzRead (the first bytes of every corpus
// text file, and crafted edge cases).
func FuzzRead(f *testing.F) {
	f.Add([]byte("a;b\n1;2\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Open(bytes.NewReader(data), Options{MaxReported: 5})
		if err != nil {
			return
		}
		defer r.Close()
		var n, last int64
		for {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return
			}
			n++
			if rec.Line < 1 || rec.Line < last {
				t.Fatalf("record %d starts on line %d after line %d", n, rec.Line, last)
			}
			last = rec.Line
			for _, s := range rec.Fields {
				if !utf8.ValidString(s) {
					t.Fatalf("line %d: invalid UTF-8 field %q", rec.Line, s)
				}
			}
		}
		rep := r.Report()
		if rep.Rows != n || len(rep.Skipped) > 5 || len(rep.Ragged) > 5 {
			t.Fatalf("report rows %d (read %d), %d skipped and %d ragged listed", rep.Rows, n, len(rep.Skipped), len(rep.Ragged))
		}
	})
}

// FuzzRoundTrip builds a table from the fuzzer's text (rows split at \x1e,
// cells at \x1f), writes it as valid CSV in both dialects (RFC 4180 with
// encoding/csv, and all-quoted with backslash escapes), and reads it back:
// the header and records must come back unchanged. Seeds are in
// testdata/fuzz/FuzzRoundTrip.
func FuzzRoundTrip(f *testing.F) {
	f.Add("id\x1fnavn\x1ekommentar\x1e1\x1fBjørn\x1fSa \"ok\"; ja\n2. linje\x1e2\x1f\x1f\\")
	f.Add("PK\x03\x04\x1fb\x1e1\x1f2") // a ZIP signature: refused
	f.Add("%PDF\x1fb\x1e1\x1f2")       // a header that reads %PDF: text
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) || strings.ContainsAny(s, "\r\x00") {
			return // encoding/csv turns \r\n into \n inside fields
		}
		var table [][]string
		for _, row := range strings.Split(s, "\x1e") {
			table = append(table, strings.Split(row, "\x1f"))
		}
		if len(table) < 2 {
			return
		}
		header := table[0]
		for _, h := range header {
			if strings.TrimSpace(h) == "" || strings.ContainsAny(h, "\n") {
				return // unnamed columns are renamed; keep the header simple
			}
		}
		first := strings.ToLower(strings.TrimLeft(header[0], " \t\n"))
		if strings.HasPrefix(first, "<") || strings.HasPrefix(first, "{") || strings.HasPrefix(first, "[") || strings.HasPrefix(first, "sep=") {
			return // sniffed as markup or JSON, or an Excel sep= line
		}
		var want [][]string
		for _, row := range table[1:] {
			for len(row) < len(header) {
				row = append(row, "")
			}
			row = row[:len(header)]
			if strings.Join(row, "") != "" { // all-empty rows are skipped
				want = append(want, row)
			}
		}
		if len(want) == 0 {
			return
		}
		all := append([][]string{header}, want...)

		var rfc bytes.Buffer
		w := csv.NewWriter(&rfc)
		w.Comma = ';'
		if err := w.WriteAll(all); err != nil {
			return
		}
		var esc bytes.Buffer
		for _, row := range all {
			for i, c := range row {
				if i > 0 {
					esc.WriteByte(';')
				}
				esc.WriteByte('"')
				esc.WriteString(strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(c))
				esc.WriteByte('"')
			}
			esc.WriteByte('\n')
		}
		for _, tc := range []struct {
			name string
			in   []byte
			o    Options
		}{
			{"rfc", rfc.Bytes(), Options{Encoding: "utf-8", Delimiter: ";", HeaderRow: 1, Escape: "none", MissingValues: []string{""}}},
			{"backslash", esc.Bytes(), Options{Encoding: "utf-8", Delimiter: ";", HeaderRow: 1, Escape: `\`, MissingValues: []string{""}}},
		} {
			if sniffDeclaredBinary(tc.in) != nil {
				// Starts like a ZIP, gzip, image or .xls file: refused
				// even when declared as text.
				if _, err := Open(bytes.NewReader(tc.in), tc.o); !errors.Is(err, errWrongFormat) {
					t.Fatalf("%s: Open(%q): %v, want ErrWrongFormat", tc.name, tc.in, err)
				}
				continue
			}
			r, err := Open(bytes.NewReader(tc.in), tc.o)
			if err != nil {
				t.Fatalf("%s: Open(%q): %v", tc.name, tc.in, err)
			}
			if !reflect.DeepEqual(r.Header(), header) {
				t.Fatalf("%s: header %q, want %q (input %q)", tc.name, r.Header(), header, tc.in)
			}
			var got [][]string
			for {
				rec, err := r.Read()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatalf("%s: Read: %v (input %q)", tc.name, err, tc.in)
				}
				got = append(got, append([]string(nil), rec.Fields...))
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: records %q, want %q (input %q)", tc.name, got, want, tc.in)
			}
		}
	})
}

// FuzzParsersAgree checks that this package's scanner, in its strict RFC
// 4180 mode, reads any input exactly as encoding/csv does: the same records
// starting on the same lines, and parse errors of the same kind on the same
// records. Seeds are in testdata/fuzz/FuzzParsersAgree.
func FuzzParsersAgree(f *testing.F) {
	f.Add([]byte("a;b\n1;\"x\"\"y\nz\"\n\n2;3\r\n"), byte(';'))
	f.Fuzz(func(t *testing.T, data []byte, delim byte) {
		d, err := parseDelimiter(string(rune(delim)))
		if err != nil || d >= utf8.RuneSelf || d == ' ' || d == '\r' || d == '\n' || d == '"' {
			return
		}
		if !utf8.Valid(data) {
			return // encoding/csv works on runes; the scanner only sees valid UTF-8 from the decoders
		}
		c := csv.NewReader(bytes.NewReader(data))
		c.Comma = d
		c.FieldsPerRecord = -1
		s := newEscParser(bytes.NewReader(data), dialect{delim: d, quote: '"'})
		for i := 0; ; i++ {
			cf, cerr := c.Read()
			sf, sline, serr := s.next()
			if errors.Is(cerr, io.EOF) || errors.Is(serr, io.EOF) {
				if !errors.Is(cerr, io.EOF) || !errors.Is(serr, io.EOF) {
					t.Fatalf("record %d: encoding/csv %q %v, scanner %q %v", i, cf, cerr, sf, serr)
				}
				return
			}
			var cpe, spe *csv.ParseError
			if cerr != nil || serr != nil {
				if !errors.As(cerr, &cpe) || !errors.As(serr, &spe) || !errors.Is(spe.Err, cpe.Err) || cpe.StartLine != spe.StartLine {
					t.Fatalf("record %d: encoding/csv error %v, scanner error %v (input %q)", i, cerr, serr, data)
				}
				continue
			}
			cline, _ := c.FieldPos(0)
			if !reflect.DeepEqual(cf, sf) || int64(cline) != sline {
				t.Fatalf("record %d: encoding/csv %q on line %d, scanner %q on line %d (input %q)", i, cf, cline, sf, sline, data)
			}
		}
	})
}
