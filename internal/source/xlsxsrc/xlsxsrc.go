// Package xlsxsrc reads one worksheet of an Excel workbook (.xlsx) as a
// stream of text records, using excelize's streaming row iterator.
//
// Cell values come out as a data steward sees them in Excel where that
// matters, and exactly otherwise:
//   - numbers formatted with leading zeros (0###, 0000, [<=9999]0000;General)
//     come out as the formatted text, so kommunenummer 301 shown as 0301 is
//     read as "0301";
//   - numbers with a date or time format (Excel serial days) come out as ISO
//     8601: yyyy-mm-dd, yyyy-mm-ddThh:mm:ss or hh:mm:ss;
//   - every other number comes out as the shortest text that round-trips to
//     the stored double (96.41116300000003 stays 96.41116300000003, 1 stays
//     1), ignoring display formats such as 0.00 or #,##0;
//   - booleans come out as true/false; shared and inline strings as stored.
package xlsxsrc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/source"
)

// Options select what to read from a workbook.
type Options struct {
	// Sheet is the worksheet name, or its 1-based position as a number.
	// Empty means the first sheet.
	Sheet string
	// HeaderRow is the 1-based row holding the column names; 0 means the
	// first row with any non-empty cell.
	HeaderRow int
	// NoHeader means there is no header row: columns are named from
	// Columns, or column1, column2, ….
	NoHeader bool
	// Columns names the columns when NoHeader is set.
	Columns []string
	// Location names the workbook in reports and errors (default: its
	// path), such as the URL of a downloaded file.
	Location string
}

// Reader streams the records of one worksheet. It implements source.Reader.
type Reader struct {
	file     *excelize.File
	fmtRows  *excelize.Rows // formatted values (with the patched styles)
	rawRows  *excelize.Rows // stored values
	header   []string
	rowNum   int64 // sheet row of the last row read
	fields   []string
	pending  [][2][]string // rows read ahead while finding the header
	pendNums []int64
	report   source.Report
	closed   bool
}

var _ source.Reader = (*Reader)(nil)

// unzipXMLSizeLimit is the size of a worksheet or shared-string table
// above which excelize keeps it in a temporary file instead of memory
// (its default, 16 MiB); tests lower it.
var unzipXMLSizeLimit int64 = excelize.StreamChunkSize

// tmpDir is where excelize puts those files ("" for os.TempDir()).
var tmpDir string

// maxSkippedListed bounds Report.Skipped; SkippedCount counts them all.
const maxSkippedListed = 100

// Open opens the workbook named by def.Source.Path (relative to def.Dir)
// and reads the sheet and header row the definition declares.
func Open(ctx context.Context, def *datasets.Definition) (source.Reader, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	src := def.Source
	if src.Path == "" {
		return nil, &source.Error{Location: def.ID, Err: errors.New("xlsx source needs a path")}
	}
	path := src.Path
	if !filepath.IsAbs(path) && def.Dir != "" {
		path = filepath.Join(def.Dir, path)
	}
	return OpenFile(path, Options{Sheet: src.Sheet, HeaderRow: src.HeaderRow, NoHeader: src.NoHeader, Columns: src.Columns})
}

// OpenFile opens the workbook at path.
func OpenFile(path string, o Options) (*Reader, error) {
	loc := o.Location
	if loc == "" {
		loc = path
	}
	// excelize reads the zip directory from the file and keeps worksheets
	// over 16 MiB of XML in temporary files, not in memory.
	f, err := excelize.OpenFile(path, excelize.Options{UnzipXMLSizeLimit: unzipXMLSizeLimit, TmpDir: tmpDir})
	if err != nil {
		return nil, openError(loc, err)
	}
	return fromFile(f, loc, o)
}

func openError(loc string, err error) error {
	if errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
		return &source.Error{Location: loc, Err: err}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "zip") {
		return &source.Error{Location: loc, Err: fmt.Errorf("%w: not an xlsx workbook: %v", source.ErrWrongFormat, err)}
	}
	return &source.Error{Location: loc, Err: err}
}

// New reads a workbook from r; location names it in reports and errors.
// excelize reads all of r into memory first: prefer OpenFile for files.
func New(r io.Reader, location string, o Options) (*Reader, error) {
	f, err := excelize.OpenReader(r)
	if err != nil {
		return nil, openError(location, err)
	}
	return fromFile(f, location, o)
}

func fromFile(f *excelize.File, location string, o Options) (*Reader, error) {
	fail := func(err error) error { return &source.Error{Location: location, Err: err} }
	rd := &Reader{file: f, report: source.Report{Kind: "xlsx", Location: location}}
	ok := false
	defer func() {
		if !ok {
			rd.Close()
		}
	}()
	sheet, err := pickSheet(f, o.Sheet)
	if err != nil {
		return nil, fail(err)
	}
	rd.report.Sheet = sheet
	if o.Sheet == "" {
		rd.report.Detected = map[string]string{"sheet": sheet}
	}
	if err = patchStyles(f); err != nil {
		return nil, fail(fmt.Errorf("reading styles: %w", err))
	}
	if rd.fmtRows, err = f.Rows(sheet); err != nil {
		return nil, fail(err)
	}
	if rd.rawRows, err = f.Rows(sheet); err != nil {
		return nil, fail(err)
	}
	if err := rd.readHeader(o); err != nil {
		return nil, fail(err)
	}
	rd.report.Columns = len(rd.header)
	ok = true
	return rd, nil
}

// pickSheet resolves a sheet name or 1-based index.
func pickSheet(f *excelize.File, want string) (string, error) {
	list := f.GetSheetList()
	if len(list) == 0 {
		return "", fmt.Errorf("%w: workbook has no worksheets", source.ErrEmpty)
	}
	if want == "" {
		return list[0], nil
	}
	for _, s := range list {
		if s == want {
			return s, nil
		}
	}
	for _, s := range list { // Excel treats sheet names case-insensitively
		if strings.EqualFold(s, want) {
			return s, nil
		}
	}
	if n, err := strconv.Atoi(want); err == nil {
		if n >= 1 && n <= len(list) {
			return list[n-1], nil
		}
		return "", fmt.Errorf("sheet %d does not exist: the workbook has %d sheets (%s)", n, len(list), strings.Join(list, ", "))
	}
	return "", fmt.Errorf("sheet %q does not exist: the workbook has %s", want, strings.Join(list, ", "))
}

// next reads the next row from both iterators. It returns the sheet row
// number and the merged values, or io.EOF.
func (r *Reader) next() (int64, []string, error) {
	if !r.fmtRows.Next() {
		if err := r.fmtRows.Error(); err != nil {
			return 0, nil, err
		}
		return 0, nil, io.EOF
	}
	if !r.rawRows.Next() {
		return 0, nil, errors.New("raw row iterator ended early")
	}
	r.rowNum++
	shown, err := r.fmtRows.Columns()
	if err != nil {
		return 0, nil, fmt.Errorf("row %d: %w", r.rowNum, err)
	}
	raw, err := r.rawRows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return 0, nil, fmt.Errorf("row %d: %w", r.rowNum, err)
	}
	if len(raw) != len(shown) {
		return 0, nil, fmt.Errorf("row %d: formatted and raw rows differ in width", r.rowNum)
	}
	for i := range shown {
		shown[i] = cellText(shown[i], raw[i])
	}
	return r.rowNum, shown, nil
}

func (r *Reader) readHeader(o Options) error {
	if o.NoHeader {
		// Read ahead until the first non-empty row to learn the width.
		for {
			n, row, err := r.next()
			if err == io.EOF {
				return source.ErrEmpty
			}
			if err != nil {
				return err
			}
			if blank(row) {
				continue
			}
			r.pending, r.pendNums = append(r.pending, [2][]string{row}), append(r.pendNums, n)
			width := len(trimRight(row))
			r.header = make([]string, max(width, len(o.Columns)))
			for i := range r.header {
				if i < len(o.Columns) {
					r.header[i] = o.Columns[i]
				} else {
					r.header[i] = "column" + strconv.Itoa(i+1)
				}
			}
			return nil
		}
	}
	for {
		n, row, err := r.next()
		if err == io.EOF {
			if o.HeaderRow > 0 {
				return fmt.Errorf("%w: header row %d is past the last row %d", source.ErrEmpty, o.HeaderRow, r.rowNum)
			}
			return source.ErrEmpty
		}
		if err != nil {
			return err
		}
		if o.HeaderRow > 0 && n < int64(o.HeaderRow) {
			continue
		}
		if o.HeaderRow == 0 && blank(row) {
			continue
		}
		if o.HeaderRow > 0 && n > int64(o.HeaderRow) {
			return fmt.Errorf("header row %d is missing from the sheet", o.HeaderRow)
		}
		row = trimRight(row)
		if len(row) == 0 {
			return fmt.Errorf("header row %d is empty", n)
		}
		r.header = make([]string, len(row))
		for i, h := range row {
			h = strings.TrimSpace(h)
			if h == "" {
				h = "column" + strconv.Itoa(i+1)
			}
			r.header[i] = h
		}
		r.report.HeaderRow = int(n)
		if o.HeaderRow == 0 {
			if r.report.Detected == nil {
				r.report.Detected = map[string]string{}
			}
			r.report.Detected["headerRow"] = strconv.FormatInt(n, 10)
		}
		return nil
	}
}

// Header returns the column names.
func (r *Reader) Header() []string { return r.header }

// Read returns the next non-blank row, padded to the header width. A row
// with non-empty cells beyond the header is skipped and reported.
func (r *Reader) Read() (source.Record, error) {
	for {
		var (
			n   int64
			row []string
			err error
		)
		if len(r.pending) > 0 {
			n, row = r.pendNums[0], r.pending[0][0]
			r.pending, r.pendNums = r.pending[1:], r.pendNums[1:]
		} else if n, row, err = r.next(); err != nil {
			if err == io.EOF {
				return source.Record{}, io.EOF
			}
			return source.Record{}, &source.Error{Location: r.report.Location, Err: fmt.Errorf("sheet %q: %w", r.report.Sheet, err)}
		}
		if blank(row) {
			continue
		}
		if w := len(trimRight(row)); w > len(r.header) {
			r.skip(n, fmt.Sprintf("row has %d cells but the header has %d columns", w, len(r.header)))
			continue
		}
		r.fields = append(r.fields[:0], row...)
		for len(r.fields) < len(r.header) {
			r.fields = append(r.fields, "")
		}
		r.fields = r.fields[:len(r.header)]
		r.report.Rows++
		return source.Record{Line: n, Fields: r.fields}, nil
	}
}

func (r *Reader) skip(line int64, msg string) {
	r.report.SkippedCount++
	if len(r.report.Skipped) < maxSkippedListed {
		r.report.Skipped = append(r.report.Skipped, source.LineError{Line: line, Message: msg})
	}
}

// Report describes the sheet read so far.
func (r *Reader) Report() source.Report { return r.report }

// Close releases the workbook and any temporary files.
func (r *Reader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	var errs []error
	for _, rows := range []*excelize.Rows{r.fmtRows, r.rawRows} {
		if rows != nil {
			errs = append(errs, rows.Close())
		}
	}
	errs = append(errs, r.file.Close())
	return errors.Join(errs...)
}

func blank(row []string) bool {
	for _, c := range row {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func trimRight(row []string) []string {
	for len(row) > 0 && strings.TrimSpace(row[len(row)-1]) == "" {
		row = row[:len(row)-1]
	}
	return row
}

// cellText merges the formatted and the stored value of one cell. The styles
// were patched (patchStyles) so that the formatted value differs from the
// stored one only for dates (ISO text), zero-padded codes, booleans, and
// numbers excelize rounds to 15 digits.
func cellText(shown, raw string) string {
	if shown == raw {
		return shown
	}
	if v, err := strconv.ParseFloat(raw, 64); err == nil {
		if _, err := strconv.ParseFloat(shown, 64); err == nil && !leadingZero(shown) {
			return formatFloat(v)
		}
		if (raw == "1" || raw == "0") && (shown == "TRUE" || shown == "FALSE") {
			return strings.ToLower(shown)
		}
	}
	return shown
}

// leadingZero reports whether s is a zero-padded integer like 0301.
func leadingZero(s string) bool {
	s = strings.TrimPrefix(s, "-")
	return len(s) > 1 && s[0] == '0' && s[1] >= '0' && s[1] <= '9'
}

// formatFloat is the shortest text that parses back to v, without an
// exponent for everyday magnitudes.
func formatFloat(v float64) string {
	if a := math.Abs(v); a != 0 && (a < 1e-6 || a >= 1e21) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}
