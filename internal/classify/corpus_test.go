package classify

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dele-opendata/dele/internal/source"
	"github.com/dele-opendata/dele/internal/source/jsonsrc"
	"github.com/dele-opendata/dele/internal/source/xlsxsrc"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// corpusFile says how to read one file of testdata/corpus, from SOURCES.md.
type corpusFile struct {
	name     string // golden file name
	path     string // under testdata/corpus
	enc      encoding.Encoding
	comma    rune
	skip     int  // lines before the header
	headRows int  // header rows (joined with " / ")
	noHeader bool // the file has no header: columns are named column1…
	// backslash: quotes inside fields are escaped as \" (norgeno).
	backslash bool
}

const corpusDir = "../../testdata/corpus"

// The xlsx files and the JSON page are read with the project's readers
// (readerCorpus below).
var corpus = []corpusFile{
	{name: "oslo-husholdninger", path: "oslo-husholdninger/Husholdninger_med_barn(1.1.2008-1.1.2018-v01).csv", comma: ';'},
	{name: "stavanger-budsjett-2016-drift", path: "stavanger-budsjett-2016-drift/dataset.original.csv", comma: ';'},
	{name: "bergen-investeringsbudsjett-2012", path: "bergen-investeringsbudsjett-2012/dataset.original.csv", comma: ';'},
	{name: "norgeno-tjeneste", path: "norgeno-tjeneste/dataset.original.csv", comma: ';', backslash: true},
	{name: "valglokaler-2017", path: "valglokaler-2017/dataset.original.csv", comma: ';'},
	{name: "oed-normpriser", path: "oed-normpriser/dataset.original.csv", comma: ';'},
	{name: "nav-arbeidssokere-yrke", path: "nav-arbeidssokere-yrke/dataset.original.csv", comma: ';'},
	{name: "ssb-10211-befolkning", path: "ssb-10211-befolkning/10211_20230306-214644.csv", enc: charmap.ISO8859_1, comma: ';', skip: 2},
	{name: "ssb-11616-excel-bom", path: "ssb-11616-excel-bom/SSB_11616_Arbeidspendling_2021.csv", comma: ';', skip: 2},
	{name: "imdi-bosatt-anmodede", path: "imdi-bosatt-anmodede/bosatt_anmodede.csv", enc: charmap.ISO8859_1, comma: ';', headRows: 3},
	{name: "udir-slutta-vgo", path: "udir-slutta-vgo/20220505-1453_Slutta_VGO.csv", enc: unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), comma: '\t', skip: 1},
	{name: "posten-postnummerregister", path: "posten-postnummerregister/Postnummerregister-ansi.txt", enc: charmap.ISO8859_1, comma: '\t', noHeader: true},
	{name: "ssb-klass-kommuner-2020", path: "ssb-klass-kommuner-2020/ssb_kommunekoder_2020.csv", enc: charmap.ISO8859_1, comma: ';'},
	{name: "kommuneendringer-cp1252", path: "kommuneendringer-cp1252/kommuner_med_endringer_fra2019_til2020.csv", enc: charmap.Windows1252, comma: ';'},
	{name: "entur-gtfs-stops", path: "entur-gtfs-stops/stops.txt", comma: ','},
	{name: "valgresultat-2013", path: "valgresultat-2013/valgdata2013.csv", comma: ';'},
}

// scanFile reads one corpus file with encoding/csv and scans every record.
func scanFile(t testing.TB, f corpusFile, opts Options) Result {
	raw, err := os.ReadFile(filepath.Join(corpusDir, f.path))
	if err != nil {
		t.Fatal(err)
	}
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	var r io.Reader = bytes.NewReader(raw)
	if f.enc != nil {
		r = transform.NewReader(r, f.enc.NewDecoder())
	}
	if f.backslash {
		dec, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(bytes.ReplaceAll(dec, []byte(`\"`), []byte(`""`)))
	}
	cr := csv.NewReader(r)
	cr.Comma = f.comma
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	// skip lines before the header with the csv reader itself (quoted
	// titles may hold the delimiter).
	for i := 0; i < f.skip; i++ {
		if _, err := cr.Read(); err != nil {
			t.Fatalf("%s: skip line %d: %v", f.name, i+1, err)
		}
	}
	var header []string
	if !f.noHeader {
		rows := f.headRows
		if rows == 0 {
			rows = 1
		}
		for i := 0; i < rows; i++ {
			rec, err := cr.Read()
			if err != nil {
				t.Fatalf("%s: header: %v", f.name, err)
			}
			for j, v := range rec {
				if j >= len(header) {
					header = append(header, "")
				}
				if v != "" {
					if header[j] != "" {
						header[j] += " / "
					}
					header[j] += v
				}
			}
		}
	}
	var s *twin
	if header != nil {
		s = newTwin(header, opts)
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		line, _ := cr.FieldPos(0)
		if s == nil {
			header = make([]string, len(rec))
			for i := range header {
				header[i] = fmt.Sprintf("column%d", i+1)
			}
			s = newTwin(header, opts)
		}
		if len(rec) == 1 && rec[0] == "" {
			continue
		}
		s.Scan(int64(line), rec)
	}
	return s.Result(t)
}

// readerCorpus are the corpus files read through internal/source readers.
var readerCorpus = []struct {
	name string
	open func() (source.Reader, error)
}{
	{"kommuner-2019-2020-xlsx", xlsx("kommuner-2019-2020-xlsx/fylker-kommuner-2019-2020-alle.xlsx", "")},
	{"postnummer-endringer-xlsx", xlsx("postnummer-endringer-xlsx/Nye, endrede og opphørte postnummer.xlsx", "")},
	{"nvdb-kostra-vegnett-xlsx-sheet1", xlsx("nvdb-kostra-vegnett-xlsx/Kostra 01 - Vegnett hele landet.xlsx", "1")},
	{"nvdb-kostra-vegnett-xlsx-sheet2", xlsx("nvdb-kostra-vegnett-xlsx/Kostra 01 - Vegnett hele landet.xlsx", "2")},
	{"nvdb-kostra-vegnett-xlsx-sheet3", xlsx("nvdb-kostra-vegnett-xlsx/Kostra 01 - Vegnett hele landet.xlsx", "3")},
	{"nvdb-kostra-vegnett-xlsx-sheet4", xlsx("nvdb-kostra-vegnett-xlsx/Kostra 01 - Vegnett hele landet.xlsx", "4")},
	{"nvdb-kostra-vegnett-xlsx-sheet5", xlsx("nvdb-kostra-vegnett-xlsx/Kostra 01 - Vegnett hele landet.xlsx", "5")},
	{"nvdb-kostra-vegnett-xlsx-sheet6", xlsx("nvdb-kostra-vegnett-xlsx/Kostra 01 - Vegnett hele landet.xlsx", "6")},
	{"nvdb-kostra-vegnett-xlsx-sheet7", xlsx("nvdb-kostra-vegnett-xlsx/Kostra 01 - Vegnett hele landet.xlsx", "7")},
	{"brreg-enheter-asa-page", func() (source.Reader, error) {
		return jsonsrc.New(context.Background(), jsonsrc.Options{Path: filepath.Join(corpusDir, "brreg-enheter-asa-page/search_asa_5.json"), RecordsPath: "_embedded.enheter"})
	}},
}

func xlsx(path, sheet string) func() (source.Reader, error) {
	return func() (source.Reader, error) {
		return xlsxsrc.OpenFile(filepath.Join(corpusDir, path), xlsxsrc.Options{Sheet: sheet})
	}
}

// scanReader scans every record of a source reader.
func scanReader(t testing.TB, r source.Reader, opts Options) Result {
	defer r.Close()
	s := newTwin(r.Header(), opts)
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		s.Scan(rec.Line, rec.Fields)
	}
	return s.Result(t)
}

type golden struct {
	File     string   `json:"file"`
	Result   Result   `json:"result"`
	Decision Decision `json:"decisionIfPublic"`
}

// TestCorpusGolden classifies every CSV/text file of the real-data corpus
// and compares the result, and the decision a PUBLIC declaration would get,
// with testdata/golden/corpus/<name>.json (regenerate with -update, then
// review the diff by hand).
func TestCorpusGolden(t *testing.T) {
	for _, f := range corpus {
		t.Run(f.name, func(t *testing.T) {
			r := scanFile(t, f, Options{})
			checkGolden(t, f.name, golden{File: f.path, Result: r, Decision: Decide("PUBLIC", r)})
		})
	}
	for _, f := range readerCorpus {
		t.Run(f.name, func(t *testing.T) {
			rd, err := f.open()
			if err != nil {
				t.Fatal(err)
			}
			r := scanReader(t, rd, Options{})
			checkGolden(t, f.name, golden{File: strings.TrimPrefix(filepath.ToSlash(rd.Report().Location), corpusDir+"/"), Result: r, Decision: Decide("PUBLIC", r)})
		})
	}
}

func checkGolden(t *testing.T, name string, g golden) {
	t.Helper()
	got, err := json.MarshalIndent(g, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "golden", "corpus", name+".json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("classification of %s differs from %s (run go test -update and review the diff)\n%s", g.File, path, firstDiff(string(want), string(got)))
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, al[i], bl[i])
		}
	}
	return fmt.Sprintf("lengths differ: %d vs %d lines", len(al), len(bl))
}
