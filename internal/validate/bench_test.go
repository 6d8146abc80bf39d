package validate

import (
	"bytes"
	"encoding/csv"
	"errors"
	"flag"
	"io"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dele-opendata/dele/internal/benchdata"
	"github.com/dele-opendata/dele/internal/source"
	"github.com/dele-opendata/dele/internal/table"
)

var benchRows = flag.Int("benchrows", 1_000_000, "rows of the generated municipal CSV in the benchmarks")

var (
	benchOnce sync.Once
	benchCSV  []byte
)

// municipalCSV returns the generated 13-column municipal CSV
// (internal/benchdata), made once per test binary.
func municipalCSV(b *testing.B) []byte {
	benchOnce.Do(func() {
		var buf bytes.Buffer
		if err := benchdata.Write(&buf, *benchRows); err != nil {
			b.Fatal(err)
		}
		benchCSV = buf.Bytes()
	})
	return benchCSV
}

// readAll parses the CSV with encoding/csv, as a CSV source reader does, and
// calls row for every record.
func readAll(b *testing.B, data []byte, row func(source.Record)) (header []string, rows int) {
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = benchdata.Delimiter
	r.ReuseRecord = true
	h, err := r.Read()
	if err != nil {
		b.Fatal(err)
	}
	header = append([]string(nil), h...)
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return header, rows
		}
		if err != nil {
			b.Fatal(err)
		}
		rows++
		line, _ := r.FieldPos(0)
		row(source.Record{Line: int64(line), Fields: rec})
	}
}

// cpuTime returns the CPU time (user + system) used by the process so far.
// On a shared machine it is a steadier measure than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkParse is the baseline: parsing the CSV alone.
func BenchmarkParse(b *testing.B) {
	data := municipalCSV(b)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	cpu := cpuTime()
	rows := 0
	for range b.N {
		_, n := readAll(b, data, func(source.Record) {})
		rows += n
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(cpuTime()-cpu)/float64(rows), "cpu-ns/row")
}

// BenchmarkValidate parses the same CSV and validates every row against
// the benchdata schema (types, patterns, unique id, orgnr mod-11,
// kommunenummer) into 64k-row batches. The issue asks for at most 1.5× the
// time of BenchmarkParse.
func BenchmarkValidate(b *testing.B) {
	data := municipalCSV(b)
	schema := benchdata.Schema()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	cpu := cpuTime()
	rows := 0
	for range b.N {
		r := csv.NewReader(bytes.NewReader(data))
		r.Comma = benchdata.Delimiter
		header, err := r.Read()
		if err != nil {
			b.Fatal(err)
		}
		v, err := New(schema, header, Options{})
		if err != nil {
			b.Fatal(err)
		}
		batch := table.NewBatch(schema, benchBatch)
		_, n := readAll(b, data, func(rec source.Record) {
			v.Row(rec, batch)
			if batch.Len() == benchBatch {
				batch.Reset()
			}
		})
		rows += n
		if rep := v.Report(); rep.Invalid != 0 || rep.Rows != int64(n) {
			b.Fatalf("generated data is invalid: %+v", rep.Counts)
		}
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(cpuTime()-cpu)/float64(rows), "cpu-ns/row")
}

// benchBatch is the batch size of BenchmarkValidate.
var benchBatch = 1 << 13

// BenchmarkRow measures Validator.Row alone on records parsed beforehand
// (the first 100,000 rows of the generated CSV, cycled).
func BenchmarkRow(b *testing.B) {
	data := municipalCSV(b)
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = benchdata.Delimiter
	header, err := r.Read()
	if err != nil {
		b.Fatal(err)
	}
	var recs []source.Record
	for len(recs) < 100_000 {
		rec, err := r.Read()
		if err != nil {
			b.Fatal(err)
		}
		line, _ := r.FieldPos(0)
		recs = append(recs, source.Record{Line: int64(line), Fields: rec})
	}
	schema := benchdata.Schema()
	schema.PrimaryKey = nil // records repeat when cycled
	schema.Fields[0].Constraints.Unique = false
	v, err := New(schema, header, Options{})
	if err != nil {
		b.Fatal(err)
	}
	batch := table.NewBatch(schema, benchBatch)
	b.ResetTimer()
	for i := range b.N {
		if !v.Row(recs[i%len(recs)], batch) {
			b.Fatal(v.Report().Errors)
		}
		if batch.Len() == benchBatch {
			batch.Reset()
		}
	}
}
