package validate

import (
	"bytes"
	"context"
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
	"github.com/dele-opendata/dele/internal/source/csvsrc"
	"github.com/dele-opendata/dele/internal/table"
	"github.com/dele-opendata/dele/internal/tableschema"
)

var benchRows = flag.Int("benchrows", 1_000_000, "rows of the generated municipal CSV in the benchmarks")

// benchBatch is the batch size the benchmarks validate into.
const benchBatch = 1 << 14

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

// cpuTime returns the CPU time (user + system) used by the process so far.
// On a shared machine it is a steadier measure than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// stdReader reads the CSV with encoding/csv only: the fastest possible
// parse, without detection or transcoding.
type stdReader struct {
	r      *csv.Reader
	header []string
}

func newStdReader(b *testing.B, data []byte) source.Reader {
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = benchdata.Delimiter
	r.ReuseRecord = true
	h, err := r.Read()
	if err != nil {
		b.Fatal(err)
	}
	return &stdReader{r: r, header: append([]string(nil), h...)}
}

func (s *stdReader) Header() []string { return s.header }
func (s *stdReader) Read() (source.Record, error) {
	rec, err := s.r.Read()
	if err != nil {
		return source.Record{}, err
	}
	line, _ := s.r.FieldPos(0)
	return source.Record{Line: int64(line), Fields: rec}, nil
}
func (s *stdReader) Report() source.Report { return source.Report{} }
func (s *stdReader) Close() error          { return nil }

func newCSVSrc(b *testing.B, data []byte) source.Reader {
	r, err := csvsrc.Open(bytes.NewReader(data), csvsrc.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return r
}

// benchRead reads the whole generated file with open, validating every row
// when validate is set, and reports rows/s and CPU ns per row.
func benchRead(b *testing.B, open func(*testing.B, []byte) source.Reader, validate bool) {
	data := municipalCSV(b)
	schema := benchdata.Schema()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	cpu := cpuTime()
	rows := 0
	for range b.N {
		r := open(b, data)
		var v *Validator
		var batch *table.Batch
		if validate {
			var err error
			if v, err = New(schema, r.Header(), Options{}); err != nil {
				b.Fatal(err)
			}
			batch = table.NewBatch(schema, benchBatch)
		}
		n := 0
		for {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
			if validate {
				v.Row(rec, batch)
				if batch.Len() == benchBatch {
					batch.Reset()
				}
			}
		}
		rows += n
		if n != *benchRows {
			b.Fatalf("read %d rows, want %d", n, *benchRows)
		}
		if validate {
			if rep := v.Report(); rep.Invalid != 0 || rep.Rows != int64(n) {
				b.Fatalf("generated data is invalid: %+v %+v", rep.Counts, rep.Errors)
			}
		}
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(cpuTime()-cpu)/float64(rows), "cpu-ns/row")
}

// BenchmarkParse is the baseline: reading the municipal CSV with the CSV
// source reader (csvsrc, with its detection pass) and nothing else.
func BenchmarkParse(b *testing.B) { benchRead(b, newCSVSrc, false) }

// BenchmarkValidateSequential reads the same file with csvsrc and validates
// every row against the benchdata schema (types, digit patterns, primary
// key id, orgnr mod-11, kommunenummer) into batches, in one loop.
func BenchmarkValidateSequential(b *testing.B) { benchRead(b, newCSVSrc, true) }

// BenchmarkValidate is BenchmarkValidateSequential through Run: reading and
// validating overlap in two goroutines and records are handed over in
// chunks, as the pipeline should run them. The issue asks for at most 1.5×
// the time of BenchmarkParse.
func BenchmarkValidate(b *testing.B) {
	data := municipalCSV(b)
	schema := benchdata.Schema()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	cpu := cpuTime()
	rows := 0
	for range b.N {
		r := newCSVSrc(b, data)
		v, err := New(schema, r.Header(), Options{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		if err := Run(context.Background(), r, v, benchBatch, func(bt *table.Batch) error { n += bt.Len(); return nil }); err != nil {
			b.Fatal(err)
		}
		if n != *benchRows {
			b.Fatalf("validated %d rows, want %d: %+v", n, *benchRows, v.Report().Counts)
		}
		rows += n
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(cpuTime()-cpu)/float64(rows), "cpu-ns/row")
}

// BenchmarkParseStdlib is the stricter baseline: encoding/csv alone.
func BenchmarkParseStdlib(b *testing.B) { benchRead(b, newStdReader, false) }

// BenchmarkValidateStdlib is BenchmarkValidate over encoding/csv.
func BenchmarkValidateStdlib(b *testing.B) { benchRead(b, newStdReader, true) }

// BenchmarkRow measures Validator.Row alone on records parsed beforehand
// (the first 100,000 rows of the generated CSV, cycled; the primary key is
// dropped because cycled rows repeat).
func BenchmarkRow(b *testing.B) {
	data := municipalCSV(b)
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = benchdata.Delimiter
	header, err := r.Read()
	if err != nil {
		b.Fatal(err)
	}
	var recs []source.Record
	for len(recs) < min(100_000, *benchRows) {
		rec, err := r.Read()
		if err != nil {
			b.Fatal(err)
		}
		line, _ := r.FieldPos(0)
		recs = append(recs, source.Record{Line: int64(line), Fields: rec})
	}
	schema := benchdata.Schema()
	schema.PrimaryKey = nil
	schema.Fields[0].Constraints.Unique = false
	v, err := New(schema, header, Options{})
	if err != nil {
		b.Fatal(err)
	}
	batch := table.NewBatch(schema, benchBatch)
	b.ResetTimer()
	cpu := cpuTime()
	for i := range b.N {
		if !v.Row(recs[i%len(recs)], batch) {
			b.Fatal(v.Report().Errors)
		}
		if batch.Len() == benchBatch {
			batch.Reset()
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/row")
}

// BenchmarkRowStrings is BenchmarkRow with every field declared as an
// unconstrained string: the cost of moving the cells into a batch, the
// floor under BenchmarkRow.
func BenchmarkRowStrings(b *testing.B) {
	data := municipalCSV(b)
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = benchdata.Delimiter
	header, err := r.Read()
	if err != nil {
		b.Fatal(err)
	}
	var recs []source.Record
	for len(recs) < min(100_000, *benchRows) {
		rec, err := r.Read()
		if err != nil {
			b.Fatal(err)
		}
		recs = append(recs, source.Record{Line: int64(len(recs) + 2), Fields: rec})
	}
	schema := &tableschema.Schema{}
	for _, h := range header {
		schema.Fields = append(schema.Fields, tableschema.Field{Name: h, Type: tableschema.String})
	}
	v, err := New(schema, header, Options{})
	if err != nil {
		b.Fatal(err)
	}
	batch := table.NewBatch(schema, benchBatch)
	b.ResetTimer()
	cpu := cpuTime()
	for i := range b.N {
		v.Row(recs[i%len(recs)], batch)
		if batch.Len() == benchBatch {
			batch.Reset()
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/row")
}

// BenchmarkInfer infers the schema of the generated municipal CSV from all
// its rows (read with csvsrc).
func BenchmarkInfer(b *testing.B) {
	data := municipalCSV(b)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	cpu := cpuTime()
	rows := 0
	for range b.N {
		r := newCSVSrc(b, data)
		in := NewInferrer(r.Header(), InferOptions{})
		for {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			in.Add(rec.Fields)
		}
		rows += int(in.Rows())
		if f, _ := in.Schema().Field("postnummer"); f.Type != "string" {
			b.Fatalf("postnummer inferred as %s", f.Type)
		}
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(cpuTime()-cpu)/float64(rows), "cpu-ns/row")
}
