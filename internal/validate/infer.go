package validate

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/dele-opendata/dele/internal/source"
	"github.com/dele-opendata/dele/internal/tableschema"
	"github.com/dele-opendata/dele/internal/validate/noref"
)

// InferOptions configures schema inference.
type InferOptions struct {
	// MissingValues are the cell texts that mean "no value", such as the
	// markers the source reader detected (".", "..", ":", "-", "*"). The
	// empty string is always missing. Only the markers actually seen are
	// written to the inferred schema.
	MissingValues []string
}

// numFormats are the ways of writing numbers inference tries, in order of
// preference: a value that parses in several ways takes the first, so
// "1,5" is 1.5 (Norwegian decimal comma), not fifteen, and "1.234" is a
// decimal, not a thousand.
var numFormats = [...]numFormat{
	{decimal: '.'},
	{decimal: ','},
	{decimal: ',', group: ' '},
	{decimal: ',', group: '\u00a0'}, // no-break space
	{decimal: ',', group: '\u202f'}, // narrow no-break space
	{decimal: ',', group: '.'},
	{decimal: '.', group: ','},
	{decimal: '.', group: ' '},
}

const allFormats = 1<<len(numFormats) - 1

// colStats is what inference knows about one column so far. A flag is true
// while every non-missing value seen fits it.
type colStats struct {
	values int64
	num    uint16 // bit i: every value is a number in numFormats[i]
	intg   uint16 // bit i: every value is an integer in numFormats[i]
	// leadingZero: some value has a leading zero (0301): a code, not a number.
	leadingZero bool
	isoDate     bool
	dmyDate     bool
	dateTime    bool
	spaceTime   bool // some date-time uses a space instead of T
	boolTF      bool // true/false
	boolJN      bool // ja/nei
	orgnr       bool // nine digits with a valid mod-11 check digit
}

// Inferrer infers a Table Schema from every row of a table, not a sample: a
// column is numeric only when every non-missing value is. Use NewInferrer,
// call Add for each row, then Schema.
type Inferrer struct {
	header  []string
	names   []string
	src     []string // the source's type of each column (SetSourceTypes), or ""
	missing []string
	seen    []bool // seen[i]: missing[i] occurred
	cols    []colStats
	rows    int64
}

// NewInferrer returns an Inferrer for a table with the given header. Blank
// labels become "fieldN" and repeated labels "label_N" (N the 1-based
// column), so the schema always has unique, non-empty names.
func NewInferrer(header []string, opts InferOptions) *Inferrer {
	in := &Inferrer{header: header, names: FieldNames(header), cols: make([]colStats, len(header))}
	for _, m := range opts.MissingValues {
		if m != "" {
			in.missing = append(in.missing, m)
		}
	}
	in.seen = make([]bool, len(in.missing))
	for i := range in.cols {
		in.cols[i] = colStats{num: allFormats, intg: allFormats, isoDate: true, dmyDate: true,
			dateTime: true, boolTF: true, boolJN: true, orgnr: true}
	}
	return in
}

// FieldNames returns the schema field names for a header: blank labels
// become "fieldN", repeated ones "label_N", with N the 1-based column.
func FieldNames(header []string) []string {
	names := make([]string, len(header))
	used := map[string]bool{}
	for i, h := range header {
		if strings.TrimSpace(h) == "" {
			h = fmt.Sprintf("field%d", i+1)
		}
		if used[h] {
			h = fmt.Sprintf("%s_%d", h, i+1)
		}
		used[h] = true
		names[i] = h
	}
	return names
}

// SetSourceTypes tells inference the types a typed source (JSON) gave the
// values of each column, by header name (source.Report.ColumnTypes, read
// after the last row). A "string" column is never a number or a boolean:
// it stays text, or becomes a date or date-time when every value is one
// (the JSON string "66.120" is a code, not 66.12). A "number" column is a
// number or integer whenever its values parse as one, even when its name
// says it holds codes. Other and absent types change nothing, so text
// sources (CSV) infer from the text alone, as before.
func (in *Inferrer) SetSourceTypes(types map[string]string) {
	if len(types) == 0 {
		in.src = nil
		return
	}
	in.src = make([]string, len(in.header))
	for i, h := range in.header {
		in.src[i] = types[h]
	}
}

// Rows returns the number of rows added.
func (in *Inferrer) Rows() int64 { return in.rows }

// Add adds one row. Cells beyond the header are ignored (validation reports
// them); missing cells count as missing values.
func (in *Inferrer) Add(fields []string) {
	in.rows++
	n := min(len(fields), len(in.cols))
	for i := 0; i < n; i++ {
		v := fields[i]
		if v == "" || in.isMissing(v) {
			continue
		}
		in.cols[i].add(v)
	}
}

func (in *Inferrer) isMissing(v string) bool {
	for i, m := range in.missing {
		if v == m {
			in.seen[i] = true
			return true
		}
	}
	return false
}

func (c *colStats) add(v string) {
	c.values++
	if c.num != 0 && plainDigits(v) {
		// An integer without separators fits every number format: only a
		// leading zero matters, and values too large for int64.
		if len(v) > 18 {
			if _, ok := parseInt(v, 0); !ok {
				c.intg = 0
				// Beyond float64 (about 1.8e308) it is no number at all.
				if _, ok := parseNumber(v, numFormat{decimal: '.'}); !ok {
					c.num = 0
				}
			}
		}
		d := v
		if d[0] == '-' || d[0] == '+' {
			d = d[1:]
		}
		if len(d) > 1 && d[0] == '0' {
			c.leadingZero = true
		}
	} else if c.num != 0 {
		for i := range numFormats {
			bit := uint16(1) << i
			if c.num&bit == 0 {
				continue
			}
			if _, ok := parseNumber(v, numFormats[i]); !ok {
				c.num &^= bit
				c.intg &^= bit
				continue
			}
			if c.intg&bit != 0 {
				if _, ok := parseInt(v, numFormats[i].group); !ok {
					c.intg &^= bit
				}
			}
		}
		if c.num != 0 && !c.leadingZero {
			s := v
			if s[0] == '-' || s[0] == '+' {
				s = s[1:]
			}
			if len(s) > 1 && s[0] == '0' && s[1] >= '0' && s[1] <= '9' {
				c.leadingZero = true
			}
		}
	}
	if c.orgnr && !noref.Orgnr(v) {
		c.orgnr = false
	}
	if c.isoDate {
		_, c.isoDate = parseISODate(v)
	}
	if c.dmyDate {
		_, c.dmyDate = parseDMY(v)
	}
	if c.dateTime {
		_, c.dateTime = parseDateTime(v)
		if c.dateTime && v[10] == ' ' {
			c.spaceTime = true
		}
	}
	if c.boolTF || c.boolJN {
		_, ok := parseBool(v)
		l := len(v)
		c.boolTF = c.boolTF && ok && (l == 4 || l == 5)
		c.boolJN = c.boolJN && ok && (l == 2 || l == 3)
	}
}

// Schema returns the schema inferred from the rows added so far.
func (in *Inferrer) Schema() *tableschema.Schema {
	s := &tableschema.Schema{Fields: make([]tableschema.Field, len(in.cols))}
	for i := range in.cols {
		src := ""
		if in.src != nil {
			src = in.src[i]
		}
		s.Fields[i] = in.cols[i].field(in.names[i], src)
	}
	var seen []string
	for i, m := range in.missing {
		if in.seen[i] {
			seen = append(seen, m)
		}
	}
	if len(seen) > 0 {
		s.MissingValues = append([]string{""}, seen...)
	}
	return s
}

// minOrgnrValues is how many values must pass the mod-11 check before a
// column not named like one is taken for organisation numbers (a random
// nine-digit number passes about one time in eleven).
const minOrgnrValues = 10

// field is the field a column's values give. src is the type the source
// gave the values (see SetSourceTypes): "string" keeps them text (or
// dates), "number" makes them numeric whenever they parse.
func (c *colStats) field(name, src string) tableschema.Field {
	f := tableschema.Field{Name: name, Type: tableschema.String}
	if c.values == 0 {
		return f
	}
	text := src == source.TypeString
	number := src == source.TypeNumber
	code := codeName(name)
	if c.orgnr && (code || c.values >= minOrgnrValues) && !number {
		f.Check = RefOrgnr
		return f
	}
	if c.num != 0 && (number || !text && !c.leadingZero && !code) {
		i := lowestBit(c.num)
		nf := numFormats[i]
		switch {
		case c.intg&(1<<i) != 0:
			f.Type = tableschema.Integer
			if nf.group == '.' {
				// 1.234.567: the decimal character is then not ".".
				f.DecimalChar = string(nf.decimal)
			}
		default:
			f.Type = tableschema.Number
			if nf.decimal != '.' {
				f.DecimalChar = string(nf.decimal)
			}
		}
		if nf.group != 0 {
			f.GroupChar = string(nf.group)
		}
		return f
	}
	switch {
	case c.num != 0:
		// Digits kept as text: codes with leading zeros or named as codes,
		// or sent as text by a typed source.
	case (c.boolTF || c.boolJN) && !text:
		f.Type = tableschema.Boolean
	case c.isoDate:
		f.Type, f.Format = tableschema.Date, formatDefault
	case c.dmyDate:
		f.Type, f.Format = tableschema.Date, formatDMY
	case c.dateTime:
		f.Type, f.Format = tableschema.DateTime, formatDefault
		if c.spaceTime {
			f.Format = formatAny
		}
	}
	return f
}

// plainDigits reports whether v is an optional sign followed by one or more
// ASCII digits.
func plainDigits(v string) bool {
	i := 0
	if v != "" && (v[0] == '-' || v[0] == '+') {
		i = 1
	}
	if i == len(v) {
		return false
	}
	for ; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return true
}

func lowestBit(m uint16) int {
	for i := 0; i < 16; i++ {
		if m&(1<<i) != 0 {
			return i
		}
	}
	return -1
}

// codeNames are (normalised) column names that hold codes, which stay
// strings even when every value is digits: a postnummer 5003 today may be
// 0150 tomorrow. Names containing one of codeParts also count.
var (
	codeNames = map[string]bool{"knr": true, "kommune": true, "fylke": true, "fnr": true,
		"postnr": true, "kommunenr": true, "fylkenr": true, "fylkesnr": true, "orgnr": true, "zip": true}
	codeParts = []string{"kommunenummer", "kommunenr", "kommuneid", "kommunekode", "municipalityid",
		"municipalitycode", "municipalitynumber", "fylkesnummer", "fylkenummer", "fylkesnr", "fylkenr",
		"fylkeid", "countyid", "countycode", "postnummer", "postnr", "postalcode", "postcode", "zipcode",
		"orgnr", "orgnummer", "organisasjonsnummer", "organizationnumber", "organisationnumber", "orgno",
		"fodselsnummer", "fødselsnummer", "personnummer", "bydelsnummer", "bydelnr", "grunnkrets"}
)

// codeName reports whether a column name says it holds codes.
func codeName(name string) bool {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	n := b.String()
	if codeNames[n] {
		return true
	}
	for _, p := range codeParts {
		if strings.Contains(n, p) {
			return true
		}
	}
	return false
}
