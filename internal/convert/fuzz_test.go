package convert

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"github.com/dele-opendata/dele/internal/table"
	"github.com/dele-opendata/dele/internal/tableschema"
)

// fuzzSchema has one column of every storage kind, and a decimal.
var fuzzSchema = &tableschema.Schema{Fields: []tableschema.Field{
	{Name: "i", Type: tableschema.Integer},
	{Name: "f", Type: tableschema.Number},
	{Name: "d", Type: tableschema.Number, Format: "decimal(18,3)"},
	{Name: "b", Type: tableschema.Boolean},
	{Name: "dt", Type: tableschema.Date},
	{Name: "ts", Type: tableschema.DateTime},
	{Name: "s", Type: tableschema.String},
	{Name: "kat", Type: tableschema.String},
}}

// fuzzTable derives a table from data: each row takes a null mask byte
// and then bytes for each present value (text made valid UTF-8). Dates and timestamps stay within
// the years 0001–9999 that ISO 8601 text can hold.
func fuzzTable(data []byte) testTable {
	tt := testTable{name: "fuzz", schema: fuzzSchema}
	if len(data) == 0 {
		return tt
	}
	tt.rgRows = 1 + int(data[0])%40
	data = data[1:]
	take := func(n int) []byte {
		var b [8]byte
		m := copy(b[:n], data)
		data = data[m:]
		return b[:n]
	}
	u64 := func() uint64 { return binary.LittleEndian.Uint64(take(8)) }
	b := table.NewBatch(fuzzSchema, 16)
	line := int64(2)
	for len(data) > 0 {
		mask := take(1)[0]
		row := make([]cell, len(fuzzSchema.Fields))
		for i := range row {
			if mask&(1<<i) != 0 {
				continue
			}
			switch i {
			case 0:
				row[i] = int64(u64())
			case 1:
				row[i] = math.Float64frombits(u64())
			case 2:
				row[i] = float64(int64(u64())%(1<<50)) / 1000
			case 3:
				row[i] = take(1)[0]&1 == 1
			case 4:
				row[i] = int64(u64()%3652059) - 719162 // 0001-01-01 .. 9999-12-31
			case 5:
				row[i] = int64(u64()%315537897600000000) - 62135596800000000
			case 6:
				n := int(take(1)[0]) % 24
				s := make([]byte, 0, n)
				for range n {
					s = append(s, take(1)[0])
				}
				// Text in a table is UTF-8 (sources are transcoded,
				// and ReadCSV refuses anything else).
				row[i] = strings.ToValidUTF8(string(s), "\uFFFD")
			case 7:
				row[i] = []string{"vann", "avløp", "", "skole"}[take(1)[0]%4]
			}
		}
		appendRow(b, line, row...)
		line++
		if b.Len() == 50 {
			tt.batches = append(tt.batches, b)
			b = table.NewBatch(fuzzSchema, 16)
		}
	}
	if b.Len() > 0 {
		tt.batches = append(tt.batches, b)
	}
	return tt
}

// FuzzParquetRoundTrip: random tables → Parquet → Arrow reads back equal
// values; the same table → clean CSV → ReadCSV reads back equal values,
// NaN and infinities included.
func FuzzParquetRoundTrip(f *testing.F) {
	f.Add([]byte{3, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 0xff, 0x80, 0x7f})
	f.Fuzz(func(t *testing.T, data []byte) {
		tt := fuzzTable(data)
		_, _, cols, _ := readArrow(t, writeParquet(t, tt))
		diffColumns(t, "arrow", tt, cols)

		// NaN and infinities are written as NaN, INF and -INF and must
		// read back too.
		var buf bytes.Buffer
		w, err := NewCSVWriter(&buf, tt.schema, Clean)
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
		plain := *tt.schema
		plain.Fields = append([]tableschema.Field(nil), plain.Fields...)
		plain.Fields[2].Format = ""
		diffColumns(t, "ReadCSV", testTable{schema: &plain, batches: tt.batches}, readBack(t, buf.Bytes(), &plain, ','))
	})
}
