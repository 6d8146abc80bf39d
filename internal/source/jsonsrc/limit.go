package jsonsrc

import (
	"errors"
	"fmt"
	"io"

	"github.com/dele-opendata/dele/internal/source"
)

// DefaultMaxRecordBytes is the largest single record (one element of the
// records array) read by default: 64 MiB, as for a CSV record
// (csvsrc.MaxRecordBytes). A record is held in memory whole while it is
// flattened, and no table a person made has a larger one.
const DefaultMaxRecordBytes = 64 << 20

// DefaultMaxResponseBytes is the largest JSON document (one page of an API,
// or a file) read by default: 4 GiB, as for a download
// (httpsrc.Options.MaxBytes). Documents are streamed, so this bounds time
// and transfer, not memory: an answer that does not end is cut off.
const DefaultMaxResponseBytes = 4 << 30

// ErrTooLarge is wrapped by the errors of a record or a document over its
// size limit.
var ErrTooLarge = errors.New("JSON source exceeds the size limit")

// Limiter caps the bytes a JSON decoder reads from r: the whole document
// (MaxDocument) and, between StartRecord and EndRecord, one record
// (MaxRecord). The decoder reads ahead through its buffer, so a record
// is cut off once it runs more than MaxRecord bytes past what the decoder
// had read when it started; memory stays within the buffer plus MaxRecord.
// Zero or negative limits mean no limit.
type Limiter struct {
	r           io.Reader
	maxDocument int64
	maxRecord   int64
	n           int64 // bytes read
	recordEnd   int64 // > 0: reading past it fails the record
	err         error
}

// NewLimiter returns a Limiter reading from r.
func NewLimiter(r io.Reader, maxDocument, maxRecord int64) *Limiter {
	return &Limiter{r: r, maxDocument: maxDocument, maxRecord: maxRecord}
}

// StartRecord starts counting a record.
func (l *Limiter) StartRecord() {
	if l.maxRecord > 0 {
		l.recordEnd = l.n + l.maxRecord
	}
}

// EndRecord stops counting the record.
func (l *Limiter) EndRecord() { l.recordEnd = 0 }

// N returns the bytes read so far.
func (l *Limiter) N() int64 { return l.n }

// Read reads from r up to the limit in force; past it, it fails with an
// error wrapping ErrTooLarge (a record over MaxRecord also wraps
// source.ErrWrongFormat, as a CSV record over its limit does). A document
// of exactly MaxDocument bytes still ends with io.EOF.
func (l *Limiter) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	limit, record := l.maxDocument, false
	if l.recordEnd > 0 && (limit <= 0 || l.recordEnd < limit) {
		limit, record = l.recordEnd, true
	}
	if limit <= 0 {
		n, err := l.r.Read(p)
		l.n += int64(n)
		return n, err
	}
	if l.n >= limit {
		// At the limit: only the end of the input is still accepted.
		var probe [1]byte
		n, err := io.ReadAtLeast(l.r, probe[:], 1)
		if n == 0 && err != nil {
			return 0, err
		}
		if record {
			l.err = fmt.Errorf("%w: %w: a record is longer than %s, the most Dele reads in one record (is this a table?)", source.ErrWrongFormat, ErrTooLarge, size(l.maxRecord))
		} else {
			l.err = fmt.Errorf("%w: the JSON document is longer than %s, the most Dele reads in one response", ErrTooLarge, size(l.maxDocument))
		}
		return 0, l.err
	}
	if rest := limit - l.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	return n, err
}

// size writes a byte count for a person: whole MiB, or bytes.
func size(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// GuardTruncation wraps an HTTP response body so that a body cut off
// before contentLength bytes (-1: unknown) fails with an error wrapping
// source.ErrTruncated that gives the byte counts.
func GuardTruncation(body io.ReadCloser, contentLength int64) io.ReadCloser {
	return &truncationGuard{ReadCloser: body, want: contentLength}
}

// truncationGuard counts the bytes of an HTTP response body and turns the
// transport's io.ErrUnexpectedEOF (the connection ended before
// Content-Length was reached) into an error wrapping source.ErrTruncated
// with the byte counts.
type truncationGuard struct {
	io.ReadCloser
	n    int64
	want int64 // Content-Length, or -1
}

func (g *truncationGuard) Read(p []byte) (int, error) {
	n, err := g.ReadCloser.Read(p)
	g.n += int64(n)
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) && g.want >= 0:
		return n, fmt.Errorf("%w: received %d of the %d bytes announced by Content-Length (the connection was cut)", source.ErrTruncated, g.n, g.want)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return n, fmt.Errorf("%w: the connection was cut after %d bytes", source.ErrTruncated, g.n)
	case err == io.EOF && g.want >= 0 && g.n < g.want:
		return n, fmt.Errorf("%w: received %d of the %d bytes announced by Content-Length", source.ErrTruncated, g.n, g.want)
	}
	return n, err
}
