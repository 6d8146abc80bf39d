package pipeline

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/benchdata"
	"github.com/dele-opendata/dele/internal/config"
	"github.com/dele-opendata/dele/internal/store/fsstore"
)

var benchRows = flag.Int("benchrows", 200_000, "rows of the generated municipal CSV in BenchmarkRun")

// BenchmarkRun times what `dele run` does with one dataset: the generated
// 13-column municipal CSV (internal/benchdata) read, classified, validated
// against its declared schema, converted to Parquet and clean CSV, and
// published to a local folder. Every iteration publishes into a new
// folder, so no run is skipped as unchanged.
//
//	go test ./internal/pipeline -run '^$' -bench Run -benchrows 1000000
func BenchmarkRun(b *testing.B) {
	dir := b.TempDir()
	f, err := os.Create(filepath.Join(dir, "data.csv"))
	if err != nil {
		b.Fatal(err)
	}
	if err := benchdata.Write(f, *benchRows); err != nil {
		b.Fatal(err)
	}
	size, _ := f.Seek(0, 1)
	f.Close()
	y, err := os.ReadFile("testdata/base.yaml")
	if err != nil {
		b.Fatal(err)
	}
	d, err := datasets.Parse(filepath.Join(dir, "base.yaml"), y)
	if err != nil {
		b.Fatal(err)
	}
	d.Schema = benchdata.Schema()
	d.Source.Delimiter = string(benchdata.Delimiter)
	d.Source.Encoding = "utf-8"
	d.Outputs = []string{datasets.OutputParquet, datasets.OutputCSV}
	// The generated names are company names with a person's first name;
	// the steward has reviewed the column.
	d.Classification.Allow = map[string][]string{"navn": {"person-name"}, "adresse": {"address-with-name"}}
	if ps := datasets.Check(d); len(ps) > 0 {
		b.Fatalf("benchmark definition invalid: %v", ps)
	}
	cfg, err := config.Load("../../dele.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		out := filepath.Join(dir, "out", time.Now().Format("150405.000000000"))
		pub, err1 := fsstore.New(filepath.Join(out, "public"))
		priv, err2 := fsstore.New(filepath.Join(out, "private"))
		if err1 != nil || err2 != nil {
			b.Fatal(err1, err2)
		}
		env := &Env{Public: pub, Private: priv, Config: cfg, TempDir: dir, Getenv: func(string) string { return "" }}
		b.StartTimer()
		res := Run(context.Background(), env, d)
		if res.Outcome != Published {
			b.Fatalf("outcome %s: %s", res.Outcome, res.Message)
		}
		if res.RowsOut != int64(*benchRows) {
			b.Fatalf("rows out %d, want %d", res.RowsOut, *benchRows)
		}
		b.StopTimer()
		os.RemoveAll(out)
		b.StartTimer()
	}
	b.ReportMetric(float64(*benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
