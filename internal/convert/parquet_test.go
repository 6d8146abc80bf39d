package convert

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/parquet/file"
	"github.com/apache/arrow/go/v15/parquet/pqarrow"

	"github.com/dele-opendata/dele/internal/table"
	"github.com/dele-opendata/dele/internal/tableschema"
	"github.com/dele-opendata/dele/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// arrowTypes is what Arrow must read back for each Table Schema type
// ("decimal" is a number with format decimal(p,s)).
var arrowTypes = map[string]string{
	"integer": "int64", "year": "int64", "number": "float64", "boolean": "bool",
	"date": "date32", "datetime": "timestamp[us, tz=UTC]",
	"string": "utf8", "time": "utf8", "geopoint": "utf8",
	"decimal": "decimal(%d, %d)",
}

// duckTypes is what DuckDB must report for each Table Schema type.
var duckTypes = map[string]string{
	"integer": "BIGINT", "year": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN",
	"date": "DATE", "datetime": "TIMESTAMP WITH TIME ZONE",
	"string": "VARCHAR", "time": "VARCHAR", "geopoint": "VARCHAR",
	"decimal": "DECIMAL(%d,%d)",
}

// wantType returns the type a reader must report for field i of tt, from
// its map of Table Schema type to reader type.
func wantType(types map[string]string, tt testTable, i int) string {
	f := tt.schema.Fields[i]
	if p, s, ok, _ := parseDecimal(f.Format); ok && f.Type == "number" {
		return fmt.Sprintf(types["decimal"], p, s)
	}
	return types[string(f.Type)]
}

// readArrow reads data with Arrow's pqarrow reader.
func readArrow(t *testing.T, data []byte) (names, types []string, cols [][]cell, meta map[string]string) {
	t.Helper()
	pf, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	meta = map[string]string{}
	kv := pf.MetaData().KeyValueMetadata()
	for i, k := range kv.Keys() {
		meta[k] = kv.Values()[i]
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 1000}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	for i := 0; i < int(tbl.NumCols()); i++ {
		f := tbl.Schema().Field(i)
		names = append(names, f.Name)
		types = append(types, f.Type.String())
		var vals []cell
		for _, chunk := range tbl.Column(i).Data().Chunks() {
			for r := 0; r < chunk.Len(); r++ {
				if chunk.IsNull(r) {
					vals = append(vals, nil)
					continue
				}
				switch a := chunk.(type) {
				case *array.Int64:
					vals = append(vals, a.Value(r))
				case *array.Float64:
					vals = append(vals, a.Value(r))
				case *array.Boolean:
					vals = append(vals, a.Value(r))
				case *array.Date32:
					vals = append(vals, int64(a.Value(r)))
				case *array.Timestamp:
					vals = append(vals, int64(a.Value(r)))
				case *array.String:
					vals = append(vals, a.Value(r))
				case *array.Decimal128:
					d := a.Value(r)
					vals = append(vals, formatScaled(int64(d.LowBits()), int(a.DataType().(*arrow.Decimal128Type).Scale)))
				default:
					t.Fatalf("arrow: unexpected array type %s", chunk.DataType())
				}
			}
		}
		cols = append(cols, vals)
	}
	return names, types, cols, meta
}

// duckColumns converts DuckDB's canonical values to cells.
func duckColumns(t *testing.T, tt testTable, res duckResult) [][]cell {
	t.Helper()
	cols := make([][]cell, len(res.Values))
	for i, vals := range res.Values {
		typ := res.Columns[i].Type
		for _, v := range vals {
			var c cell
			switch x := v.(type) {
			case nil:
			case bool:
				c = x
			case json.Number:
				f, err := strconv.ParseFloat(string(x), 64)
				if err != nil {
					t.Fatal(err)
				}
				c = f
			case string:
				switch {
				case typ == "DOUBLE": // Infinity, -Infinity, NaN
					f, err := strconv.ParseFloat(x, 64)
					if err != nil {
						t.Fatalf("duckdb: column %s: %v", res.Columns[i].Name, err)
					}
					c = f
				case typ == "BIGINT" || strings.HasPrefix(typ, "TIMESTAMP"):
					n, err := strconv.ParseInt(x, 10, 64)
					if err != nil {
						t.Fatalf("duckdb: column %s: %v", res.Columns[i].Name, err)
					}
					c = n
				case typ == "DATE":
					d, ok := ParseDate(x)
					if !ok {
						t.Fatalf("duckdb: column %s: bad date %q", res.Columns[i].Name, x)
					}
					c = d
				default:
					c = x
				}
			default:
				t.Fatalf("duckdb: unexpected JSON value %T", v)
			}
			cols[i] = append(cols[i], c)
		}
	}
	return cols
}

// TestParquetInterop writes every representative table and reads it back
// with three independent readers: Arrow, xitongsys/parquet-go and DuckDB.
func TestParquetInterop(t *testing.T) {
	var files []interopFile
	for _, tt := range representativeTables(t) {
		files = append(files, interopFile{tt: tt, data: writeParquet(t, tt), meta: func(t *testing.T, meta map[string]string) {
			if meta[MetaDataset] != "test-"+tt.name || meta[MetaVersion] == "" {
				t.Errorf("metadata: dataset %q, version %q", meta[MetaDataset], meta[MetaVersion])
			}
			js, _ := tt.schema.MarshalIndent()
			if meta[MetaSchema] != string(js) {
				t.Errorf("metadata: schema is\n%s\nwant\n%s", meta[MetaSchema], js)
			}
		}})
	}
	checkInterop(t, files)
}

// TestParquetLayout checks row groups, statistics, compression and the
// dictionary choice.
func TestParquetLayout(t *testing.T) {
	tables := representativeTables(t)
	for _, tt := range tables {
		t.Run(tt.name, func(t *testing.T) {
			data := writeParquet(t, tt)
			pf, err := file.NewParquetReader(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			defer pf.Close()
			md := pf.MetaData()
			rg := tt.rgRows
			if rg == 0 {
				rg = RowGroupRows
			}
			if want := (tt.rowCount() + rg - 1) / rg; pf.NumRowGroups() != want {
				t.Errorf("%d row groups, want %d", pf.NumRowGroups(), want)
			}
			for g := 0; g < pf.NumRowGroups(); g++ {
				rgm := md.RowGroup(g)
				for c := 0; c < rgm.NumColumns(); c++ {
					cc, err := rgm.ColumnChunk(c)
					if err != nil {
						t.Fatal(err)
					}
					if cc.Compression().String() != "ZSTD" {
						t.Errorf("row group %d column %d: compression %s", g, c, cc.Compression())
					}
					if ok, err := cc.StatsSet(); err != nil || !ok {
						t.Errorf("row group %d column %d: no statistics (%v)", g, c, err)
					}
				}
			}
		})
	}
	// The benchmark table: categories, place names and counts are
	// dictionary-encoded; identifiers, organisation numbers, amounts with
	// cents, booleans and addresses (text whose dictionary would not halve
	// it) are not. (Names, dates and postnummer are close to the line in
	// a batch this small.)
	mun := tables[len(tables)-1]
	dict := DictionaryColumns(mun.batches[0])
	for _, name := range []string{"kategori", "poststed", "kommunenummer", "antall"} {
		if !dict[mun.schema.Index(name)] {
			t.Errorf("%s is not dictionary-encoded", name)
		}
	}
	for _, name := range []string{"id", "orgnr", "belop", "aktiv", "adresse"} {
		if dict[mun.schema.Index(name)] {
			t.Errorf("%s is dictionary-encoded", name)
		}
	}
}

// TestParquetSchemaGolden pins the Parquet schema written for each table.
func TestParquetSchemaGolden(t *testing.T) {
	for _, tt := range representativeTables(t) {
		t.Run(tt.name, func(t *testing.T) { checkSchemaGolden(t, tt.name, tt.schema) })
	}
}

// checkSchemaGolden compares the Parquet schema written for s with
// testdata/schema/<name>.txt (rewritten with -update).
func checkSchemaGolden(t *testing.T, name string, s *tableschema.Schema) {
	t.Helper()
	got, err := ParquetSchema(s)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join(testenv.RepoRoot(t), "internal", "convert", "testdata", "schema", name+".txt")
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("schema differs from %s (run with -update if intended):\n%s", golden, got)
	}
}

func TestParquetWriterErrors(t *testing.T) {
	if _, err := NewParquetWriter(&bytes.Buffer{}, &tableschema.Schema{}, Metadata{}); err == nil {
		t.Error("empty schema accepted")
	}
	bad := &tableschema.Schema{Fields: []tableschema.Field{{Name: "x", Type: tableschema.Number, Format: "decimal(40,2)"}}}
	if _, err := NewParquetWriter(&bytes.Buffer{}, bad, Metadata{}); err == nil || !strings.Contains(err.Error(), `"x"`) {
		t.Errorf("decimal(40,2): err = %v, want an error naming the field", err)
	}
	s := allTypesSchema()
	w, err := NewParquetWriter(&bytes.Buffer{}, s, Metadata{})
	if err != nil {
		t.Fatal(err)
	}
	other := table.NewBatch(&tableschema.Schema{Fields: s.Fields[:2]}, 1)
	if err := w.Write(other); err == nil {
		t.Error("batch with the wrong number of columns accepted")
	}
}

// dataPageEncodings returns the encodings of the data pages of column c
// in row group g, sorted, and whether the chunk has a dictionary page.
func dataPageEncodings(t *testing.T, r *file.Reader, g, c int) (string, bool) {
	t.Helper()
	cc, err := r.MetaData().RowGroup(g).ColumnChunk(c)
	if err != nil {
		t.Fatal(err)
	}
	var encs []string
	for _, e := range cc.EncodingStats() {
		if e.PageType.String() == "DATA_PAGE" {
			encs = append(encs, e.Encoding.String())
		}
	}
	slices.Sort(encs)
	return fmt.Sprint(slices.Compact(encs)), cc.HasDictionaryPage()
}

// TestDictionaryNumbers checks the encodings chosen for the "dictnumbers"
// table: every column has a dictionary in both row groups; column n falls
// back to plain values in the first row group once its dictionary is
// larger than plain values would be. (TestParquetInterop reads the values
// back with three readers.)
func TestDictionaryNumbers(t *testing.T) {
	var tt testTable
	for _, x := range representativeTables(t) {
		if x.name == "dictnumbers" {
			tt = x
		}
	}
	r, err := file.NewParquetReader(bytes.NewReader(writeParquet(t, tt)))
	if err != nil {
		t.Fatal(err)
	}
	if r.NumRowGroups() != 2 {
		t.Fatalf("%d row groups, want 2", r.NumRowGroups())
	}
	for g := range 2 {
		for c, f := range tt.schema.Fields {
			want := "[RLE_DICTIONARY]"
			if c == 0 && g == 0 {
				want = "[PLAIN RLE_DICTIONARY]"
			}
			if got, dict := dataPageEncodings(t, r, g, c); got != want || !dict {
				t.Errorf("row group %d, %s: data page encodings %s, dictionary page %v; want %s and a dictionary page", g, f.Name, got, dict, want)
			}
		}
	}
}

// TestDictionaryKeys checks that numbers are told apart by their bits:
// 0 and -0 are different values, and NaN is one value whatever its bits.
// A column of them is written and read back.
func TestDictionaryKeys(t *testing.T) {
	var d dictColumn
	d.init(table.KindFloat)
	otherNaN := math.Float64frombits(0xfff8000000000000) // math.NaN() is 0x7ff8000000000001
	vals := []float64{0, math.Copysign(0, -1), math.NaN(), otherNaN, 1.5, 0}
	var scratch []int64
	if n := d.addNums(floatKeys(vals, &scratch), []bool{true, true, true, true, true, true}); n != len(vals) {
		t.Fatalf("took %d values, want %d", n, len(vals))
	}
	if got, want := fmt.Sprint(d.idx), "[0 1 2 2 3 0]"; got != want {
		t.Errorf("indices %s, want %s", got, want)
	}
	if d.dictBytes != 4*8 || d.plainBytes != 6*8 {
		t.Errorf("dictionary %d bytes, plain %d; want 32 and 48", d.dictBytes, d.plainBytes)
	}

	s := &tableschema.Schema{Fields: []tableschema.Field{{Name: "x", Type: tableschema.Number}}}
	b := table.NewBatch(s, 0)
	for r := range 600 {
		appendRow(b, int64(r+2), vals[r%len(vals)])
	}
	tt := testTable{name: "floatkeys", schema: s, batches: []*table.Batch{b}}
	if !DictionaryColumns(b)[0] {
		t.Fatal("the column is not dictionary-encoded")
	}
	_, _, cols, _ := readArrow(t, writeParquet(t, tt))
	diffColumns(t, "arrow", tt, cols)
}

// TestDictionaryOverflow checks the encodings the writer chose for the
// "dictoverflow" table: in the first row group the dictionary outgrew
// 1 MB, so the column chunk has a dictionary page and then plain pages;
// the second row group starts a dictionary again and is all dictionary.
// (TestParquetInterop reads the values back with three readers.)
func TestDictionaryOverflow(t *testing.T) {
	var tt testTable
	for _, x := range representativeTables(t) {
		if x.name == "dictoverflow" {
			tt = x
		}
	}
	r, err := file.NewParquetReader(bytes.NewReader(writeParquet(t, tt)))
	if err != nil {
		t.Fatal(err)
	}
	if r.NumRowGroups() != 2 {
		t.Fatalf("%d row groups, want 2", r.NumRowGroups())
	}
	// The data pages' encodings: dictionary indices, and plain ones after
	// the fallback.
	want := []string{"[PLAIN RLE_DICTIONARY]", "[RLE_DICTIONARY]"}
	for g := range 2 {
		if got, dict := dataPageEncodings(t, r, g, 1); got != want[g] || !dict {
			t.Errorf("row group %d: data page encodings %s, dictionary page %v; want %s and a dictionary page", g, got, dict, want[g])
		}
	}
}
