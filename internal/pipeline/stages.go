package pipeline

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/dele-opendata/dele/internal/classify"
	"github.com/dele-opendata/dele/internal/source"
)

// The stream runs in four stages, each in its own goroutine, so that both
// cores are busy on a large source:
//
//	read (parse, treat) ─┬─> scan (personal data)
//	                     └─> validate ──> encode (Parquet, CSV)
//
// The reader hands on chunks of records; the scan and validate stages read
// each chunk concurrently (neither changes it), and the last of them to
// finish returns it for reuse. Memory is bounded by the chunks in flight
// and the encoder's batches, never by the size of the source.
const (
	// chunkRows is the number of records in a chunk.
	chunkRows = 2048
	// chunksInFlight is how far the reader can run ahead of the slower of
	// the scan and validate stages.
	chunksInFlight = 8
)

// chunk holds records read from the source. Cell strings are kept (they
// are immutable); only the reader's field slices are copied.
type chunk struct {
	lines []int64
	ends  []int // ends[i] is the end of record i's fields in cells
	cells []string
	// readers is the number of stages that have yet to finish with it.
	readers atomic.Int32
}

func (c *chunk) reset() {
	c.lines, c.ends, c.cells = c.lines[:0], c.ends[:0], c.cells[:0]
	clear(c.cells[:cap(c.cells)]) // let the previous strings go
}

func (c *chunk) add(line int64, fields []string) {
	c.cells = append(c.cells, fields...)
	c.lines = append(c.lines, line)
	c.ends = append(c.ends, len(c.cells))
}

func (c *chunk) len() int { return len(c.lines) }

// record returns record i. Its Fields alias the chunk: read only.
func (c *chunk) record(i int) source.Record {
	start := 0
	if i > 0 {
		start = c.ends[i-1]
	}
	return source.Record{Line: c.lines[i], Fields: c.cells[start:c.ends[i]:c.ends[i]]}
}

// stages connects the reader to the scan and validate stages.
type stages struct {
	free       chan *chunk
	toScan     chan *chunk
	toValidate chan *chunk
	// stop is closed when the consumer gives up (a write failed): the
	// reader then stops without reading on.
	stop     chan struct{}
	stopOnce sync.Once
	// readErr is the reader's error, sent once the chunk channels are closed.
	readErr chan error
	// rows is the number of records read so far.
	rows atomic.Int64
}

func newStages() *stages {
	s := &stages{
		free:       make(chan *chunk, chunksInFlight),
		toScan:     make(chan *chunk, chunksInFlight),
		toValidate: make(chan *chunk, chunksInFlight),
		stop:       make(chan struct{}),
		readErr:    make(chan error, 1),
	}
	for range chunksInFlight {
		s.free <- &chunk{}
	}
	return s
}

// release returns c for reuse once both stages are done with it.
func (s *stages) release(c *chunk) {
	if c.readers.Add(-1) == 0 {
		s.free <- c
	}
}

// halt tells the reader to stop.
func (s *stages) halt() { s.stopOnce.Do(func() { close(s.stop) }) }

// read reads every record of r into chunks for the scan and validate
// stages, applying the treatments first (so the scan sees what would be
// published) and keeping a wrong width visible to validation. It closes
// both stage channels when done and then reports its error on readErr.
func (s *stages) read(ctx context.Context, r source.Reader, treater *classify.Treater, width int, progress func(int64)) {
	err := s.readAll(ctx, r, treater, width, progress)
	close(s.toScan)
	close(s.toValidate)
	s.readErr <- err
}

func (s *stages) readAll(ctx context.Context, r source.Reader, treater *classify.Treater, width int, progress func(int64)) error {
	var c *chunk
	next := func() bool {
		select {
		case c = <-s.free:
			c.reset()
			return true
		case <-s.stop:
			return false
		case <-ctx.Done():
			return false
		}
	}
	send := func() bool {
		c.readers.Store(2)
		for _, ch := range []chan *chunk{s.toScan, s.toValidate} {
			select {
			case ch <- c:
			case <-s.stop:
				return false
			}
		}
		return true
	}
	if !next() {
		return ctx.Err()
	}
	var rows int64
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("extract: %w", err)
		}
		rows++
		if treater != nil {
			fields, err := treater.Apply(rec.Line, rec.Fields)
			if err != nil {
				return fmt.Errorf("classify: %w", err)
			}
			rec.Fields = keepRagged(fields, rec.Fields, width)
		}
		c.add(rec.Line, rec.Fields)
		if c.len() == chunkRows {
			s.rows.Store(rows)
			if !send() || !next() {
				return ctx.Err()
			}
		}
		if progress != nil && rows%65536 == 0 {
			progress(rows)
		}
	}
	s.rows.Store(rows)
	if c.len() > 0 && !send() {
		return ctx.Err()
	}
	return nil
}

// scan runs the personal-data scan over every chunk until the reader is
// done.
func (s *stages) scan(scanner *classify.Scanner) {
	for c := range s.toScan {
		for i := range c.len() {
			rec := c.record(i)
			scanner.Scan(rec.Line, rec.Fields)
		}
		s.release(c)
	}
}
