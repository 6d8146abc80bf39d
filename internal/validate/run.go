package validate

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/dele-opendata/dele/internal/source"
	"github.com/dele-opendata/dele/internal/table"
)

// chunkRows is how many records the reading goroutine hands over at once.
const chunkRows = 1024

// chunk is a block of records copied out of a reader, whose Fields point
// into one shared slice so the block can be reused without allocating.
type chunk struct {
	recs   []source.Record
	fields []string
}

// Run reads every record of r, validates it with v and calls emit with each
// full batch of batchRows valid rows (and once more with the last, partial
// batch). Reading and validating run in two goroutines, so on two cores a
// run takes about as long as the slower of the two rather than their sum.
// The batch passed to emit is reused afterwards: emit must not keep it.
//
// Run returns the first error of the reader, of emit, or of ctx; invalid
// rows are not errors (see v.Report). It does not close r or v.
func Run(ctx context.Context, r source.Reader, v *Validator, batchRows int, emit func(*table.Batch) error) error {
	if batchRows <= 0 {
		batchRows = 1 << 14
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	free := make(chan *chunk, 4)
	full := make(chan *chunk, 4)
	for range cap(free) {
		free <- &chunk{recs: make([]source.Record, 0, chunkRows)}
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(full)
		readErr <- readChunks(ctx, r, free, full)
	}()
	b := table.NewBatch(v.schema, batchRows)
	var err error
	for c := range full {
		if err == nil {
			for _, rec := range c.recs {
				v.Row(rec, b)
				if b.Len() == batchRows {
					if err = emit(b); err != nil {
						cancel()
						break
					}
					b.Reset()
				}
			}
		}
		free <- c
	}
	if rerr := <-readErr; err == nil {
		err = rerr
	}
	if err == nil && b.Len() > 0 {
		err = emit(b)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", dataset(v.opts), err)
	}
	return nil
}

// readChunks fills chunks from free with records of r and sends them on
// full, until EOF, an error or cancellation.
func readChunks(ctx context.Context, r source.Reader, free <-chan *chunk, full chan<- *chunk) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var c *chunk
		select {
		case c = <-free:
		case <-ctx.Done():
			return ctx.Err()
		}
		c.recs, c.fields = c.recs[:0], c.fields[:0]
		var err error
		for len(c.recs) < chunkRows {
			var rec source.Record
			rec, err = r.Read()
			if err != nil {
				break
			}
			start := len(c.fields)
			c.fields = append(c.fields, rec.Fields...)
			rec.Fields = c.fields[start:len(c.fields):len(c.fields)]
			c.recs = append(c.recs, rec)
		}
		if len(c.recs) > 0 {
			select {
			case full <- c:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read source: %w", err)
		}
	}
}
