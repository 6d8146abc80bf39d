package csvsrc

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// dialect is how records are split into fields.
type dialect struct {
	delim rune
	// quote is the quote character, or 0 for no quoting.
	quote rune
	// escape is the character that escapes a quote inside a quoted field,
	// or 0 for RFC 4180 doubled quotes.
	escape rune
}

// rfc reports whether encoding/csv can read the dialect.
func (d dialect) rfc() bool { return d.quote == '"' && d.escape == 0 }

// parser yields raw records. Empty lines are skipped by every parser.
type parser interface {
	// next returns the next record's fields and the line it starts on. A
	// record that cannot be parsed yields a *csv.ParseError; io.EOF ends.
	next() ([]string, int64, error)
}

// newParser returns the parser for d: encoding/csv for RFC 4180, and this
// package's byte scanner for the other dialects. (In its strict RFC 4180
// mode the scanner reads exactly as encoding/csv does, which
// FuzzParsersAgree checks, but BenchmarkParsers measured it only 0–20%
// faster on a busy machine, so encoding/csv stays.)
func newParser(r io.Reader, d dialect) parser {
	lim := &recordLimit{r: r, max: maxRecordBytes}
	if d.rfc() {
		c := csv.NewReader(lim)
		c.Comma = d.delim
		c.FieldsPerRecord = -1
		c.ReuseRecord = true
		return &rfcParser{r: c, lim: lim}
	}
	p := newEscParser(lim, d)
	p.lim = lim
	return p
}

// MaxRecordBytes is the longest record read: one line, or the lines of a
// quoted field that spans several (blank lines before it count too). A
// longer one fails the source: each record is held in memory whole, and
// no table a person made has one.
const MaxRecordBytes = 64 << 20

// maxRecordBytes is MaxRecordBytes; tests lower it.
var maxRecordBytes int64 = MaxRecordBytes

// recordLimit fails reads once more than max bytes were read since the
// start of the record (reset by the parser), and from then on. The
// parsers read ahead through a buffer, so the limit holds to within the
// buffer's size.
type recordLimit struct {
	r      io.Reader
	n, max int64
	err    error
}

func (l *recordLimit) reset() { l.n = 0 }

func (l *recordLimit) Read(b []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if l.n > l.max {
		l.err = fmt.Errorf("%w: a record is longer than %d MiB, the most Dele reads in one record (is this a table?)", errWrongFormat, l.max>>20)
		return 0, l.err
	}
	n, err := l.r.Read(b)
	l.n += int64(n)
	return n, err
}

// rfcParser reads RFC 4180 CSV with encoding/csv.
type rfcParser struct {
	r    *csv.Reader
	lim  *recordLimit
	last int64 // line of the last record
}

func (p *rfcParser) next() ([]string, int64, error) {
	p.lim.reset()
	rec, err := p.r.Read()
	if err != nil {
		return nil, p.last, err
	}
	line, _ := p.r.FieldPos(0)
	p.last = int64(line)
	return rec, int64(line), nil
}

// escParser is the byte scanner: RFC 4180 (strict, as encoding/csv), and
// dialects encoding/csv cannot read: a backslash (or other) escape
// character inside quoted fields, a quote character other than ", or no
// quoting at all. Lines end in LF or CRLF; quoted fields may hold newlines.
// Like encoding/csv it builds each record in one buffer and makes one
// string per record. The dialect's characters must be ASCII.
type escParser struct {
	r                    *bufio.Reader
	delim, quote, escape byte
	line                 int64
	// strict is RFC 4180 as encoding/csv reads it: a quote inside an
	// unquoted field or text after a closing quote is a ParseError.
	strict    bool
	lim       *recordLimit // nil: no limit
	long, buf []byte
	ends      []int
	fields    []string
}

func newEscParser(r io.Reader, d dialect) *escParser {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	p := &escParser{r: br, delim: byte(d.delim), quote: byte(d.quote), escape: byte(d.escape)}
	if p.escape == p.quote {
		p.escape = 0
	}
	p.strict = p.escape == 0 && p.quote == '"'
	return p
}

// readLine returns the next line with CRLF turned into LF; the last line may
// lack the LF. It returns no bytes only at the end of the input.
func (p *escParser) readLine() ([]byte, error) {
	line, err := p.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		p.long = append(p.long[:0], line...)
		for errors.Is(err, bufio.ErrBufferFull) {
			line, err = p.r.ReadSlice('\n')
			p.long = append(p.long, line...)
		}
		line = p.long
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err // a failed read: the line may be cut anywhere
	}
	if len(line) > 0 {
		p.line++
		if errors.Is(err, io.EOF) {
			err = nil
			// As encoding/csv: a \r just before the end is dropped.
			if line[len(line)-1] == '\r' {
				line = line[:len(line)-1]
			}
		}
	}
	if n := len(line); n >= 2 && line[n-2] == '\r' && line[n-1] == '\n' {
		line[n-2] = '\n'
		line = line[:n-1]
	}
	return line, err
}

func (p *escParser) next() ([]string, int64, error) {
	if p.lim != nil {
		p.lim.reset()
	}
	for {
		line, err := p.readLine()
		if len(line) == 0 {
			if err == nil {
				err = io.EOF
			}
			return nil, p.line, err
		}
		if len(line) == 1 && line[0] == '\n' {
			continue // empty line
		}
		start := p.line
		f, err := p.parse(line, start)
		return f, start, err
	}
}

// parse splits the record starting with line, reading more lines while a
// quoted field is open.
func (p *escParser) parse(line []byte, start int64) ([]string, error) {
	p.buf, p.ends = p.buf[:0], p.ends[:0]
	i, quoted := 0, false
	// Most lines have no quote at all: then no field needs the strict
	// checks.
	lineQuotes := p.strict && bytes.IndexByte(line, p.quote) >= 0
	for {
		if p.quote != 0 && i < len(line) && line[i] == p.quote {
			i++
			for {
				j := bytes.IndexByte(line[i:], p.quote)
				if p.escape != 0 {
					if k := bytes.IndexByte(line[i:], p.escape); k >= 0 && (j < 0 || k < j) {
						j = k
					}
				}
				if j < 0 {
					p.buf = append(p.buf, line[i:]...)
					var err error
					if line, err = p.readLine(); len(line) == 0 {
						if err == nil || errors.Is(err, io.EOF) {
							err = csv.ErrQuote
						}
						return nil, &csv.ParseError{StartLine: int(start), Line: int(p.line), Err: err}
					}
					i = 0
					lineQuotes = p.strict
					continue
				}
				p.buf = append(p.buf, line[i:i+j]...)
				i += j
				if c := line[i]; p.escape != 0 && c == p.escape {
					if i+1 < len(line) && (line[i+1] == p.quote || line[i+1] == p.escape) {
						p.buf = append(p.buf, line[i+1])
						i += 2
					} else {
						p.buf = append(p.buf, c)
						i++
					}
					continue
				}
				if p.escape == 0 && i+1 < len(line) && line[i+1] == p.quote {
					p.buf = append(p.buf, p.quote)
					i += 2
					continue
				}
				i++ // the closing quote
				quoted = true
				break
			}
		}
		// Unquoted text, or what follows a closing quote, up to the
		// delimiter or the line end.
		rest := line[i:]
		k := bytes.IndexByte(rest, p.delim)
		if k < 0 {
			k = len(rest)
			if k > 0 && rest[k-1] == '\n' {
				k--
			}
		}
		if lineQuotes {
			switch {
			case quoted && k > 0:
				return nil, &csv.ParseError{StartLine: int(start), Line: int(p.line), Column: i + 1, Err: csv.ErrQuote}
			case !quoted && bytes.IndexByte(rest[:k], p.quote) >= 0:
				return nil, &csv.ParseError{StartLine: int(start), Line: int(p.line), Column: i + 1, Err: csv.ErrBareQuote}
			}
		}
		quoted = false
		p.buf = append(p.buf, rest[:k]...)
		i += k
		p.ends = append(p.ends, len(p.buf))
		if i < len(line) && line[i] == p.delim {
			i++
			continue
		}
		break
	}
	s := string(p.buf)
	p.fields = p.fields[:0]
	prev := 0
	for _, e := range p.ends {
		p.fields = append(p.fields, s[prev:e])
		prev = e
	}
	return p.fields, nil
}

// parseDelimiter reads a declared delimiter.
func parseDelimiter(s string) (rune, error) {
	switch s {
	case "tab", `\t`, "\t", "TAB":
		return '\t', nil
	case "semicolon":
		return ';', nil
	case "comma":
		return ',', nil
	case "pipe":
		return '|', nil
	}
	r := []rune(s)
	if len(r) != 1 || r[0] == 0 || r[0] == '\n' || r[0] == '\r' || r[0] == '"' || r[0] == utf8.RuneError {
		return 0, fmt.Errorf("delimiter %q must be one character (or tab)", s)
	}
	return r[0], nil
}

// delimName is a delimiter as written in reports.
func delimName(r rune) string {
	if r == '\t' {
		return `\t`
	}
	return string(r)
}
