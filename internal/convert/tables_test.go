package convert

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/dele-opendata/dele/internal/benchdata"
	"github.com/dele-opendata/dele/internal/table"
	"github.com/dele-opendata/dele/internal/tableschema"
)

// testTable is a representative table: a schema and its rows in batches.
type testTable struct {
	name    string
	schema  *tableschema.Schema
	batches []*table.Batch
	rgRows  int // row-group length for the writer (0: RowGroupRows)
}

// cell is one value in canonical form: nil (missing), int64 (integer,
// year, date as days, datetime as µs), float64, bool or string.
type cell = any

// rows returns the table's values by column.
func (tt testTable) columns() [][]cell {
	cols := make([][]cell, len(tt.schema.Fields))
	for _, b := range tt.batches {
		for i := range b.Columns {
			cols[i] = append(cols[i], batchColumn(b, i)...)
		}
	}
	return cols
}

func (tt testTable) rowCount() int {
	n := 0
	for _, b := range tt.batches {
		n += b.Len()
	}
	return n
}

func batchColumn(b *table.Batch, i int) []cell {
	c := &b.Columns[i]
	out := make([]cell, b.Len())
	k := table.KindOf(b.Schema.Fields[i].Type)
	for r := range out {
		if !c.Valid[r] {
			continue
		}
		switch k {
		case table.KindInt, table.KindDate, table.KindDateTime:
			out[r] = c.Ints[r]
		case table.KindFloat:
			out[r] = c.Floats[r]
		case table.KindBool:
			out[r] = c.Bools[r]
		default:
			out[r] = c.Strings[r]
		}
	}
	return out
}

// appendRow adds one row of canonical cells to b.
func appendRow(b *table.Batch, line int64, vals ...cell) {
	if len(vals) != len(b.Columns) {
		panic(fmt.Sprintf("row has %d values, schema %d", len(vals), len(b.Columns)))
	}
	b.Lines = append(b.Lines, line)
	for i, v := range vals {
		c := &b.Columns[i]
		c.Valid = append(c.Valid, v != nil)
		switch table.KindOf(b.Schema.Fields[i].Type) {
		case table.KindInt, table.KindDate, table.KindDateTime:
			x, _ := v.(int64)
			c.Ints = append(c.Ints, x)
		case table.KindFloat:
			x, _ := v.(float64)
			c.Floats = append(c.Floats, x)
		case table.KindBool:
			x, _ := v.(bool)
			c.Bools = append(c.Bools, x)
		default:
			x, _ := v.(string)
			c.Strings = append(c.Strings, x)
		}
	}
}

func allTypesSchema() *tableschema.Schema {
	return &tableschema.Schema{Fields: []tableschema.Field{
		{Name: "id", Type: tableschema.Integer},
		{Name: "navn", Type: tableschema.String},
		{Name: "belop", Type: tableschema.Number},
		{Name: "aktiv", Type: tableschema.Boolean},
		{Name: "dato", Type: tableschema.Date},
		{Name: "endret", Type: tableschema.DateTime},
		{Name: "aar", Type: tableschema.Year},
		{Name: "kommunenummer", Type: tableschema.String},
		{Name: "merknad", Type: tableschema.String},
		{Name: "tid", Type: tableschema.Time},
		{Name: "posisjon", Type: tableschema.GeoPoint},
	}}
}

func representativeTables(t testing.TB) []testTable {
	var tables []testTable

	s := allTypesSchema()
	b := table.NewBatch(s, 8)
	appendRow(b, 2, int64(1), "Åse Ødegård", 1234.5, true, int64(19723), int64(1704164645123456), int64(2024), "0301", "Merknad; med \"sitat\"\nog ny linje", "12:30:00", "59.91,10.75")
	appendRow(b, 3, int64(-42), "Bjørn Bråthen", -0.01, false, int64(-1), int64(0), int64(1899), "0101", "", "00:00:00", "60.39,5.32")
	appendRow(b, 4, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil)
	appendRow(b, 5, int64(math.MaxInt64), "æøå ÆØÅ", 1e-300, true, int64(2932896), int64(-62135596800000000), int64(9999), "5001", "komma, semikolon; tab\t", "23:59:59", "-33.9,18.4")
	appendRow(b, 6, int64(math.MinInt64), " leading space", 123456789012.25, false, int64(-719162), int64(253402300799999999), int64(0), "0000", "\"", "06:00:00", "0,0")
	appendRow(b, 7, int64(0), "", math.MaxFloat64, true, int64(0), int64(1), nil, "", "crlf\r\nline", nil, nil)
	tables = append(tables, testTable{name: "alltypes", schema: s, batches: []*table.Batch{b}})

	ds := &tableschema.Schema{Fields: []tableschema.Field{
		{Name: "post", Type: tableschema.String},
		{Name: "belop", Type: tableschema.Number, Format: "decimal(12,2)"},
		{Name: "andel", Type: tableschema.Number, Format: "decimal(5,4)"},
	}}
	db := table.NewBatch(ds, 4)
	appendRow(db, 2, "Lønn", 1234567.89, 0.1234)
	appendRow(db, 3, "Husleie", -0.05, 1.0)
	appendRow(db, 4, "Tom", nil, nil)
	appendRow(db, 5, "Null", 0.0, 0.0)
	tables = append(tables, testTable{name: "decimal", schema: ds, batches: []*table.Batch{db}})

	tables = append(tables, testTable{name: "empty", schema: allTypesSchema()})

	ms := &tableschema.Schema{Fields: []tableschema.Field{
		{Name: "id", Type: tableschema.Integer},
		{Name: "orgnr", Type: tableschema.String, Check: "orgnr"},
		{Name: "kategori", Type: tableschema.String},
		{Name: "verdi", Type: tableschema.Number},
		{Name: "alltid_tom", Type: tableschema.String},
		{Name: "dag", Type: tableschema.Date},
	}, PrimaryKey: []string{"id"}}
	var mb []*table.Batch
	for part := range 5 {
		b := table.NewBatch(ms, 1100)
		for j := range 1100 {
			r := int64(part*1100 + j)
			var verdi cell = float64(r) / 8
			if r%17 == 0 {
				verdi = nil
			}
			appendRow(b, r+2, r, fmt.Sprintf("%09d", 900000000+r*7919%99999999), []string{"skole", "barnehage", "vei", "vann"}[r%4], verdi, nil, r%3000)
		}
		mb = append(mb, b)
	}
	tables = append(tables, testTable{name: "manyrowgroups", schema: ms, batches: mb, rgRows: 1000})

	// A dictionary-encoded column whose dictionary outgrows Arrow's 1 MB
	// page limit in the middle of a batch of the first row group (the rest
	// of that group is written plain), then a second row group that starts
	// a dictionary again.
	ovs := &tableschema.Schema{Fields: []tableschema.Field{
		{Name: "id", Type: tableschema.Integer},
		{Name: "tekst", Type: tableschema.String},
	}}
	var ovb []*table.Batch
	row := int64(0)
	for _, part := range []struct{ n, kind int }{{2000, 0}, {1200, 1}, {7500, 0}} {
		b := table.NewBatch(ovs, part.n)
		for range part.n {
			var v cell = fmt.Sprintf("kategori %d", row%50)
			if part.kind == 1 {
				v = fmt.Sprintf("%04d %s", row, strings.Repeat("lang tekst ", 90))
			} else if row%13 == 0 {
				v = nil
			}
			appendRow(b, row+2, row, v)
			row++
		}
		ovb = append(ovb, b)
	}
	tables = append(tables, testTable{name: "dictoverflow", schema: ovs, batches: ovb, rgRows: 10000})

	// Dictionaries of every physical type, with nulls: numbers, dates,
	// timestamps, decimals and years that repeat. The integer column n
	// repeats in the first batch (so the file enables its dictionary),
	// then is unique until the dictionary is larger than plain values
	// would be and the rest of the first row group is written plain; the
	// second row group repeats again and is all dictionary.
	dns := &tableschema.Schema{Fields: []tableschema.Field{
		{Name: "n", Type: tableschema.Integer},
		{Name: "dag", Type: tableschema.Date},
		{Name: "tid", Type: tableschema.DateTime},
		{Name: "belop", Type: tableschema.Number},
		{Name: "sum", Type: tableschema.Number, Format: "decimal(9,2)"},
		{Name: "aar", Type: tableschema.Year},
		{Name: "kat", Type: tableschema.String},
	}}
	var dnb []*table.Batch
	for part := range 10 {
		b := table.NewBatch(dns, 3000)
		for j := range 3000 {
			r := int64(part*3000 + j)
			n := r % 40
			if r >= 3000 && r < 20000 {
				n = r
			}
			vals := []cell{n, 19000 + r%300, 1704067200000000 + (r%50)*3600000000, float64(r%25)/4 - 2, float64(r%60) * 1.25, 2000 + r%25, fmt.Sprintf("k%d", r%7)}
			for c := range vals {
				if (r+int64(c))%11 == 0 {
					vals[c] = nil
				}
			}
			appendRow(b, r+2, vals...)
		}
		dnb = append(dnb, b)
	}
	tables = append(tables, testTable{name: "dictnumbers", schema: dns, batches: dnb, rgRows: 20000})

	var csvData bytes.Buffer
	if err := benchdata.Write(&csvData, 3000); err != nil {
		t.Fatal(err)
	}
	bs := benchdata.Schema()
	var bb []*table.Batch
	err := ReadCSV(context.Background(), &csvData, bs, CSVOptions{Comma: benchdata.Delimiter, Header: true, ChunkSize: 64 << 10}, func(b *table.Batch) error {
		bb = append(bb, cloneBatch(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tables = append(tables, testTable{name: "municipal", schema: bs, batches: bb})
	return tables
}

// cloneBatch copies b, because ReadCSV reuses its batches.
func cloneBatch(b *table.Batch) *table.Batch {
	c := &table.Batch{Schema: b.Schema, Lines: append([]int64(nil), b.Lines...), Columns: make([]table.Column, len(b.Columns))}
	for i, col := range b.Columns {
		c.Columns[i] = table.Column{
			Ints: append([]int64(nil), col.Ints...), Floats: append([]float64(nil), col.Floats...),
			Bools: append([]bool(nil), col.Bools...), Strings: append([]string(nil), col.Strings...),
			Valid: append([]bool(nil), col.Valid...),
		}
	}
	return c
}

// writeParquet writes tt with a ParquetWriter.
func writeParquet(t testing.TB, tt testTable) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewParquetWriter(&buf, tt.schema, Metadata{DatasetID: "test-" + tt.name, Version: "2026-11-25T00:00:00Z"})
	if err != nil {
		t.Fatal(err)
	}
	if tt.rgRows > 0 {
		w.rgRows = tt.rgRows
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

// decimalScale returns the scale of a decimal(p,s) number field, or -1.
func decimalScale(f tableschema.Field) int {
	_, s, ok, _ := parseDecimal(f.Format)
	if !ok {
		return -1
	}
	return s
}

// expectDecimal turns float cells of decimal columns into the text
// readers give for them (e.g. "1234567.89").
func expectDecimal(v cell, scale int) cell {
	f, ok := v.(float64)
	if !ok {
		return v
	}
	return formatScaled(int64(math.Round(f*math.Pow10(scale))), scale)
}

func formatScaled(n int64, scale int) string {
	neg := n < 0
	if neg {
		n = -n
	}
	s := fmt.Sprintf("%0*d", scale+1, n)
	s = s[:len(s)-scale] + "." + s[len(s)-scale:]
	if neg {
		s = "-" + s
	}
	return s
}

func diffColumns(t *testing.T, reader string, tt testTable, got [][]cell) {
	t.Helper()
	want := tt.columns()
	if len(got) != len(want) {
		t.Fatalf("%s: %d columns, want %d", reader, len(got), len(want))
	}
	for i := range want {
		scale := decimalScale(tt.schema.Fields[i])
		if len(got[i]) != len(want[i]) {
			t.Errorf("%s: column %s: %d values, want %d", reader, tt.schema.Fields[i].Name, len(got[i]), len(want[i]))
			continue
		}
		bad := 0
		for r := range want[i] {
			w := want[i][r]
			if scale >= 0 {
				w = expectDecimal(w, scale)
			}
			if !equalCell(got[i][r], w) {
				if bad < 3 {
					t.Errorf("%s: column %s row %d: got %#v, want %#v", reader, tt.schema.Fields[i].Name, r, got[i][r], w)
				}
				bad++
			}
		}
		if bad > 3 {
			t.Errorf("%s: column %s: %d differences in all", reader, tt.schema.Fields[i].Name, bad)
		}
	}
}

func equalCell(a, b cell) bool {
	if fa, ok := a.(float64); ok {
		fb, ok := b.(float64)
		return ok && (fa == fb || (math.IsNaN(fa) && math.IsNaN(fb)))
	}
	return a == b
}
