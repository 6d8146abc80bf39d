package convert

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/dele-opendata/dele/internal/table"
	"github.com/dele-opendata/dele/internal/tableschema"
)

// CSVOptions describe the delimited text ReadCSV parses.
type CSVOptions struct {
	// Comma is the field delimiter (default ',').
	Comma byte
	// Header means the first record holds the field names, which must
	// equal the schema's, in order.
	Header bool
	// ChunkSize is the number of bytes parsed as one batch (default
	// 512 KiB: with the collector at gctune.Percent, larger chunks cost more
	// memory than they save time).
	// Records longer than a chunk are handled by growing it.
	ChunkSize int
	// Workers is the number of parsing goroutines (default GOMAXPROCS).
	Workers int
}

// ParseError is a value ReadCSV could not parse.
type ParseError struct {
	Line   int64  // 1-based line where the record starts (ErrEncoding: the line of the bad byte)
	Column string // field name, empty for structural errors
	Err    error
}

func (e *ParseError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("line %d: %v", e.Line, e.Err)
	}
	return fmt.Sprintf("line %d, column %q: %v", e.Line, e.Column, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// Errors reported inside a ParseError.
var (
	ErrFieldCount = errors.New("wrong number of fields")
	ErrQuote      = errors.New("bad quoting")
	ErrValue      = errors.New("invalid value")
	ErrHeader     = errors.New("header does not match the schema")
	ErrEncoding   = errors.New("not valid UTF-8 (convert the file to UTF-8, or register it as a dataset: dele run detects the encoding)")
)

// ReadCSV parses delimited text (RFC 4180 quoting, LF or CRLF line ends)
// into typed batches for schema and calls fn with each batch, in input
// order, from the calling goroutine. The batch is reused after fn returns.
//
// It is the fast path used by CSVToParquet (`dele convert`, the
// benchmark), shaped like the pipeline of `dele run` (source reader →
// validator → writers) but with both cores busy: one goroutine cuts the input into chunks at record
// boundaries (tracking quotes, so quoted line breaks are handled), Workers
// goroutines parse chunks into batches concurrently, and the caller gets
// them back in order. Memory is bounded by about (2×Workers+2) chunks.
//
// Values are parsed strictly (no quarantine; that is the validate stage's
// job): integer and year as base-10 int64; number with the field's
// DecimalChar (default ".") and optional GroupChar; boolean as
// true/True/TRUE/1 or false/False/FALSE/0; date as ISO 8601 YYYY-MM-DD;
// datetime as RFC 3339 (a missing zone means UTC); everything else as text.
// Empty unquoted fields and the schema's MissingValues are missing values.
// The input must be UTF-8 (a leading byte-order mark is skipped). The
// first bad value or byte stops the read with a *ParseError.
func ReadCSV(ctx context.Context, r io.Reader, schema *tableschema.Schema, o CSVOptions, fn func(*table.Batch) error) error {
	if schema == nil || len(schema.Fields) == 0 {
		return errors.New("convert: read csv: schema has no fields")
	}
	if o.Comma == 0 {
		o.Comma = ','
	}
	if o.Comma == '"' || o.Comma == '\n' || o.Comma == '\r' {
		return fmt.Errorf("convert: read csv: invalid delimiter %q", o.Comma)
	}
	if o.ChunkSize <= 0 {
		o.ChunkSize = 512 << 10
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	p, err := newChunkParser(schema, o)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	jobs := make(chan *chunk, o.Workers)
	order := make(chan *chunk, o.Workers+1)
	pool := make(chan *table.Batch, o.Workers+1)
	free := make(chan []byte, 2*o.Workers+2)
	var readErr error
	go func() {
		defer close(jobs)
		defer close(order)
		readErr = split(ctx, r, o.ChunkSize, free, func(c *chunk) bool {
			select {
			case order <- c:
			case <-ctx.Done():
				return false
			}
			select {
			case jobs <- c:
				return true
			case <-ctx.Done():
				c.err = ctx.Err()
				close(c.done)
				return false
			}
		})
	}()
	var wg sync.WaitGroup
	for range o.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			arenas := make([]arena, len(schema.Fields))
			for c := range jobs {
				var b *table.Batch
				select {
				case b = <-pool:
					b.Reset()
					// Drop references to the previous chunk so that
					// its buffer can be freed.
					for i := range b.Columns {
						clear(b.Columns[i].Strings[:cap(b.Columns[i].Strings)])
					}
				default:
					b = table.NewBatch(schema, 1024)
				}
				c.batch = b
				if ctx.Err() != nil {
					c.err = ctx.Err()
				} else {
					c.err = p.parse(c, b, arenas)
				}
				// Nothing refers to the chunk's bytes any more: text
				// values were copied into the arenas.
				c.data = ""
				select {
				case free <- c.buf[:cap(c.buf)]:
				default:
				}
				c.buf = nil
				close(c.done)
			}
		}()
	}
	var firstErr error
	for c := range order {
		<-c.done
		if firstErr == nil {
			if c.err != nil {
				firstErr = c.err
			} else if err := fn(c.batch); err != nil {
				firstErr = err
			}
			if firstErr != nil {
				cancel()
			}
		}
		if c.batch != nil {
			select {
			case pool <- c.batch:
			default:
			}
		}
	}
	wg.Wait()
	if firstErr == nil && readErr != nil {
		firstErr = readErr
	}
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	var pe *ParseError
	if errors.As(firstErr, &pe) {
		return fmt.Errorf("convert: read csv: %w", firstErr)
	}
	return firstErr
}

// chunk is a run of whole records.
type chunk struct {
	buf   []byte // recycled once parsed
	data  string // buf's records, as a string (no copy)
	line  int64  // line number of the first record
	first bool   // holds the start of the input
	done  chan struct{}
	batch *table.Batch
	err   error
}

// split cuts r into chunks of about size bytes that end at a record
// boundary: a line feed preceded by an even number of quotes since the
// chunk start (chunks always start at a record boundary, and RFC 4180
// quoting always pairs quotes).
func split(ctx context.Context, r io.Reader, size int, free <-chan []byte, emit func(*chunk) bool) error {
	var carry []byte
	line := int64(1)
	first := true
	for {
		if ctx.Err() != nil {
			return nil
		}
		bufSize := max(size, 2*len(carry))
		var buf []byte
		select {
		case buf = <-free:
		default:
		}
		if cap(buf) < bufSize {
			buf = make([]byte, bufSize)
		}
		buf = buf[:bufSize]
		n := copy(buf, carry)
		m, err := io.ReadFull(r, buf[n:])
		n += m
		eof := err == io.EOF || err == io.ErrUnexpectedEOF
		if err != nil && !eof {
			return fmt.Errorf("convert: read csv: %w", err)
		}
		buf = buf[:n]
		if n == 0 {
			return nil
		}
		end := n
		if !eof {
			end = boundary(buf)
			if end < 0 {
				// No complete record: keep everything and read a bigger chunk.
				carry = buf
				continue
			}
		}
		carry = append([]byte(nil), buf[end:]...)
		data := buf[:end]
		c := &chunk{buf: buf, data: unsafe.String(unsafe.SliceData(data), len(data)), line: line, first: first, done: make(chan struct{})}
		line += int64(bytes.Count(data, []byte{'\n'}))
		first = false
		if !emit(c) {
			return nil
		}
		if eof {
			return nil
		}
	}
}

// boundary returns the length of the longest prefix of buf made of whole
// records, or -1.
func boundary(buf []byte) int {
	pos := bytes.LastIndexByte(buf, '\n')
	if pos < 0 {
		return -1
	}
	q := bytes.Count(buf[:pos], []byte{'"'})
	for q%2 != 0 {
		prev := bytes.LastIndexByte(buf[:pos], '\n')
		if prev < 0 {
			return -1
		}
		q -= bytes.Count(buf[prev:pos], []byte{'"'})
		pos = prev
	}
	return pos + 1
}

type fieldParser struct {
	name    string
	kind    table.Kind
	decimal byte
	group   byte
}

type chunkParser struct {
	comma byte
	// stop marks the bytes that end or break an unquoted field: the
	// delimiter, '\n' and '"'.
	stop    [256]bool
	header  bool
	names   []string
	fields  []fieldParser
	missing []string // besides ""
}

func newChunkParser(s *tableschema.Schema, o CSVOptions) (*chunkParser, error) {
	p := &chunkParser{comma: o.Comma, header: o.Header, names: s.Names()}
	p.stop[o.Comma], p.stop['\n'], p.stop['"'] = true, true, true
	for _, m := range s.MissingValues {
		if m != "" {
			p.missing = append(p.missing, m)
		}
	}
	for _, f := range s.Fields {
		fp := fieldParser{name: f.Name, kind: table.KindOf(f.Type), decimal: '.'}
		if f.DecimalChar != "" {
			if len(f.DecimalChar) != 1 {
				return nil, fmt.Errorf("convert: read csv: field %q: decimalChar %q must be one byte", f.Name, f.DecimalChar)
			}
			fp.decimal = f.DecimalChar[0]
		}
		if f.GroupChar != "" {
			if len(f.GroupChar) != 1 {
				return nil, fmt.Errorf("convert: read csv: field %q: groupChar %q must be one byte", f.Name, f.GroupChar)
			}
			fp.group = f.GroupChar[0]
		}
		switch fp.kind {
		case table.KindDate, table.KindDateTime:
			if f.Format != "" && f.Format != "default" {
				return nil, fmt.Errorf("convert: read csv: field %q: date format %q is not supported by the fast reader (ISO 8601 only)", f.Name, f.Format)
			}
		}
		p.fields = append(p.fields, fp)
	}
	return p, nil
}

// parse parses the records of c into b.
func (p *chunkParser) parse(c *chunk, b *table.Batch, arenas []arena) error {
	s := c.data
	line := c.line
	if !utf8.ValidString(s) {
		// Parquet text must be UTF-8, and a file in another encoding
		// (Windows-1252 from Excel, say) would be read as garbage.
		bad := firstInvalidUTF8(s)
		return &ParseError{Line: line + int64(strings.Count(s[:bad], "\n")), Err: fmt.Errorf("%w: byte 0x%02x", ErrEncoding, s[bad])}
	}
	pos := 0
	n := len(p.fields)
	if c.first && len(s) >= 3 && s[:3] == "\xEF\xBB\xBF" {
		pos = 3
	}
	var header []string
	if c.first && p.header {
		header = make([]string, 0, n)
	}
	for pos < len(s) {
		start := line
		if s[pos] == '\n' || (s[pos] == '\r' && pos+1 < len(s) && s[pos+1] == '\n') {
			// Blank line: skipped, like encoding/csv.
			pos = strings.IndexByte(s[pos:], '\n') + pos + 1
			line++
			continue
		}
		col := 0
		for {
			var (
				field  string
				quoted bool
			)
			if pos < len(s) && s[pos] == '"' {
				quoted = true
				pos++
				begin := pos
				unescape := false
				for {
					i := strings.IndexByte(s[pos:], '"')
					if i < 0 {
						return &ParseError{Line: start, Err: fmt.Errorf("%w: quoted field is not closed", ErrQuote)}
					}
					pos += i + 1
					if pos < len(s) && s[pos] == '"' {
						unescape = true
						pos++
						continue
					}
					break
				}
				field = s[begin : pos-1]
				line += int64(strings.Count(field, "\n"))
				if unescape {
					field = strings.ReplaceAll(field, `""`, `"`)
				}
				if pos < len(s) && s[pos] == '\r' && pos+1 < len(s) && s[pos+1] == '\n' {
					pos++
				}
				if pos < len(s) && s[pos] != p.comma && s[pos] != '\n' {
					return &ParseError{Line: start, Err: fmt.Errorf("%w: extraneous text after the closing quote in field %d", ErrQuote, col+1)}
				}
			} else {
				begin := pos
				pos = p.fieldEnd(s, pos)
				if pos < len(s) && s[pos] == '"' {
					return &ParseError{Line: start, Err: fmt.Errorf("%w: quote inside unquoted field %d", ErrQuote, col+1)}
				}
				field = s[begin:pos]
				if pos < len(s) && s[pos] == '\n' && len(field) > 0 && field[len(field)-1] == '\r' {
					field = field[:len(field)-1]
				}
			}
			if col >= n {
				return &ParseError{Line: start, Err: fmt.Errorf("%w: more than %d", ErrFieldCount, n)}
			}
			if header != nil {
				header = append(header, field)
			} else if err := p.store(&b.Columns[col], col, field, quoted, &arenas[col]); err != nil {
				return &ParseError{Line: start, Column: p.fields[col].name, Err: err}
			}
			col++
			if pos >= len(s) {
				break
			}
			if s[pos] == p.comma {
				pos++
				continue
			}
			pos++ // '\n'
			line++
			break
		}
		if col != n {
			return &ParseError{Line: start, Err: fmt.Errorf("%w: %d, want %d", ErrFieldCount, col, n)}
		}
		if header != nil {
			if !slices.Equal(header, p.names) {
				return &ParseError{Line: start, Err: fmt.Errorf("%w: got %q, want %q", ErrHeader, header, p.names)}
			}
			header = nil
			continue
		}
		b.Lines = append(b.Lines, start)
	}
	return nil
}

// firstInvalidUTF8 returns the index of the first byte of s that is not
// part of valid UTF-8 (s must not be valid).
func firstInvalidUTF8(s string) int {
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			break
		}
		i += size
	}
	return i
}

// fieldEnd returns the position of the first delimiter, '\n' or '"' in s
// at or after pos, or len(s). It looks at eight bytes at a time (the
// "has a zero byte" test on the word XOR each byte repeated): the lowest
// flagged byte is always a true match, which is the one it needs.
func (p *chunkParser) fieldEnd(s string, pos int) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	comma := ones * uint64(p.comma)
	for pos+8 <= len(s) {
		w := binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s[pos:]), 8))
		c, n, q := w^comma, w^(ones*'\n'), w^(ones*'"')
		m := ((c - ones) &^ c) | ((n - ones) &^ n) | ((q - ones) &^ q)
		if m &= highs; m != 0 {
			return pos + bits.TrailingZeros64(m)/8
		}
		pos += 8
	}
	for pos < len(s) && !p.stop[s[pos]] {
		pos++
	}
	return pos
}

func (p *chunkParser) isMissing(field string, quoted bool) bool {
	if field == "" {
		return !quoted
	}
	for _, m := range p.missing {
		if field == m {
			return true
		}
	}
	return false
}

func (p *chunkParser) store(c *table.Column, i int, field string, quoted bool, a *arena) error {
	f := &p.fields[i]
	if p.isMissing(field, quoted) || (field == "" && f.kind != table.KindString) {
		c.Valid = append(c.Valid, false)
		switch f.kind {
		case table.KindString:
			c.Strings = append(c.Strings, "")
		case table.KindFloat:
			c.Floats = append(c.Floats, 0)
		case table.KindBool:
			c.Bools = append(c.Bools, false)
		default:
			c.Ints = append(c.Ints, 0)
		}
		return nil
	}
	switch f.kind {
	case table.KindString:
		c.Strings = append(c.Strings, a.intern(field))
	case table.KindInt:
		v, err := parseInt(field, f.group)
		if err != nil {
			return err
		}
		c.Ints = append(c.Ints, v)
	case table.KindFloat:
		v, err := parseNumber(field, f.decimal, f.group)
		if err != nil {
			return err
		}
		c.Floats = append(c.Floats, v)
	case table.KindBool:
		switch field {
		case "true", "True", "TRUE", "1":
			c.Bools = append(c.Bools, true)
		case "false", "False", "FALSE", "0":
			c.Bools = append(c.Bools, false)
		default:
			return fmt.Errorf("%w: %q is not a boolean", ErrValue, field)
		}
	case table.KindDate:
		v, ok := ParseDate(field)
		if !ok {
			return fmt.Errorf("%w: %q is not a date (YYYY-MM-DD)", ErrValue, field)
		}
		c.Ints = append(c.Ints, v)
	case table.KindDateTime:
		t, err := time.Parse(time.RFC3339Nano, field)
		if err != nil {
			t, err = time.ParseInLocation("2006-01-02T15:04:05.999999999", field, time.UTC)
		}
		if err != nil {
			return fmt.Errorf("%w: %q is not an RFC 3339 timestamp", ErrValue, field)
		}
		c.Ints = append(c.Ints, t.UnixMicro())
	}
	c.Valid = append(c.Valid, true)
	return nil
}

// arena copies text values into blocks of memory that are never written
// again, so the chunk buffer can be reused. Blocks are small and separate
// per column, so a value a writer keeps (Parquet min/max statistics do)
// holds on to 32 KiB, not a whole chunk.
type arena struct{ block []byte }

func (a *arena) intern(s string) string {
	if s == "" {
		return ""
	}
	if len(s) > cap(a.block)-len(a.block) {
		a.block = make([]byte, 0, max(32<<10, len(s)))
	}
	start := len(a.block)
	a.block = append(a.block, s...)
	return unsafe.String(&a.block[start], len(s))
}

func parseInt(s string, group byte) (int64, error) {
	neg := false
	d := s
	if len(d) > 0 && (d[0] == '-' || d[0] == '+') {
		neg = d[0] == '-'
		d = d[1:]
	}
	if len(d) > 0 && len(d) <= 18 {
		var v int64
		ok := true
		for i := 0; i < len(d); i++ {
			ch := d[i]
			if ch < '0' || ch > '9' {
				ok = false
				break
			}
			v = v*10 + int64(ch-'0')
		}
		if ok {
			if neg {
				v = -v
			}
			return v, nil
		}
	}
	if group != 0 {
		s = strings.ReplaceAll(s, string(group), "")
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q is not an integer", ErrValue, s)
	}
	return v, nil
}

var exactPow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseNumber parses a decimal number written with the given decimal mark.
// Short decimals (up to 15 significant digits) take an exact fast path:
// an integer mantissa below 2^53 divided by an exact power of ten is
// correctly rounded, so the result equals strconv.ParseFloat's.
func parseNumber(s string, decimal, group byte) (float64, error) {
	d := s
	neg := false
	if len(d) > 0 && (d[0] == '-' || d[0] == '+') {
		neg = d[0] == '-'
		d = d[1:]
	}
	var mant int64
	digits, scale := 0, -1
	ok := len(d) > 0
	for i := 0; i < len(d) && ok; i++ {
		ch := d[i]
		switch {
		case ch >= '0' && ch <= '9':
			mant = mant*10 + int64(ch-'0')
			digits++
			if scale >= 0 {
				scale++
			}
		case ch == decimal && scale < 0:
			scale = 0
		default:
			ok = false
		}
	}
	if ok && digits > 0 && digits <= 15 {
		v := float64(mant)
		if scale > 0 {
			v /= exactPow10[scale]
		}
		if neg {
			v = -v
		}
		return v, nil
	}
	t := s
	if group != 0 {
		t = strings.ReplaceAll(t, string(group), "")
	}
	if decimal != '.' {
		if strings.IndexByte(t, '.') >= 0 {
			return 0, fmt.Errorf("%w: %q is not a number with decimal mark %q", ErrValue, s, decimal)
		}
		t = strings.ReplaceAll(t, string(decimal), ".")
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q is not a number", ErrValue, s)
	}
	return v, nil
}

// ParseDate parses an ISO 8601 calendar date (YYYY-MM-DD) into days since
// 1970-01-01, the form table.Batch stores.
func ParseDate(s string) (int64, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	var y, m, d int64
	for i, ch := range []byte(s) {
		if i == 4 || i == 7 {
			continue
		}
		if ch < '0' || ch > '9' {
			return 0, false
		}
		v := int64(ch - '0')
		switch {
		case i < 4:
			y = y*10 + v
		case i < 7:
			m = m*10 + v
		default:
			d = d*10 + v
		}
	}
	if m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, false
	}
	return daysFromCivil(y, m, d), true
}

func daysIn(y, m int64) int64 {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil is Howard Hinnant's algorithm for the proleptic Gregorian
// calendar.
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}
