package convert

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dele-opendata/dele/internal/table"
	"github.com/dele-opendata/dele/internal/tableschema"
)

// cellText is the text a published CSV must hold for a cell, computed
// with the standard library only.
func cellText(f tableschema.Field, v cell, d Dialect) string {
	if v == nil {
		return ""
	}
	switch table.KindOf(f.Type) {
	case table.KindInt:
		return strconv.FormatInt(v.(int64), 10)
	case table.KindFloat:
		s := strconv.FormatFloat(v.(float64), 'f', -1, 64)
		if d.DecimalComma {
			s = strings.ReplaceAll(s, ".", ",")
		}
		return s
	case table.KindBool:
		return strconv.FormatBool(v.(bool))
	case table.KindDate:
		return time.Unix(v.(int64)*86400, 0).UTC().Format(time.DateOnly)
	case table.KindDateTime:
		return time.UnixMicro(v.(int64)).UTC().Format(time.RFC3339Nano)
	default:
		return v.(string)
	}
}

func writeCSV(t *testing.T, tt testTable, d Dialect) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewCSVWriter(&buf, tt.schema, d)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range tt.batches {
		if err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// readBack parses CSV output with ReadCSV and returns the columns.
func readBack(t *testing.T, data []byte, s *tableschema.Schema, comma byte) [][]cell {
	t.Helper()
	tt := testTable{schema: s}
	err := ReadCSV(context.Background(), bytes.NewReader(data), s, CSVOptions{Comma: comma, Header: true, ChunkSize: 4096}, func(b *table.Batch) error {
		tt.batches = append(tt.batches, cloneBatch(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return tt.columns()
}

func TestCSVDialects(t *testing.T) {
	for _, tt := range representativeTables(t) {
		for _, dc := range []struct {
			name string
			d    Dialect
		}{{"clean", Clean}, {"nb", Norwegian}} {
			t.Run(tt.name+"/"+dc.name, func(t *testing.T) {
				data := writeCSV(t, tt, dc.d)
				body, hasBOM := bytes.CutPrefix(data, []byte("\xEF\xBB\xBF"))
				if hasBOM != dc.d.BOM {
					t.Errorf("BOM = %v, want %v", hasBOM, dc.d.BOM)
				}
				if !bytes.HasSuffix(body, []byte("\n")) || bytes.HasPrefix(body, []byte("\n")) {
					t.Errorf("output does not end with a line feed: %q", body)
				}

				// Read back with encoding/csv: the header and every cell.
				cr := csv.NewReader(bytes.NewReader(body))
				cr.Comma = rune(dc.d.Comma)
				recs, err := cr.ReadAll()
				if err != nil {
					t.Fatal(err)
				}
				if len(recs) != tt.rowCount()+1 {
					t.Fatalf("%d records, want %d", len(recs), tt.rowCount()+1)
				}
				if got, want := strings.Join(recs[0], "|"), strings.Join(tt.schema.Names(), "|"); got != want {
					t.Errorf("header %s, want %s", got, want)
				}
				cols := tt.columns()
				for i, f := range tt.schema.Fields {
					for r, v := range cols[i] {
						// encoding/csv turns CRLF inside quotes into LF.
						want := strings.ReplaceAll(cellText(f, v, dc.d), "\r\n", "\n")
						if got := recs[r+1][i]; got != want {
							t.Errorf("row %d column %s: %q, want %q", r, f.Name, got, want)
						}
					}
				}

				// Read back typed with ReadCSV: equal to the input, including
				// the difference between a missing value and "".
				// The CSV holds numbers in the dialect's notation, decimal
				// columns as plain numbers.
				s := *tt.schema
				s.Fields = append([]tableschema.Field(nil), s.Fields...)
				for i := range s.Fields {
					s.Fields[i].DecimalChar, s.Fields[i].Format = "", ""
					if dc.d.DecimalComma {
						s.Fields[i].DecimalChar = ","
					}
				}
				diffColumns(t, "ReadCSV", testTable{schema: &s, batches: tt.batches}, readBack(t, data, &s, dc.d.Comma))
			})
		}
	}
}

// duckCSVTypes is what DuckDB's CSV sniffer must infer for clean CSV.
var duckCSVTypes = map[string]string{
	"integer": "BIGINT", "year": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN",
	"date": "DATE", "datetime": "TIMESTAMP WITH TIME ZONE", "time": "TIME",
	"string": "VARCHAR", "geopoint": "VARCHAR",
}

// TestCSVDuckDB checks that DuckDB's read_csv infers the schema's types
// from the clean CSV and reads the same row count.
func TestCSVDuckDB(t *testing.T) {
	for _, tt := range representativeTables(t) {
		if tt.name == "empty" || tt.name == "decimal" {
			continue // no rows to infer from; decimals are plain numbers in CSV
		}
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tt.name+".csv")
			if err := os.WriteFile(path, writeCSV(t, tt, Clean), 0o644); err != nil {
				t.Fatal(err)
			}
			res := readDuckDB(t, "csv", path)
			if res.Rows != tt.rowCount() {
				t.Errorf("duckdb: %d rows, want %d", res.Rows, tt.rowCount())
			}
			for i, c := range res.Columns {
				f := tt.schema.Fields[i]
				want := duckCSVTypes[string(f.Type)]
				if f.Check == "orgnr" {
					// Nine digits without a leading zero: no CSV reader can
					// tell this text from a number. The Parquet file and
					// schema.json carry the type.
					want = "BIGINT"
				}
				if c.Name != f.Name || c.Type != want {
					t.Errorf("duckdb: column %d is %s %s, want %s %s", i, c.Name, c.Type, f.Name, want)
				}
			}
		})
	}
}

func TestCSVWriterErrors(t *testing.T) {
	s := &tableschema.Schema{Fields: []tableschema.Field{{Name: "x", Type: tableschema.Number}}}
	if _, err := NewCSVWriter(&bytes.Buffer{}, s, Dialect{Comma: ',', DecimalComma: true}); err == nil {
		t.Error("decimal comma with comma delimiter accepted")
	}
	if _, err := NewCSVWriter(&bytes.Buffer{}, s, Dialect{Comma: '"'}); err == nil {
		t.Error("quote as delimiter accepted")
	}
}

// TestCSVSpecialNumbers: NaN and infinities, which Table Schema numbers
// allow, are written in its spellings and parse back with strconv.
func TestCSVSpecialNumbers(t *testing.T) {
	s := &tableschema.Schema{Fields: []tableschema.Field{{Name: "x", Type: tableschema.Number}}}
	for _, d := range []Dialect{Clean, Norwegian} {
		var out bytes.Buffer
		w, err := NewCSVWriter(&out, s, d)
		if err != nil {
			t.Fatal(err)
		}
		b := table.NewBatch(s, 3)
		for i, v := range []string{"NaN", "+Inf", "-Inf"} {
			f, _ := strconv.ParseFloat(v, 64)
			appendRow(b, int64(i+2), f)
		}
		if err := w.Write(b); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if got, want := strings.TrimPrefix(out.String(), "\ufeff"), "x\nNaN\nINF\n-INF\n"; got != want {
			t.Errorf("dialect %+v: %q, want %q", d, got, want)
		}
		for _, f := range strings.Fields(strings.TrimPrefix(out.String(), "\ufeff"))[1:] {
			if _, err := strconv.ParseFloat(f, 64); err != nil {
				t.Errorf("%s does not parse back: %v", f, err)
			}
		}
	}
}

func TestAppendDate(t *testing.T) {
	for _, d := range []int64{-719162, -719163, -1, 0, 1, 59, 11016, 19723, 2932896, 2932897, -800000} {
		want := time.Unix(d*86400, 0).UTC().Format("2006-01-02")
		if got := string(AppendDate(nil, d)); got != want {
			t.Errorf("AppendDate(%d) = %s, want %s", d, got, want)
		}
		if y := time.Unix(d*86400, 0).UTC().Year(); y >= 0 && y <= 9999 {
			if back, ok := ParseDate(want); !ok || back != d {
				t.Errorf("ParseDate(%s) = %d, %v, want %d", want, back, ok, d)
			}
		}
	}
}
