// Package jsonsrc reads records from JSON HTTP APIs (and JSON files) as a
// stream of text records: it follows the API's pagination, finds the
// records at a path in each page, and flattens nested objects into columns.
//
// Pagination styles (datasets.Pagination.Style):
//   - "" (none): one document.
//   - "page": the page parameter (PageParam, default "page") counts up from
//     the value already in the URL (default 0); the size parameter
//     (SizeParam, default "size") is set to Size when Size > 0. Paging stops
//     at an empty page or, when Size is known, a page with fewer records.
//   - "next": each page holds the URL of the next one at NextPath (default
//     "_links.next.href", HAL), absolute or relative; paging stops when it
//     is missing, null or empty.
//   - "cursor": each page holds a cursor at NextPath, sent back as
//     CursorParam (default "cursor") on the first URL; paging stops when the
//     cursor is missing or empty or a page is empty.
//
// MaxPages bounds the pages fetched; a run that stops there says so in the
// report (detected "truncated").
//
// The header is the declared columns followed by the keys of the first
// page's records (at most its first HeaderSample records) in order of first
// appearance, flattened as Flatten describes. Keys first seen later are not
// added (the column set must not change mid-stream); their values are left
// out and the report lists them under detected "keysNotInHeader" with the
// record where each first appeared. Declare them in columns to keep them.
//
// One record may be at most Options.MaxRecordBytes long (64 MiB, as a CSV
// record) and one document, a page or the file, at most
// Options.MaxResponseBytes (4 GiB, as a download); a source over a limit
// fails with an error wrapping ErrTooLarge. A page cut off before its
// Content-Length, or a document that stops mid-way, fails with an error
// wrapping source.ErrTruncated that gives the byte counts.
//
// Values are text: numbers exactly as written in the JSON, booleans
// true/false, null and absent keys as the empty string. The report keeps
// the JSON types each column's values had (source.Report.ColumnTypes), so
// inference can keep a code sent as the string "66.120" as text.
package jsonsrc

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/source"
)

// HeaderSample is the most records buffered to decide the header.
const HeaderSample = 1000

// Options configure a JSON source.
type Options struct {
	// URL is the first page to fetch. Exactly one of URL and Path is set.
	URL string
	// Path is a local JSON file (no pagination).
	Path string
	// RecordsPath is the dotted path of the records array in each page, such
	// as "_embedded.enheter"; empty means the document itself is the array.
	RecordsPath string
	// Pagination says how to find the next page.
	Pagination datasets.Pagination
	// Columns are declared column names (flattened, dotted). They come first
	// in the header, in this order, whether or not the data has them.
	Columns []string
	// FixedColumns makes the header exactly Columns; other keys are left out
	// and reported.
	FixedColumns bool
	// Header holds extra request headers.
	Header http.Header
	// Client fetches the pages; nil means DefaultClient.
	Client *Client
	// MetaPaths are dotted paths of scalars outside the records (such as
	// "page.totalElements") collected from each page and passed to OnPage.
	MetaPaths []string
	// OnPage, when set, is called after each page is read with its 0-based
	// number and the values found at MetaPaths and NextPath. An error stops
	// the read.
	OnPage func(page int, meta map[string]string) error
	// Kind names the source kind in the report; default "json".
	Kind string
	// MaxRecordBytes caps one record (default DefaultMaxRecordBytes) and
	// MaxResponseBytes one document, a page or the file (default
	// DefaultMaxResponseBytes). A source over a limit fails with an error
	// wrapping ErrTooLarge.
	MaxRecordBytes, MaxResponseBytes int64
}

// Reader streams records from a JSON source. It implements source.Reader.
type Reader struct {
	ctx    context.Context
	o      Options
	client *Client

	pageURL  string
	pageNum  int // pages started
	pg       *page
	hasher   hash.Hash
	lastNext string

	header  []string
	index   map[string]int
	extras  map[string]int64
	buffer  []bufRec
	fields  []string
	recNo   int64
	done    bool
	report  source.Report
	rowKeys []kv
	kinds   []uint8 // per header column: the JSON kinds of its non-empty values
}

type kv struct {
	key, value string
	kind       uint8
}

type bufRec struct {
	n   int64
	kvs []kv
}

var _ source.Reader = (*Reader)(nil)

// Open reads the JSON source a definition declares: source.url (or
// source.path), recordsPath, pagination and columns. client may be nil.
func Open(ctx context.Context, def *datasets.Definition, client *Client) (source.Reader, error) {
	s := def.Source
	o := Options{URL: s.URL, RecordsPath: s.RecordsPath, Pagination: s.Pagination, Columns: s.Columns, Client: client}
	if s.Path != "" {
		o.Path = s.Path
		if !filepath.IsAbs(o.Path) && def.Dir != "" {
			o.Path = filepath.Join(def.Dir, o.Path)
		}
	}
	r, err := New(ctx, o)
	if err != nil {
		return nil, fmt.Errorf("dataset %s: extract: %w", def.ID, err)
	}
	return r, nil
}

// New fetches the first page and decides the header.
func New(ctx context.Context, o Options) (*Reader, error) {
	loc := Redact(o.URL)
	if o.Path != "" {
		loc = o.Path
	}
	if (o.URL == "") == (o.Path == "") {
		return nil, &source.Error{Location: loc, Err: errors.New("a JSON source needs exactly one of url and path")}
	}
	p := &o.Pagination
	switch p.Style {
	case "", "none":
	case "page":
		p.PageParam = cmp(p.PageParam, "page")
		p.SizeParam = cmp(p.SizeParam, "size")
	case "next":
		p.NextPath = cmp(p.NextPath, "_links.next.href")
	case "cursor":
		p.CursorParam = cmp(p.CursorParam, "cursor")
		if p.NextPath == "" {
			return nil, &source.Error{Location: loc, Err: errors.New("cursor pagination needs nextPath: where the cursor is in each page")}
		}
	default:
		return nil, &source.Error{Location: loc, Err: fmt.Errorf("unknown pagination style %q (want page, next or cursor)", p.Style)}
	}
	if o.Path != "" && p.Style != "" && p.Style != "none" {
		return nil, &source.Error{Location: loc, Err: errors.New("a local JSON file cannot be paginated")}
	}
	if o.MaxRecordBytes <= 0 {
		o.MaxRecordBytes = DefaultMaxRecordBytes
	}
	if o.MaxResponseBytes <= 0 {
		o.MaxResponseBytes = DefaultMaxResponseBytes
	}
	r := &Reader{ctx: ctx, o: o, client: o.Client, hasher: sha256.New(), index: map[string]int{}, extras: map[string]int64{}}
	if r.client == nil {
		r.client = DefaultClient
	}
	r.report = source.Report{Kind: cmp(o.Kind, "json"), Location: loc, Detected: map[string]string{}}
	r.pageURL = o.URL
	if p.Style == "page" {
		u, err := r.pageURLFor(0)
		if err != nil {
			return nil, &source.Error{Location: loc, Err: err}
		}
		r.pageURL = u
	}
	if err := r.start(); err != nil {
		return nil, err
	}
	for _, c := range o.Columns {
		r.addColumn(c)
	}
	// Buffer the first page (up to HeaderSample records) to learn the keys.
	for len(r.buffer) < HeaderSample && r.pg != nil && r.pageNum == 1 {
		kvs, ok, err := r.nextRecord()
		if err != nil {
			r.Close()
			return nil, err
		}
		if !ok {
			break
		}
		r.recNo++
		r.buffer = append(r.buffer, bufRec{n: r.recNo, kvs: kvs})
		if !o.FixedColumns {
			for _, e := range kvs {
				r.addColumn(e.key)
			}
		}
	}
	if len(r.header) == 0 {
		r.Close()
		return nil, &source.Error{Location: loc, Err: fmt.Errorf("%w: no records at %q and no declared columns", source.ErrEmpty, o.RecordsPath)}
	}
	r.report.Columns = len(r.header)
	return r, nil
}

func cmp(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func (r *Reader) addColumn(c string) {
	if _, ok := r.index[c]; !ok {
		r.index[c] = len(r.header)
		r.header = append(r.header, c)
	}
}

// pageURLFor is the URL of page n (0-based) in page style.
func (r *Reader) pageURLFor(n int) (string, error) {
	u, err := url.Parse(r.o.URL)
	if err != nil {
		return "", err
	}
	q := u.Query()
	first := 0
	if v := q.Get(r.o.Pagination.PageParam); v != "" {
		if first, err = strconv.Atoi(v); err != nil {
			return "", fmt.Errorf("page parameter %s=%q in the URL is not a number", r.o.Pagination.PageParam, v)
		}
	}
	q.Set(r.o.Pagination.PageParam, strconv.Itoa(first+n))
	if r.o.Pagination.Size > 0 {
		q.Set(r.o.Pagination.SizeParam, strconv.Itoa(r.o.Pagination.Size))
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// start opens r.pageURL (or the file) as the next page.
func (r *Reader) start() error {
	loc := r.report.Location
	var body io.ReadCloser
	if r.o.Path != "" {
		f, err := os.Open(r.o.Path)
		if err != nil {
			return &source.Error{Location: loc, Err: err}
		}
		body = f
	} else {
		h := r.o.Header.Clone()
		if h == nil {
			h = http.Header{}
		}
		if h.Get("Accept") == "" {
			h.Set("Accept", "application/json")
		}
		resp, err := r.client.Get(r.ctx, r.pageURL, h)
		if err != nil {
			return &source.Error{Location: loc, Err: fmt.Errorf("page %d: %w", r.pageNum+1, err)}
		}
		if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); strings.Contains(mt, "html") {
			resp.Body.Close()
			return &source.Error{Location: loc, Err: fmt.Errorf("%w: page %d (%s) is %s, not JSON", source.ErrWrongFormat, r.pageNum+1, Redact(r.pageURL), mt)}
		}
		body = &truncationGuard{ReadCloser: resp.Body, want: resp.ContentLength}
	}
	br := bufio.NewReader(io.TeeReader(body, r.hasher))
	if err := sniff(br); err != nil {
		body.Close()
		return &source.Error{Location: loc, Err: fmt.Errorf("page %d: %w", r.pageNum+1, err)}
	}
	lim := NewLimiter(br, r.o.MaxResponseBytes, r.o.MaxRecordBytes)
	dec := json.NewDecoder(lim)
	dec.UseNumber()
	r.pg = &page{dec: dec, lim: lim, body: body, records: splitPath(r.o.RecordsPath), meta: map[string]string{}}
	r.pg.want = map[string]bool{}
	for _, m := range r.o.MetaPaths {
		r.pg.want[m] = true
	}
	if np := r.o.Pagination.NextPath; np != "" && r.o.Pagination.Style != "page" {
		r.pg.want[np] = true
	}
	r.pageNum++
	return nil
}

// sniff checks that the body starts like JSON.
func sniff(br *bufio.Reader) error {
	for {
		b, err := br.Peek(1)
		if err == io.EOF {
			return source.ErrEmpty
		}
		if err != nil {
			return err
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n':
			_, _ = br.ReadByte()
			continue
		case 0xEF: // UTF-8 BOM
			if bom, _ := br.Peek(3); bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF}) {
				_, _ = br.Discard(3)
				continue
			}
		case '{', '[':
			return nil
		}
		head, _ := br.Peek(64)
		return fmt.Errorf("%w: starts with %q, not JSON", source.ErrWrongFormat, head)
	}
}

// nextRecord returns the flattened next record, following pages.
func (r *Reader) nextRecord() ([]kv, bool, error) {
	for {
		if r.pg == nil {
			return nil, false, nil
		}
		ok, err := r.pg.next()
		if err != nil {
			return nil, false, &source.Error{Location: r.report.Location, Err: fmt.Errorf("page %d (%s): %w", r.pageNum, Redact(r.pageURL), r.pg.explain(err))}
		}
		if ok {
			r.rowKeys = r.rowKeys[:0]
			r.pg.lim.StartRecord()
			err := flatten(r.pg.dec, "", func(k, v string, kind uint8) {
				if k == "" {
					k = "value"
				}
				r.rowKeys = append(r.rowKeys, kv{k, v, kind})
			})
			r.pg.lim.EndRecord()
			if err != nil {
				return nil, false, &source.Error{Location: r.report.Location, Err: fmt.Errorf("page %d, record %d: %w", r.pageNum, r.recNo+1, r.pg.explain(err))}
			}
			r.pg.count++
			return slices.Clone(r.rowKeys), true, nil
		}
		if err := r.nextPage(); err != nil {
			return nil, false, err
		}
	}
}

// nextPage closes the finished page and starts the next one, if any.
func (r *Reader) nextPage() error {
	pg := r.pg
	pg.body.Close()
	r.pg = nil
	r.report.Detected["pages"] = strconv.Itoa(r.pageNum)
	if r.o.OnPage != nil {
		if err := r.o.OnPage(r.pageNum-1, pg.meta); err != nil {
			return &source.Error{Location: r.report.Location, Err: err}
		}
	}
	p := r.o.Pagination
	var next string
	switch p.Style {
	case "page":
		if pg.count == 0 || (p.Size > 0 && pg.count < p.Size) {
			return nil
		}
		u, err := r.pageURLFor(r.pageNum)
		if err != nil {
			return err
		}
		next = u
	case "next":
		v := pg.meta[p.NextPath]
		if v == "" {
			return nil
		}
		base, err := url.Parse(r.pageURL)
		if err != nil {
			return err
		}
		ref, err := url.Parse(v)
		if err != nil {
			return &source.Error{Location: r.report.Location, Err: fmt.Errorf("page %d: next link %q: %w", r.pageNum, v, err)}
		}
		next = base.ResolveReference(ref).String()
		if next == r.pageURL {
			return &source.Error{Location: r.report.Location, Err: fmt.Errorf("page %d links to itself as the next page", r.pageNum)}
		}
	case "cursor":
		v := pg.meta[p.NextPath]
		if v == "" || pg.count == 0 {
			return nil
		}
		if v == r.lastNext {
			return &source.Error{Location: r.report.Location, Err: fmt.Errorf("page %d repeats cursor %q", r.pageNum, v)}
		}
		r.lastNext = v
		u, err := url.Parse(r.o.URL)
		if err != nil {
			return err
		}
		q := u.Query()
		q.Set(p.CursorParam, v)
		u.RawQuery = q.Encode()
		next = u.String()
	default:
		return nil
	}
	if p.MaxPages > 0 && r.pageNum >= p.MaxPages {
		r.report.Detected["truncated"] = fmt.Sprintf("stopped after maxPages=%d; more pages remain", p.MaxPages)
		return nil
	}
	r.pageURL = next
	return r.start()
}

// Header returns the column names.
func (r *Reader) Header() []string { return r.header }

// Read returns the next record. Record.Line is the 1-based record number
// across all pages.
func (r *Reader) Read() (source.Record, error) {
	if r.done {
		return source.Record{}, io.EOF
	}
	var rec bufRec
	if len(r.buffer) > 0 {
		rec = r.buffer[0]
		r.buffer[0] = bufRec{}
		r.buffer = r.buffer[1:]
	} else {
		kvs, ok, err := r.nextRecord()
		if err != nil {
			return source.Record{}, err
		}
		if !ok {
			r.done = true
			r.finish()
			return source.Record{}, io.EOF
		}
		r.recNo++
		rec = bufRec{n: r.recNo, kvs: kvs}
	}
	if cap(r.fields) < len(r.header) {
		r.fields = make([]string, len(r.header))
	}
	r.fields = r.fields[:len(r.header)]
	clear(r.fields)
	if len(r.kinds) < len(r.header) {
		r.kinds = append(r.kinds, make([]uint8, len(r.header)-len(r.kinds))...)
	}
	for _, e := range rec.kvs {
		i, ok := r.index[e.key]
		if !ok {
			if _, seen := r.extras[e.key]; !seen {
				r.extras[e.key] = rec.n
			}
			continue
		}
		r.fields[i] = e.value
		if e.value != "" {
			r.kinds[i] |= e.kind
		}
	}
	r.report.Rows++
	return source.Record{Line: rec.n, Fields: r.fields}, nil
}

func (r *Reader) finish() {
	r.report.ContentHash = hex.EncodeToString(r.hasher.Sum(nil))
}

// Report describes the pages read so far. ContentHash (over the bytes of
// all pages) is set once the last record was read.
func (r *Reader) Report() source.Report {
	rep := r.report
	if len(r.extras) > 0 {
		keys := make([]string, 0, len(r.extras))
		for k := range r.extras {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s (record %d)", k, r.extras[k])
		}
		rep.Detected = maps.Clone(rep.Detected)
		rep.Detected["keysNotInHeader"] = strings.Join(parts, ", ")
	}
	rep.ColumnTypes = columnTypes(r.header, r.kinds)
	return rep
}

// columnTypes names the JSON kinds seen in each column (see
// source.Report.ColumnTypes); columns with only nulls are left out.
func columnTypes(header []string, kinds []uint8) map[string]string {
	var m map[string]string
	for i, k := range kinds {
		var t string
		switch {
		case k == 0:
			continue
		case k&kindString != 0:
			t = source.TypeString
		case k == kindNumber:
			t = source.TypeNumber
		case k == kindBool:
			t = source.TypeBoolean
		default:
			t = source.TypeMixed
		}
		if m == nil {
			m = make(map[string]string, len(header))
		}
		m[header[i]] = t
	}
	return m
}

// Close releases the current page.
func (r *Reader) Close() error {
	if r.pg != nil {
		err := r.pg.body.Close()
		r.pg = nil
		return err
	}
	return nil
}

// Redact removes what may be secret from a URL for reports and errors:
// user info and query values (API keys are often sent as parameters); the
// query's parameter names stay.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User = nil
	if u.RawQuery != "" {
		q := u.Query()
		names := make([]string, 0, len(q))
		for k := range q {
			names = append(names, k+"=…")
		}
		sort.Strings(names)
		u.RawQuery = strings.Join(names, "&")
	}
	return u.String()
}

func splitPath(p string) string { return strings.Trim(p, ".") }

// page walks one JSON document token by token: it stops inside the records
// array for each record, collects the scalars at the wanted paths, and
// skips everything else without keeping it.
type page struct {
	dec     *json.Decoder
	lim     *Limiter
	body    io.Closer
	records string          // dotted path of the records array
	want    map[string]bool // dotted paths of scalars to collect
	meta    map[string]string
	stack   []string // dotted paths of the open objects
	started bool
	inArray bool
	ended   bool
	count   int
}

// explain explains an error of the decoder: a document that stops before it
// is complete (io.EOF or io.ErrUnexpectedEOF inside it) is a truncated
// source, not a malformed one.
func (p *page) explain(err error) error {
	if (err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF)) && !errors.Is(err, source.ErrTruncated) {
		return fmt.Errorf("%w: the JSON document ends after %d bytes, before it is complete", source.ErrTruncated, p.lim.N())
	}
	return err
}

// interesting reports whether path is, or leads to, a path we need.
func (p *page) interesting(path string) bool {
	if path == p.records || strings.HasPrefix(p.records, path+".") {
		return true
	}
	for w := range p.want {
		if w == path || strings.HasPrefix(w, path+".") {
			return true
		}
	}
	return false
}

// next positions the decoder before the next record and returns true, or
// reads to the end of the document and returns false.
func (p *page) next() (bool, error) {
	for {
		if p.inArray {
			if p.dec.More() {
				return true, nil
			}
			if _, err := p.dec.Token(); err != nil {
				return false, err
			}
			p.inArray = false
			continue
		}
		if p.ended {
			return false, nil
		}
		if !p.started {
			p.started = true
			tok, err := p.dec.Token()
			if err == io.EOF {
				return false, source.ErrEmpty
			}
			if err != nil {
				return false, err
			}
			switch tok {
			case json.Delim('['):
				if p.records != "" {
					return false, fmt.Errorf("%w: the document is an array, but recordsPath %q expects an object", source.ErrWrongFormat, p.records)
				}
				p.inArray, p.ended = true, true
			case json.Delim('{'):
				if p.records == "" {
					return false, fmt.Errorf("%w: the document is an object; set recordsPath to the array of records", source.ErrWrongFormat)
				}
				p.stack = append(p.stack, "")
			default:
				return false, fmt.Errorf("%w: the document is not an object or array", source.ErrWrongFormat)
			}
			continue
		}
		if !p.dec.More() {
			if _, err := p.dec.Token(); err != nil {
				return false, err
			}
			p.stack = p.stack[:len(p.stack)-1]
			if len(p.stack) == 0 {
				p.ended = true // a page without the records path has none
			}
			continue
		}
		kt, err := p.dec.Token()
		if err != nil {
			return false, err
		}
		key, _ := kt.(string)
		path := key
		if top := p.stack[len(p.stack)-1]; top != "" {
			path = top + "." + key
		}
		if !p.interesting(path) {
			if err := skipValue(p.dec); err != nil {
				return false, err
			}
			continue
		}
		tok, err := p.dec.Token()
		if err != nil {
			return false, err
		}
		switch tok {
		case json.Delim('{'):
			if path == p.records {
				return false, fmt.Errorf("%w: %q is an object, not an array of records", source.ErrWrongFormat, path)
			}
			p.stack = append(p.stack, path)
		case json.Delim('['):
			if path == p.records {
				p.inArray = true
				continue
			}
			if err := skipRest(p.dec); err != nil {
				return false, err
			}
		default:
			if p.want[path] {
				p.meta[path] = scalar(tok)
			}
		}
	}
}

// skipRest skips the rest of an array or object whose opening delimiter
// was read.
func skipRest(dec *json.Decoder) error {
	depth := 1
	for depth > 0 {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}
