package csvsrc

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/dele-opendata/dele/internal/benchdata"
)

// benchInput returns the generated 13-column municipal CSV with rows rows.
func benchInput(b *testing.B, rows int) []byte {
	b.Helper()
	var buf bytes.Buffer
	if err := benchdata.Write(&buf, rows); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// onlyReader hides io.ReaderAt, so Open parses a pure stream (no pass over
// the whole input before parsing).
type onlyReader struct{ io.Reader }

func drainBench(b *testing.B, r *Reader) int64 {
	var n int64
	for {
		_, err := r.Read()
		if errors.Is(err, io.EOF) {
			return n
		}
		if err != nil {
			b.Fatal(err)
		}
		n++
	}
}

// BenchmarkRead parses 100,000 generated rows (11.6 MB) from a stream:
// detection, parsing and the per-record checks. Compare
// BenchmarkEncodingCSV, encoding/csv alone.
func BenchmarkRead(b *testing.B) {
	in := benchInput(b, 100_000)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	var rows int64
	for b.Loop() {
		r, err := Open(onlyReader{bytes.NewReader(in)}, Options{})
		if err != nil {
			b.Fatal(err)
		}
		rows = drainBench(b, r)
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkReadFile is BenchmarkRead from an io.ReaderAt, so Open also makes
// its pass over the whole input (encoding and escape evidence) first, as it
// does for files.
func BenchmarkReadFile(b *testing.B) {
	in := benchInput(b, 100_000)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	var rows int64
	for b.Loop() {
		r, err := Open(bytes.NewReader(in), Options{})
		if err != nil {
			b.Fatal(err)
		}
		rows = drainBench(b, r)
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkReadLatin1 is BenchmarkRead on the same rows in ISO-8859-1, the
// transcoding path.
func BenchmarkReadLatin1(b *testing.B) {
	in := latin1(string(benchInput(b, 100_000)))
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	var rows int64
	for b.Loop() {
		r, err := Open(onlyReader{bytes.NewReader(in)}, Options{})
		if err != nil {
			b.Fatal(err)
		}
		rows = drainBench(b, r)
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkReadBackslash is the backslash-escape scanner on the same rows.
func BenchmarkReadBackslash(b *testing.B) {
	in := benchInput(b, 100_000)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	var rows int64
	for b.Loop() {
		r, err := Open(onlyReader{bytes.NewReader(in)}, Options{Escape: `\`})
		if err != nil {
			b.Fatal(err)
		}
		rows = drainBench(b, r)
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkEncodingCSV is encoding/csv alone on the same input.
func BenchmarkEncodingCSV(b *testing.B) {
	in := benchInput(b, 100_000)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		c := csv.NewReader(bytes.NewReader(in))
		c.Comma = ';'
		c.ReuseRecord = true
		for {
			if _, err := c.Read(); err != nil {
				break
			}
		}
	}
}

// BenchmarkStreamMemory streams generated inputs of growing size through a
// Reader without ever holding them (benchdata writes into a pipe) and
// reports the peak live heap seen while reading and the process's peak RSS.
// Both stay flat from 10 MB to 1 GB. The size list can be set with
// DELE_BENCH_STREAM_ROWS (comma-separated row counts; 8,500,000 rows is
// about 1 GB).
func BenchmarkStreamMemory(b *testing.B) {
	sizes := []int{85_000, 850_000, 8_500_000}
	if s := os.Getenv("DELE_BENCH_STREAM_ROWS"); s != "" {
		sizes = nil
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				b.Fatal(err)
			}
			sizes = append(sizes, n)
		}
	}
	for _, rows := range sizes {
		b.Run(strconv.Itoa(rows)+"rows", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				pr, pw := io.Pipe()
				cw := &countWriter{w: pw}
				go func() { pw.CloseWithError(benchdata.Write(cw, rows)) }()
				r, err := Open(pr, Options{})
				if err != nil {
					b.Fatal(err)
				}
				var peak uint64
				var ms runtime.MemStats
				var n int64
				for {
					_, err := r.Read()
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					if n++; n%50_000 == 0 {
						runtime.ReadMemStats(&ms)
						peak = max(peak, ms.HeapInuse)
					}
				}
				pr.Close()
				if n != int64(rows) {
					b.Fatalf("read %d rows, want %d", n, rows)
				}
				b.ReportMetric(float64(cw.n)/1e6, "input-MB")
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
				b.ReportMetric(float64(maxRSS())/(1<<10), "maxRSS-MiB")
			}
		})
	}
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// maxRSS returns the process's peak resident set in KiB (Linux), or 0.
func maxRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// BenchmarkParsers compares the two record parsers on the same RFC 4180
// input (doubled quotes): encoding/csv, which Open uses for it, and this
// package's byte scanner in its strict RFC 4180 mode.
func BenchmarkParsers(b *testing.B) {
	in := benchInput(b, 100_000)
	for _, p := range []struct {
		name string
		new  func(io.Reader) parser
	}{
		{"encoding-csv", func(r io.Reader) parser { return newParser(r, dialect{delim: ';', quote: '"'}) }},
		{"scanner", func(r io.Reader) parser {
			lim := &recordLimit{r: r, max: maxRecordBytes}
			p := newEscParser(lim, dialect{delim: ';', quote: '"'})
			p.lim = lim
			return p
		}},
	} {
		b.Run(p.name, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				ps := p.new(bytes.NewReader(in))
				n := 0
				for {
					if _, _, err := ps.next(); err != nil {
						break
					}
					n++
				}
				if n != 100_001 {
					b.Fatalf("%d records", n)
				}
			}
		})
	}
}
