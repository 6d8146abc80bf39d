package xlsxsrc

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/source"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

const corpus = "../../../testdata/corpus"

// readAll reads every record, copying the fields.
func readAll(t *testing.T, r source.Reader) [][]string {
	t.Helper()
	var out [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, append([]string{fmt.Sprint(rec.Line)}, rec.Fields...))
	}
}

// column returns the values of the named column (rows carry the line first).
func column(t *testing.T, header []string, rows [][]string, name string) []string {
	t.Helper()
	for i, h := range header {
		if h == name {
			var out []string
			for _, r := range rows {
				out = append(out, r[i+1])
			}
			return out
		}
	}
	t.Fatalf("no column %q in %q", name, header)
	return nil
}

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// summary renders the header, the first rows, the last row and the report
// counts of a read.
func summary(r source.Reader, rows [][]string) string {
	var b strings.Builder
	rep := r.Report()
	fmt.Fprintf(&b, "sheet: %s\nheaderRow: %d\nrows: %d\ncolumns: %d\nskipped: %d\n", rep.Sheet, rep.HeaderRow, rep.Rows, rep.Columns, rep.SkippedCount)
	fmt.Fprintf(&b, "header: %q\n", r.Header())
	for i, row := range rows {
		if i < 5 || i == len(rows)-1 {
			fmt.Fprintf(&b, "line %s: %q\n", row[0], row[1:])
		}
	}
	for _, s := range rep.Skipped {
		fmt.Fprintf(&b, "skipped line %d: %s\n", s.Line, s.Message)
	}
	return b.String()
}

// TestCorpus reads the workbooks of the real-data corpus (see
// testdata/corpus/SOURCES.md, files 13, 14 and 20) and checks each one's
// hard case beyond the golden summary.
func TestCorpus(t *testing.T) {
	tests := []struct {
		name, file string
		opts       Options
		rows, cols int
		check      func(t *testing.T, header []string, rows [][]string)
	}{
		{
			name: "kommuner-2019-2020", file: "kommuner-2019-2020-xlsx/fylker-kommuner-2019-2020-alle.xlsx",
			rows: 425, cols: 8,
			check: func(t *testing.T, header []string, rows [][]string) {
				// Stored as numbers, shown as 0101 / 01 by the formats 0### and 0#.
				under1000 := 0
				for _, v := range column(t, header, rows, "Kommunenr. 2019") {
					if !regexp.MustCompile(`^[0-9]{4}$`).MatchString(v) {
						t.Errorf("Kommunenr. 2019 %q is not four digits", v)
					}
					if v[0] == '0' {
						under1000++
					}
				}
				if under1000 != 152 {
					t.Errorf("%d kommunenr with a leading zero, want 152", under1000)
				}
				for _, v := range column(t, header, rows, "Fylkesnr. 2019") {
					if len(v) != 2 {
						t.Errorf("Fylkesnr. 2019 %q is not two digits", v)
					}
				}
			},
		},
		{
			// The sheet's dimension is A1:L5895, but row 5895 holds only a
			// styled empty cell: 5,893 data rows under the header.
			name: "postnummer-endringer", file: "postnummer-endringer-xlsx/Nye, endrede og opphørte postnummer.xlsx",
			opts: Options{Sheet: "1"}, rows: 5893, cols: 12,
			check: func(t *testing.T, header []string, rows [][]string) {
				zero := 0
				for _, v := range column(t, header, rows, "Postnummer") {
					if !regexp.MustCompile(`^[0-9]{4}$`).MatchString(v) {
						t.Errorf("Postnummer %q is not four digits", v)
					}
					if v[0] == '0' {
						zero++
					}
				}
				// SOURCES.md says 165; the sheet XML holds 164 numeric
				// Postnummer values under 1000 in column C (5,893 numbers,
				// plus the header), all with the [<=9999]0000 format.
				if zero != 164 {
					t.Errorf("%d postnummer with a leading zero, want 164", zero)
				}
				lo, hi := "9999", "0000"
				for _, v := range column(t, header, rows, "Dato_kronlogisk") {
					if !regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`).MatchString(v) {
						t.Fatalf("date %q is not ISO", v)
					}
					lo, hi = min(lo, v), max(hi, v)
				}
				if lo != "2003-10-01" || hi != "2020-01-01" {
					t.Errorf("dates range %s..%s, want 2003-10-01..2020-01-01", lo, hi)
				}
			},
		},
		{
			name: "nvdb-kommuner", file: "nvdb-kostra-vegnett-xlsx/Kostra 01 - Vegnett hele landet.xlsx",
			opts: Options{Sheet: "Tabell kommuner"}, rows: 357, cols: 8,
			check: func(t *testing.T, header []string, rows [][]string) {
				// Plain numbers without a format stay as Excel shows them.
				if got := column(t, header, rows, "kommune")[0]; got != "301" {
					t.Errorf("first kommune %q, want 301", got)
				}
			},
		},
		{
			name: "nvdb-radvis", file: "nvdb-kostra-vegnett-xlsx/Kostra 01 - Vegnett hele landet.xlsx",
			opts: Options{Sheet: "4"}, rows: 89, cols: 3,
			check: func(t *testing.T, header []string, rows [][]string) {
				if got := column(t, header, rows, "lengde")[0]; got != "96.41116300000003" {
					t.Errorf("float noise lost: %q, want 96.41116300000003", got)
				}
			},
		},
		{
			name: "nvdb-metadata", file: "nvdb-kostra-vegnett-xlsx/Kostra 01 - Vegnett hele landet.xlsx",
			opts: Options{Sheet: "Metadata", NoHeader: true, Columns: []string{"key", "value"}}, rows: 9, cols: 2,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := OpenFile(filepath.Join(corpus, tc.file), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			rows := readAll(t, r)
			rep := r.Report()
			if rep.Rows != int64(tc.rows) || len(rows) != tc.rows || rep.Columns != tc.cols || len(r.Header()) != tc.cols {
				t.Errorf("read %d rows (report %d) of %d columns, want %d rows of %d", len(rows), rep.Rows, rep.Columns, tc.rows, tc.cols)
			}
			if rep.SkippedCount != 0 {
				t.Errorf("skipped %d rows: %+v", rep.SkippedCount, rep.Skipped)
			}
			for _, row := range rows {
				for _, v := range row {
					if strings.Contains(v, "Ã") {
						t.Fatalf("mojibake in %q", row)
					}
				}
			}
			if tc.check != nil {
				tc.check(t, r.Header(), rows)
			}
			golden(t, tc.name+".txt", summary(r, rows))
		})
	}
}

// TestOpenDefinition opens a workbook the way the extract stage does.
func TestOpenDefinition(t *testing.T) {
	def := &datasets.Definition{ID: "kommuner", Dir: corpus, Source: datasets.Source{
		Type: "xlsx", Path: "kommuner-2019-2020-xlsx/fylker-kommuner-2019-2020-alle.xlsx", HeaderRow: 1,
	}}
	r, err := Open(context.Background(), def)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rec, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	if rec.Line != 2 || rec.Fields[2] != "0101" {
		t.Errorf("first record line %d %q, want line 2 with Kommunenr 0101", rec.Line, rec.Fields)
	}
}

// workbook builds a small workbook with excelize: one cell per format case.
func workbook(t *testing.T) *bytes.Buffer {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	style := func(code string) int {
		id, err := f.NewStyle(&excelize.Style{CustomNumFmt: &code})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	builtin := func(n int) int {
		id, err := f.NewStyle(&excelize.Style{NumFmt: n})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	cells := []struct {
		header string
		value  any
		style  int
	}{
		{"text", "Bærum", 0},
		{"textdigits", "0219", 0},
		{"padded", 219, style("0000")},
		{"conditional", 219, style("[<=9999]0000;General")},
		{"isodate", 43831, builtin(14)},
		{"nordicdate", 43831.5, style("dd.mm.yyyy")},
		{"datetime", 43831.75, builtin(22)},
		{"time", 0.75, style("hh:mm")},
		{"twodecimals", 2.5, builtin(2)},
		{"thousands", 1234567, builtin(3)},
		{"noise", nil, 0}, // set below: excelize itself writes only 15 digits
		{"bool", true, 0},
		{"percent", 0.125, builtin(10)},
		{"empty", nil, 0},
		{"last", "x", 0},
	}
	for i, c := range cells {
		h, _ := excelize.CoordinatesToCellName(i+1, 2)
		v, _ := excelize.CoordinatesToCellName(i+1, 3)
		if err := f.SetCellValue("Sheet1", h, c.header); err != nil {
			t.Fatal(err)
		}
		if c.value != nil {
			if err := f.SetCellValue("Sheet1", v, c.value); err != nil {
				t.Fatal(err)
			}
		}
		if c.style != 0 {
			if err := f.SetCellStyle("Sheet1", v, v, c.style); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Excel stores the shortest round-trip text of the double (17 digits).
	if err := f.SetCellDefault("Sheet1", "K3", "96.41116300000003"); err != nil {
		t.Fatal(err)
	}
	// A row wider than the header, then a blank row, then one more row.
	if err := f.SetCellValue("Sheet1", "Q4", "overflow"); err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellValue("Sheet1", "A6", "after blank"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.NewSheet("Andre ark"); err != nil {
		t.Fatal(err)
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf
}

func TestCellFormats(t *testing.T) {
	r, err := New(workbook(t), "test.xlsx", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Report().HeaderRow != 2 {
		t.Errorf("detected header row %d, want 2 (row 1 is blank)", r.Report().HeaderRow)
	}
	rec, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"text": "Bærum", "textdigits": "0219", "padded": "0219", "conditional": "0219",
		"isodate": "2020-01-01", "nordicdate": "2020-01-01", "datetime": "2020-01-01T18:00:00",
		"time": "18:00:00", "twodecimals": "2.5", "thousands": "1234567",
		"noise": "96.41116300000003", "bool": "true", "percent": "0.125", "empty": "", "last": "x",
	}
	for i, h := range r.Header() {
		if rec.Fields[i] != want[h] {
			t.Errorf("%s: got %q, want %q", h, rec.Fields[i], want[h])
		}
	}
	rec, err = r.Read()
	if err != nil {
		t.Fatal(err)
	}
	if rec.Line != 6 || rec.Fields[0] != "after blank" {
		t.Errorf("after the blank row: line %d %q", rec.Line, rec.Fields)
	}
	if _, err := r.Read(); err != io.EOF {
		t.Errorf("want io.EOF, got %v", err)
	}
	rep := r.Report()
	if rep.Rows != 2 || rep.SkippedCount != 1 || rep.Skipped[0].Line != 4 {
		t.Errorf("report %+v: want 2 rows and row 4 skipped for overflowing the header", rep)
	}
}

func TestSheetErrors(t *testing.T) {
	buf := workbook(t)
	for _, sheet := range []string{"3", "Finnes ikke"} {
		_, err := New(bytes.NewReader(buf.Bytes()), "test.xlsx", Options{Sheet: sheet})
		var se *source.Error
		if !errors.As(err, &se) || !strings.Contains(err.Error(), "Andre ark") {
			t.Errorf("sheet %q: got %v, want a source error listing the sheets", sheet, err)
		}
	}
	r, err := New(bytes.NewReader(buf.Bytes()), "test.xlsx", Options{Sheet: "andre ARK"})
	if !errors.Is(err, source.ErrEmpty) {
		t.Errorf("empty sheet: got %v, want ErrEmpty", err)
		if r != nil {
			r.Close()
		}
	}
	_, err = New(strings.NewReader("<html><body>Not found</body></html>"), "page.xlsx", Options{})
	if !errors.Is(err, source.ErrWrongFormat) {
		t.Errorf("HTML page: got %v, want ErrWrongFormat", err)
	}
}

func TestClassifyCode(t *testing.T) {
	for code, want := range map[string]fmtKind{
		"General": kindGeneral, "0": kindGeneral, "0.00": kindGeneral, "#,##0": kindGeneral,
		"0###": kindPadded, "0#": kindPadded, "0000": kindPadded, "[<=9999]0000;General": kindPadded,
		"dd.mm.yyyy": kindDate, "d/m/yy;@": kindDate, "[$-414]d\\.\\ mmmm\\ yyyy;@": kindDate, "mmm": kindDate,
		"yyyy-mm-dd hh:mm": kindDateTime, "h:mm AM/PM": kindTime, "[h]:mm:ss": kindTime,
		`"kr "#,##0.00`: kindGeneral, `[Red]0.0%`: kindGeneral, `"Dato: "0`: kindGeneral,
	} {
		if got := classifyCode(code); got != want {
			t.Errorf("classifyCode(%q) = %d, want %d", code, got, want)
		}
	}
}

// TestSpooled reads a workbook whose worksheet and shared strings excelize
// keeps in temporary files (as it does for ones over 16 MiB) and checks it
// reads the same as from memory.
func TestSpooled(t *testing.T) {
	path := filepath.Join(corpus, "kommuner-2019-2020-xlsx/fylker-kommuner-2019-2020-alle.xlsx")
	spools := 0
	read := func() [][]string {
		r, err := OpenFile(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		files, _ := os.ReadDir(tmpDir)
		spools = len(files)
		return readAll(t, r)
	}
	defer func(v int64, d string) { unzipXMLSizeLimit, tmpDir = v, d }(unzipXMLSizeLimit, tmpDir)
	tmpDir = t.TempDir()
	inMemory := read()
	if spools != 0 {
		t.Fatalf("%d temporary files for a small workbook", spools)
	}
	unzipXMLSizeLimit = 1024
	spooled := read()
	if spools == 0 {
		t.Fatal("the worksheet was not spooled to a temporary file")
	}
	if len(spooled) != 425 || fmt.Sprint(spooled) != fmt.Sprint(inMemory) {
		t.Errorf("spooled read gives %d rows, differing from the in-memory read", len(spooled))
	}
}
