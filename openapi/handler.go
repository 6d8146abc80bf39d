package openapi

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/config"
	"github.com/dele-opendata/dele/internal/publish"
	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/internal/table"
)

// Options configure the API handler.
type Options struct {
	// Config is the installation's configuration (API URL, catalog).
	Config *config.Config
	// Definitions are the registered datasets.
	Definitions []*datasets.Definition
	// Store is the public store the datasets are published to.
	Store store.Store
	// Prefix is the path the API is mounted under ("" or "/api"); it must
	// match the path of Config.APIURL for the links to work.
	Prefix string
	// Limits bound each request; zero fields take defaults.
	Limits Limits
	// Refresh is how often the published manifests are re-read (default
	// 30 s; negative: never after the first load).
	Refresh time.Duration
	// CacheDir holds local copies of Parquet files for stores without
	// ranged reads (default: a folder under os.TempDir()).
	CacheDir string
	// Logger receives what cannot be answered to the client: a rows
	// response that failed after its first byte (default slog.Default()).
	Logger *slog.Logger
}

// Handler serves the open query API. It is an http.Handler, so the same
// value runs behind net/http (dele serve) and behind API Gateway through
// an adapter from the Lambda event to an *http.Request.
type Handler struct {
	opts  Options
	lim   Limits
	files *parquetFiles
	log   *slog.Logger

	mu       sync.Mutex
	versions map[string]*versionEntry
	snap     *snapshot
	loaded   time.Time
	loading  chan struct{}
}

// snapshot is the API as of one reading of the manifests.
type snapshot struct {
	doc     *openapi3.T
	docJSON []byte
	router  routers.Router
	entries map[string]*apiDataset
	order   []string
}

type apiDataset struct {
	Entry
	cols []column
	ix   filterIndex
}

// NewHandler reads the published manifests, builds the OpenAPI document
// and returns the handler serving it.
func NewHandler(ctx context.Context, opts Options) (*Handler, error) {
	if opts.Config == nil || opts.Store == nil {
		return nil, errors.New("openapi: NewHandler needs a Config and a Store")
	}
	opts.Prefix = strings.TrimRight(opts.Prefix, "/")
	if opts.Refresh == 0 {
		opts.Refresh = 30 * time.Second
	}
	if opts.CacheDir == "" {
		opts.CacheDir = filepath.Join(os.TempDir(), "dele-api-cache")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	h := &Handler{opts: opts, lim: opts.Limits.withDefaults(), log: opts.Logger,
		files:    &parquetFiles{st: opts.Store, dir: opts.CacheDir, files: map[string]*parquetFile{}},
		versions: map[string]*versionEntry{}}
	snap, err := h.load(ctx)
	if err != nil {
		return nil, err
	}
	h.snap, h.loaded = snap, time.Now()
	return h, nil
}

// Document returns the current OpenAPI document.
func (h *Handler) Document(ctx context.Context) (*openapi3.T, error) {
	s, err := h.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	return s.doc, nil
}

// LoadEntries reads the latest manifest of each definition from st, and
// the first row of each public dataset as its example.
func LoadEntries(ctx context.Context, st store.Store, defs []*datasets.Definition) ([]Entry, error) {
	var out []Entry
	files := &parquetFiles{st: st, dir: filepath.Join(os.TempDir(), "dele-api-cache"), files: map[string]*parquetFile{}}
	for _, d := range defs {
		e := Entry{Definition: d}
		b, err := store.ReadAll(ctx, st, publish.LatestKey(d.ID))
		switch {
		case errors.Is(err, store.ErrNotExist):
		case err != nil:
			return nil, fmt.Errorf("dataset %s: %w", d.ID, err)
		default:
			var m publish.Manifest
			if err := json.Unmarshal(b, &m); err != nil {
				return nil, fmt.Errorf("dataset %s: read %s: %w", d.ID, publish.LatestKey(d.ID), err)
			}
			e.Manifest = &m
		}
		if e.Public() {
			ex, err := exampleRow(ctx, files, e.Manifest)
			if err != nil {
				return nil, fmt.Errorf("dataset %s: example row: %w", d.ID, err)
			}
			e.Example = ex
		}
		out = append(out, e)
	}
	return out, nil
}

func exampleRow(ctx context.Context, files *parquetFiles, m *publish.Manifest) (map[string]any, error) {
	cols := columnsOf(m)
	pf, err := files.open(ctx, parquetKey(m))
	if err != nil {
		return nil, err
	}
	q := &query{limit: 1}
	for i := range cols {
		q.sel = append(q.sel, i)
	}
	sel, err := selectRows(ctx, pf, q, cols)
	if err != nil {
		return nil, err
	}
	em := newEmitter(pf, sel, cols, q.sel)
	if n, err := em.load(ctx); err != nil || n == 0 {
		return nil, err
	}
	ex := map[string]any{}
	for i, c := range cols {
		var v any
		if err := json.Unmarshal(appendJSON(nil, c.kind, em.row(0)[i]), &v); err != nil {
			return nil, err
		}
		if v != nil {
			ex[c.name] = v
		}
	}
	return ex, nil
}

func columnsOf(m *publish.Manifest) []column {
	cols := make([]column, len(m.Schema.Fields))
	for i, f := range m.Schema.Fields {
		cols[i] = column{name: f.Name, typ: f.Type, kind: table.KindOf(f.Type), scale: -1}
		if cols[i].kind == table.KindFloat {
			cols[i].scale = decimalScale(f.Format)
		}
	}
	return cols
}

func parquetKey(m *publish.Manifest) string {
	if f, ok := m.File(publish.FileParquet); ok && f.Key != "" {
		return f.Key
	}
	return publish.VersionPrefix(m.Dataset, m.Version) + publish.FileParquet
}

func (h *Handler) load(ctx context.Context) (*snapshot, error) {
	entries, err := LoadEntries(ctx, h.opts.Store, h.opts.Definitions)
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	doc, err := Build(h.opts.Config, entries)
	if err != nil {
		return nil, err
	}
	docJSON, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("openapi: encode document: %w", err)
	}
	// Route on a copy whose only server is the mount path, so requests
	// match whatever host they arrive on (loopback, API Gateway).
	rdoc, err := openapi3.NewLoader().LoadFromData(docJSON)
	if err != nil {
		return nil, fmt.Errorf("openapi: copy document: %w", err)
	}
	rdoc.Servers = openapi3.Servers{{URL: h.opts.Prefix + "/"}}
	router, err := gorillamux.NewRouter(rdoc)
	if err != nil {
		return nil, fmt.Errorf("openapi: router: %w", err)
	}
	s := &snapshot{doc: doc, docJSON: append(docJSON, '\n'), router: router, entries: map[string]*apiDataset{}}
	for _, e := range entries {
		ds := &apiDataset{Entry: e}
		if e.Public() {
			ds.cols = columnsOf(e.Manifest)
			ds.ix = newFilterIndex(ds.cols)
		}
		s.entries[e.Definition.ID] = ds
		s.order = append(s.order, e.Definition.ID)
	}
	sort.Strings(s.order)
	return s, nil
}

// snapshot returns the current snapshot, reloading it when it is older
// than Refresh. One request reloads; the others keep using the old one.
func (h *Handler) snapshot(ctx context.Context) (*snapshot, error) {
	h.mu.Lock()
	s := h.snap
	if h.opts.Refresh < 0 || time.Since(h.loaded) < h.opts.Refresh || h.loading != nil {
		h.mu.Unlock()
		return s, nil
	}
	done := make(chan struct{})
	h.loading = done
	h.mu.Unlock()
	ns, err := h.load(ctx)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.loading = nil
	close(done)
	if err != nil {
		// Keep serving the last good snapshot; try again next time.
		h.loaded = time.Now()
		return s, nil //nolint:nilerr // a failed refresh keeps the old API
	}
	h.snap, h.loaded = ns, time.Now()
	return ns, nil
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Access-Control-Allow-Origin", "*")
	hd.Set("Access-Control-Expose-Headers", "ETag, Link, Content-Encoding")
	if r.Method == http.MethodOptions {
		hd.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
		hd.Set("Access-Control-Allow-Headers", "Accept, Accept-Encoding, If-None-Match, Content-Type")
		hd.Set("Access-Control-Max-Age", "86400")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hd.Set("Allow", "GET, HEAD, OPTIONS")
		writeProblem(w, r, http.StatusMethodNotAllowed, "", "only GET, HEAD and OPTIONS are served", "")
		return
	}
	if len(r.URL.RawQuery) > h.lim.MaxQueryBytes {
		writeProblem(w, r, http.StatusRequestURITooLong, "", fmt.Sprintf("the query string has %d bytes, more than %d", len(r.URL.RawQuery), h.lim.MaxQueryBytes),
			"use fewer filters or <column>.in values, or download the whole file")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.lim.Timeout)
	defer cancel()
	s, err := h.snapshot(ctx)
	if err != nil {
		writeProblem(w, r, http.StatusServiceUnavailable, "", err.Error(), "")
		return
	}
	// Route and validate as GET (HEAD is GET without a body).
	vr := r.WithContext(ctx)
	if r.Method == http.MethodHead {
		vr = vr.Clone(ctx)
		vr.Method = http.MethodGet
	}
	route, pathParams, err := s.router.FindRoute(vr)
	if err != nil {
		detail := "no such path; see " + h.opts.Prefix + "/openapi.json"
		if id, ok := rowsPathID(strings.TrimPrefix(r.URL.Path, h.opts.Prefix)); ok {
			if ds := s.entries[id]; ds == nil {
				detail = fmt.Sprintf("no dataset %q", id)
			} else if ds.Definition.Access != datasets.AccessPublic {
				detail = fmt.Sprintf("dataset %q is %s: its rows are not served", id, ds.Definition.Access)
			} else {
				detail = fmt.Sprintf("dataset %q has no published version yet", id)
			}
		}
		writeProblem(w, r, http.StatusNotFound, "", detail, "")
		return
	}
	in := &openapi3filter.RequestValidationInput{Request: vr, PathParams: pathParams, Route: route,
		Options: &openapi3filter.Options{SkipSettingDefaults: true, MultiError: false}}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
		param, detail := "", err.Error()
		var re *openapi3filter.RequestError
		if errors.As(err, &re) && re.Parameter != nil {
			param = re.Parameter.Name
			detail = re.Reason
			if re.Err != nil {
				detail = strings.TrimSpace(strings.TrimPrefix(detail+": "+shortErr(re.Err), ": "))
			}
		}
		writeProblem(w, r, http.StatusBadRequest, param, detail, "see this path's parameters in "+h.opts.Prefix+"/openapi.json")
		return
	}
	op := route.Operation.OperationID
	if op == "getOpenAPI" || op == "listDatasets" || op == "getDataset" {
		for name := range r.URL.Query() {
			writeProblem(w, r, http.StatusBadRequest, name, "unknown parameter", "this path takes no query parameters")
			return
		}
	}
	switch {
	case op == "getOpenAPI":
		h.serveBytes(w, r, s.docJSON, "application/json", "public, max-age=300")
	case op == "listDatasets":
		h.serveJSON(w, r, h.datasetList(s), "public, max-age=60")
	case op == "getDataset":
		ds := s.entries[pathParams["id"]]
		if ds == nil {
			writeProblem(w, r, http.StatusNotFound, "id", fmt.Sprintf("no dataset %q", pathParams["id"]), "GET /datasets lists them")
			return
		}
		h.serveJSON(w, r, h.datasetDetail(ds), "public, max-age=60")
	default:
		id, _ := rowsPathID(route.Path)
		if strings.Contains(route.Path, "/versions/") {
			id = strings.Split(strings.TrimPrefix(route.Path, "/datasets/"), "/")[0]
		}
		ds := s.entries[id]
		if ds == nil || ds.cols == nil {
			writeProblem(w, r, http.StatusNotFound, "", fmt.Sprintf("no dataset %q", id), "")
			return
		}
		h.serveRows(ctx, w, r, ds, pathParams["version"])
	}
}

// shortErr returns the first line of a validation error.
func shortErr(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// rowsPathID returns the dataset id of a /datasets/<id>/rows path.
func rowsPathID(p string) (string, bool) {
	rest, ok := strings.CutPrefix(p, "/datasets/")
	if !ok {
		return "", false
	}
	id, tail, ok := strings.Cut(rest, "/")
	if !ok || (tail != "rows" && !strings.HasPrefix(tail, "versions/")) {
		return "", false
	}
	return id, true
}

func (h *Handler) url(p string) string {
	return h.opts.Config.APIURL + p
}

func (h *Handler) downloadURL(key string) string {
	return h.opts.Config.BaseURL + "/" + key
}

type links struct {
	Self    string `json:"self"`
	Rows    string `json:"rows,omitempty"`
	Parquet string `json:"parquet,omitempty"`
	CSV     string `json:"csv,omitempty"`
}

type datasetSummary struct {
	ID          string     `json:"id"`
	Title       string     `json:"title"`
	TitleEN     string     `json:"titleEn,omitempty"`
	Description string     `json:"description,omitempty"`
	Publisher   string     `json:"publisher,omitempty"`
	License     string     `json:"license,omitempty"`
	Access      string     `json:"access"`
	Themes      []string   `json:"themes,omitempty"`
	Version     string     `json:"version,omitempty"`
	Published   *time.Time `json:"published,omitempty"`
	Rows        *int64     `json:"rows,omitempty"`
	Links       links      `json:"links"`
}

type versionInfo struct {
	Version   string    `json:"version"`
	Published time.Time `json:"published"`
	Rows      int64     `json:"rows"`
	RowsURL   string    `json:"rowsUrl,omitempty"`
}

type fileLink struct {
	Name      string `json:"name"`
	URL       string `json:"url"`
	MediaType string `json:"mediaType"`
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256,omitempty"`
}

type datasetDetail struct {
	datasetSummary
	Schema   any           `json:"schema,omitempty"`
	Versions []versionInfo `json:"versions,omitempty"`
	Files    []fileLink    `json:"files,omitempty"`
}

func (h *Handler) summary(ds *apiDataset) datasetSummary {
	d := ds.Definition
	s := datasetSummary{ID: d.ID, Title: d.Title.NB, TitleEN: d.Title.EN, Description: d.Description.NB,
		Publisher: d.Publisher.Name, License: d.License, Access: d.Access, Themes: d.Themes,
		Links: links{Self: h.url("/datasets/" + d.ID)}}
	if m := ds.Manifest; m != nil {
		s.Version, s.Published, s.Rows = m.Version, &m.Published, &m.Rows
		if f, ok := m.File(publish.FileParquet); ok && ds.Public() {
			s.Links.Parquet = h.downloadURL(f.Key)
		}
		if f, ok := m.File(publish.FileCSV); ok && ds.Public() {
			s.Links.CSV = h.downloadURL(f.Key)
		}
	}
	if ds.cols != nil {
		s.Links.Rows = h.url("/datasets/" + d.ID + "/rows")
	}
	return s
}

func (h *Handler) datasetList(s *snapshot) any {
	out := struct {
		Datasets []datasetSummary `json:"datasets"`
	}{Datasets: []datasetSummary{}}
	for _, id := range s.order {
		out.Datasets = append(out.Datasets, h.summary(s.entries[id]))
	}
	return out
}

func (h *Handler) datasetDetail(ds *apiDataset) any {
	out := datasetDetail{datasetSummary: h.summary(ds)}
	m := ds.Manifest
	if m == nil {
		return out
	}
	if m.Schema != nil {
		out.Schema = m.Schema
	}
	hist := m.History
	if len(hist) == 0 {
		hist = []publish.VersionSummary{{Version: m.Version, Published: m.Published, Rows: m.Rows}}
	}
	for _, v := range hist {
		vi := versionInfo{Version: v.Version, Published: v.Published, Rows: v.Rows}
		if ds.cols != nil {
			vi.RowsURL = h.url("/datasets/" + m.Dataset + "/versions/" + url.PathEscape(v.Version) + "/rows")
		}
		out.Versions = append(out.Versions, vi)
	}
	if ds.Public() {
		for _, f := range m.Files {
			out.Files = append(out.Files, fileLink{Name: f.Name, URL: h.downloadURL(f.Key), MediaType: f.MediaType, Size: f.Size, SHA256: f.SHA256})
		}
	}
	return out
}

func (h *Handler) serveJSON(w http.ResponseWriter, r *http.Request, v any, cacheControl string) {
	b, err := json.Marshal(v)
	if err != nil {
		writeProblem(w, r, http.StatusInternalServerError, "", "encode response", "")
		return
	}
	h.serveBytes(w, r, append(b, '\n'), "application/json", cacheControl)
}

// serveBytes writes a complete body with an ETag from its content.
func (h *Handler) serveBytes(w http.ResponseWriter, r *http.Request, b []byte, ctype, cacheControl string) {
	sum := sha256.Sum256(b)
	etag := `W/"` + hex.EncodeToString(sum[:12]) + `"`
	writeBody(w, r, b, ctype, cacheControl, etag)
}

// writeBody writes b with caching headers, answering 304 when the client
// holds the same ETag, and gzip when the client accepts it.
func writeBody(w http.ResponseWriter, r *http.Request, b []byte, ctype, cacheControl, etag string) {
	hd := w.Header()
	hd.Set("ETag", etag)
	hd.Set("Cache-Control", cacheControl)
	hd.Add("Vary", "Accept-Encoding")
	if etagMatch(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hd.Set("Content-Type", ctype)
	if len(b) > 1024 && acceptsGzip(r) {
		var buf bytes.Buffer
		zw := gzipPool.Get().(*gzip.Writer)
		zw.Reset(&buf)
		_, _ = zw.Write(b)
		_ = zw.Close()
		gzipPool.Put(zw)
		b = buf.Bytes()
		hd.Set("Content-Encoding", "gzip")
	}
	hd.Set("Content-Length", fmt.Sprint(len(b)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
}

var gzipPool = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed)
	return zw
}}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.ReplaceAll(params, " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// etagMatch implements the weak comparison of If-None-Match.
func etagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	if strings.TrimSpace(header) == "*" {
		return true
	}
	want := strings.TrimPrefix(etag, "W/")
	for _, t := range strings.Split(header, ",") {
		if strings.TrimPrefix(strings.TrimSpace(t), "W/") == want {
			return true
		}
	}
	return false
}

// problem is an RFC 9457 problem details object.
type problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail,omitempty"`
	Instance  string `json:"instance,omitempty"`
	Parameter string `json:"parameter,omitempty"`
	Hint      string `json:"hint,omitempty"`
}

// writeError answers a failure while serving rows: nothing when the
// client has gone away, 503 with Retry-After when the request ran out of
// time (the store or the scan was too slow), else 500 with detail.
func (h *Handler) writeError(ctx context.Context, w http.ResponseWriter, r *http.Request, detail string) {
	if errors.Is(r.Context().Err(), context.Canceled) {
		return // the client went away: no one reads an answer
	}
	if ctx.Err() != nil {
		w.Header().Set("Retry-After", "5")
		writeProblem(w, r, http.StatusServiceUnavailable, "", fmt.Sprintf("the request took longer than %s", h.lim.Timeout),
			"add filters on sorted columns, ask for fewer rows, or try again later")
		return
	}
	writeProblem(w, r, http.StatusInternalServerError, "", detail, "")
}

func writeProblem(w http.ResponseWriter, r *http.Request, status int, param, detail, hint string) {
	p := problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail,
		Instance: r.URL.Path, Parameter: param, Hint: hint}
	b, _ := json.Marshal(p)
	hd := w.Header()
	hd.Set("Content-Type", "application/problem+json")
	hd.Set("Cache-Control", "no-store")
	hd.Del("ETag")
	hd.Del("Content-Encoding")
	hd.Set("Content-Length", fmt.Sprint(len(b)+1))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(append(b, '\n'))
	}
}
