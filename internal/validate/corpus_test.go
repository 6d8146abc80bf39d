package validate

import (
	"bytes"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/dele-opendata/dele/internal/source"
	"github.com/dele-opendata/dele/internal/table"
	"github.com/dele-opendata/dele/internal/tableschema"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const corpus = "../../testdata/corpus"

// corpusFile says how to read one text file of testdata/corpus, as
// testdata/corpus/SOURCES.md describes it. The test decodes the files
// itself (encoding/csv after decoding to UTF-8) so it does not depend on
// the CSV source package.
type corpusFile struct {
	path      string
	encoding  string // utf-8, iso-8859-1, windows-1252, utf-16le
	delimiter rune
	skip      int  // lines before the header
	headers   int  // header rows (joined with " / "); 0 means no header
	backslash bool // quotes escaped as \" instead of ""
	missing   []string
	// want pins what a person reading SOURCES.md expects: field → type,
	// with ",", " " etc. appended for decimalChar/groupChar.
	want map[string]string
}

var corpusFiles = []corpusFile{
	{path: "oslo-husholdninger/Husholdninger_med_barn(1.1.2008-1.1.2018-v01).csv", encoding: "utf-8", delimiter: ';', headers: 1,
		want: map[string]string{"delbydelid": "string", "År": "integer", "Antall husholdninger": "number"}},
	{path: "stavanger-budsjett-2016-drift/dataset.original.csv", encoding: "utf-8", delimiter: ';', headers: 1,
		want: map[string]string{"beloep": "integer", "ansvar": "string"}},
	{path: "bergen-investeringsbudsjett-2012/dataset.original.csv", encoding: "utf-8", delimiter: ';', headers: 1,
		want: map[string]string{"2012": `number , group=" "`, "2013": `number , group=" "`, "2014": `number , group=" "`, "2015": `number , group=" "`}},
	{path: "norgeno-tjeneste/dataset.original.csv", encoding: "utf-8", delimiter: ';', headers: 1, backslash: true,
		want: map[string]string{"id": "integer", "tittel": "string"}},
	{path: "valglokaler-2017/dataset.original.csv", encoding: "utf-8", delimiter: ';', headers: 1,
		want: map[string]string{"municipality_id": "string", "postal_code": "string"}},
	{path: "oed-normpriser/dataset.original.csv", encoding: "utf-8", delimiter: ';', headers: 1,
		want: map[string]string{"date": "date %d.%m.%Y", "last_changed": "date %d.%m.%Y"}},
	// "*" marks suppressed counts (319 cells), as the source reader detects.
	{path: "nav-arbeidssokere-yrke/dataset.original.csv", encoding: "utf-8", delimiter: ';', headers: 1, missing: []string{"*"},
		want: map[string]string{"yrkeskode": "string", "antall_arbeidssokere": "integer", "aar": "integer"}},
	{path: "ssb-10211-befolkning/10211_20230306-214644.csv", encoding: "iso-8859-1", delimiter: ';', skip: 2, headers: 1,
		want: map[string]string{"alder": "string", "kjønn": "string", "Personer": "integer"}},
	{path: "ssb-11616-excel-bom/SSB_11616_Arbeidspendling_2021.csv", encoding: "utf-8", delimiter: ';', skip: 2, headers: 1,
		want: map[string]string{"region": "string", "Sysselsatte personer bosatt i regionen 2021": "integer"}},
	{path: "imdi-bosatt-anmodede/bosatt_anmodede.csv", encoding: "iso-8859-1", delimiter: ';', headers: 3, missing: []string{".", ":"},
		want: map[string]string{"Region": "string"}},
	{path: "udir-slutta-vgo/20220505-1453_Slutta_VGO.csv", encoding: "utf-16le", delimiter: '\t', skip: 1, headers: 1, missing: []string{"*"},
		want: map[string]string{"Organisasjonsnummer": "string", "2011-12.Alle eierformer.Alle trinn.Begge kjønn.Andel sluttet": "number ,"}},
	{path: "posten-postnummerregister/Postnummerregister-ansi.txt", encoding: "iso-8859-1", delimiter: '\t', headers: 0,
		want: map[string]string{"field1": "string", "field3": "string"}},
	{path: "ssb-klass-kommuner-2020/ssb_kommunekoder_2020.csv", encoding: "iso-8859-1", delimiter: ';', headers: 1,
		want: map[string]string{"code": "string", "level": "integer"}},
	{path: "kommuneendringer-cp1252/kommuner_med_endringer_fra2019_til2020.csv", encoding: "windows-1252", delimiter: ';', headers: 1,
		want: map[string]string{"kommuner_2019": "string", "splittes": "integer"}},
	{path: "entur-gtfs-stops/stops.txt", encoding: "utf-8", delimiter: ',', headers: 1,
		want: map[string]string{"stop_id": "string", "stop_lat": "number", "location_type": "integer"}},
	{path: "valgresultat-2013/valgdata2013.csv", encoding: "utf-8", delimiter: ';', headers: 1,
		want: map[string]string{"KommuneID": "string", "ProsentAndel": "number ,", "EndringFordeling11": "number ,", "field13": "string"}},
}

// readCorpus calls row for every record of f after giving header to start.
func readCorpus(t testing.TB, f corpusFile, start func(header []string), row func([]string)) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(corpus, f.path))
	if err != nil {
		t.Fatal(err)
	}
	text := decode(t, raw, f.encoding)
	text = strings.TrimPrefix(text, "\ufeff")
	for i := 0; i < f.skip; i++ {
		_, text, _ = strings.Cut(text, "\n")
	}
	if f.backslash {
		text = strings.ReplaceAll(text, `\"`, `""`)
	}
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = f.delimiter
	r.FieldsPerRecord = -1
	r.LazyQuotes = f.delimiter == '\t'
	var header []string
	for i := 0; i < f.headers; i++ {
		rec, err := r.Read()
		if err != nil {
			t.Fatal(err)
		}
		if header == nil {
			header = make([]string, len(rec))
		}
		for j := range min(len(rec), len(header)) {
			switch {
			case rec[j] == "":
			case header[j] == "":
				header[j] = rec[j]
			default:
				header[j] += " / " + rec[j]
			}
		}
	}
	started := f.headers > 0
	if started {
		start(header)
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", f.path, err)
		}
		if !started {
			start(make([]string, len(rec)))
			started = true
		}
		row(rec)
	}
}

// cp1252 maps the bytes 0x80–0x9F of Windows-1252 (0 = undefined).
var cp1252 = [32]rune{0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178}

func decode(t testing.TB, b []byte, enc string) string {
	switch enc {
	case "utf-8":
		return string(b)
	case "iso-8859-1", "windows-1252":
		var sb strings.Builder
		for _, c := range b {
			r := rune(c)
			if enc == "windows-1252" && c >= 0x80 && c < 0xA0 && cp1252[c-0x80] != 0 {
				r = cp1252[c-0x80]
			}
			sb.WriteRune(r)
		}
		return sb.String()
	case "utf-16le":
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
		}
		return string(utf16.Decode(u))
	}
	t.Fatalf("unknown encoding %s", enc)
	return ""
}

// describe formats a field the way corpusFile.want does: the type, then the
// format, the decimal character and group=<quoted group character> when set.
func describe(f tableschema.Field) string {
	parts := []string{string(f.Type)}
	if f.Format != "" && f.Format != formatDefault {
		parts = append(parts, f.Format)
	}
	if f.DecimalChar != "" {
		parts = append(parts, f.DecimalChar)
	}
	if f.GroupChar != "" {
		parts = append(parts, fmt.Sprintf("group=%q", f.GroupChar))
	}
	return strings.Join(parts, " ")
}

// TestInferCorpus infers a schema for every text file of the corpus from
// all its rows and compares it with testdata/infer/<folder>.json (rewrite
// with -update), and checks the expectations from SOURCES.md: codes with
// leading zeros stay strings, decimal-comma numbers are numbers, dates are
// dates.
func TestInferCorpus(t *testing.T) {
	for _, f := range corpusFiles {
		name := strings.Split(f.path, "/")[0]
		t.Run(name, func(t *testing.T) {
			var in *Inferrer
			var header []string
			readCorpus(t, f, func(h []string) {
				header = h
				in = NewInferrer(h, InferOptions{MissingValues: f.missing})
			}, func(rec []string) { in.Add(rec) })
			s := in.Schema()
			got, err := s.MarshalIndent()
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "infer", name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("inferred schema differs from %s (run go test -update and review the diff):\n%s", golden, got)
			}
			for field, w := range f.want {
				fd, ok := s.Field(field)
				if !ok {
					t.Errorf("no field %q (first fields %q)", field, s.Names()[:min(5, len(s.Fields))])
					continue
				}
				if d := describe(fd); d != w {
					t.Errorf("field %q inferred as %q, want %q", field, d, w)
				}
			}
			// The inferred schema accepts every value it was inferred from:
			// validating the same file gives no type-error (ragged rows
			// still give extra-cell and missing-cell).
			v, err := New(s, header, Options{})
			if err != nil {
				t.Fatal(err)
			}
			b := table.NewBatch(s, 1024)
			line := int64(0)
			readCorpus(t, f, func([]string) {}, func(rec []string) {
				line++
				v.Row(source.Record{Line: line, Fields: rec}, b)
				if b.Len() == 1024 {
					b.Reset()
				}
			})
			r := v.Report()
			if r.Rows != in.Rows() || r.Counts[CheckTypeError] != 0 {
				t.Errorf("validating with the inferred schema: %d rows (inferred from %d), counts %v, first errors %+v", r.Rows, in.Rows(), r.Counts, r.Errors[:min(3, len(r.Errors))])
			}
		})
	}
}
