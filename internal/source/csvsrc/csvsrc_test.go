package csvsrc

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/dele-opendata/dele/internal/source"
)

// readAll opens in and returns the reader (closed) and every record.
func readAll(t *testing.T, in []byte, o Options) (*Reader, [][]string, []int64) {
	t.Helper()
	r, err := Open(bytes.NewReader(in), o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer r.Close()
	var recs [][]string
	var lines []int64
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return r, recs, lines
		}
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		recs = append(recs, append([]string(nil), rec.Fields...))
		lines = append(lines, rec.Line)
	}
}

func utf16le(s string, bom bool) []byte {
	b := []byte{}
	if bom {
		b = append(b, 0xFF, 0xFE)
	}
	out, _ := unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewEncoder().Bytes([]byte(s))
	return append(b, out...)
}

func utf16be(s string, bom bool) []byte {
	b := []byte{}
	if bom {
		b = append(b, 0xFE, 0xFF)
	}
	out, _ := unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewEncoder().Bytes([]byte(s))
	return append(b, out...)
}

func cp1252(s string) []byte {
	out, err := charmap.Windows1252.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(err)
	}
	return out
}

func latin1(s string) []byte {
	out, err := charmap.ISO8859_1.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(err)
	}
	return out
}

func TestDialects(t *testing.T) {
	tests := []struct {
		name      string
		in        []byte
		opts      Options
		encoding  string
		delimiter string
		header    []string
		records   [][]string
		lines     []int64
		headerRow int
	}{
		{
			name: "utf-8 with BOM, comma", in: []byte("\xEF\xBB\xBFnavn,sted\nBjørn,Tromsø\n"),
			encoding: UTF8, delimiter: ",", header: []string{"navn", "sted"},
			records: [][]string{{"Bjørn", "Tromsø"}}, lines: []int64{2}, headerRow: 1,
		},
		{
			name: "utf-16le without BOM, tab, sep line", in: utf16le("sep=\t\na\tb\r\næ\tø\r\n", false),
			encoding: UTF16LE, delimiter: `\t`, header: []string{"a", "b"},
			records: [][]string{{"æ", "ø"}}, lines: []int64{3}, headerRow: 2,
		},
		{
			name: "utf-16le with BOM", in: utf16le("a;b\nå;1\n", true),
			encoding: UTF16LE, delimiter: ";", header: []string{"a", "b"},
			records: [][]string{{"å", "1"}}, lines: []int64{2}, headerRow: 1,
		},
		{
			name: "utf-16be with BOM", in: utf16be("a|b\nå|1\n", true),
			encoding: UTF16BE, delimiter: "|", header: []string{"a", "b"},
			records: [][]string{{"å", "1"}}, lines: []int64{2}, headerRow: 1,
		},
		{
			name: "utf-16be without BOM", in: utf16be("kode;navn\n0301;Oslo\n", false),
			encoding: UTF16BE, delimiter: ";", header: []string{"kode", "navn"},
			records: [][]string{{"0301", "Oslo"}}, lines: []int64{2}, headerRow: 1,
		},
		{
			name: "windows-1252 with š", in: cp1252("navn;kode\nKárášjohka;5437\nBærum;3024\n"),
			encoding: Windows1252, delimiter: ";", header: []string{"navn", "kode"},
			records: [][]string{{"Kárášjohka", "5437"}, {"Bærum", "3024"}}, lines: []int64{2, 3}, headerRow: 1,
		},
		{
			name: "iso-8859-1 without C1 bytes", in: latin1("navn;kode\nBærum;3024\n"),
			encoding: ISO88591, delimiter: ";", header: []string{"navn", "kode"},
			records: [][]string{{"Bærum", "3024"}}, lines: []int64{2}, headerRow: 1,
		},
		{
			name: "declared encoding wins", in: latin1("navn;kode\nBærum;3024\n"), opts: Options{Encoding: "latin1"},
			encoding: ISO88591, delimiter: ";", header: []string{"navn", "kode"},
			records: [][]string{{"Bærum", "3024"}}, lines: []int64{2}, headerRow: 1,
		},
		{
			name: "mixed line endings, trailing blank lines", in: []byte("a;b\r\n1;2\n3;4\r\n5;6\n\r\n\n\r\n"),
			encoding: UTF8, delimiter: ";", header: []string{"a", "b"},
			records: [][]string{{"1", "2"}, {"3", "4"}, {"5", "6"}}, lines: []int64{2, 3, 4}, headerRow: 1,
		},
		{
			name: "embedded newlines and doubled quotes", in: []byte("id;tekst\n1;\"to\nlinjer; med \"\"sitat\"\"\"\n2;x\n"),
			encoding: UTF8, delimiter: ";", header: []string{"id", "tekst"},
			records: [][]string{{"1", "to\nlinjer; med \"sitat\""}, {"2", "x"}}, lines: []int64{2, 4}, headerRow: 1,
		},
		{
			name: "backslash-escaped quotes detected", in: []byte("\"id\";\"tittel\"\n\"1\";\"Si \\\"hei\\\" da\"\n\"2\";\"linje\nto\"\n\"3\";\"\"\n"),
			encoding: UTF8, delimiter: ";", header: []string{"id", "tittel"},
			records: [][]string{{"1", `Si "hei" da`}, {"2", "linje\nto"}, {"3", ""}}, lines: []int64{2, 3, 5}, headerRow: 1,
		},
		{
			name: "title line, blank line, header", in: []byte("\"Tabell 1: Befolkning\"\n\n\"alder\";\"år\";\"personer\"\n\"0 år\";\"2020\";12\n\"1 år\";\"2020\";13\n"),
			encoding: UTF8, delimiter: ";", header: []string{"alder", "år", "personer"},
			records: [][]string{{"0 år", "2020", "12"}, {"1 år", "2020", "13"}}, lines: []int64{4, 5}, headerRow: 3,
		},
		{
			name: "multi-row header joined", in: []byte("region;navn;Bosatte;Bosatte\n;;År: 2020;År: 2021\nK3001;Halden;20;.\nK3002;Moss;:;15\n"),
			encoding: UTF8, delimiter: ";", header: []string{"region", "navn", "Bosatte / År: 2020", "Bosatte / År: 2021"},
			records: [][]string{{"K3001", "Halden", "20", "."}, {"K3002", "Moss", ":", "15"}}, lines: []int64{3, 4}, headerRow: 2,
		},
		{
			name: "no header detected", in: []byte("0001\tOSLO\t0301\n0010\tOSLO\t0301\n1337\tSANDVIKA\t3024\n1338\tSANDVIKA\t3024\n"),
			encoding: UTF8, delimiter: `\t`, header: []string{"column1", "column2", "column3"},
			records: [][]string{{"0001", "OSLO", "0301"}, {"0010", "OSLO", "0301"}, {"1337", "SANDVIKA", "3024"}, {"1338", "SANDVIKA", "3024"}}, lines: []int64{1, 2, 3, 4},
		},
		{
			name: "no header declared with columns", in: []byte("0001\tOSLO\n"), opts: Options{NoHeader: true, Columns: []string{"postnummer", "poststed"}},
			encoding: UTF8, delimiter: `\t`, header: []string{"postnummer", "poststed"},
			records: [][]string{{"0001", "OSLO"}}, lines: []int64{1},
		},
		{
			name: "declared header row and delimiter", in: []byte("junk line, with commas\nx|y\n1|2\n"), opts: Options{HeaderRow: 2, Delimiter: "|"},
			encoding: UTF8, delimiter: "|", header: []string{"x", "y"},
			records: [][]string{{"1", "2"}}, lines: []int64{3}, headerRow: 2,
		},
		{
			name: "ragged rows passed through", in: []byte("a;b;c\n1;2;3\n4;5\n6;7;8;9\n"),
			encoding: UTF8, delimiter: ";", header: []string{"a", "b", "c"},
			records: [][]string{{"1", "2", "3"}, {"4", "5"}, {"6", "7", "8", "9"}}, lines: []int64{2, 3, 4}, headerRow: 1,
		},
		{
			name: "quote none", in: []byte("a;b\n\"x;y\n"), opts: Options{Quote: "none"},
			encoding: UTF8, delimiter: ";", header: []string{"a", "b"},
			records: [][]string{{`"x`, "y"}}, lines: []int64{2}, headerRow: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, recs, lines := readAll(t, tt.in, tt.opts)
			rep := r.Report()
			if rep.Encoding != tt.encoding || rep.Delimiter != tt.delimiter || rep.HeaderRow != tt.headerRow {
				t.Errorf("encoding %s delimiter %q header row %d, want %s %q %d", rep.Encoding, rep.Delimiter, rep.HeaderRow, tt.encoding, tt.delimiter, tt.headerRow)
			}
			if !reflect.DeepEqual(r.Header(), tt.header) {
				t.Errorf("header %q, want %q", r.Header(), tt.header)
			}
			if !reflect.DeepEqual(recs, tt.records) {
				t.Errorf("records %q, want %q", recs, tt.records)
			}
			if !reflect.DeepEqual(lines, tt.lines) {
				t.Errorf("lines %v, want %v", lines, tt.lines)
			}
			if rep.Rows != int64(len(tt.records)) {
				t.Errorf("report rows %d, want %d", rep.Rows, len(tt.records))
			}
		})
	}
}

func TestReportRaggedSkippedMissing(t *testing.T) {
	in := []byte("a;b;c\n1;.;3\n4;5\n6;\"x\"y;8\n;;\n7;..;*\n9;-;:\n")
	r, recs, _ := readAll(t, in, Options{})
	rep := r.Report()
	if len(recs) != 4 || rep.Rows != 4 {
		t.Fatalf("got %d records (%d in report), want 4: %q", len(recs), rep.Rows, recs)
	}
	if rep.RaggedCount != 1 || rep.Ragged[0].Line != 3 {
		t.Errorf("ragged %d %v, want line 3", rep.RaggedCount, rep.Ragged)
	}
	// Line 4 has a bare quote in an unquoted field; line 5 is all empty.
	if rep.SkippedCount != 2 || rep.Skipped[0].Line != 4 || rep.Skipped[1].Line != 5 {
		t.Errorf("skipped %d %v, want lines 4 and 5", rep.SkippedCount, rep.Skipped)
	}
	want := []string{".", "..", ":", "-", "*"}
	if !reflect.DeepEqual(rep.MissingValues, want) {
		t.Errorf("missing values %q, want %q", rep.MissingValues, want)
	}
	r, _, _ = readAll(t, in, Options{MissingValues: []string{"."}})
	if got := r.Report().MissingValues; !reflect.DeepEqual(got, []string{"."}) {
		t.Errorf("declared missing values became %q", got)
	}
}

func TestBadContent(t *testing.T) {
	html := "<!DOCTYPE html>\n<html><head><title>Nettstedet er utilgjengelig</title></head><body>Prøv igjen</body></html>\n"
	tests := []struct {
		name string
		in   []byte
		want error
		msg  string
	}{
		{"empty", nil, source.ErrEmpty, "no bytes"},
		{"blank lines", []byte("\n\r\n \n"), source.ErrEmpty, "blank"},
		{"header only", []byte("a;b;c\n"), source.ErrEmpty, "no data rows"},
		{"html page", []byte(html), source.ErrWrongFormat, "HTML"},
		{"html after whitespace", []byte("\r\n  " + html), source.ErrWrongFormat, "HTML"},
		{"html in utf-16", utf16le(html, true), source.ErrWrongFormat, "HTML"},
		{"html after a comment", []byte("<!-- cache: miss -->\n<html lang=\"no\"><body><h1>Nettstedet er utilgjengelig</h1></body></html>"), source.ErrWrongFormat, "HTML"},
		{"script first", []byte("<script>window.location='/login'</script>\n"), source.ErrWrongFormat, "HTML"},
		{"xml", []byte("<?xml version=\"1.0\"?>\n<rows><row a=\"1\"/></rows>"), source.ErrWrongFormat, "XML"},
		{"json", []byte(`{"_embedded": {"enheter": []}}`), source.ErrWrongFormat, "JSON"},
		{"zip", []byte("PK\x03\x04\x14\x00\x06\x00rest of a workbook"), source.ErrWrongFormat, "ZIP"},
		{"binary", append([]byte("a;b\n"), 0, 1, 2, 3, 0xFF, 0, 0x10), source.ErrWrongFormat, "binary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(bytes.NewReader(tt.in), Options{Location: "x.csv"})
			var se *source.Error
			if !errors.As(err, &se) || !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %v, want a *source.Error wrapping %v mentioning %q", err, tt.want, tt.msg)
			}
		})
	}
	// A declared encoding does not let binary content through.
	for _, enc := range []string{"utf-8", "windows-1252", "iso-8859-1", "utf-16le"} {
		for _, tt := range tests[len(tests)-2:] {
			in := tt.in
			if enc == "utf-16le" {
				in = utf16le(string(in), false)
			}
			_, err := Open(bytes.NewReader(in), Options{Location: "x.csv", Encoding: enc})
			if !errors.Is(err, source.ErrWrongFormat) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("%s declared %s: error %v, want ErrWrongFormat mentioning %q", tt.name, enc, err, tt.msg)
			}
		}
	}
}

func TestTruncatedQuote(t *testing.T) {
	in := []byte("id;tekst\n1;ok\n2;\"en tekst som\nble kuttet")
	r, err := Open(bytes.NewReader(in), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rec, err := r.Read(); err != nil || rec.Fields[1] != "ok" {
		t.Fatalf("first record %v, %v", rec, err)
	}
	_, err = r.Read()
	if !errors.Is(err, source.ErrWrongFormat) || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("error %v, want ErrWrongFormat naming line 3", err)
	}
	// The backslash dialect detects it too.
	in = []byte("\"id\";\"t\"\n\"1\";\"a \\\"b\\\" c\"\n\"2\";\"kuttet\nher")
	r, err = Open(bytes.NewReader(in), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rec, err := r.Read(); err != nil || rec.Fields[1] != `a "b" c` {
		t.Fatalf("first record %v, %v", rec, err)
	}
	if _, err := r.Read(); !errors.Is(err, source.ErrWrongFormat) {
		t.Errorf("error %v, want ErrWrongFormat", err)
	}
}

// TestBackslashBeyondSample puts the first backslash-escaped quote far past
// the detection sample: the pass over the whole file must still find it.
func TestBackslashBeyondSample(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("\"id\";\"tekst\"\n")
	n := 0
	for b.Len() < sampleSize*2 {
		n++
		b.WriteString("\"1\";\"vanlig tekst\"\n")
	}
	b.WriteString("\"2\";\"med \\\"sitat\\\"\"\n")
	_, recs, _ := readAll(t, b.Bytes(), Options{})
	if len(recs) != n+1 || recs[n][1] != `med "sitat"` {
		t.Fatalf("%d records, last %q", len(recs), recs[len(recs)-1])
	}
	// Without io.ReaderAt only the sample is seen: the record is then
	// reported as unparseable, not silently mangled.
	r, err := Open(io.MultiReader(bytes.NewReader(b.Bytes())), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := r.Read(); err != nil {
			break
		}
	}
	if rep := r.Report(); rep.SkippedCount != 1 {
		t.Errorf("skipped %d, want 1", rep.SkippedCount)
	}
}

// TestLatin1BeyondSample has an ASCII sample and a Latin-1 ø far after it.
func TestLatin1BeyondSample(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("navn;kode\n")
	for b.Len() < sampleSize*2 {
		b.WriteString("Oslo;0301\n")
	}
	b.Write(latin1("Tromsø;5501\n"))
	_, recs, _ := readAll(t, b.Bytes(), Options{})
	if got := recs[len(recs)-1][0]; got != "Tromsø" {
		t.Errorf("last name %q, want Tromsø", got)
	}
}

func TestDetectedNames(t *testing.T) {
	r, _, _ := readAll(t, []byte("a,b\n1,2\n"), Options{})
	d := r.Report().Detected
	if d["encoding"] != UTF8 || d["delimiter"] != "," || d["headerRow"] != "1" {
		t.Errorf("detected %v", d)
	}
	r, _, _ = readAll(t, []byte("a,b\n1,2\n"), Options{Encoding: "utf-8", Delimiter: ",", HeaderRow: 1, Escape: "none"})
	if d := r.Report().Detected; len(d) != 0 {
		t.Errorf("all declared, yet detected %v", d)
	}
}

// TestMixedEncoding reads two exports concatenated, one UTF-8 and one
// Windows-1252: the UTF-8 part stays as it is and the 8-bit bytes are read
// as Windows-1252, with the repair reported.
func TestMixedEncoding(t *testing.T) {
	in := append([]byte("navn;kode\nTromsø;5501\nBodø;1804\n"), cp1252("Kárášjohka;5437\nTromsø;5501\n")...)
	for name, src := range map[string]func() io.Reader{
		"file":   func() io.Reader { return bytes.NewReader(in) },
		"stream": func() io.Reader { return io.MultiReader(bytes.NewReader(in)) },
	} {
		t.Run(name, func(t *testing.T) {
			r, err := Open(src(), Options{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for {
				rec, err := r.Read()
				if err != nil {
					break
				}
				got = append(got, rec.Fields[0])
			}
			want := []string{"Tromsø", "Bodø", "Kárášjohka", "Tromsø"}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("names %q, want %q", got, want)
			}
			rep := r.Report()
			if rep.Encoding != UTF8 || !strings.Contains(rep.Detected["invalidUTF8"], "2 records") || !strings.Contains(rep.Detected["invalidUTF8"], "line 4") {
				t.Errorf("encoding %s, detected %v", rep.Encoding, rep.Detected)
			}
		})
	}
}

// TestBOMThenInvalid has a UTF-8 BOM and a Latin-1 byte: found by FuzzRead.
func TestBOMThenInvalid(t *testing.T) {
	_, recs, _ := readAll(t, append([]byte("\xEF\xBB\xBFa;b\n1;"), latin1("ø\n")...), Options{})
	if len(recs) != 1 || recs[0][1] != "ø" {
		t.Errorf("records %q", recs)
	}
}

func TestUTF8Guard(t *testing.T) {
	valid := []byte(strings.Repeat("Kárášjohka;Tromsø;€ 5 ;𝄞\n", 50))
	for _, tc := range []struct {
		name string
		in   []byte
		bad  bool
	}{
		{"valid", valid, false},
		{"latin-1 byte", append(append([]byte(nil), valid...), latin1("ø")...), true},
		{"cut rune at end", valid[:len(valid)-2], true},
	} {
		for _, chunk := range []int{1, 2, 3, 5, 7, 4096} {
			g := &utf8Guard{r: &chunked{b: tc.in, n: chunk}}
			if _, err := io.Copy(io.Discard, g); err != nil {
				t.Fatal(err)
			}
			if g.bad != tc.bad {
				t.Errorf("%s, %d-byte reads: bad %v, want %v", tc.name, chunk, g.bad, tc.bad)
			}
		}
	}
}

// chunked returns at most n bytes per Read.
type chunked struct {
	b []byte
	n int
}

func (c *chunked) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), c.n)], c.b)
	c.b = c.b[k:]
	return k, nil
}

// TestSBCS checks the table decoder against the charmap decoders on every
// byte value, in reads of every small size.
func TestSBCS(t *testing.T) {
	var all []byte
	for range 3 {
		for b := range 256 {
			all = append(all, byte(b), 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i')
		}
	}
	for _, cm := range []*charmap.Charmap{charmap.Windows1252, charmap.ISO8859_1} {
		want, err := cm.NewDecoder().Bytes(all)
		if err != nil {
			t.Fatal(err)
		}
		for _, chunk := range []int{1, 2, 3, 7, 64, 4096} {
			got, err := io.ReadAll(transform.NewReader(&chunked{b: all, n: chunk}, newSBCS(cm)))
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%v, %d-byte reads: %v, output differs: %v", cm, chunk, err, !bytes.Equal(got, want))
			}
		}
	}
}
