package csvsrc

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/text/transform"

	"github.com/dele-opendata/dele/internal/source"
)

// Detection is what Detect decided about a text file. Every field is either
// declared in Options or detected; Detected in the Report says which.
type Detection struct {
	// Encoding is the canonical encoding name (utf-8, utf-16le, utf-16be,
	// windows-1252, iso-8859-1, or an IANA name when declared).
	Encoding string `json:"encoding"`
	// BOM is set when the file starts with a byte-order mark.
	BOM bool `json:"bom,omitempty"`
	// Delimiter, Quote and Escape are the dialect; Quote is "" for no
	// quoting and Escape "" for RFC 4180 doubled quotes.
	Delimiter string `json:"delimiter"`
	Quote     string `json:"quote,omitempty"`
	Escape    string `json:"escape,omitempty"`
	// SepLine is set when the file starts with an Excel "sep=X" line.
	SepLine bool `json:"sepLine,omitempty"`
	// Skip is the number of records before the header (the sep= line,
	// title lines, rows of empty fields); empty lines are not records.
	Skip int `json:"skip"`
	// HeaderRow is the 1-based line of the last header line, 0 without a
	// header; HeaderRows is how many header lines were joined.
	HeaderRow  int  `json:"headerRow"`
	HeaderRows int  `json:"headerRows"`
	NoHeader   bool `json:"noHeader,omitempty"`
	// Header are the column names.
	Header []string `json:"header"`
	// MissingValues are the markers found in the sample (or declared).
	MissingValues []string `json:"missingValues,omitempty"`
	// Detected names what was detected rather than declared.
	Detected map[string]string `json:"detected,omitempty"`

	d       dialect
	bomLen  int
	markers markerSet
}

// sampleSize is how many raw bytes detection looks at.
const sampleSize = 256 << 10

// maxTitleLines bounds how many title and blank records may precede a header.
const maxTitleLines = 10

// headerJoin separates the parts of a column name joined from a multi-row
// header.
const headerJoin = " / "

// errWrongFormat and errEmpty are the source sentinels, named here for
// brevity.
var (
	errWrongFormat = source.ErrWrongFormat
	errEmpty       = source.ErrEmpty
)

// Detect decides encoding, dialect and header from the first bytes of a
// file (raw, as stored). atEOF says the sample is the whole file. stats,
// when not nil, is evidence from a pass over the whole file that overrides
// what the sample suggests. Declared options win over detection.
func Detect(sample []byte, atEOF bool, o Options) (*Detection, error) {
	return detect(sample, atEOF, o, nil)
}

func detect(raw []byte, atEOF bool, o Options, stats *scanStats) (*Detection, error) {
	det := &Detection{Detected: map[string]string{}}
	if len(raw) == 0 && atEOF {
		return nil, fmt.Errorf("%w: the file has no bytes", errEmpty)
	}

	// Encoding.
	enc := strings.ToLower(strings.TrimSpace(o.Encoding))
	declared := enc != "" && enc != "auto"
	bomEnc, bomLen := bomOf(raw)
	if enc == "" || enc == "auto" {
		switch {
		case bomEnc != "":
			enc = bomEnc
		default:
			enc = utf16NoBOM(raw)
		}
		if enc == "" {
			if err := sniffBinary(raw); err != nil {
				return nil, err
			}
			st := stats
			if st == nil {
				st = sampleStats(raw, atEOF)
			}
			switch {
			case st.mixed():
				enc = UTF8
				det.Detected["mixedEncoding"] = "bytes that are not UTF-8 are read as " + Windows1252
			case st.invalidUTF8:
				enc = eightBit(st.c1 || hasC1(raw))
			default:
				enc = UTF8
			}
		}
		det.Detected["encoding"] = enc
	}
	name, e, err := encodingOf(enc)
	if err != nil {
		return nil, err
	}
	det.Encoding = name
	if bomEnc != "" && bomEnc == name {
		det.BOM, det.bomLen = true, bomLen
	}
	text := raw[det.bomLen:]
	if e != nil {
		if name == UTF16LE || name == UTF16BE {
			text = text[:len(text)&^1]
		}
		dec, _, err := transform.Bytes(e.NewDecoder(), text)
		if err != nil && !atEOF {
			// A multi-byte sequence cut by the sample end.
			dec, _, err = transform.Bytes(e.NewDecoder(), text[:max(0, len(text)-4)])
		}
		if err != nil {
			return nil, fmt.Errorf("%w: cannot decode as %s: %v", errWrongFormat, name, err)
		}
		text = dec
	}
	if declared {
		// A declared encoding skipped the sniffing above; a binary file
		// must still not be read as text (NUL bytes decode to NUL).
		if err := sniffDeclaredBinary(text); err != nil {
			return nil, err
		}
	}
	if len(bytes.TrimSpace(text)) == 0 {
		if atEOF {
			return nil, fmt.Errorf("%w: the file holds only blank lines", errEmpty)
		}
	}
	if err := sniffMarkup(text); err != nil {
		return nil, err
	}

	// A leading "sep=X" line (Excel).
	firstLine := text
	if i := bytes.IndexAny(text, "\r\n"); i >= 0 {
		firstLine = text[:i]
	}
	var sepDelim rune
	if s := string(firstLine); strings.HasPrefix(strings.ToLower(s), "sep=") && len([]rune(s)) == 5 {
		sepDelim = []rune(s)[4]
		det.SepLine = true
		det.Detected["sepLine"] = "true"
	}

	// Dialect.
	d := dialect{quote: '"'}
	switch q := o.Quote; q {
	case "", "auto", `"`:
	case "none":
		d.quote = 0
	default:
		r := []rune(q)
		if len(r) != 1 {
			return nil, fmt.Errorf("quote %q must be one character or none", q)
		}
		d.quote = r[0]
	}
	switch {
	case o.Delimiter != "" && o.Delimiter != "auto":
		if d.delim, err = parseDelimiter(o.Delimiter); err != nil {
			return nil, err
		}
	case sepDelim != 0:
		d.delim = sepDelim
		det.Detected["delimiter"] = delimName(d.delim)
	default:
		body := text
		if det.SepLine {
			body = text[len(firstLine):]
		}
		d.delim = guessDelimiter(body, d.quote)
		det.Detected["delimiter"] = delimName(d.delim)
	}
	switch esc := o.Escape; esc {
	case "", "auto":
		n := 0
		if stats != nil && name != UTF16LE && name != UTF16BE {
			n = stats.backslashQuotes
		} else if d.quote == '"' {
			n = countBackslashQuotes(text)
		}
		if n > 0 && d.quote != 0 {
			d.escape = '\\'
			det.Detected["escape"] = `\`
		}
	case "none", `"`, `""`, "double":
	default:
		r := []rune(esc)
		if len(r) != 1 {
			return nil, fmt.Errorf("escape %q must be one character or none", esc)
		}
		d.escape = r[0]
	}
	if d.quote != 0 && d.delim == d.quote {
		return nil, fmt.Errorf("%w: the delimiter %s is also the quote character", errWrongFormat, delimName(d.delim))
	}
	if !d.rfc() && (d.delim >= 0x80 || d.quote >= 0x80 || d.escape >= 0x80) {
		return nil, fmt.Errorf("with quote %q and escape %q the delimiter, quote and escape must be ASCII characters", o.Quote, o.Escape)
	}
	det.d = d
	det.Delimiter = delimName(d.delim)
	if d.quote != 0 {
		det.Quote = string(d.quote)
	}
	if d.escape != 0 {
		det.Escape = string(d.escape)
	}

	// Records of the sample. The last one may be cut by the sample end.
	type rec struct {
		fields []string
		line   int64
		bad    bool
	}
	var recs []rec
	p := newParser(bytes.NewReader(text), d)
	for len(recs) < 2000 {
		f, line, err := p.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				recs = append(recs, rec{line: line, bad: true})
				continue
			}
			break
		}
		recs = append(recs, rec{fields: append([]string(nil), f...), line: line})
	}
	if !atEOF && len(recs) > 1 {
		recs = recs[:len(recs)-1]
	}

	// Header position.
	i := 0
	if det.SepLine {
		i = min(1, len(recs))
	}
	switch {
	case o.NoHeader:
		det.NoHeader = true
	case o.HeaderRow > 0:
		for i < len(recs) && recs[i].line < int64(o.HeaderRow) {
			i++
		}
		if i >= len(recs) {
			return nil, fmt.Errorf("%w: headerRow %d is past the data in the first %d KiB", errWrongFormat, o.HeaderRow, sampleSize>>10)
		}
	default:
		width := modalWidth(func(yield func(int)) {
			for _, r := range recs[i:] {
				if !r.bad {
					yield(nonEmpty(r.fields))
				}
			}
		})
		skipped := 0
		for i < len(recs) && skipped < maxTitleLines {
			r := recs[i]
			n := nonEmpty(r.fields)
			if r.bad || n == 0 || (width >= 2 && (n*2 < width || n == 1)) {
				i++
				skipped++
				continue
			}
			break
		}
		if skipped > 0 {
			det.Detected["titleLines"] = strconv.Itoa(skipped)
		}
	}
	if i >= len(recs) {
		if atEOF {
			return nil, fmt.Errorf("%w: no records after the header lines", errEmpty)
		}
		return nil, fmt.Errorf("%w: no records in the first %d KiB", errWrongFormat, sampleSize>>10)
	}
	det.Skip = i
	if !det.NoHeader && !o.NoHeader && o.HeaderRow == 0 && len(o.Columns) == 0 {
		data := make([][]string, 0, 200)
		for _, r := range recs[i+1:] {
			if !r.bad && len(data) < cap(data) {
				data = append(data, r.fields)
			}
		}
		if looksLikeData(recs[i].fields, data) {
			det.NoHeader = true
			det.Detected["header"] = "none"
		}
	}
	if det.NoHeader {
		det.HeaderRow = 0
		width := 0
		for _, r := range recs[i:] {
			width = max(width, len(r.fields))
		}
		det.Header = make([]string, width)
		for c := range det.Header {
			det.Header[c] = "column" + strconv.Itoa(c+1)
		}
		if len(o.Columns) > 0 {
			det.Header = append([]string(nil), o.Columns...)
		}
		det.MissingValues, det.markers = missingOf(o, func(yield func([]string)) {
			for _, r := range recs[i:] {
				yield(r.fields)
			}
		})
		return det, nil
	}
	rows := o.HeaderRows
	if rows <= 0 {
		rows = 1
		if o.HeaderRow == 0 {
			for j := i + 1; j < len(recs) && rows < 6 && headerContinuation(recs[j].fields); j++ {
				rows++
			}
			if rows > 1 {
				det.Detected["headerRows"] = strconv.Itoa(rows)
			}
		}
	}
	if i+rows > len(recs) {
		return nil, fmt.Errorf("%w: the header of %d rows runs past the first %d KiB", errWrongFormat, rows, sampleSize>>10)
	}
	var parts [][]string
	for _, r := range recs[i : i+rows] {
		parts = append(parts, r.fields)
	}
	det.Header = joinHeader(parts)
	det.HeaderRows = rows
	det.HeaderRow = int(recs[i+rows-1].line)
	if o.HeaderRow == 0 {
		det.Detected["headerRow"] = strconv.Itoa(det.HeaderRow)
	}
	var unnamed []string
	for c, h := range det.Header {
		if strings.TrimSpace(h) == "" {
			det.Header[c] = "column" + strconv.Itoa(c+1)
			unnamed = append(unnamed, strconv.Itoa(c+1))
		}
	}
	if len(unnamed) > 0 {
		det.Detected["unnamedColumns"] = strings.Join(unnamed, ",")
	}
	if len(o.Columns) > 0 {
		if len(o.Columns) != len(det.Header) {
			return nil, fmt.Errorf("%w: %d columns declared but the header has %d", errWrongFormat, len(o.Columns), len(det.Header))
		}
		det.Header = append([]string(nil), o.Columns...)
	}
	if atEOF && i+rows >= len(recs) {
		return nil, fmt.Errorf("%w: the file has a header but no data rows", errEmpty)
	}
	det.MissingValues, det.markers = missingOf(o, func(yield func([]string)) {
		for _, r := range recs[i+rows:] {
			yield(r.fields)
		}
	})
	return det, nil
}

// missingOf returns the declared missing-value markers, or those found in
// the records.
func missingOf(o Options, recs func(func([]string))) ([]string, markerSet) {
	if len(o.MissingValues) > 0 {
		return append([]string(nil), o.MissingValues...), 0
	}
	var seen markerSet
	recs(func(f []string) {
		if nonEmptyRaw(f) > 0 {
			seen.scan(f)
		}
	})
	return seen.list(), seen
}

// sniffMarkup rejects HTML, XML and JSON content where text rows were
// expected: a web server's error page saved as .csv is the usual cause.
func sniffMarkup(text []byte) error {
	head := bytes.TrimLeft(text[:min(len(text), 2048)], " \t\r\n")
	low := bytes.ToLower(head[:min(len(head), 1024)])
	switch {
	case bytes.HasPrefix(low, []byte("<?xml")) && !bytes.Contains(low, []byte("<html")):
		return fmt.Errorf("%w: the content is XML, not delimited text", errWrongFormat)
	case isHTML(low):
		return fmt.Errorf("%w: the content is an HTML page (an error or login page?), not delimited text", errWrongFormat)
	case jsonStart(low):
		return fmt.Errorf("%w: the content looks like JSON, not delimited text (use source type json)", errWrongFormat)
	}
	return nil
}

// isHTML reports whether lower-cased text starts like an HTML page: a
// doctype, or a tag (or comment) and an HTML element in the first KiB. Text
// exports do not start with "<".
func isHTML(low []byte) bool {
	if len(low) == 0 || low[0] != '<' {
		return false
	}
	for _, tag := range []string{"<!doctype html", "<html", "<head", "<body", "<script", "<title", "<meta", "<div", "<p>", "<table", "<style"} {
		if bytes.Contains(low, []byte(tag)) {
			return true
		}
	}
	return false
}

// jsonStart reports whether text begins like a JSON object or array of
// objects ({" or [{, possibly with whitespace between).
func jsonStart(b []byte) bool {
	if len(b) == 0 || (b[0] != '{' && b[0] != '[') {
		return false
	}
	rest := bytes.TrimLeft(b[1:], " \t\r\n")
	if b[0] == '{' {
		return len(rest) == 0 || rest[0] == '"' || rest[0] == '}'
	}
	return len(rest) > 0 && (rest[0] == '{' || rest[0] == '[' || rest[0] == '"' || rest[0] == ']')
}

// guessDelimiter picks the candidate whose per-line count (outside quotes)
// is most consistent, preferring more fields and then the order ; , tab |.
func guessDelimiter(text []byte, quote rune) rune {
	cands := []rune{';', ',', '\t', '|'}
	best, bestScore, bestMode := ';', -1.0, 0
	for _, c := range cands {
		counts := lineCounts(text, byte(c), byte(quote), 500)
		mode, freq, lines := 0, 0, 0
		hist := map[int]int{}
		for _, n := range counts {
			lines++
			hist[n]++
		}
		for n, f := range hist {
			if n > 0 && (f > freq || f == freq && n > mode) {
				mode, freq = n, f
			}
		}
		if mode == 0 || lines == 0 {
			continue
		}
		score := float64(freq) / float64(lines)
		if score > bestScore+0.02 || (score > bestScore-0.02 && mode > bestMode && score >= bestScore*0.9) {
			best, bestScore, bestMode = c, score, mode
		}
	}
	return best
}

// lineCounts counts c outside quotes on each non-empty logical line.
func lineCounts(text []byte, c, quote byte, maxLines int) []int {
	var out []int
	n, inQ, nonEmpty := 0, false, false
	for i := 0; i < len(text) && len(out) < maxLines; i++ {
		b := text[i]
		switch {
		case quote != 0 && b == quote:
			inQ = !inQ
			nonEmpty = true
		case inQ:
		case b == c:
			n++
			nonEmpty = true
		case b == '\n' || b == '\r':
			if nonEmpty {
				out = append(out, n)
			}
			n, nonEmpty = 0, false
		default:
			nonEmpty = true
		}
	}
	return out
}

// countBackslashQuotes counts \" inside fields in decoded text.
func countBackslashQuotes(text []byte) int {
	n := 0
	for i := 0; ; {
		j := bytes.Index(text[i:], []byte(`\"`))
		if j < 0 {
			return n
		}
		k := i + j + 2
		if k < len(text) && !fieldEnd(text[k]) {
			n++
		}
		i = k
	}
}

// modalWidth is the most common value yielded, the largest on ties.
func modalWidth(seq func(func(int))) int {
	hist := map[int]int{}
	seq(func(n int) { hist[n]++ })
	mode, freq := 0, 0
	for n, f := range hist {
		if f > freq || f == freq && n > mode {
			mode, freq = n, f
		}
	}
	return mode
}

func nonEmpty(fields []string) int {
	n := 0
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			n++
		}
	}
	return n
}

// isNumber reports whether s is a plain integer or decimal number.
func isNumber(s string) bool {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "-")
	if s == "" {
		return false
	}
	sep := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
		case (c == '.' || c == ',') && !sep && i > 0 && i < len(s)-1:
			sep = true
		default:
			return false
		}
	}
	return true
}

// headerContinuation reports whether a record after the header row is more
// header: its first cell is empty, it has text in other cells, and none of
// its cells is a number.
func headerContinuation(f []string) bool {
	if len(f) < 2 || strings.TrimSpace(f[0]) != "" || nonEmpty(f) == 0 {
		return false
	}
	for _, s := range f {
		if isNumber(s) {
			return false
		}
	}
	return true
}

// looksLikeData reports whether the first record is data rather than a
// header: at least two of its cells are numbers with the same length as
// (nearly) every value below them, as in a register with codes like 0001.
func looksLikeData(first []string, data [][]string) bool {
	if len(data) < 3 {
		return false
	}
	cols := 0
	for c, s := range first {
		if !isNumber(s) {
			continue
		}
		same := 0
		for _, row := range data {
			if c < len(row) && isNumber(row[c]) && len(row[c]) == len(s) {
				same++
			}
		}
		if same*10 < len(data)*9 {
			return false
		}
		cols++
	}
	return cols >= 2
}

// joinHeader joins multi-row header cells per column with headerJoin,
// skipping empty parts.
func joinHeader(rows [][]string) []string {
	width := 0
	for _, r := range rows {
		width = max(width, len(r))
	}
	out := make([]string, width)
	for c := range out {
		var parts []string
		for _, r := range rows {
			if c < len(r) {
				if s := strings.TrimSpace(r[c]); s != "" {
					parts = append(parts, s)
				}
			}
		}
		if len(rows) == 1 && c < len(rows[0]) {
			out[c] = rows[0][c]
			continue
		}
		out[c] = strings.Join(parts, headerJoin)
	}
	return out
}

// Missing-value marker candidates, in report order.
var markers = [...]string{"", ".", "..", ":", "-", "*"}

// markerSet records which candidate markers occur as whole cells.
type markerSet uint8

func (m *markerSet) scan(fields []string) {
	for _, f := range fields {
		if len(f) > 2 {
			continue
		}
		switch f {
		case "":
			*m |= 1
		case ".":
			*m |= 2
		case "..":
			*m |= 4
		case ":":
			*m |= 8
		case "-":
			*m |= 16
		case "*":
			*m |= 32
		}
	}
}

func (m markerSet) list() []string {
	var out []string
	for i, s := range markers {
		if m&(1<<i) != 0 {
			out = append(out, s)
		}
	}
	return out
}
