package csvsrc

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dele-opendata/dele/internal/source"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const corpus = "../../../testdata/corpus"

// corpusCase is what testdata/corpus/SOURCES.md records about one text file.
type corpusCase struct {
	path      string
	encoding  string
	delimiter string
	headerRow int // 1-based line of the last header line; 0 for no header
	rows      int64
	columns   int
	ragged    int64
	// want are strings with non-ASCII letters that must appear in the
	// records or header, decoded correctly.
	want []string
	opts Options
}

// corpusCases lists every CSV/text file in the corpus.
//
// One deviation from SOURCES.md, checked by hand: imdi-bosatt-anmodede has a
// three-row header (measure, "Enhet: …", "År: …") and 490 data rows, not
// four header rows and 489 rows: `grep -c '^K'` finds 490 region rows among
// its 493 lines.
var corpusCases = []corpusCase{
	{path: "oslo-husholdninger/Husholdninger_med_barn(1.1.2008-1.1.2018-v01).csv", encoding: UTF8, delimiter: ";", headerRow: 1, rows: 33936, columns: 7, want: []string{"År", "Grünerløkka"}},
	{path: "stavanger-budsjett-2016-drift/dataset.original.csv", encoding: UTF8, delimiter: ";", headerRow: 1, rows: 11130, columns: 12, ragged: 347, want: []string{"ØYANE SYKEHJEM"}},
	{path: "bergen-investeringsbudsjett-2012/dataset.original.csv", encoding: UTF8, delimiter: ";", headerRow: 1, rows: 2515, columns: 23, want: []string{"Byrådsavd. for finans, konkurranse og eierskap"}},
	{path: "norgeno-tjeneste/dataset.original.csv", encoding: UTF8, delimiter: ";", headerRow: 1, rows: 7258, columns: 5, want: []string{"Søknad om følgjekort"}},
	{path: "valglokaler-2017/dataset.original.csv", encoding: UTF8, delimiter: ";", headerRow: 1, rows: 3031, columns: 15, want: []string{"Østfold", "Øvre Bankegt 5"}},
	{path: "oed-normpriser/dataset.original.csv", encoding: UTF8, delimiter: ";", headerRow: 1, rows: 5811, columns: 6},
	{path: "nav-arbeidssokere-yrke/dataset.original.csv", encoding: UTF8, delimiter: ";", headerRow: 1, rows: 5734, columns: 8, want: []string{"arbeidsområde"}},
	{path: "ssb-10211-befolkning/10211_20230306-214644.csv", encoding: ISO88591, delimiter: ";", headerRow: 3, rows: 18868, columns: 4, want: []string{"kjønn", "0 år", "Begge kjønn"}},
	{path: "ssb-11616-excel-bom/SSB_11616_Arbeidspendling_2021.csv", encoding: UTF8, delimiter: ";", headerRow: 3, rows: 23, columns: 6, want: []string{"Tønsberg"}},
	{path: "imdi-bosatt-anmodede/bosatt_anmodede.csv", encoding: ISO88591, delimiter: ";", headerRow: 3, rows: 490, columns: 282, want: []string{"Nærøysund", "År: 1995"}},
	{path: "udir-slutta-vgo/20220505-1453_Slutta_VGO.csv", encoding: UTF16LE, delimiter: `\t`, headerRow: 2, rows: 808, columns: 20, want: []string{"Begge kjønn"}},
	{path: "posten-postnummerregister/Postnummerregister-ansi.txt", encoding: ISO88591, delimiter: `\t`, headerRow: 0, rows: 5093, columns: 5, want: []string{"BÆRUM"}},
	{path: "ssb-klass-kommuner-2020/ssb_kommunekoder_2020.csv", encoding: ISO88591, delimiter: ";", headerRow: 1, rows: 357, columns: 8, ragged: 357, want: []string{"Hábmer - Hamarøy"}},
	{path: "kommuneendringer-cp1252/kommuner_med_endringer_fra2019_til2020.csv", encoding: Windows1252, delimiter: ";", headerRow: 1, rows: 313, columns: 3, want: []string{"Kárášjohka"}},
	{path: "entur-gtfs-stops/stops.txt", encoding: UTF8, delimiter: ",", headerRow: 1, rows: 1726, columns: 14, want: []string{"Råde", "Örebro C", "Brakerøya stasjon"}},
	{path: "valgresultat-2013/valgdata2013.csv", encoding: UTF8, delimiter: ";", headerRow: 1, rows: 6946, columns: 15, want: []string{"Østfold"}},
}

// mojibake are sequences that appear when UTF-8 is decoded as Latin-1 or
// the reverse.
var mojibake = []string{"Ã¸", "Ã¥", "Ã¦", "Ã˜", "Ã…", "Ã†", "Ã©", "Ã¶", "Â ", "\uFFFD"}

// golden is the recorded detection result for one corpus file.
type golden struct {
	Encoding      string            `json:"encoding"`
	BOM           bool              `json:"bom,omitempty"`
	Delimiter     string            `json:"delimiter"`
	Quote         string            `json:"quote,omitempty"`
	Escape        string            `json:"escape,omitempty"`
	SepLine       bool              `json:"sepLine,omitempty"`
	Skip          int               `json:"skip"`
	HeaderRow     int               `json:"headerRow"`
	HeaderRows    int               `json:"headerRows"`
	NoHeader      bool              `json:"noHeader,omitempty"`
	Header        []string          `json:"header"`
	Rows          int64             `json:"rows"`
	Columns       int               `json:"columns"`
	SkippedCount  int64             `json:"skippedCount,omitempty"`
	RaggedCount   int64             `json:"raggedCount,omitempty"`
	MissingValues []string          `json:"missingValues,omitempty"`
	Detected      map[string]string `json:"detected,omitempty"`
}

func TestCorpus(t *testing.T) {
	got := map[string]golden{}
	for _, c := range corpusCases {
		t.Run(filepath.Dir(c.path), func(t *testing.T) {
			f, err := os.Open(filepath.Join(corpus, c.path))
			if err != nil {
				t.Fatal(err)
			}
			o := c.opts
			o.Location = c.path
			r, err := Open(f, o)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			text := strings.Join(r.Header(), "\x00")
			var b strings.Builder
			for {
				rec, err := r.Read()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range rec.Fields {
					if !utf8.ValidString(s) {
						t.Fatalf("line %d: invalid UTF-8 in %q", rec.Line, s)
					}
					for _, r := range s {
						if r >= 0x80 && r <= 0x9F {
							t.Fatalf("line %d: C1 control U+%04X in %q (wrong 8-bit encoding)", rec.Line, r, s)
						}
					}
					b.WriteString(s)
					b.WriteByte(0)
				}
			}
			text += "\x00" + b.String()
			// The reader must add no mojibake. oed-normpriser's bytes already
			// hold 365 double-encoded "Ã…SGARD" (c3 83 e2 80 a6); those are
			// the source's and stay as they are.
			raw, err := os.ReadFile(filepath.Join(corpus, c.path))
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range mojibake {
				inSource := 0
				if c.encoding == UTF8 {
					inSource = bytes.Count(raw, []byte(m))
				}
				if n := strings.Count(text, m); n != inSource {
					i := strings.Index(text, m)
					t.Errorf("mojibake %q %d times (the source has %d) near %q", m, n, inSource, text[max(0, i-20):min(len(text), i+20)])
				}
			}
			for _, w := range c.want {
				if !strings.Contains(text, w) {
					t.Errorf("decoded text lacks %q", w)
				}
			}
			rep := r.Report()
			d := r.Detection()
			if rep.Encoding != c.encoding {
				t.Errorf("encoding %s, want %s", rep.Encoding, c.encoding)
			}
			if rep.Delimiter != c.delimiter {
				t.Errorf("delimiter %q, want %q", rep.Delimiter, c.delimiter)
			}
			if rep.HeaderRow != c.headerRow {
				t.Errorf("header row %d, want %d", rep.HeaderRow, c.headerRow)
			}
			if rep.Rows != c.rows {
				t.Errorf("rows %d, want %d (skipped %d: %v)", rep.Rows, c.rows, rep.SkippedCount, rep.Skipped)
			}
			if rep.Columns != c.columns || len(r.Header()) != c.columns {
				t.Errorf("columns %d (header %d), want %d", rep.Columns, len(r.Header()), c.columns)
			}
			if rep.RaggedCount != c.ragged {
				t.Errorf("ragged rows %d, want %d (first: %v)", rep.RaggedCount, c.ragged, rep.Ragged[:min(3, len(rep.Ragged))])
			}
			if rep.SkippedCount != 0 {
				t.Errorf("skipped %d records: %v", rep.SkippedCount, rep.Skipped)
			}
			got[c.path] = golden{
				Encoding: d.Encoding, BOM: d.BOM, Delimiter: d.Delimiter, Quote: d.Quote, Escape: d.Escape,
				SepLine: d.SepLine, Skip: d.Skip, HeaderRow: d.HeaderRow, HeaderRows: d.HeaderRows,
				NoHeader: d.NoHeader, Header: shortHeader(r.Header()), Rows: rep.Rows, Columns: rep.Columns,
				SkippedCount: rep.SkippedCount, RaggedCount: rep.RaggedCount,
				MissingValues: rep.MissingValues, Detected: rep.Detected,
			}
		})
	}
	if t.Failed() || len(got) != len(corpusCases) {
		return
	}
	checkGolden(t, "testdata/corpus.golden.json", got)
}

// shortHeader keeps golden files readable for very wide files.
func shortHeader(h []string) []string {
	if len(h) <= 25 {
		return h
	}
	out := append([]string(nil), h[:10]...)
	out = append(out, "…")
	return append(out, h[len(h)-5:]...)
}

func checkGolden(t *testing.T, path string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the result (run go test -update and review the diff):\n%s", path, got)
	}
}

// TestCorpusNotText checks that the corpus's non-text files are refused with
// a clear wrong-format error, not parsed as garbage.
func TestCorpusNotText(t *testing.T) {
	for _, p := range []string{
		"kommuner-2019-2020-xlsx/fylker-kommuner-2019-2020-alle.xlsx",
		"brreg-enheter-asa-page/search_asa_5.json",
	} {
		f, err := os.Open(filepath.Join(corpus, p))
		if err != nil {
			t.Fatal(err)
		}
		_, err = Open(f, Options{Location: p})
		f.Close()
		var se *source.Error
		if !errors.As(err, &se) || !errors.Is(err, source.ErrWrongFormat) {
			t.Errorf("%s: error %v, want a *source.Error wrapping ErrWrongFormat", p, err)
		}
	}
}
