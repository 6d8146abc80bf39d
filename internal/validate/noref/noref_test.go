package noref

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rebuild data/kommuner-*.csv from testdata/corpus")

const corpus = "../../../testdata/corpus"

// entry is one kommune of a list built from the corpus.
type entry struct{ kommune, fylke, name string }

// fromCorpus builds every list from the corpus files named in
// data/SOURCES.md.
func fromCorpus(t *testing.T) map[int][]entry {
	t.Helper()
	out := map[int][]entry{}
	// 2019 and 2020: the Kartverket/KMD reform workbook, columns
	// A Fylkesnr. 2019, C Kommunenr. 2019, D Kommunenavn 2019,
	// E Fylkesnr. 2020, G Kommunenr. 2020 (numbers: leading zeros lost).
	rows := readSheet(t, filepath.Join(corpus, "kommuner-2019-2020-xlsx/fylker-kommuner-2019-2020-alle.xlsx"), 1)
	if got := rows[0]["C"]; got != "Kommunenr. 2019" {
		t.Fatalf("reform workbook header C1 = %q", got)
	}
	seen19, seen20 := map[string]bool{}, map[string]bool{}
	for _, r := range rows[1:] {
		k19, f19 := pad(t, r["C"], 4), pad(t, r["A"], 2)
		if !seen19[k19] {
			seen19[k19] = true
			out[2019] = append(out[2019], entry{k19, f19, r["D"]})
		}
		k20, f20 := pad(t, r["G"], 4), pad(t, r["E"], 2)
		if !seen20[k20] {
			seen20[k20] = true
			out[2020] = append(out[2020], entry{k20, f20, ""})
		}
	}
	// 2020 names: SSB Klass 131 export (ISO-8859-1, quoted codes). It also
	// holds 9999 "Uoppgitt", which is not a kommune and is left out.
	klass := map[string]string{}
	b, err := os.ReadFile(filepath.Join(corpus, "ssb-klass-kommuner-2020/ssb_kommunekoder_2020.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(strings.TrimSpace(latin1(b)), "\n") {
		if i == 0 {
			continue
		}
		f := strings.Split(line, ";")
		code, name := strings.Trim(f[0], `"`), strings.Trim(f[3], `"`)
		if code != "9999" {
			klass[code] = name
		}
	}
	if len(klass) != len(out[2020]) {
		t.Errorf("SSB Klass 2020 has %d kommuner, the reform workbook %d", len(klass), len(out[2020]))
	}
	for i, e := range out[2020] {
		name, ok := klass[e.kommune]
		if !ok {
			t.Errorf("2020 kommune %s from the reform workbook is not in SSB Klass", e.kommune)
		}
		out[2020][i].name = name
	}
	// 2024: Statens vegvesen's KOSTRA 2024 delivery (saved 2025-01-13),
	// sheet "Tabell kommuner": A fylke, B kommune, as plain numbers.
	rows = readSheet(t, filepath.Join(corpus, "nvdb-kostra-vegnett-xlsx/Kostra 01 - Vegnett hele landet.xlsx"), 3)
	if rows[0]["A"] != "fylke" || rows[0]["B"] != "kommune" {
		t.Fatalf("KOSTRA sheet header = %v", rows[0])
	}
	for _, r := range rows[1:] {
		out[2024] = append(out[2024], entry{pad(t, r["B"], 4), pad(t, r["A"], 2), ""})
	}
	for y := range out {
		slices.SortFunc(out[y], func(a, b entry) int { return strings.Compare(a.kommune, b.kommune) })
	}
	return out
}

func TestListsMatchCorpus(t *testing.T) {
	built := fromCorpus(t)
	for _, y := range slices.Sorted(maps.Keys(built)) {
		var buf bytes.Buffer
		buf.WriteString("kommunenummer;fylkesnummer;navn\n")
		for _, e := range built[y] {
			fmt.Fprintf(&buf, "%s;%s;%s\n", e.kommune, e.fylke, e.name)
		}
		path := filepath.Join("data", fmt.Sprintf("kommuner-%d.csv", y))
		if *update {
			if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, buf.Bytes()) {
			t.Errorf("%s differs from the list built from the corpus; run go test -update", path)
		}
	}
}

// TestCounts pins the well-known sizes: 422 kommuner and 18 fylker in 2019,
// 356 and 11 in 2020, 357 and 15 in 2024.
func TestCounts(t *testing.T) {
	want := map[int][2]int{2019: {422, 18}, 2020: {356, 11}, 2024: {357, 15}}
	if got := Years(); !slices.Equal(got, []int{2019, 2020, 2024}) {
		t.Fatalf("Years() = %v", got)
	}
	for _, l := range lists {
		if w := want[l.year]; len(l.kommune) != w[0] || len(l.fylke) != w[1] {
			t.Errorf("%d: %d kommuner, %d fylker; want %v", l.year, len(l.kommune), len(l.fylke), w)
		}
	}
}

// TestReform2020 checks the 2019→2020 changes file (Windows-1252,
// "0101 - Halden;3001 - Halden;0"): every old code is valid in 2019 and every
// new one in 2020.
func TestReform2020(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(corpus, "kommuneendringer-cp1252/kommuner_med_endringer_fra2019_til2020.csv"))
	if err != nil {
		t.Fatal(err)
	}
	c19, _ := ForYear(2019)
	c20, _ := ForYear(2020)
	n := 0
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\r\n") {
		if i == 0 {
			continue
		}
		f := strings.Split(line, ";")
		old, new := f[0][:4], f[1][:4]
		if !c19.Kommune(old) {
			t.Errorf("line %d: %s not valid in 2019", i+1, old)
		}
		if !c20.Kommune(new) {
			t.Errorf("line %d: %s not valid in 2020", i+1, new)
		}
		n++
	}
	if n != 313 {
		t.Errorf("read %d changes, want 313", n)
	}
}

func TestForYear(t *testing.T) {
	tests := []struct {
		year          int
		kommune       string
		fylke         string
		wantK, wantF  bool
		wantNote, err bool
	}{
		{2019, "0101", "01", true, true, false, false}, // Halden, Østfold
		{2020, "0101", "01", false, false, false, false},
		{2020, "3001", "30", true, true, false, false}, // Halden, Viken
		{2022, "3001", "30", true, true, false, false}, // 2020 list serves 2021–2023
		{2024, "3001", "30", false, false, false, false},
		{2024, "3101", "31", true, true, false, false}, // Halden, Østfold again
		{2024, "1580", "15", true, true, false, false}, // Haram, split from Ålesund in 2024
		{2020, "1580", "15", false, true, false, false},
		{2024, "0301", "03", true, true, false, false}, // Oslo
		{2026, "3101", "31", true, true, true, false},
		{0, "0101", "30", true, true, false, false}, // any year
		{2019, "301", "3", false, false, false, false},
		{2019, "03a1", "0x", false, false, false, false},
		{2018, "", "", false, false, false, true},
	}
	for _, tt := range tests {
		c, err := ForYear(tt.year)
		if (err != nil) != tt.err {
			t.Fatalf("ForYear(%d) error = %v", tt.year, err)
		}
		if err != nil {
			continue
		}
		if got := c.Kommune(tt.kommune); got != tt.wantK {
			t.Errorf("%d: Kommune(%q) = %v", tt.year, tt.kommune, got)
		}
		if got := c.Fylke(tt.fylke); got != tt.wantF {
			t.Errorf("%d: Fylke(%q) = %v", tt.year, tt.fylke, got)
		}
		if (c.Note != "") != tt.wantNote {
			t.Errorf("%d: Note = %q", tt.year, c.Note)
		}
	}
}

func TestOrgnr(t *testing.T) {
	tests := map[string]bool{
		"964965226":  true,  // Oslo kommune (the example publisher)
		"974760673":  true,  // Brønnøysundregistrene
		"964965227":  false, // wrong check digit
		"96496522":   false,
		"9649652260": false,
		"96496522a":  false,
		"":           false,
	}
	for s, want := range tests {
		if got := Orgnr(s); got != want {
			t.Errorf("Orgnr(%q) = %v, want %v", s, got, want)
		}
	}
}

func pad(t *testing.T, s string, n int) string {
	t.Helper()
	v, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("code %q is not a number", s)
	}
	return fmt.Sprintf("%0*d", n, v)
}

func latin1(b []byte) string {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// readSheet returns the rows of worksheet n (1-based) as column letter →
// text, handling shared and inline strings: just enough xlsx for the tests.
func readSheet(t *testing.T, path string, n int) []map[string]string {
	t.Helper()
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	read := func(name string) []byte {
		f, err := z.Open(name)
		if err != nil {
			return nil
		}
		defer f.Close()
		b, err := io.ReadAll(f)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var sst struct {
		SI []struct {
			T string   `xml:"t"`
			R []string `xml:"r>t"`
		} `xml:"si"`
	}
	if b := read("xl/sharedStrings.xml"); b != nil {
		if err := xml.Unmarshal(b, &sst); err != nil {
			t.Fatal(err)
		}
	}
	var ws struct {
		Rows []struct {
			C []struct {
				R  string `xml:"r,attr"`
				T  string `xml:"t,attr"`
				V  string `xml:"v"`
				IS string `xml:"is>t"`
			} `xml:"c"`
		} `xml:"sheetData>row"`
	}
	if err := xml.Unmarshal(read(fmt.Sprintf("xl/worksheets/sheet%d.xml", n)), &ws); err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, row := range ws.Rows {
		m := map[string]string{}
		for _, c := range row.C {
			col := strings.TrimRight(c.R, "0123456789")
			switch c.T {
			case "s":
				i, _ := strconv.Atoi(c.V)
				m[col] = sst.SI[i].T + strings.Join(sst.SI[i].R, "")
			case "inlineStr":
				m[col] = c.IS
			default:
				m[col] = c.V
			}
		}
		out = append(out, m)
	}
	return out
}
