// Package brreg reads organisations (enheter) from Enhetsregisteret, the
// Norwegian register of legal entities run by Brønnøysundregistrene, as
// master data: one record per organisation with a fixed set of columns
// (Columns), filtered by municipality and organisation form.
//
// Two ways in:
//   - the paged search API (GET {base}/enheter?kommunenummer=…&size=…),
//     HAL pages with _embedded.enheter, followed by their next links. The
//     API serves at most 10,000 hits per search (page × size ≤ 10,000); a
//     search with more fails with a message pointing at the bulk download;
//   - the bulk download (GET {base}/enheter/lastned, or a local copy): a
//     gzipped JSON array of every organisation in the register, decoded one
//     organisation at a time and filtered here, so memory stays flat.
//
// Organisation numbers, postnummer and kommunenummer are strings in the
// register's JSON and stay strings with their leading zeros. Address lines
// (an array) are joined with "; ". The contact columns (telefon, mobil,
// epostadresse) are left out on purpose: for sole proprietorships they
// reach a person.
package brreg

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/source"
	"github.com/dele-opendata/dele/internal/source/jsonsrc"
)

// DefaultBaseURL is the root of Enhetsregisteret's open API.
const DefaultBaseURL = "https://data.brreg.no/enhetsregisteret/api"

// MaxSearchHits is the most hits the search API pages through.
const MaxSearchHits = 10000

// bulkAccept is the media type of the gzipped bulk download.
const bulkAccept = "application/vnd.brreg.enhetsregisteret.enhet.v2+gzip;charset=UTF-8"

// Columns are the master-data columns read for each organisation, in
// order. Nested fields are dotted, as jsonsrc.Flatten names them.
var Columns = func() []string {
	out := make([]string, len(columns))
	for i, c := range columns {
		out[i] = c.name
	}
	return out
}()

// enhet holds the fields of one organisation that Columns read. The bulk
// reader decodes into it (much faster than token-by-token flattening);
// TestBulkMatchesSearch checks that both ways give the same records.
type enhet struct {
	Organisasjonsnummer                       string      `json:"organisasjonsnummer"`
	Navn                                      string      `json:"navn"`
	Organisasjonsform                         kode        `json:"organisasjonsform"`
	Naeringskode1                             kode        `json:"naeringskode1"`
	Naeringskode2                             kode        `json:"naeringskode2"`
	Naeringskode3                             kode        `json:"naeringskode3"`
	InstitusjonellSektorkode                  kode        `json:"institusjonellSektorkode"`
	AntallAnsatte                             json.Number `json:"antallAnsatte"`
	HarRegistrertAntallAnsatte                *bool       `json:"harRegistrertAntallAnsatte"`
	Hjemmeside                                string      `json:"hjemmeside"`
	Forretningsadresse                        adresse     `json:"forretningsadresse"`
	Postadresse                               adresse     `json:"postadresse"`
	Stiftelsesdato                            string      `json:"stiftelsesdato"`
	RegistreringsdatoEnhetsregisteret         string      `json:"registreringsdatoEnhetsregisteret"`
	RegistrertIMvaregisteret                  *bool       `json:"registrertIMvaregisteret"`
	RegistrertIForetaksregisteret             *bool       `json:"registrertIForetaksregisteret"`
	OverordnetEnhet                           string      `json:"overordnetEnhet"`
	Konkurs                                   *bool       `json:"konkurs"`
	UnderAvvikling                            *bool       `json:"underAvvikling"`
	UnderTvangsavviklingEllerTvangsopplosning *bool       `json:"underTvangsavviklingEllerTvangsopplosning"`
	Slettedato                                string      `json:"slettedato"`
}

type kode struct {
	Kode        string `json:"kode"`
	Beskrivelse string `json:"beskrivelse"`
}

type adresse struct {
	Adresse       []string `json:"adresse"`
	Postnummer    string   `json:"postnummer"`
	Poststed      string   `json:"poststed"`
	Kommunenummer string   `json:"kommunenummer"`
	Kommune       string   `json:"kommune"`
	Landkode      string   `json:"landkode"`
}

func boolText(b *bool) string {
	if b == nil {
		return ""
	}
	return strconv.FormatBool(*b)
}

var columns = []struct {
	name string
	get  func(e *enhet) string
}{
	{"organisasjonsnummer", func(e *enhet) string { return e.Organisasjonsnummer }},
	{"navn", func(e *enhet) string { return e.Navn }},
	{"organisasjonsform.kode", func(e *enhet) string { return e.Organisasjonsform.Kode }},
	{"organisasjonsform.beskrivelse", func(e *enhet) string { return e.Organisasjonsform.Beskrivelse }},
	{"naeringskode1.kode", func(e *enhet) string { return e.Naeringskode1.Kode }},
	{"naeringskode1.beskrivelse", func(e *enhet) string { return e.Naeringskode1.Beskrivelse }},
	{"naeringskode2.kode", func(e *enhet) string { return e.Naeringskode2.Kode }},
	{"naeringskode3.kode", func(e *enhet) string { return e.Naeringskode3.Kode }},
	{"institusjonellSektorkode.kode", func(e *enhet) string { return e.InstitusjonellSektorkode.Kode }},
	{"antallAnsatte", func(e *enhet) string { return e.AntallAnsatte.String() }},
	{"harRegistrertAntallAnsatte", func(e *enhet) string { return boolText(e.HarRegistrertAntallAnsatte) }},
	{"hjemmeside", func(e *enhet) string { return e.Hjemmeside }},
	{"forretningsadresse.adresse", func(e *enhet) string { return strings.Join(e.Forretningsadresse.Adresse, jsonsrc.ArraySeparator) }},
	{"forretningsadresse.postnummer", func(e *enhet) string { return e.Forretningsadresse.Postnummer }},
	{"forretningsadresse.poststed", func(e *enhet) string { return e.Forretningsadresse.Poststed }},
	{"forretningsadresse.kommunenummer", func(e *enhet) string { return e.Forretningsadresse.Kommunenummer }},
	{"forretningsadresse.kommune", func(e *enhet) string { return e.Forretningsadresse.Kommune }},
	{"forretningsadresse.landkode", func(e *enhet) string { return e.Forretningsadresse.Landkode }},
	{"postadresse.adresse", func(e *enhet) string { return strings.Join(e.Postadresse.Adresse, jsonsrc.ArraySeparator) }},
	{"postadresse.postnummer", func(e *enhet) string { return e.Postadresse.Postnummer }},
	{"postadresse.poststed", func(e *enhet) string { return e.Postadresse.Poststed }},
	{"postadresse.kommunenummer", func(e *enhet) string { return e.Postadresse.Kommunenummer }},
	{"postadresse.kommune", func(e *enhet) string { return e.Postadresse.Kommune }},
	{"postadresse.landkode", func(e *enhet) string { return e.Postadresse.Landkode }},
	{"stiftelsesdato", func(e *enhet) string { return e.Stiftelsesdato }},
	{"registreringsdatoEnhetsregisteret", func(e *enhet) string { return e.RegistreringsdatoEnhetsregisteret }},
	{"registrertIMvaregisteret", func(e *enhet) string { return boolText(e.RegistrertIMvaregisteret) }},
	{"registrertIForetaksregisteret", func(e *enhet) string { return boolText(e.RegistrertIForetaksregisteret) }},
	{"overordnetEnhet", func(e *enhet) string { return e.OverordnetEnhet }},
	{"konkurs", func(e *enhet) string { return boolText(e.Konkurs) }},
	{"underAvvikling", func(e *enhet) string { return boolText(e.UnderAvvikling) }},
	{"underTvangsavviklingEllerTvangsopplosning", func(e *enhet) string { return boolText(e.UnderTvangsavviklingEllerTvangsopplosning) }},
	{"slettedato", func(e *enhet) string { return e.Slettedato }},
}

// Options select organisations.
type Options struct {
	// BaseURL is the API root (default DefaultBaseURL; a trailing
	// /enheter is accepted too); tests point it at a local server.
	BaseURL string
	// Bulk reads the bulk download instead of the paged search.
	Bulk bool
	// BulkURL is the bulk download (default BaseURL + "/enheter/lastned").
	BulkURL string
	// BulkPath is a local copy of the bulk download (gzipped or plain JSON
	// array); it implies Bulk.
	BulkPath string
	// Kommunenummer keeps organisations whose forretningsadresse is in one
	// of these municipalities (4 digits, leading zeros). Empty keeps all.
	Kommunenummer []string
	// Organisasjonsform keeps these organisation forms (AS, ASA, KOMM, …).
	Organisasjonsform []string
	// PageSize is the search page size (default 500).
	PageSize int
	// Client fetches pages and the download; nil means jsonsrc's
	// DefaultClient for pages and a client without an overall timeout for
	// the download.
	Client *jsonsrc.Client
}

// Open reads the organisations a definition with source type brreg asks
// for: kommunenummer and organisasjonsform filter them; source.path names a
// local bulk file; source.url is the API root, or the bulk download when it
// ends in /lastned or .gz. client may be nil.
func Open(ctx context.Context, def *datasets.Definition, client *jsonsrc.Client) (source.Reader, error) {
	s := def.Source
	o := Options{Kommunenummer: s.Kommunenummer, Organisasjonsform: s.Organisasjonsform, PageSize: s.Pagination.Size, Client: client}
	switch {
	case s.Path != "":
		o.BulkPath = s.Path
		if !filepath.IsAbs(o.BulkPath) && def.Dir != "" {
			o.BulkPath = filepath.Join(def.Dir, o.BulkPath)
		}
	case strings.HasSuffix(s.URL, "/lastned") || strings.HasSuffix(s.URL, ".gz"):
		o.Bulk, o.BulkURL = true, s.URL
	default:
		o.BaseURL = s.URL
	}
	r, err := New(ctx, o)
	if err != nil {
		return nil, fmt.Errorf("dataset %s: extract: %w", def.ID, err)
	}
	return r, nil
}

// New starts reading organisations.
func New(ctx context.Context, o Options) (source.Reader, error) {
	for _, k := range o.Kommunenummer {
		if len(k) != 4 || strings.Trim(k, "0123456789") != "" {
			return nil, fmt.Errorf("brreg: kommunenummer %q is not 4 digits (write it as a string with its leading zero, \"0301\")", k)
		}
	}
	o.BaseURL = strings.TrimSuffix(strings.TrimRight(o.BaseURL, "/"), "/enheter")
	if o.BaseURL == "" {
		o.BaseURL = DefaultBaseURL
	}
	if o.Bulk || o.BulkPath != "" || o.BulkURL != "" {
		return newBulk(ctx, o)
	}
	return newSearch(ctx, o)
}

// newSearch pages through the search API.
func newSearch(ctx context.Context, o Options) (source.Reader, error) {
	size := o.PageSize
	if size <= 0 {
		size = 500
	}
	q := url.Values{}
	if len(o.Kommunenummer) > 0 {
		q.Set("kommunenummer", strings.Join(o.Kommunenummer, ","))
	}
	if len(o.Organisasjonsform) > 0 {
		q.Set("organisasjonsform", strings.Join(o.Organisasjonsform, ","))
	}
	q.Set("size", strconv.Itoa(size))
	first := o.BaseURL + "/enheter?" + q.Encode()
	return jsonsrc.New(ctx, jsonsrc.Options{
		URL:          first,
		Kind:         "brreg",
		RecordsPath:  "_embedded.enheter",
		Pagination:   datasets.Pagination{Style: "next", NextPath: "_links.next.href"},
		Columns:      Columns,
		FixedColumns: true,
		Header:       http.Header{"Accept": {"application/json"}},
		Client:       o.Client,
		MetaPaths:    []string{"page.totalElements"},
		OnPage: func(page int, meta map[string]string) error {
			if page > 0 {
				return nil
			}
			total, _ := strconv.Atoi(meta["page.totalElements"])
			if total > MaxSearchHits {
				return fmt.Errorf("the search matches %d organisations, but Enhetsregisteret's search API serves at most %d: read the bulk download instead (url: %s/enheter/lastned)", total, MaxSearchHits, o.BaseURL)
			}
			return nil
		},
	})
}

// bulkReader streams the bulk download.
type bulkReader struct {
	body    io.Closer
	gz      *gzip.Reader
	dec     *json.Decoder
	lim     *jsonsrc.Limiter
	hasher  hash.Hash
	kommune map[string]bool
	form    map[string]bool
	e       enhet
	fields  []string
	item    int64
	done    bool
	report  source.Report
}

func set(list []string) map[string]bool {
	if len(list) == 0 {
		return nil
	}
	m := map[string]bool{}
	for _, v := range list {
		m[v] = true
	}
	return m
}

func newBulk(ctx context.Context, o Options) (source.Reader, error) {
	var body io.ReadCloser
	loc := o.BulkPath
	if loc != "" {
		f, err := os.Open(loc)
		if err != nil {
			return nil, &source.Error{Location: loc, Err: err}
		}
		body = f
	} else {
		loc = o.BulkURL
		if loc == "" {
			loc = o.BaseURL + "/enheter/lastned"
		}
		c := o.Client
		if c == nil {
			// The download is large: bound the wait for the answer, not
			// the whole transfer.
			c = jsonsrc.NewClient(0)
			c.HTTP.Transport = &http.Transport{Proxy: http.ProxyFromEnvironment, ResponseHeaderTimeout: 2 * time.Minute, IdleConnTimeout: 90 * time.Second}
		}
		resp, err := c.Get(ctx, loc, http.Header{"Accept": {bulkAccept}})
		if err != nil {
			return nil, &source.Error{Location: loc, Err: err}
		}
		body = jsonsrc.GuardTruncation(resp.Body, resp.ContentLength)
	}
	return fromBody(body, loc, o)
}

// fromBody reads a bulk download from body, which it closes.
func fromBody(body io.ReadCloser, loc string, o Options) (*bulkReader, error) {
	r := &bulkReader{body: body, hasher: sha256.New(), kommune: set(o.Kommunenummer), form: set(o.Organisasjonsform),
		fields: make([]string, len(Columns)), report: source.Report{Kind: "brreg", Location: loc, Columns: len(Columns), Detected: map[string]string{"mode": "bulk"}}}
	br := bufio.NewReaderSize(io.TeeReader(body, r.hasher), 1<<16)
	var in io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			body.Close()
			return nil, &source.Error{Location: loc, Err: err}
		}
		r.gz, in = gz, gz
		r.report.Encoding = "gzip"
	}
	// One organisation is a few kB: cap it as the JSON reader caps a
	// record. The download as a whole is not capped (it is the register).
	r.lim = jsonsrc.NewLimiter(in, 0, jsonsrc.DefaultMaxRecordBytes)
	r.dec = json.NewDecoder(r.lim)
	r.dec.UseNumber()
	tok, err := r.dec.Token()
	if err != nil || tok != json.Delim('[') {
		body.Close()
		if err == io.EOF {
			return nil, &source.Error{Location: loc, Err: source.ErrEmpty}
		}
		return nil, &source.Error{Location: loc, Err: fmt.Errorf("%w: the bulk download is not a JSON array (%v)", source.ErrWrongFormat, err)}
	}
	return r, nil
}

func (r *bulkReader) Header() []string { return Columns }

// explain marks a download that stops before its end (io.EOF before the
// closing bracket, or the decoder's or gzip's io.ErrUnexpectedEOF) as
// truncated.
func (r *bulkReader) explain(err error) error {
	if (err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF)) && !errors.Is(err, source.ErrTruncated) {
		return fmt.Errorf("%w: the JSON ends after %d bytes, before the end of the array", source.ErrTruncated, r.lim.N())
	}
	return err
}

// Read returns the next organisation that passes the filters. Record.Line
// is its 1-based position in the download.
func (r *bulkReader) Read() (source.Record, error) {
	if r.done {
		return source.Record{}, io.EOF
	}
	for r.dec.More() {
		r.item++
		r.e = enhet{}
		r.lim.StartRecord()
		err := r.dec.Decode(&r.e)
		r.lim.EndRecord()
		if err != nil {
			return source.Record{}, &source.Error{Location: r.report.Location, Err: fmt.Errorf("organisation %d in the download: %w", r.item, r.explain(err))}
		}
		if (r.kommune != nil && !r.kommune[r.e.Forretningsadresse.Kommunenummer]) || (r.form != nil && !r.form[r.e.Organisasjonsform.Kode]) {
			continue
		}
		for i, c := range columns {
			r.fields[i] = c.get(&r.e)
		}
		r.report.Rows++
		return source.Record{Line: r.item, Fields: r.fields}, nil
	}
	if _, err := r.dec.Token(); err != nil { // ']'
		return source.Record{}, &source.Error{Location: r.report.Location, Err: fmt.Errorf("after organisation %d: %w", r.item, r.explain(err))}
	}
	if r.gz != nil {
		// Read to the end so the gzip checksum is verified and the hash
		// covers every byte.
		if _, err := io.Copy(io.Discard, r.gz); err != nil {
			return source.Record{}, &source.Error{Location: r.report.Location, Err: fmt.Errorf("after organisation %d: %w", r.item, r.explain(err))}
		}
	}
	r.done = true
	r.report.ContentHash = hex.EncodeToString(r.hasher.Sum(nil))
	r.report.Detected["scanned"] = strconv.FormatInt(r.item, 10)
	return source.Record{}, io.EOF
}

func (r *bulkReader) Report() source.Report {
	rep := r.report
	rep.Detected = map[string]string{}
	for k, v := range r.report.Detected {
		rep.Detected[k] = v
	}
	rep.ColumnTypes = maps.Clone(bulkTypes)
	return rep
}

// bulkTypes are the JSON types of Columns in the bulk download, as the
// enhet struct decodes them (a value of another type fails the read): text,
// except the number of employees and the flags.
var bulkTypes = func() map[string]string {
	m := make(map[string]string, len(Columns))
	for _, c := range Columns {
		m[c] = source.TypeString
	}
	m["antallAnsatte"] = source.TypeNumber
	for _, c := range []string{"harRegistrertAntallAnsatte", "registrertIMvaregisteret", "registrertIForetaksregisteret",
		"konkurs", "underAvvikling", "underTvangsavviklingEllerTvangsopplosning"} {
		m[c] = source.TypeBoolean
	}
	return m
}()

func (r *bulkReader) Close() error {
	var errs []error
	if r.gz != nil {
		errs = append(errs, r.gz.Close())
	}
	errs = append(errs, r.body.Close())
	return errors.Join(errs...)
}
