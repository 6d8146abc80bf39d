package openapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dele-opendata/dele/internal/table"
	"github.com/dele-opendata/dele/internal/tableschema"
)

// value is one cell: the field used depends on the column's kind (dates
// are days since the epoch and datetimes microseconds, in i).
type value struct {
	null bool
	i    int64
	f    float64
	s    string
	b    bool
}

// compare orders two values of kind k; null sorts after every value.
func compare(k table.Kind, a, b value) int {
	switch {
	case a.null && b.null:
		return 0
	case a.null:
		return 1
	case b.null:
		return -1
	}
	switch k {
	case table.KindInt, table.KindDate, table.KindDateTime:
		return cmp3(a.i, b.i)
	case table.KindFloat:
		return cmp3(a.f, b.f)
	case table.KindBool:
		switch {
		case a.b == b.b:
			return 0
		case !a.b:
			return -1
		}
		return 1
	}
	return strings.Compare(a.s, b.s)
}

func cmp3[T int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// column is one column of a published dataset.
type column struct {
	name string
	typ  tableschema.Type
	kind table.Kind
	// scale is the scale of a number stored as a Parquet decimal
	// (format "decimal(p,s)"), or -1.
	scale int
}

// decimalScale returns the scale of a "decimal(p,s)" format, or -1.
func decimalScale(format string) int {
	f := strings.ReplaceAll(strings.ToLower(format), " ", "")
	if !strings.HasPrefix(f, "decimal(") || !strings.HasSuffix(f, ")") {
		return -1
	}
	_, sc, ok := strings.Cut(f[len("decimal("):len(f)-1], ",")
	n, err := strconv.Atoi(sc)
	if !ok || err != nil || n < 0 || n > 38 {
		return -1
	}
	return n
}

// filter is one parsed filter parameter.
type filter struct {
	param string
	col   int
	op    string
	vals  []value
}

// match reports whether v passes the filter (null never does).
func (f *filter) match(k table.Kind, v value) bool {
	if v.null {
		return false
	}
	switch f.op {
	case opEq:
		return compare(k, v, f.vals[0]) == 0
	case opIn:
		for _, w := range f.vals {
			if compare(k, v, w) == 0 {
				return true
			}
		}
		return false
	case opLt:
		return compare(k, v, f.vals[0]) < 0
	case opLte:
		return compare(k, v, f.vals[0]) <= 0
	case opGt:
		return compare(k, v, f.vals[0]) > 0
	case opGte:
		return compare(k, v, f.vals[0]) >= 0
	case opContains:
		return strings.Contains(v.s, f.vals[0].s)
	case opPrefix:
		return strings.HasPrefix(v.s, f.vals[0].s)
	}
	return false
}

// sortKey is one sort column.
type sortKey struct {
	col  int
	desc bool
}

// query is a parsed rows request.
type query struct {
	filters []filter
	sel     []int // output columns, in order
	sort    []sortKey
	limit   int
	format  string
	cursor  *cursor
	// sortSpec is the canonical sort parameter, bound into cursors.
	sortSpec string
}

// cursor is the decoded keyset cursor: the sort key of the last row sent
// and its row position, bound to a version and a sort order.
type cursor struct {
	Version string            `json:"v"`
	Sort    string            `json:"s"`
	Keys    []json.RawMessage `json:"k,omitempty"`
	Pos     int64             `json:"p"`
	keys    []value
}

// paramError is a bad request parameter.
type paramError struct {
	param, detail, hint string
}

func (e *paramError) Error() string { return e.param + ": " + e.detail }

func badParam(param, hint, format string, args ...any) *paramError {
	return &paramError{param: param, detail: fmt.Sprintf(format, args...), hint: hint}
}

// Limits bounds what one request may ask for.
type Limits struct {
	// MaxFilters is the largest number of filter parameters (default 20).
	MaxFilters int
	// MaxCells is the largest limit × selected columns (default 200000);
	// larger requests get 400 with a hint to select fewer columns.
	MaxCells int
	// MaxResponseBytes caps the encoded size of one page (default 32 MiB).
	MaxResponseBytes int
	// Timeout bounds the time of one request (default 10 s); a request
	// that takes longer gets 503 with Retry-After.
	Timeout time.Duration
	// MaxQueryBytes caps the length of the query string (default 8 KiB);
	// longer requests get 414.
	MaxQueryBytes int
}

func (l Limits) withDefaults() Limits {
	if l.MaxFilters == 0 {
		l.MaxFilters = 20
	}
	if l.MaxCells == 0 {
		l.MaxCells = 200000
	}
	if l.MaxResponseBytes == 0 {
		l.MaxResponseBytes = 32 << 20
	}
	if l.Timeout == 0 {
		l.Timeout = 10 * time.Second
	}
	if l.MaxQueryBytes == 0 {
		l.MaxQueryBytes = 8 << 10
	}
	return l
}

// filterIndex maps parameter names to (column, operator) for a schema.
type filterIndex map[string]struct {
	col int
	op  string
}

func newFilterIndex(cols []column) filterIndex {
	ix := filterIndex{}
	for i, c := range cols {
		for _, op := range operators(c.typ) {
			ix[paramName(c.name, op)] = struct {
				col int
				op  string
			}{i, op}
		}
	}
	return ix
}

// parseQuery parses the rows parameters. Unknown parameters are an error:
// a misspelt filter must not silently return unfiltered rows.
func parseQuery(vals url.Values, cols []column, ix filterIndex, lim Limits) (*query, error) {
	q := &query{limit: DefaultLimit, format: "json"}
	byName := map[string]int{}
	for i, c := range cols {
		byName[c.name] = i
	}
	for name, vs := range vals {
		if len(vs) != 1 {
			return nil, badParam(name, "give each parameter once; use <column>.in=a,b for several values", "given %d times", len(vs))
		}
		v := vs[0]
		switch name {
		case "limit":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > MaxLimit {
				return nil, badParam(name, fmt.Sprintf("use 1 to %d and follow the next link for more", MaxLimit), "must be an integer from 1 to %d", MaxLimit)
			}
			q.limit = n
		case "format":
			if v != "json" && v != "csv" && v != "ndjson" {
				return nil, badParam(name, "use json, csv or ndjson", "unknown format %q", v)
			}
			q.format = v
		case "select":
			seen := map[int]bool{}
			for _, s := range strings.Split(v, ",") {
				i, ok := byName[s]
				if !ok {
					return nil, badParam(name, "see the dataset's schema at /datasets/{id}", "no column %q", s)
				}
				if !seen[i] {
					q.sel = append(q.sel, i)
					seen[i] = true
				}
			}
		case "sort":
			q.sortSpec = v
			for _, s := range strings.Split(v, ",") {
				desc := strings.HasPrefix(s, "-")
				i, ok := byName[strings.TrimPrefix(s, "-")]
				if !ok {
					return nil, badParam(name, "sort=column or sort=-column for descending", "no column %q", strings.TrimPrefix(s, "-"))
				}
				q.sort = append(q.sort, sortKey{col: i, desc: desc})
			}
		case "cursor":
		default:
			f, ok := ix[name]
			if !ok && name == "" {
				return nil, badParam(name, "remove the stray = or & from the query string", "a parameter has no name")
			}
			if !ok {
				return nil, badParam(name, "filters are <column>, <column>.in, .lt, .lte, .gt, .gte, .contains or .prefix as the column's type allows", "unknown parameter")
			}
			flt := filter{param: name, col: f.col, op: f.op}
			parts := []string{v}
			if f.op == opIn {
				parts = strings.Split(v, ",")
				if len(parts) > MaxInValues {
					return nil, badParam(name, fmt.Sprintf("at most %d values", MaxInValues), "too many values (%d)", len(parts))
				}
			}
			for _, p := range parts {
				pv, err := parseValue(cols[f.col], p)
				if err != nil {
					return nil, badParam(name, "", "%v", err)
				}
				flt.vals = append(flt.vals, pv)
			}
			q.filters = append(q.filters, flt)
		}
	}
	if len(q.filters) > lim.MaxFilters {
		return nil, badParam("filters", fmt.Sprintf("use at most %d filters", lim.MaxFilters), "%d filters given", len(q.filters))
	}
	if q.sel == nil {
		for i := range cols {
			q.sel = append(q.sel, i)
		}
	}
	if cells := q.limit * len(q.sel); cells > lim.MaxCells {
		return nil, badParam("limit", fmt.Sprintf("use select to ask for fewer columns, or a limit of at most %d with %d columns", lim.MaxCells/len(q.sel), len(q.sel)), "the page would hold %d cells, more than %d", cells, lim.MaxCells)
	}
	if c := vals.Get("cursor"); c != "" {
		cur, err := decodeCursor(c, q, cols)
		if err != nil {
			return nil, badParam("cursor", "pass the cursor from the next link unchanged, with the same sort", "%v", err)
		}
		q.cursor = cur
	}
	return q, nil
}

// parseValue parses a filter value of column c.
func parseValue(c column, s string) (value, error) {
	switch c.kind {
	case table.KindInt:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return value{}, fmt.Errorf("%q is not an integer", s)
		}
		return value{i: n}, nil
	case table.KindFloat:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) {
			return value{}, fmt.Errorf("%q is not a number", s)
		}
		return value{f: f}, nil
	case table.KindBool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return value{}, fmt.Errorf("%q is not true or false", s)
		}
		return value{b: b}, nil
	case table.KindDate:
		t, err := time.Parse("2006-01-02", s)
		if err != nil {
			return value{}, fmt.Errorf("%q is not a date (YYYY-MM-DD)", s)
		}
		return value{i: t.Unix() / 86400}, nil
	case table.KindDateTime:
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return value{}, fmt.Errorf("%q is not an RFC 3339 date-time", s)
		}
		return value{i: t.UnixMicro()}, nil
	}
	return value{s: s}, nil
}

// jsonValue appends v as JSON.
func appendJSON(b []byte, k table.Kind, v value) []byte {
	if v.null {
		return append(b, "null"...)
	}
	switch k {
	case table.KindInt:
		return strconv.AppendInt(b, v.i, 10)
	case table.KindFloat:
		if math.IsNaN(v.f) || math.IsInf(v.f, 0) {
			return append(b, "null"...)
		}
		return strconv.AppendFloat(b, v.f, 'g', -1, 64)
	case table.KindBool:
		return strconv.AppendBool(b, v.b)
	case table.KindDate, table.KindDateTime:
		b = append(b, '"')
		b = appendText(b, k, v)
		return append(b, '"')
	}
	return appendJSONString(b, v.s)
}

// appendText appends v as text (CSV cells, cursor keys); null is empty.
func appendText(b []byte, k table.Kind, v value) []byte {
	if v.null {
		return b
	}
	switch k {
	case table.KindInt:
		return strconv.AppendInt(b, v.i, 10)
	case table.KindFloat:
		return strconv.AppendFloat(b, v.f, 'g', -1, 64)
	case table.KindBool:
		return strconv.AppendBool(b, v.b)
	case table.KindDate:
		return time.Unix(v.i*86400, 0).UTC().AppendFormat(b, "2006-01-02")
	case table.KindDateTime:
		return time.UnixMicro(v.i).UTC().AppendFormat(b, "2006-01-02T15:04:05.999999Z07:00")
	}
	return append(b, v.s...)
}

// appendJSONString appends s as a JSON string, as encoding/json writes it
// without HTML escaping.
func appendJSONString(b []byte, s string) []byte {
	if plainJSON(s) {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return append(b, bytes.TrimRight(buf.Bytes(), "\n")...)
}

// plainJSON reports whether encoding/json writes s unchanged between
// quotes: valid UTF-8 without control characters, quotes, backslashes,
// U+2028 or U+2029.
func plainJSON(s string) bool {
	high := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c == '"' || c == '\\':
			return false
		case c >= 0x80:
			high = true
		}
	}
	return !high || utf8.ValidString(s) && !strings.Contains(s, "\u2028") && !strings.Contains(s, "\u2029")
}

// encodeCursor returns the cursor after the row with the given sort keys.
func encodeCursor(version string, q *query, cols []column, keys []value, pos int64) string {
	c := cursor{Version: version, Sort: q.sortSpec, Pos: pos}
	for i, sk := range q.sort {
		c.Keys = append(c.Keys, json.RawMessage(appendJSON(nil, cols[sk.col].kind, keys[i])))
	}
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string, q *query, cols []column) (*cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("not a cursor from this API")
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("not a cursor from this API")
	}
	if c.Sort != q.sortSpec {
		return nil, fmt.Errorf("the cursor was made for sort=%q, not sort=%q", c.Sort, q.sortSpec)
	}
	if len(c.Keys) != len(q.sort) || c.Pos < 0 || c.Version == "" {
		return nil, fmt.Errorf("not a cursor from this API")
	}
	for i, sk := range q.sort {
		col := cols[sk.col]
		raw := c.Keys[i]
		if string(raw) == "null" {
			c.keys = append(c.keys, value{null: true})
			continue
		}
		var text string
		switch col.kind {
		case table.KindString, table.KindDate, table.KindDateTime:
			if err := json.Unmarshal(raw, &text); err != nil {
				return nil, fmt.Errorf("not a cursor from this API")
			}
		default:
			text = string(raw)
		}
		v, err := parseValue(col, text)
		if err != nil {
			return nil, fmt.Errorf("not a cursor from this API")
		}
		c.keys = append(c.keys, v)
	}
	return &c, nil
}
