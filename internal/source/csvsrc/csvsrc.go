// Package csvsrc reads delimited text files (CSV, semicolon- and
// tab-separated exports) as a streaming source.Reader, detecting what the
// file does not say about itself: its encoding (UTF-8 with or without BOM,
// UTF-16LE/BE with or without BOM, Windows-1252 or ISO-8859-1), delimiter
// (; , tab | or a leading "sep=" line), quoting (RFC 4180 doubled quotes or
// backslash escapes), header position (title lines, blank lines, multi-row
// headers joined with " / ", or no header at all) and missing-value markers.
// Every detected setting can be declared instead through Options.
//
// Records are text exactly as in the file (after decoding): numbers with a
// decimal comma, dd.mm.yyyy dates and missing-value markers are left for the
// validator. A record with a different field count from the header is
// passed through unchanged and listed in Report.Ragged, so validation sees
// the extra or missing cells; a record that cannot be parsed at all (a bare
// quote in an unquoted field) is skipped and listed in Report.Skipped with
// its line number. Rows whose fields are all empty are skipped and listed
// the same way.
//
// RFC 4180 files are split by encoding/csv; the backslash-escape dialect,
// other quote characters and unquoted files by this package's byte scanner.
// UTF-8 input is parsed without transcoding. Memory does not grow with the
// size of the input.
package csvsrc

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"strconv"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"

	"github.com/dele-opendata/dele/internal/source"
)

// Options are the declared settings of a text source; empty means detect.
// They mirror datasets.Source.
type Options struct {
	// Location names the source in reports and errors (path or URL).
	Location string
	// Encoding is utf-8, utf-16le, utf-16be, windows-1252, iso-8859-1 or
	// another IANA name; "" or "auto" detects.
	Encoding string
	// Delimiter is one character, or "tab"; "" or "auto" detects.
	Delimiter string
	// Quote is the quote character ("" for "), or "none".
	Quote string
	// Escape is the character escaping a quote inside a quoted field, e.g.
	// `\`; "none" means RFC 4180 doubled quotes; "" or "auto" detects.
	Escape string
	// HeaderRow is the 1-based line of the (first) header line; 0 detects.
	HeaderRow int
	// HeaderRows is how many header lines to join; 0 detects (1 when
	// HeaderRow is set).
	HeaderRows int
	// NoHeader says the file has no header line; Columns names the columns.
	NoHeader bool
	// Columns names the columns, replacing the header's names.
	Columns []string
	// MissingValues are the declared missing-value markers; empty detects.
	MissingValues []string
	// Hash, when not nil, receives every raw byte of a source that is an
	// io.ReaderAt during the pass before parsing (for a content hash).
	Hash io.Writer
	// MaxReported bounds the Skipped and Ragged lists (default 100); the
	// counts are always complete.
	MaxReported int
}

// Reader reads records from a delimited text file. It implements
// source.Reader.
type Reader struct {
	src     io.Reader
	p       parser
	det     *Detection
	header  []string
	report  source.Report
	seen    markerSet
	detect  bool
	pending *pendingRec
	done    error
	max     int
	// repair is set when UTF-8 input may hold invalid bytes (no pass over
	// the whole file, or it found some); repaired counts records fixed.
	repair        bool
	guard         *utf8Guard
	repaired      int64
	firstRepaired int64
}

type pendingRec struct {
	fields []string
	line   int64
	err    error
}

var _ source.Reader = (*Reader)(nil)

// Open detects the format of r, which must be at its start, and positions
// a Reader at the first data record. When r is an io.ReaderAt (a file),
// Open first reads it whole once to collect encoding and escaping evidence
// and to feed o.Hash; parsing then streams. Detection looks at the first
// 256 KiB; the missing-value markers in the Report are those of that
// sample until more are seen while reading. Errors about the content wrap source.ErrEmpty or
// source.ErrWrongFormat in a *source.Error.
func Open(r io.Reader, o Options) (*Reader, error) {
	fail := func(err error) (*Reader, error) {
		return nil, &source.Error{Location: o.Location, Err: err}
	}
	auto := func(s string) bool { return s == "" || s == "auto" }
	ra, seekable := r.(io.ReaderAt)
	seekable = seekable && (o.Hash != nil || auto(o.Encoding) || auto(o.Escape))
	// Without a pass over the whole input, a guard watches the bytes as
	// they stream by for invalid UTF-8.
	var guard *utf8Guard
	in := r
	if !seekable {
		guard = &utf8Guard{r: r}
		in = guard
	}
	br := bufio.NewReaderSize(in, sampleSize)
	raw, err := br.Peek(sampleSize)
	atEOF := false
	if err != nil {
		if !errors.Is(err, io.EOF) {
			return fail(fmt.Errorf("reading: %w", err))
		}
		atEOF = true
	}
	var stats *scanStats
	if seekable {
		st, err := prescan(io.NewSectionReader(ra, 0, math.MaxInt64), o.Hash)
		if err != nil {
			return fail(fmt.Errorf("reading: %w", err))
		}
		stats = &st
	}
	det, err := detect(raw, atEOF, o, stats)
	if err != nil {
		return fail(err)
	}
	br.Discard(det.bomLen)
	var text io.Reader = br
	if _, e, _ := encodingOf(det.Encoding); e != nil {
		var t transform.Transformer = e.NewDecoder()
		if cm, ok := e.(*charmap.Charmap); ok && (cm == charmap.Windows1252 || cm == charmap.ISO8859_1) {
			t = newSBCS(cm)
		}
		text = bufio.NewReaderSize(transform.NewReader(br, t), 64<<10)
	}
	rd := &Reader{
		src:    r,
		p:      newParser(text, det.d),
		det:    det,
		header: det.Header,
		detect: len(o.MissingValues) == 0,
		max:    o.MaxReported,
	}
	if det.Encoding == UTF8 {
		rd.guard = guard
		rd.repair = stats != nil && stats.invalidUTF8 || guard != nil && guard.bad
	}
	if rd.max <= 0 {
		rd.max = 100
	}
	if rd.repair {
		rd.header = append([]string(nil), rd.header...)
		rd.repairFields(rd.header, int64(det.HeaderRow))
	}
	rd.report = source.Report{
		Kind:          "csv",
		Location:      o.Location,
		Encoding:      det.Encoding,
		Delimiter:     det.Delimiter,
		HeaderRow:     det.HeaderRow,
		Detected:      det.Detected,
		Columns:       len(det.Header),
		MissingValues: det.MissingValues,
	}
	if len(rd.report.Detected) == 0 {
		rd.report.Detected = nil
	}
	if det.BOM && rd.report.Detected != nil {
		rd.report.Detected["bom"] = "true"
	}
	skip := det.Skip
	if !det.NoHeader {
		skip += det.HeaderRows
	}
	for range skip {
		if _, _, err := rd.p.next(); err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				continue
			}
			return fail(fmt.Errorf("reading the header: %w", err))
		}
	}
	return rd, nil
}

// Detection returns what Open detected.
func (r *Reader) Detection() *Detection { return r.det }

// Header returns the column names.
func (r *Reader) Header() []string { return r.header }

// Report describes what was detected and read so far. MissingValues grows
// as more markers are seen, unless they were declared.
func (r *Reader) Report() source.Report {
	rep := r.report
	if r.detect {
		rep.MissingValues = (r.seen | r.det.markers).list()
	}
	if r.repaired > 0 {
		rep.Detected = maps.Clone(rep.Detected)
		if rep.Detected == nil {
			rep.Detected = map[string]string{}
		}
		rep.Detected["invalidUTF8"] = fmt.Sprintf("%d records had bytes that are not UTF-8, read as %s; the first on line %d",
			r.repaired, Windows1252, r.firstRepaired)
	}
	return rep
}

// repairFields replaces fields that are not valid UTF-8.
func (r *Reader) repairFields(fields []string, line int64) {
	bad := false
	for i, f := range fields {
		if !utf8.ValidString(f) {
			fields[i] = repairUTF8(f)
			bad = true
		}
	}
	if bad {
		if r.repaired == 0 {
			r.firstRepaired = line
		}
		r.repaired++
	}
}

// Read returns the next data record, or io.EOF after the last one. The
// Fields slice is reused by the next call. Records that cannot be parsed
// and all-empty rows are skipped and reported; a quoted field left open at
// the end of the input fails with source.ErrWrongFormat (a truncated file).
func (r *Reader) Read() (source.Record, error) {
	if r.done != nil {
		return source.Record{}, r.done
	}
	for {
		var fields []string
		var line int64
		var err error
		if r.pending != nil {
			fields, line, err = r.pending.fields, r.pending.line, r.pending.err
			r.pending = nil
		} else {
			fields, line, err = r.p.next()
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				if !errors.Is(err, io.EOF) {
					err = &source.Error{Location: r.report.Location, Err: fmt.Errorf("reading after line %d: %w", line, err)}
				}
				r.done = err
				return source.Record{}, err
			}
			if errors.Is(pe.Err, csv.ErrQuote) && pe.Line > pe.StartLine {
				// A quote left open across lines up to the end of the input
				// means the file was cut off; anything else is one bad record.
				f, l, e := r.p.next()
				if errors.Is(e, io.EOF) {
					r.done = &source.Error{Location: r.report.Location, Err: fmt.Errorf(
						"%w: the quoted field opened on line %d is not closed before the end of the input (a truncated file?)",
						source.ErrWrongFormat, pe.StartLine)}
					return source.Record{}, r.done
				}
				r.pending = &pendingRec{fields: f, line: l, err: e}
			}
			r.skip(int64(pe.StartLine), pe.Error())
			continue
		}
		if r.repair || r.guard != nil && r.guard.bad {
			r.repairFields(fields, line)
		}
		if nonEmptyRaw(fields) == 0 {
			r.skip(line, "row with only empty fields")
			continue
		}
		if r.detect {
			r.seen.scan(fields)
		}
		if len(fields) != len(r.header) {
			r.report.RaggedCount++
			if len(r.report.Ragged) < r.max {
				r.report.Ragged = append(r.report.Ragged, source.LineError{Line: line,
					Message: strconv.Itoa(len(fields)) + " fields, header has " + strconv.Itoa(len(r.header))})
			}
		}
		r.report.Rows++
		return source.Record{Line: line, Fields: fields}, nil
	}
}

func (r *Reader) skip(line int64, msg string) {
	r.report.SkippedCount++
	if len(r.report.Skipped) < r.max {
		r.report.Skipped = append(r.report.Skipped, source.LineError{Line: line, Message: msg})
	}
}

// nonEmptyRaw counts fields that are not the empty string.
func nonEmptyRaw(fields []string) int {
	for i, f := range fields {
		if f != "" {
			return len(fields) - i
		}
	}
	return 0
}

// Close closes the underlying reader when it is an io.Closer.
func (r *Reader) Close() error {
	r.done = errors.New("csvsrc: reader closed")
	if c, ok := r.src.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
