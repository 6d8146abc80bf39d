package extract

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/benchdata"
)

// BenchmarkOpenLocal is the whole extract of a local file as a scheduled
// run does it: path check, one pass that hashes and collects encoding
// evidence, detection, then parsing every record of the generated
// 100,000-row municipal CSV.
func BenchmarkOpenLocal(b *testing.B) {
	dir := b.TempDir()
	f, err := os.Create(filepath.Join(dir, "data.csv"))
	if err != nil {
		b.Fatal(err)
	}
	if err := benchdata.Write(f, 100_000); err != nil {
		b.Fatal(err)
	}
	fi, _ := f.Stat()
	f.Close()
	d := &datasets.Definition{ID: "bench", Dir: dir, Source: datasets.Source{Type: "csv", Path: "data.csv"}}
	b.SetBytes(fi.Size())
	b.ReportAllocs()
	var rows int64
	for b.Loop() {
		r, err := Open(context.Background(), d, Env{})
		if err != nil {
			b.Fatal(err)
		}
		rows = 0
		for {
			_, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			rows++
		}
		r.Close()
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
