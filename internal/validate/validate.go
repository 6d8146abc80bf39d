// Package validate is the validate stage of Dele: Frictionless-compatible
// table schemas, type inference that respects Norwegian data, row checks
// with a quarantine for invalid rows, schema drift between versions, and
// the validation report.
//
// A run infers a schema from every row (NewInferrer, Add, Schema) or uses
// the pinned one, then streams every record of a source through a
// Validator into table batches. Run does that with reading and validating
// overlapped in two goroutines:
//
//	v, err := validate.New(schema, reader.Header(), validate.Options{Quarantine: q})
//	err = validate.Run(ctx, reader, v, 1<<14, func(b *table.Batch) error { return convert(b) })
//	err = v.Close()           // flushes the quarantine
//	report := v.Report()      // report.Failed decides whether to publish
//	drift := validate.Drift(published, schema)
//
// Callers that drive the loop themselves call v.Row(rec, batch) for each
// record instead of Run.
//
// Checks are named like Frictionless' (blank-header, duplicate-label,
// missing-label, extra-label, blank-row, extra-cell, missing-cell,
// type-error, constraint-error, unique-error, primary-key-error), plus the
// Norwegian reference checks kommunenummer-error, fylkesnummer-error and
// orgnr-error for fields whose Check is set (see package noref).
package validate

import (
	"encoding/csv"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dele-opendata/dele/internal/source"
	"github.com/dele-opendata/dele/internal/table"
	"github.com/dele-opendata/dele/internal/tableschema"
	"github.com/dele-opendata/dele/internal/validate/noref"
)

// The names of the checks, as used in reports and the quarantine.
const (
	CheckBlankHeader     = "blank-header"
	CheckDuplicateLabel  = "duplicate-label"
	CheckMissingLabel    = "missing-label"
	CheckExtraLabel      = "extra-label"
	CheckBlankRow        = "blank-row"
	CheckExtraCell       = "extra-cell"
	CheckMissingCell     = "missing-cell"
	CheckTypeError       = "type-error"
	CheckConstraintError = "constraint-error"
	CheckUniqueError     = "unique-error"
	CheckPrimaryKeyError = "primary-key-error"
	CheckKommunenummer   = "kommunenummer-error"
	CheckFylkesnummer    = "fylkesnummer-error"
	CheckOrgnr           = "orgnr-error"
)

// Values of tableschema.Field.Check: the Norwegian reference checks.
const (
	RefKommunenummer = "kommunenummer"
	RefFylkesnummer  = "fylkesnummer"
	RefOrgnr         = "orgnr"
)

// DefaultMaxInvalidShare is the share of invalid rows above which a dataset
// fails when the definition does not say otherwise.
const DefaultMaxInvalidShare = 0.05

// DefaultMaxErrors is how many row errors a report lists by default.
const DefaultMaxErrors = 100

// ErrSchema is wrapped by New when the schema cannot be used.
var ErrSchema = errors.New("invalid table schema")

// Options configures a Validator.
type Options struct {
	// Dataset names the dataset in error messages.
	Dataset string
	// ReferenceYear is the year whose kommunenummer and fylkesnummer are
	// valid. 0 accepts codes valid in any year Dele has a list for.
	ReferenceYear int
	// MaxInvalidShare is the largest share (0..1) of invalid rows before the
	// report fails; nil means DefaultMaxInvalidShare.
	MaxInvalidShare *float64
	// Quarantine receives the invalid rows as CSV: line, row, column, field,
	// check, constraint, message and the original value. It belongs in the
	// private store only: it holds source values. Nil discards them (they
	// are still counted).
	Quarantine io.Writer
	// MaxErrors is how many row errors the report lists (the counts are
	// always complete); 0 means DefaultMaxErrors.
	MaxErrors int
}

// checkID indexes the per-check counters.
type checkID uint8

const (
	idBlankHeader checkID = iota
	idDuplicateLabel
	idMissingLabel
	idExtraLabel
	idBlankRow
	idExtraCell
	idMissingCell
	idTypeError
	idConstraintError
	idUniqueError
	idPrimaryKeyError
	idKommunenummer
	idFylkesnummer
	idOrgnr
	numChecks
)

var checkNames = [numChecks]string{CheckBlankHeader, CheckDuplicateLabel, CheckMissingLabel,
	CheckExtraLabel, CheckBlankRow, CheckExtraCell, CheckMissingCell, CheckTypeError,
	CheckConstraintError, CheckUniqueError, CheckPrimaryKeyError, CheckKommunenummer,
	CheckFylkesnummer, CheckOrgnr}

// parser says how the text of a cell is turned into a value.
type parser uint8

const (
	pString parser = iota
	pInt
	pNumber
	pBool
	pDate
	pDateTime
	pYear
	pTime
	pYearMonth
	pDuration
	pGeoPoint
)

// fieldState is a schema field prepared for the hot path.
type fieldState struct {
	// Hot: read for every cell.
	col         int // column in the source, -1 when missing
	parser      parser
	kind        table.Kind
	required    bool
	unique      bool
	constrained bool // a constraint or reference check beyond required and unique applies
	plain       bool // a string field in the source with no checks but required/unique
	num         numFormat
	// Cold: read only when constrained or on errors.
	minLen   int // -1 when unset
	maxLen   int
	min, max float64
	hasMin   bool
	hasMax   bool
	pattern  *matcher
	enum     map[string]bool
	ref      checkID // 0 when no reference check
	field    tableschema.Field
}

// hashKey is a 128-bit hash of a unique value or primary key.
type hashKey [2]uint64

// Validator checks the rows of one table against a schema. It is not safe
// for concurrent use.
type Validator struct {
	schema   *tableschema.Schema
	opts     Options
	maxShare float64
	header   []string
	fields   []fieldState
	missing  []string
	onlyNull bool // missing values are just ""
	codes    *noref.Codes

	counts      [numChecks]int64
	constraints map[string]int64
	headerErrs  []Error
	errs        []Error
	truncated   bool
	rows        int64
	valid       int64
	invalid     int64

	quarantine *csv.Writer
	qerr       error
	qrec       []string

	rowErrs []Error
	seeds   [2]maphash.Seed
	uniques []*keySet // per field with unique
	pkCols  []int
	pk      *keySet
	hashes  []hashKey
}

// New prepares a Validator for a table with the given header. It checks the
// header against the schema once (blank-header, duplicate-label,
// missing-label, extra-label); the problems are in the report. Fields are
// matched to columns by name; a field without a matching label takes the
// column at its own position when that column's label is blank or repeated.
// New fails, wrapping ErrSchema, when the schema is unusable (unknown type,
// bad pattern, unsupported format, unknown reference check).
func New(schema *tableschema.Schema, header []string, opts Options) (*Validator, error) {
	if err := schema.Check(); err != nil {
		return nil, fmt.Errorf("%s: %w: %v", dataset(opts), ErrSchema, err)
	}
	v := &Validator{
		schema:      schema,
		opts:        opts,
		maxShare:    DefaultMaxInvalidShare,
		header:      header,
		fields:      make([]fieldState, len(schema.Fields)),
		constraints: map[string]int64{},
		seeds:       [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()},
	}
	if opts.MaxInvalidShare != nil {
		v.maxShare = *opts.MaxInvalidShare
	}
	if v.opts.MaxErrors <= 0 {
		v.opts.MaxErrors = DefaultMaxErrors
	}
	v.missing = schema.MissingValues
	if len(v.missing) == 0 {
		v.missing = []string{""}
	}
	v.onlyNull = len(v.missing) == 1 && v.missing[0] == ""
	for i := range schema.Fields {
		fs, err := v.prepare(schema.Fields[i])
		if err != nil {
			return nil, fmt.Errorf("%s: %w: field %q: %v", dataset(opts), ErrSchema, schema.Fields[i].Name, err)
		}
		v.fields[i] = fs
	}
	for _, name := range schema.PrimaryKey {
		j := schema.Index(name)
		v.pkCols = append(v.pkCols, j)
		v.fields[j].required = true
	}
	if len(v.pkCols) == 1 {
		// A one-field primary key is checked once, as primary-key-error,
		// even when the field is also marked unique.
		v.fields[v.pkCols[0]].unique = false
	}
	for i := range v.fields {
		if v.fields[i].unique {
			v.uniques = append(v.uniques, newKeySet(isIntKind(v.fields[i].kind)))
		}
	}
	if len(v.pkCols) > 0 {
		v.pk = newKeySet(len(v.pkCols) == 1 && isIntKind(v.fields[v.pkCols[0]].kind))
	}
	v.hashes = make([]hashKey, len(v.uniques))
	v.matchHeader()
	if opts.Quarantine != nil {
		v.quarantine = csv.NewWriter(opts.Quarantine)
		v.qrec = make([]string, 8)
		v.qerr = v.quarantine.Write([]string{"line", "row", "column", "field", "check", "constraint", "message", "value"})
	}
	return v, nil
}

func dataset(o Options) string {
	if o.Dataset == "" {
		return "validate"
	}
	return "validate " + o.Dataset
}

func (v *Validator) prepare(f tableschema.Field) (fieldState, error) {
	fs := fieldState{field: f, col: -1, kind: table.KindOf(f.Type), minLen: -1, maxLen: -1, num: numFormat{decimal: '.'}}
	c := f.Constraints
	fs.required, fs.unique = c.Required, c.Unique
	switch f.Type {
	case tableschema.String:
		fs.parser = pString
	case tableschema.Integer:
		fs.parser = pInt
	case tableschema.Number:
		fs.parser = pNumber
	case tableschema.Boolean:
		fs.parser = pBool
	case tableschema.Date:
		fs.parser = pDate
		switch f.Format {
		case "", formatDefault, formatAny, formatDMY:
		default:
			return fs, fmt.Errorf("date format %q is not supported (use default, any or %s)", f.Format, formatDMY)
		}
	case tableschema.DateTime:
		fs.parser = pDateTime
	case tableschema.Year:
		fs.parser = pYear
	case tableschema.Time:
		fs.parser = pTime
	case tableschema.YearMonth:
		fs.parser = pYearMonth
	case tableschema.Duration:
		fs.parser = pDuration
	case tableschema.GeoPoint:
		fs.parser = pGeoPoint
	}
	if f.DecimalChar != "" {
		r, n := utf8.DecodeRuneInString(f.DecimalChar)
		if n != len(f.DecimalChar) {
			return fs, fmt.Errorf("decimalChar %q must be one character", f.DecimalChar)
		}
		fs.num.decimal = r
	}
	if f.GroupChar != "" {
		r, n := utf8.DecodeRuneInString(f.GroupChar)
		if n != len(f.GroupChar) || r == fs.num.decimal {
			return fs, fmt.Errorf("groupChar %q must be one character other than the decimal character", f.GroupChar)
		}
		fs.num.group = r
	}
	if c.MinLength != nil {
		fs.minLen = *c.MinLength
	}
	if c.MaxLength != nil {
		fs.maxLen = *c.MaxLength
	}
	if c.Minimum != nil || c.Maximum != nil {
		if fs.parser != pInt && fs.parser != pNumber && fs.parser != pYear {
			return fs, fmt.Errorf("minimum/maximum apply to integer, number and year fields, not %s", f.Type)
		}
		if c.Minimum != nil {
			fs.min, fs.hasMin = *c.Minimum, true
		}
		if c.Maximum != nil {
			fs.max, fs.hasMax = *c.Maximum, true
		}
	}
	if c.Pattern != "" {
		m, err := compilePattern(c.Pattern)
		if err != nil {
			return fs, fmt.Errorf("pattern: %v", err)
		}
		fs.pattern = m
	}
	if len(c.Enum) > 0 {
		fs.enum = make(map[string]bool, len(c.Enum))
		for _, e := range c.Enum {
			fs.enum[e] = true
		}
	}
	fs.constrained = fs.minLen >= 0 || fs.maxLen >= 0 || fs.hasMin || fs.hasMax || fs.pattern != nil || fs.enum != nil || f.Check != ""
	fs.plain = fs.parser == pString && !fs.constrained
	switch f.Check {
	case "":
	case RefKommunenummer, RefFylkesnummer:
		if v.codes == nil {
			codes, err := noref.ForYear(v.opts.ReferenceYear)
			if err != nil {
				return fs, err
			}
			v.codes = codes
		}
		fs.ref = idKommunenummer
		if f.Check == RefFylkesnummer {
			fs.ref = idFylkesnummer
		}
	case RefOrgnr:
		fs.ref = idOrgnr
	default:
		return fs, fmt.Errorf("unknown check %q (want %s, %s or %s)", f.Check, RefKommunenummer, RefFylkesnummer, RefOrgnr)
	}
	return fs, nil
}

// matchHeader maps fields to columns and records the header problems.
func (v *Validator) matchHeader() {
	first := map[string]int{}
	dup := make([]bool, len(v.header))
	blank := make([]bool, len(v.header))
	for i, h := range v.header {
		switch _, seen := first[h]; {
		case strings.TrimSpace(h) == "":
			blank[i] = true
			v.headerError(i, "", idBlankHeader, "the column has no label")
		case seen:
			dup[i] = true
			v.headerError(i, h, idDuplicateLabel, fmt.Sprintf("label %q repeats column %d", h, first[h]+1))
		default:
			first[h] = i
		}
	}
	claimed := make([]bool, len(v.header))
	for j := range v.fields {
		if i, ok := first[v.fields[j].field.Name]; ok && !blank[i] {
			v.fields[j].col, claimed[i] = i, true
		}
	}
	for j := range v.fields {
		fs := &v.fields[j]
		if fs.col < 0 && j < len(v.header) && !claimed[j] && (blank[j] || dup[j]) {
			fs.col, claimed[j] = j, true
		}
		if fs.col < 0 {
			v.headerError(-1, fs.field.Name, idMissingLabel, fmt.Sprintf("schema field %q has no column in the source", fs.field.Name))
		}
	}
	for i, h := range v.header {
		if !claimed[i] {
			v.headerError(i, h, idExtraLabel, fmt.Sprintf("column %d (%q) is not in the schema and is not published", i+1, h))
		}
	}
}

func (v *Validator) headerError(col int, field string, id checkID, msg string) {
	v.counts[id]++
	v.headerErrs = append(v.headerErrs, Error{Column: col + 1, Field: field, Check: checkNames[id], Message: msg})
}

// Header returns the problems found in the header.
func (v *Validator) Header() []Error { return v.headerErrs }

// isMissing reports whether s is a missing value.
func (v *Validator) isMissing(s string) bool {
	if v.onlyNull {
		return s == ""
	}
	for _, m := range v.missing {
		if s == m {
			return true
		}
	}
	return false
}

// Row checks one record. A valid record is parsed into b (which must have
// been made for the validator's schema) and Row returns true. An invalid one
// is not appended: its errors are counted, the first ones kept for the
// report, and all written to the quarantine; Row returns false.
//
// Values are appended to the batch columns while the cells are checked and
// cut off again when the row turns out invalid, so a valid row is read once.
func (v *Validator) Row(rec source.Record, b *table.Batch) bool {
	v.rows++
	v.rowErrs = v.rowErrs[:0]
	fields := rec.Fields
	if v.blank(fields) {
		v.rowError(rec, -1, "", idBlankRow, "", "the row is empty", "")
		return v.reject()
	}
	for i := len(v.header); i < len(fields); i++ {
		v.rowError(rec, i, "", idExtraCell, "", fmt.Sprintf("the row has %d cells, the header %d", len(fields), len(v.header)), fields[i])
	}
	n := b.Len()
	for j := range v.fields {
		fs := &v.fields[j]
		col := &b.Columns[j]
		if fs.plain && uint(fs.col) < uint(len(fields)) {
			// Fast path: an unconstrained string that is present.
			if s := fields[fs.col]; s != "" && (v.onlyNull || !v.isMissing(s)) {
				col.Strings = append(col.Strings, s)
				col.Valid = append(col.Valid, true)
				continue
			}
		}
		v.cell(rec, j, col)
	}
	if len(v.rowErrs) == 0 && (len(v.uniques) > 0 || v.pk != nil) {
		v.checkUnique(rec, b, n)
	}
	if len(v.rowErrs) > 0 {
		for j := range b.Columns {
			c := &b.Columns[j]
			c.Valid = c.Valid[:n]
			switch v.fields[j].kind {
			case table.KindInt, table.KindDate, table.KindDateTime:
				c.Ints = c.Ints[:n]
			case table.KindFloat:
				c.Floats = c.Floats[:n]
			case table.KindBool:
				c.Bools = c.Bools[:n]
			default:
				c.Strings = c.Strings[:n]
			}
		}
		return v.reject()
	}
	v.valid++
	b.Lines = append(b.Lines, rec.Line)
	return true
}

func (v *Validator) blank(fields []string) bool {
	for _, f := range fields {
		if !v.isMissing(f) {
			return false
		}
	}
	return true
}

func (v *Validator) reject() bool {
	v.invalid++
	return false
}

// appendNull appends a missing value to a column.
func appendNull(col *table.Column, kind table.Kind) {
	col.Valid = append(col.Valid, false)
	switch kind {
	case table.KindInt, table.KindDate, table.KindDateTime:
		col.Ints = append(col.Ints, 0)
	case table.KindFloat:
		col.Floats = append(col.Floats, 0)
	case table.KindBool:
		col.Bools = append(col.Bools, false)
	default:
		col.Strings = append(col.Strings, "")
	}
}

// cell parses and checks field j of the record and appends its value to col.
func (v *Validator) cell(rec source.Record, j int, col *table.Column) {
	fs := &v.fields[j]
	if fs.col < 0 || fs.col >= len(rec.Fields) {
		appendNull(col, fs.kind)
		switch {
		case fs.col >= 0:
			v.rowError(rec, fs.col, fs.field.Name, idMissingCell, "", fmt.Sprintf("the row has %d cells, the header %d", len(rec.Fields), len(v.header)), "")
		case fs.required:
			// missing-label, reported once for the header.
			v.rowError(rec, fs.col, fs.field.Name, idConstraintError, "required", "a value is required but the column is missing", "")
		}
		return
	}
	s := rec.Fields[fs.col]
	if s == "" || (!v.onlyNull && v.isMissing(s)) {
		appendNull(col, fs.kind)
		if fs.required {
			v.rowError(rec, fs.col, fs.field.Name, idConstraintError, "required", "a value is required", s)
		}
		return
	}
	ok := true
	var f float64 // the numeric value, for minimum and maximum
	switch fs.parser {
	case pString:
		col.Strings = append(col.Strings, s)
	case pInt:
		var i int64
		i, ok = parseInt(s, fs.num.group)
		col.Ints = append(col.Ints, i)
		f = float64(i)
	case pNumber:
		f, ok = parseNumber(s, fs.num)
		col.Floats = append(col.Floats, f)
	case pBool:
		var x bool
		x, ok = parseBool(s)
		col.Bools = append(col.Bools, x)
	case pDate:
		var d int64
		d, ok = parseDate(s, fs.field.Format)
		col.Ints = append(col.Ints, d)
	case pDateTime:
		var t int64
		t, ok = parseDateTime(s)
		col.Ints = append(col.Ints, t)
	case pYear:
		var y int64
		y, ok = parseYear(s)
		col.Ints = append(col.Ints, y)
		f = float64(y)
	default:
		switch fs.parser {
		case pTime:
			ok = parseTime(s)
		case pYearMonth:
			ok = parseYearMonth(s)
		case pDuration:
			ok = parseDuration(s)
		case pGeoPoint:
			ok = parseGeoPoint(s)
		}
		col.Strings = append(col.Strings, s)
	}
	col.Valid = append(col.Valid, ok)
	if !ok {
		v.rowError(rec, fs.col, fs.field.Name, idTypeError, "", typeMessage(fs.field), s)
		return
	}
	if fs.constrained {
		v.constrain(rec, fs, s, f)
	}
}

// constrain runs the constraints and reference checks of a parsed value.
func (v *Validator) constrain(rec source.Record, fs *fieldState, s string, f float64) {
	if fs.minLen >= 0 || fs.maxLen >= 0 {
		n := utf8.RuneCountInString(s)
		if fs.minLen >= 0 && n < fs.minLen {
			v.rowError(rec, fs.col, fs.field.Name, idConstraintError, "minLength", fmt.Sprintf("the value has %d characters, fewer than minLength %d", n, fs.minLen), s)
		}
		if fs.maxLen >= 0 && n > fs.maxLen {
			v.rowError(rec, fs.col, fs.field.Name, idConstraintError, "maxLength", fmt.Sprintf("the value has %d characters, more than maxLength %d", n, fs.maxLen), s)
		}
	}
	if fs.hasMin && f < fs.min {
		v.rowError(rec, fs.col, fs.field.Name, idConstraintError, "minimum", "the value is below minimum "+formatFloat(fs.min), s)
	}
	if fs.hasMax && f > fs.max {
		v.rowError(rec, fs.col, fs.field.Name, idConstraintError, "maximum", "the value is above maximum "+formatFloat(fs.max), s)
	}
	if fs.pattern != nil && !fs.pattern.match(s) {
		v.rowError(rec, fs.col, fs.field.Name, idConstraintError, "pattern", "the value does not match pattern "+fs.field.Constraints.Pattern, s)
	}
	if fs.enum != nil && !fs.enum[s] {
		v.rowError(rec, fs.col, fs.field.Name, idConstraintError, "enum", "the value is not one of the allowed values", s)
	}
	switch fs.ref {
	case idKommunenummer:
		if !v.codes.Kommune(s) {
			v.rowError(rec, fs.col, fs.field.Name, idKommunenummer, "", "not a valid kommunenummer "+v.yearText(), s)
		}
	case idFylkesnummer:
		if !v.codes.Fylke(s) {
			v.rowError(rec, fs.col, fs.field.Name, idFylkesnummer, "", "not a valid fylkesnummer "+v.yearText(), s)
		}
	case idOrgnr:
		if !noref.Orgnr(s) {
			v.rowError(rec, fs.col, fs.field.Name, idOrgnr, "", "not a valid organisation number (nine digits, mod-11 check digit)", s)
		}
	}
}

func (v *Validator) yearText() string {
	if v.codes.Year == 0 {
		return fmt.Sprintf("in any year with a reference list (%v)", v.codes.ListYears)
	}
	return fmt.Sprintf("in %d", v.codes.Year)
}

func typeMessage(f tableschema.Field) string {
	switch {
	case f.Type == tableschema.Number && (f.DecimalChar != "" || f.GroupChar != ""):
		return fmt.Sprintf("the value is not a number (decimalChar %q, groupChar %q)", cmp(f.DecimalChar, "."), f.GroupChar)
	case f.Format != "" && f.Format != formatDefault:
		return fmt.Sprintf("the value is not a %s in format %s", f.Type, f.Format)
	}
	return fmt.Sprintf("the value is not a %s", f.Type)
}

func cmp(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// hashCell adds the typed value of row n of column j to h.
func (v *Validator) hashCell(h *maphash.Hash, b *table.Batch, n, j int) {
	c := &b.Columns[j]
	var buf [9]byte
	if !c.Valid[n] {
		h.WriteByte(0)
		return
	}
	switch v.fields[j].kind {
	case table.KindInt, table.KindDate, table.KindDateTime:
		buf[0] = 1
		putUint64(buf[1:], uint64(c.Ints[n]))
	case table.KindFloat:
		buf[0] = 2
		f := c.Floats[n]
		if f == 0 {
			f = 0 // -0 equals 0
		}
		putUint64(buf[1:], math.Float64bits(f))
	case table.KindBool:
		buf[0] = 3
		if c.Bools[n] {
			buf[1] = 1
		}
	default:
		buf[0] = 4
		putUint64(buf[1:], uint64(len(c.Strings[n])))
		h.Write(buf[:])
		h.WriteString(c.Strings[n])
		return
	}
	h.Write(buf[:])
}

func putUint64(b []byte, x uint64) {
	for i := 0; i < 8; i++ {
		b[i] = byte(x >> (8 * i))
	}
}

// key returns the key of row n over the given columns.
func (v *Validator) key(b *table.Batch, n int, cols ...int) hashKey {
	if len(cols) == 1 && isIntKind(v.fields[cols[0]].kind) && b.Columns[cols[0]].Valid[n] {
		// A single integer or date is its own key: no hash, no collision.
		return hashKey{uint64(b.Columns[cols[0]].Ints[n]), 1}
	}
	var k hashKey
	for s := 0; s < 2; s++ {
		var h maphash.Hash
		h.SetSeed(v.seeds[s])
		for _, j := range cols {
			v.hashCell(&h, b, n, j)
		}
		k[s] = h.Sum64()
	}
	return k
}

// raw returns the source text of field j.
func (v *Validator) raw(rec source.Record, j int) string {
	if c := v.fields[j].col; c >= 0 && c < len(rec.Fields) {
		return rec.Fields[c]
	}
	return ""
}

// checkUnique checks the unique fields and the primary key of row n, which
// passed every other check. Only valid rows are remembered, so the first
// valid occurrence of a value is kept and later ones are quarantined. See
// keySet for the memory per row.
func (v *Validator) checkUnique(rec source.Record, b *table.Batch, n int) {
	u := 0
	for j := range v.fields {
		fs := &v.fields[j]
		if !fs.unique {
			continue
		}
		if b.Columns[j].Valid[n] {
			k := v.key(b, n, j)
			v.hashes[u] = k
			if line, dup := v.uniques[u].has(k); dup {
				v.rowError(rec, fs.col, fs.field.Name, idUniqueError, "", repeats("the value", line), v.raw(rec, j))
			}
		}
		u++
	}
	var pk hashKey
	if v.pk != nil {
		pk = v.key(b, n, v.pkCols...)
		if line, dup := v.pk.has(pk); dup {
			vals := make([]string, len(v.pkCols))
			for i, j := range v.pkCols {
				vals[i] = v.raw(rec, j)
			}
			v.rowError(rec, -1, strings.Join(v.schema.PrimaryKey, ","), idPrimaryKeyError, "", repeats("the primary key", line), strings.Join(vals, ","))
		}
	}
	if len(v.rowErrs) > 0 {
		return
	}
	u = 0
	for j := range v.fields {
		if v.fields[j].unique {
			if b.Columns[j].Valid[n] {
				v.uniques[u].add(v.hashes[u], rec.Line)
			}
			u++
		}
	}
	if v.pk != nil {
		v.pk.add(pk, rec.Line)
	}
}

func isIntKind(k table.Kind) bool {
	return k == table.KindInt || k == table.KindDate || k == table.KindDateTime
}

func repeats(what string, line int64) string {
	if line == 0 {
		return what + " repeats an earlier row"
	}
	return fmt.Sprintf("%s repeats line %d", what, line)
}

// rowError records one problem of the current row.
func (v *Validator) rowError(rec source.Record, col int, field string, id checkID, constraint, msg, value string) {
	v.counts[id]++
	if constraint != "" {
		v.constraints[constraint]++
	}
	e := Error{Line: rec.Line, Row: v.rows, Column: col + 1, Field: field, Check: checkNames[id], Constraint: constraint, Message: msg, Value: value}
	v.rowErrs = append(v.rowErrs, e)
	if len(v.errs) < v.opts.MaxErrors {
		v.errs = append(v.errs, e)
	} else {
		v.truncated = true
	}
	if v.quarantine != nil && v.qerr == nil {
		r := v.qrec
		r[0] = strconv.FormatInt(e.Line, 10)
		r[1] = strconv.FormatInt(e.Row, 10)
		r[2] = ""
		if e.Column > 0 {
			r[2] = strconv.Itoa(e.Column)
		}
		r[3], r[4], r[5], r[6], r[7] = e.Field, e.Check, e.Constraint, e.Message, e.Value
		v.qerr = v.quarantine.Write(r)
	}
}

// Close flushes the quarantine and returns the first error writing it.
func (v *Validator) Close() error {
	if v.quarantine == nil {
		return nil
	}
	v.quarantine.Flush()
	if v.qerr == nil {
		v.qerr = v.quarantine.Error()
	}
	if v.qerr != nil {
		return fmt.Errorf("%s: write quarantine: %w", dataset(v.opts), v.qerr)
	}
	return nil
}
