package pipeline

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/convert"
	"github.com/dele-opendata/dele/internal/publish"
	"github.com/dele-opendata/dele/internal/table"
	"github.com/dele-opendata/dele/internal/tableschema"
)

// writers writes one batch stream to every output file a definition asks
// for, in a temp folder.
type writers struct {
	files   []*os.File
	bufs    []*bufio.Writer
	parquet *convert.ParquetWriter
	csvs    []*convert.CSVWriter
	// outs writes to the Parquet writer and the CSV writers concurrently,
	// naming the output in its errors.
	outs   convert.Fanout
	names  []string
	closed bool
}

// outputFile names a data file and its media type.
type outputFile struct{ name, mediaType string }

var (
	parquetFile = outputFile{publish.FileParquet, "application/vnd.apache.parquet"}
	csvFile     = outputFile{publish.FileCSV, "text/csv; charset=utf-8"}
	csvNBFile   = outputFile{publish.FileCSVNB, "text/csv; charset=utf-8"}
)

func newWriters(dir string, def *datasets.Definition, schema *tableschema.Schema, meta convert.Metadata) (*writers, error) {
	w := &writers{}
	create := func(name string) (*bufio.Writer, error) {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		bw := bufio.NewWriterSize(f, 1<<20)
		w.files, w.bufs, w.names = append(w.files, f), append(w.bufs, bw), append(w.names, name)
		return bw, nil
	}
	if def.HasOutput(datasets.OutputParquet) {
		bw, err := create(parquetFile.name)
		if err != nil {
			return nil, err
		}
		if w.parquet, err = convert.NewParquetWriter(bw, schema, meta); err != nil {
			w.abort()
			return nil, err
		}
		w.outs = append(w.outs, labelled{w.parquet, "convert to Parquet"})
	}
	for _, o := range []struct {
		kind string
		file outputFile
		d    convert.Dialect
	}{{datasets.OutputCSV, csvFile, convert.Clean}, {datasets.OutputCSVNB, csvNBFile, convert.Norwegian}} {
		if !def.HasOutput(o.kind) {
			continue
		}
		bw, err := create(o.file.name)
		if err != nil {
			w.abort()
			return nil, err
		}
		cw, err := convert.NewCSVWriter(bw, schema, o.d)
		if err != nil {
			w.abort()
			return nil, err
		}
		w.csvs = append(w.csvs, cw)
		w.outs = append(w.outs, labelled{cw, "convert to CSV"})
	}
	return w, nil
}

// Write encodes b into every output: the Parquet file and each CSV file
// concurrently (the Parquet writer also encodes its columns in parallel).
func (w *writers) Write(b *table.Batch) error { return w.outs.Write(b) }

// labelled names the output in its write errors.
type labelled struct {
	convert.BatchWriter
	label string
}

func (l labelled) Write(b *table.Batch) error {
	if err := l.BatchWriter.Write(b); err != nil {
		return fmt.Errorf("%s: %w", l.label, err)
	}
	return nil
}

// encoder runs convert.Run over the writers in a goroutine of its own, so
// that reading, classifying and validating the next batch overlaps with
// encoding the last one. It owns a fixed set of batches: memory stays
// bounded by the batch size, whatever the size of the source.
type encoder struct {
	queue, free chan *table.Batch
	done        chan error
	// failed is closed when a write fails, so the producer stops early.
	failed chan struct{}
	cancel context.CancelFunc
}

// encoderBatches is how many batches are in flight: one being filled,
// one waiting and one being encoded.
const encoderBatches = 3

// newEncoder starts encoding into w, which convert.Run closes (finishing
// the files) when every batch was written and the producer did not abort.
func newEncoder(ctx context.Context, w convert.BatchWriter, schema *tableschema.Schema, rows int) *encoder {
	ctx, cancel := context.WithCancel(ctx)
	e := &encoder{queue: make(chan *table.Batch, 1), free: make(chan *table.Batch, encoderBatches),
		done: make(chan error, 1), failed: make(chan struct{}), cancel: cancel}
	for range encoderBatches {
		e.free <- table.NewBatch(schema, rows)
	}
	go func() { e.done <- convert.Run(ctx, e.queue, e.free, failFast{w, e.failed}) }()
	return e
}

// failFast closes failed at the first write error (Run writes nothing
// after it).
type failFast struct {
	convert.BatchWriter
	failed chan struct{}
}

func (f failFast) Write(b *table.Batch) error {
	err := f.BatchWriter.Write(b)
	if err != nil {
		close(f.failed)
	}
	return err
}

// batch returns an empty batch to fill.
func (e *encoder) batch() *table.Batch {
	b := <-e.free
	b.Reset()
	return b
}

// send queues a filled batch for encoding. It returns false once a write
// has failed: the producer should stop and call wait for the error.
func (e *encoder) send(b *table.Batch) bool {
	select {
	case <-e.failed:
		e.free <- b
		return false
	default:
	}
	e.queue <- b
	return true
}

// wait lets the encoder write the queued batches and finish the files,
// and returns the first error. After abort, the files are not finished.
func (e *encoder) wait() error {
	close(e.queue)
	err := <-e.done
	e.cancel()
	return err
}

// abort tells the encoder that the producer failed: it stops writing and
// leaves the files unfinished.
func (e *encoder) abort() { e.cancel() }

// Close finishes every file.
func (w *writers) Close() error {
	w.closed = true
	var first error
	keep := func(err error) {
		if err != nil && first == nil {
			first = err
		}
	}
	if w.parquet != nil {
		keep(w.parquet.Close())
	}
	for _, c := range w.csvs {
		keep(c.Close())
	}
	for i, f := range w.files {
		keep(w.bufs[i].Flush())
		keep(f.Close())
	}
	if first != nil {
		return fmt.Errorf("convert: finish files: %w", first)
	}
	return nil
}

// hash returns the SHA-256 of the finished files and extra, in order: the
// content hash of a version whose source has no hash of its own.
func (w *writers) hash(extra string) (string, error) {
	h := sha256.New()
	for _, f := range w.files {
		in, err := os.Open(f.Name())
		if err != nil {
			return "", err
		}
		_, err = io.Copy(h, in)
		in.Close()
		if err != nil {
			return "", fmt.Errorf("hash %s: %w", f.Name(), err)
		}
	}
	io.WriteString(h, extra)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// abort closes the files after a failure; the temp folder is removed.
func (w *writers) abort() {
	if w.closed {
		return
	}
	w.closed = true
	for _, f := range w.files {
		f.Close()
	}
}
