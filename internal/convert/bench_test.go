package convert

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/dele-opendata/dele/internal/benchdata"
	"github.com/dele-opendata/dele/internal/table"
)

func BenchmarkCSVToParquet(b *testing.B) {
	var in bytes.Buffer
	if err := benchdata.Write(&in, 200000); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(in.Len()))
	for b.Loop() {
		if _, err := CSVToParquet(context.Background(), bytes.NewReader(in.Bytes()), io.Discard, benchdata.Schema(), Metadata{}, CSVOptions{Comma: ';', Header: true}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadCSV(b *testing.B) {
	var in bytes.Buffer
	if err := benchdata.Write(&in, 200000); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(in.Len()))
	for b.Loop() {
		if err := ReadCSV(context.Background(), bytes.NewReader(in.Bytes()), benchdata.Schema(), CSVOptions{Comma: ';', Header: true}, func(*table.Batch) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
