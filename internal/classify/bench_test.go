package classify

import (
	"bytes"
	"encoding/csv"
	"flag"
	"testing"

	"github.com/dele-opendata/dele/internal/benchdata"
)

var benchNoMemo = flag.Bool("scan.nomemo", false, "BenchmarkScan without the per-column memo")

// BenchmarkScan measures scan throughput on 1M rows of the 13-column
// municipal file from internal/benchdata (orgnr, person names, addresses,
// postnummer, dates, amounts, free text). The rows are parsed once; 20,000
// distinct rows are cycled so the benchmark measures the scanner, not CSV
// parsing. One op scans 1,000,000 rows; the rows/s metric is reported.
// With -scan.nomemo the per-column memo is off, for comparison:
//
//	go test ./internal/classify -run '^$' -bench 'Scan$' -args -scan.nomemo
func BenchmarkScan(b *testing.B) {
	const distinct, perOp = 20000, 1000000
	var buf bytes.Buffer
	if err := benchdata.Write(&buf, distinct); err != nil {
		b.Fatal(err)
	}
	cr := csv.NewReader(&buf)
	cr.Comma = benchdata.Delimiter
	recs, err := cr.ReadAll()
	if err != nil {
		b.Fatal(err)
	}
	header, rows := recs[0], recs[1:]
	b.ReportAllocs()
	b.ResetTimer()
	var r Result
	for b.Loop() {
		s := NewScanner(header, Options{})
		s.noMemo = *benchNoMemo
		for i := 0; i < perOp; i++ {
			s.Scan(int64(i+2), rows[i%len(rows)])
		}
		r = s.Result()
	}
	b.ReportMetric(float64(perOp)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	if r.Rows != perOp {
		b.Fatalf("rows = %d", r.Rows)
	}
}

// BenchmarkBaselineCSVParse parses 1,000,000 rows of the same file with
// encoding/csv (100,000 rows, ten times), as a yardstick measured in the
// same run: on a busy machine the ratio of the two benchmarks is steadier
// than either figure.
func BenchmarkBaselineCSVParse(b *testing.B) {
	const rows, times = 100000, 10
	var buf bytes.Buffer
	if err := benchdata.Write(&buf, rows); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		for k := 0; k < times; k++ {
			cr := csv.NewReader(bytes.NewReader(data))
			cr.Comma = benchdata.Delimiter
			cr.ReuseRecord = true
			for {
				_, err := cr.Read()
				if err != nil {
					break
				}
				n++
			}
		}
	}
	b.ReportMetric(float64(rows*times)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	if n == 0 {
		b.Fatal("no rows")
	}
}
