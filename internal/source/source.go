// Package source defines how extracted data is read: every source kind (CSV
// and text files, Excel workbooks, JSON APIs, Enhetsregisteret, PostgreSQL)
// yields a Reader of text records with a header, streaming, plus a Report of
// what it detected.
//
// Sub-packages implement the kinds; package extract chooses one from a
// dataset definition.
package source

import (
	"errors"
	"fmt"
)

// Record is one data row as text, in header order.
type Record struct {
	// Line is the 1-based line (or row, or item) number in the source where
	// the record starts, so a data steward can find it.
	Line int64
	// Fields are the cell values. The slice may be reused by the next call to
	// Read; copy it to keep it.
	Fields []string
}

// Reader streams the records of one source. Implementations read
// incrementally: memory must not grow with the size of the source.
type Reader interface {
	// Header returns the column names.
	Header() []string
	// Read returns the next record, or io.EOF after the last one. A record
	// that cannot be parsed is skipped, counted and reported in Report; Read
	// returns an error only when the source as a whole cannot be read.
	Read() (Record, error)
	// Report describes what the reader detected and skipped so far.
	Report() Report
	// Close releases the source.
	Close() error
}

// Report describes how a source was read. Fields that do not apply to a
// source kind are left empty.
type Report struct {
	Kind      string `json:"kind"`
	Location  string `json:"location,omitempty"`
	Encoding  string `json:"encoding,omitempty"`
	Delimiter string `json:"delimiter,omitempty"`
	// HeaderRow is the 1-based line of the (last) header line.
	HeaderRow int `json:"headerRow,omitempty"`
	// Sheet is the worksheet read from a workbook.
	Sheet string `json:"sheet,omitempty"`
	// Detected lists what was chosen by detection rather than declared,
	// e.g. {"encoding": "windows-1252", "delimiter": ";"}.
	Detected map[string]string `json:"detected,omitempty"`
	Rows     int64             `json:"rows"`
	Columns  int               `json:"columns"`
	// SkippedLines are records that could not be parsed at all.
	Skipped []LineError `json:"skipped,omitempty"`
	// SkippedCount counts them all; Skipped may hold only the first ones.
	SkippedCount int64 `json:"skippedCount,omitempty"`
	// ContentHash is the SHA-256 of the raw source bytes, hex-encoded, when
	// known; it lets a scheduled run skip an unchanged source.
	ContentHash string `json:"contentHash,omitempty"`
	// NotModified is set when an HTTP source answered 304.
	NotModified bool `json:"notModified,omitempty"`
	// ETag and LastModified are the HTTP validators of the fetched source,
	// kept for the next run's conditional request.
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"lastModified,omitempty"`
	// MissingValues are the missing-value markers in force: the declared
	// ones, or those detected in the data ("" for empty cells, ".", "..",
	// ":", "-", "*"). Records keep the markers as text; the validator maps
	// them to missing.
	MissingValues []string `json:"missingValues,omitempty"`
	// Ragged are records whose field count differs from the header's. They
	// are passed through unchanged (not skipped) so validation reports the
	// extra or missing cells; RaggedCount counts them all and Ragged may
	// hold only the first ones.
	Ragged      []LineError `json:"ragged,omitempty"`
	RaggedCount int64       `json:"raggedCount,omitempty"`
	// ColumnTypes are the types a typed source (JSON) gave each column's
	// non-null values, by header name: "string" when any value was a JSON
	// string (or an array, joined as text), "number" or "boolean" when every
	// value was one, "mixed" for numbers and booleans together. Text
	// sources (CSV, Excel) leave it empty. Schema inference keeps "string"
	// columns as text (validate.Inferrer.SetSourceTypes), so a code sent as
	// "66.120" is not turned into the number 66.12.
	ColumnTypes map[string]string `json:"columnTypes,omitempty"`
}

// Column types in Report.ColumnTypes.
const (
	TypeString  = "string"
	TypeNumber  = "number"
	TypeBoolean = "boolean"
	TypeMixed   = "mixed"
)

// LineError is a problem with one line of the source.
type LineError struct {
	Line    int64  `json:"line"`
	Message string `json:"message"`
}

// Error is the error of a source that cannot be read at all: an HTML page
// where CSV was expected, an empty or truncated file, an unreachable URL.
type Error struct {
	Location string
	Err      error
}

func (e *Error) Error() string { return fmt.Sprintf("source %s: %v", e.Location, e.Err) }

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Sentinel errors wrapped by Error.
var (
	// ErrEmpty means the source has no data at all.
	ErrEmpty = errors.New("source is empty")
	// ErrWrongFormat means the source is not in the declared format, such as
	// an HTML error page saved as CSV.
	ErrWrongFormat = errors.New("source is not in the declared format")
	// ErrTruncated means the source ended before it was complete: a
	// download cut off before its Content-Length, or a document that stops
	// mid-way. The error says how many bytes arrived.
	ErrTruncated = errors.New("source is incomplete (truncated download)")
)
