package csvsrc

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
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

func newParser(r io.Reader, d dialect) parser {
	if d.rfc() {
		c := csv.NewReader(r)
		c.Comma = d.delim
		c.FieldsPerRecord = -1
		c.ReuseRecord = true
		return &rfcParser{r: c}
	}
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	return &escParser{r: br, d: d, line: 1}
}

// rfcParser reads RFC 4180 CSV (with any delimiter) with encoding/csv.
type rfcParser struct{ r *csv.Reader }

func (p *rfcParser) next() ([]string, int64, error) {
	rec, err := p.r.Read()
	if err != nil {
		return nil, 0, err
	}
	line, _ := p.r.FieldPos(0)
	return rec, int64(line), nil
}

// escParser reads dialects encoding/csv cannot: a backslash (or other)
// escape character inside quoted fields, a quote character other than ",
// or no quoting at all. Line ends may be LF, CRLF or CR-less mixes; quoted
// fields may hold newlines.
type escParser struct {
	r      *bufio.Reader
	d      dialect
	line   int64
	fields []string
	sb     strings.Builder
	eof    bool
}

func (p *escParser) next() ([]string, int64, error) {
	for {
		if p.eof {
			return nil, 0, io.EOF
		}
		start := p.line
		fields, err := p.record()
		if err != nil {
			return nil, start, err
		}
		if fields == nil {
			continue // empty line
		}
		return fields, start, nil
	}
}

// record reads one record; it returns nil fields for an empty line.
func (p *escParser) record() ([]string, error) {
	p.fields = p.fields[:0]
	start := p.line
	p.sb.Reset()
	inQuote, quotedField, any := false, false, false
	for {
		c, _, err := p.r.ReadRune()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				return nil, err
			}
			p.eof = true
			if inQuote {
				return nil, &csv.ParseError{StartLine: int(start), Line: int(p.line), Err: csv.ErrQuote}
			}
			if !any && p.sb.Len() == 0 && len(p.fields) == 0 {
				return nil, nil
			}
			p.fields = append(p.fields, p.sb.String())
			return p.fields, nil
		}
		if inQuote {
			switch {
			case p.d.escape != 0 && c == p.d.escape:
				n, _, err := p.r.ReadRune()
				if err != nil {
					p.sb.WriteRune(c)
					continue
				}
				if n == p.d.quote || n == p.d.escape {
					p.sb.WriteRune(n)
				} else {
					// Not an escape sequence: keep both characters.
					p.r.UnreadRune()
					p.sb.WriteRune(c)
				}
			case c == p.d.quote:
				if p.d.escape == 0 {
					if n, _, err := p.r.ReadRune(); err == nil {
						if n == p.d.quote {
							p.sb.WriteRune(n)
							continue
						}
						p.r.UnreadRune()
					}
				}
				inQuote = false
			default:
				if c == '\n' {
					p.line++
				}
				p.sb.WriteRune(c)
			}
			continue
		}
		switch {
		case c == p.d.delim:
			p.fields = append(p.fields, p.sb.String())
			p.sb.Reset()
			quotedField, any = false, true
		case c == '\r' || c == '\n':
			if c == '\r' {
				if n, _, err := p.r.ReadRune(); err == nil && n != '\n' {
					p.r.UnreadRune()
				}
			}
			p.line++
			if !any && p.sb.Len() == 0 && len(p.fields) == 0 && !quotedField {
				return nil, nil
			}
			p.fields = append(p.fields, p.sb.String())
			return p.fields, nil
		case c == p.d.quote && p.d.quote != 0 && p.sb.Len() == 0 && !quotedField:
			inQuote, quotedField, any = true, true, true
		default:
			p.sb.WriteRune(c)
			any = true
		}
	}
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
	if len(r) != 1 || r[0] == '\n' || r[0] == '\r' || r[0] == '"' {
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
