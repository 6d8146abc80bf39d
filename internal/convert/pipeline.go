// Package convert writes validated rows (table.Batch) as the published
// files: Parquet (typed columns, zstd, statistics, row groups sized for
// ranged reads) and clean CSV (plus a Norwegian Excel variant).
//
// Writers stream: each Write encodes one batch and keeps only bounded
// state, so memory depends on the batch size, never on the file size.
// ReadCSV and CSVToParquet are a parallel fast path from delimited text to
// typed batches, used by `dele convert` and by the benchmark against DuckDB
// (see bench/).
//
// The Parquet writer uses Arrow's Go Parquet implementation
// (github.com/apache/arrow/go/v15/parquet/file, the column-chunk layer
// under pqarrow): batches are already typed Go slices, so they go straight
// into the column writers without building Arrow arrays first. Files carry
// Parquet logical types that Arrow reads back as int64, float64 (or
// decimal), date32, timestamp[us, UTC], bool and utf8.
package convert

import (
	"context"
	"errors"
	"io"
	"sync"

	"github.com/dele-opendata/dele/internal/table"
	"github.com/dele-opendata/dele/internal/tableschema"
)

// BatchWriter is a streaming output: ParquetWriter and CSVWriter
// implement it. Write must not retain the batch; Close finishes the
// output without closing the underlying io.Writer.
type BatchWriter interface {
	Write(*table.Batch) error
	Close() error
}

var (
	_ BatchWriter = (*ParquetWriter)(nil)
	_ BatchWriter = (*CSVWriter)(nil)
	_ BatchWriter = Fanout(nil)
)

// Fanout writes every batch to several writers concurrently (one
// goroutine per writer), so Parquet and CSV encoding run in parallel.
// Write returns when all writers are done with the batch.
type Fanout []BatchWriter

// Write writes b to every writer and returns the first error.
func (f Fanout) Write(b *table.Batch) error {
	if len(f) == 1 {
		return f[0].Write(b)
	}
	errs := make([]error, len(f))
	var wg sync.WaitGroup
	for i, w := range f {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = w.Write(b)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Close closes every writer and returns the errors joined.
func (f Fanout) Close() error {
	var errs []error
	for _, w := range f {
		errs = append(errs, w.Close())
	}
	return errors.Join(errs...)
}

// Run writes the batches received from in to w until in is closed, then
// closes w. After a batch is written it is sent to recycle (when not nil)
// so the producer can reuse it; the producer must not touch a batch
// between sending it and receiving it back. Run it in its own goroutine
// while the producer (source reader → validator) fills the next batch:
// that keeps parsing/validation and encoding on separate cores. When ctx
// ends or a write fails, Run stops, drains in (recycling what it gets)
// and returns the error.
func Run(ctx context.Context, in <-chan *table.Batch, recycle chan<- *table.Batch, w BatchWriter) error {
	var err error
	for b := range in {
		if err == nil {
			if err = ctx.Err(); err == nil {
				err = w.Write(b)
			}
		}
		if recycle != nil {
			recycle <- b
		}
	}
	if err == nil {
		// ctx ended after the last batch (the producer gave up): the
		// output is not finished.
		err = ctx.Err()
	}
	if err != nil {
		return err
	}
	return w.Close()
}

// CSVToParquet converts delimited text to Parquet in parallel (see
// ReadCSV and ParquetWriter) and returns the number of rows written.
func CSVToParquet(ctx context.Context, r io.Reader, w io.Writer, schema *tableschema.Schema, meta Metadata, o CSVOptions) (int64, error) {
	pw, err := NewParquetWriter(w, schema, meta)
	if err != nil {
		return 0, err
	}
	if err := ReadCSV(ctx, r, schema, o, pw.Write); err != nil {
		return pw.Rows(), err
	}
	if err := pw.Close(); err != nil {
		return pw.Rows(), err
	}
	return pw.Rows(), nil
}
