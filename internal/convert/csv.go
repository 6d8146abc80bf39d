package convert

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/dele-opendata/dele/internal/table"
	"github.com/dele-opendata/dele/internal/tableschema"
)

// Dialect describes a published CSV flavour.
type Dialect struct {
	// Comma is the field delimiter.
	Comma byte
	// DecimalComma writes numbers with "," as the decimal mark.
	DecimalComma bool
	// BOM starts the file with a UTF-8 byte order mark.
	BOM bool
}

// The published CSV dialects.
var (
	// Clean is the canonical published CSV: UTF-8 without BOM, comma
	// delimiter, RFC 4180 quoting, "\n" line endings, ISO 8601 dates and
	// timestamps, "." as decimal mark, a header row with the field names.
	Clean = Dialect{Comma: ','}
	// Norwegian is the variant for `outputs: [csv-nb]`, for users who open
	// files in Excel with Norwegian regional settings: semicolon delimiter
	// and decimal comma, otherwise like Clean. It starts with a UTF-8 BOM,
	// because without one Excel reads the file as Windows-1252 and garbles
	// æ, ø and å.
	Norwegian = Dialect{Comma: ';', DecimalComma: true, BOM: true}
)

// CSVWriter streams batches as CSV in a Dialect. Missing values are
// written as empty fields; empty (but present) strings as "" so that
// readers that care (DuckDB) can tell them apart. A field is quoted when it
// contains the delimiter, a quote, CR or LF, or starts with a space, as in
// encoding/csv. Numbers use the shortest representation that reads back
// to the same float64, without exponent; NaN and infinities are refused.
type CSVWriter struct {
	w      *bufio.Writer
	schema *tableschema.Schema
	d      Dialect
	kinds  []table.Kind
	buf    []byte
	header bool
	err    error
}

// NewCSVWriter returns a writer of schema's rows to w in dialect d. The
// header row is written with the first Write or by Close.
func NewCSVWriter(w io.Writer, schema *tableschema.Schema, d Dialect) (*CSVWriter, error) {
	if schema == nil || len(schema.Fields) == 0 {
		return nil, errors.New("convert: csv: schema has no fields")
	}
	if d.Comma == 0 || d.Comma == '"' || d.Comma == '\r' || d.Comma == '\n' || d.Comma >= utf8.RuneSelf {
		return nil, fmt.Errorf("convert: csv: invalid delimiter %q", d.Comma)
	}
	if d.DecimalComma && d.Comma == ',' {
		return nil, errors.New("convert: csv: decimal comma needs a delimiter other than ','")
	}
	kinds := make([]table.Kind, len(schema.Fields))
	for i, f := range schema.Fields {
		kinds[i] = table.KindOf(f.Type)
	}
	return &CSVWriter{w: bufio.NewWriterSize(w, 1<<16), schema: schema, d: d, kinds: kinds, buf: make([]byte, 0, 1<<16)}, nil
}

func (c *CSVWriter) writeHeader() error {
	c.header = true
	b := c.buf[:0]
	if c.d.BOM {
		b = append(b, 0xEF, 0xBB, 0xBF)
	}
	for i, f := range c.schema.Fields {
		if i > 0 {
			b = append(b, c.d.Comma)
		}
		b = c.appendString(b, f.Name, true)
	}
	b = append(b, '\n')
	c.buf = b
	_, err := c.w.Write(b)
	return err
}

// Write appends the rows of b. The batch is not retained.
func (c *CSVWriter) Write(b *table.Batch) error {
	if c.err != nil {
		return c.err
	}
	if len(b.Columns) != len(c.kinds) {
		return fmt.Errorf("convert: csv: batch has %d columns, schema has %d", len(b.Columns), len(c.kinds))
	}
	if !c.header {
		if err := c.writeHeader(); err != nil {
			c.err = fmt.Errorf("convert: csv: write header: %w", err)
			return c.err
		}
	}
	buf := c.buf[:0]
	for r := 0; r < b.Len(); r++ {
		for i := range b.Columns {
			if i > 0 {
				buf = append(buf, c.d.Comma)
			}
			col := &b.Columns[i]
			if !col.Valid[r] {
				continue
			}
			var err error
			buf, err = c.appendValue(buf, c.kinds[i], col, r)
			if err != nil {
				c.err = fmt.Errorf("convert: csv: line %d, column %q: %w", lineOf(b, r), c.schema.Fields[i].Name, err)
				return c.err
			}
		}
		buf = append(buf, '\n')
		if len(buf) >= 1<<15 {
			if _, err := c.w.Write(buf); err != nil {
				c.err = fmt.Errorf("convert: csv: %w", err)
				return c.err
			}
			buf = buf[:0]
		}
	}
	c.buf = buf
	if _, err := c.w.Write(buf); err != nil {
		c.err = fmt.Errorf("convert: csv: %w", err)
		return c.err
	}
	return nil
}

func (c *CSVWriter) appendValue(b []byte, k table.Kind, col *table.Column, r int) ([]byte, error) {
	switch k {
	case table.KindInt:
		return strconv.AppendInt(b, col.Ints[r], 10), nil
	case table.KindFloat:
		f := col.Floats[r]
		// Table Schema's spellings of the special values, which
		// strconv.ParseFloat, DuckDB and spreadsheets read back.
		switch {
		case math.IsNaN(f):
			return append(b, "NaN"...), nil
		case math.IsInf(f, 1):
			return append(b, "INF"...), nil
		case math.IsInf(f, -1):
			return append(b, "-INF"...), nil
		}
		n := len(b)
		b = strconv.AppendFloat(b, f, 'f', -1, 64)
		if c.d.DecimalComma {
			for j := n; j < len(b); j++ {
				if b[j] == '.' {
					b[j] = ','
				}
			}
		}
		return b, nil
	case table.KindBool:
		if col.Bools[r] {
			return append(b, "true"...), nil
		}
		return append(b, "false"...), nil
	case table.KindDate:
		return AppendDate(b, col.Ints[r]), nil
	case table.KindDateTime:
		return time.UnixMicro(col.Ints[r]).UTC().AppendFormat(b, time.RFC3339Nano), nil
	default:
		return c.appendString(b, col.Strings[r], false), nil
	}
}

// AppendDate appends days since 1970-01-01 as an ISO 8601 date
// (YYYY-MM-DD; years outside 0000–9999 get a sign and more digits).
func AppendDate(b []byte, days int64) []byte {
	y, m, d := civil(days)
	if y < 0 || y > 9999 {
		return time.Date(int(y), time.Month(m), int(d), 0, 0, 0, 0, time.UTC).AppendFormat(b, "2006-01-02")
	}
	return append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-', byte('0'+d/10), byte('0'+d%10))
}

// civil converts days since 1970-01-01 to a proleptic Gregorian date
// (Howard Hinnant's days_from_civil inverse).
func civil(z int64) (y, m, d int64) {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

func (c *CSVWriter) needsQuotes(s string) bool {
	if s == "" {
		return true // present but empty: "" (an empty field is a missing value)
	}
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; ch {
		case '"', '\r', '\n', c.d.Comma:
			return true
		}
	}
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsSpace(r)
}

func (c *CSVWriter) appendString(b []byte, s string, header bool) []byte {
	if !c.needsQuotes(s) || (header && s == "") {
		return append(b, s...)
	}
	b = append(b, '"')
	for {
		i := 0
		for i < len(s) && s[i] != '"' {
			i++
		}
		b = append(b, s[:i]...)
		if i == len(s) {
			break
		}
		b = append(b, '"', '"')
		s = s[i+1:]
	}
	return append(b, '"')
}

// Close writes the header if no batch was written and flushes. It does not
// close the underlying writer.
func (c *CSVWriter) Close() error {
	if c.err != nil {
		return c.err
	}
	if !c.header {
		if err := c.writeHeader(); err != nil {
			c.err = fmt.Errorf("convert: csv: write header: %w", err)
			return c.err
		}
	}
	c.err = errors.New("convert: csv: writer is closed")
	if err := c.w.Flush(); err != nil {
		return fmt.Errorf("convert: csv: %w", err)
	}
	return nil
}
