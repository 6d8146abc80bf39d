package openapi

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/dele-opendata/dele/internal/publish"
	"github.com/dele-opendata/dele/internal/store"
)

// versionOf returns the manifest and columns of a version of ds: the
// latest when version is empty.
func (h *Handler) versionOf(ctx context.Context, ds *apiDataset, version string) (*publish.Manifest, []column, filterIndex, error) {
	if version == "" || version == ds.Manifest.Version {
		return ds.Manifest, ds.cols, ds.ix, nil
	}
	key := publish.VersionPrefix(ds.Definition.ID, version) + publish.FileManifest
	h.mu.Lock()
	v, ok := h.versions[key]
	h.mu.Unlock()
	if !ok {
		if publish.CheckID(version) != nil {
			// Not a version id: no object can hold it.
			return nil, nil, nil, fmt.Errorf("version %q: %w", version, store.ErrNotExist)
		}
		b, err := store.ReadAll(ctx, h.opts.Store, key)
		if errors.Is(err, store.ErrInvalidKey) {
			return nil, nil, nil, fmt.Errorf("version %q: %w", version, store.ErrNotExist)
		}
		if err != nil {
			return nil, nil, nil, err
		}
		var m publish.Manifest
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, nil, nil, fmt.Errorf("read %s: %w", key, err)
		}
		if m.Schema == nil {
			return nil, nil, nil, fmt.Errorf("%s has no schema", key)
		}
		cols := columnsOf(&m)
		v = &versionEntry{m: &m, cols: cols, ix: newFilterIndex(cols)}
		h.mu.Lock()
		h.versions[key] = v
		h.mu.Unlock()
	}
	return v.m, v.cols, v.ix, nil
}

// versionEntry is a cached manifest of a retained version.
type versionEntry struct {
	m    *publish.Manifest
	cols []column
	ix   filterIndex
}

// cursorVersion returns the version a cursor was made on, if it decodes.
func cursorVersion(s string) string {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return ""
	}
	var c cursor
	if json.Unmarshal(b, &c) != nil {
		return ""
	}
	return c.Version
}

func (h *Handler) serveRows(ctx context.Context, w http.ResponseWriter, r *http.Request, ds *apiDataset, pathVersion string) {
	vals := r.URL.Query()
	version := pathVersion
	if c := vals.Get("cursor"); c != "" {
		cv := cursorVersion(c)
		if pathVersion != "" && cv != "" && cv != pathVersion {
			writeProblem(w, r, http.StatusBadRequest, "cursor", fmt.Sprintf("the cursor belongs to version %s, not %s", cv, pathVersion), "pass the cursor from the next link unchanged")
			return
		}
		if version == "" {
			version = cv
		}
	}
	m, cols, ix, err := h.versionOf(ctx, ds, version)
	if err != nil {
		if errors.Is(err, store.ErrNotExist) {
			param := "version"
			if pathVersion == "" {
				param = "cursor"
			}
			writeProblem(w, r, http.StatusNotFound, param, fmt.Sprintf("dataset %s has no version %q", ds.Definition.ID, version), "GET /datasets/"+ds.Definition.ID+" lists the retained versions")
			return
		}
		h.writeError(ctx, w, r, fmt.Sprintf("dataset %s: %v", ds.Definition.ID, err))
		return
	}
	q, err := parseQuery(vals, cols, ix, h.lim)
	if err != nil {
		var pe *paramError
		if errors.As(err, &pe) {
			writeProblem(w, r, http.StatusBadRequest, pe.param, pe.detail, pe.hint)
			return
		}
		writeProblem(w, r, http.StatusBadRequest, "", err.Error(), "")
		return
	}
	cacheControl := "public, max-age=60"
	if pathVersion != "" {
		cacheControl = "public, max-age=31536000, immutable"
	}
	// The data of a version never changes, so the ETag follows from the
	// version and the request alone: a 304 needs no scan.
	sum := sha256.Sum256([]byte(m.Dataset + "\x00" + m.Version + "\x00" + m.ContentHash + "\x00" + vals.Encode()))
	etag := `W/"` + hex.EncodeToString(sum[:12]) + `"`
	if etagMatch(r.Header.Get("If-None-Match"), etag) {
		w.Header().Set("Cache-Control", cacheControl)
		writeBody(w, r, nil, "", cacheControl, etag)
		return
	}
	pf, err := h.files.open(ctx, parquetKey(m))
	if err != nil {
		h.writeError(ctx, w, r, fmt.Sprintf("dataset %s version %s: %v", m.Dataset, m.Version, err))
		return
	}
	// Phase 1: the rows of the page (positions and sort keys only), so
	// the next link is known before the first byte.
	sel, err := selectRows(ctx, pf, q, cols)
	if err != nil {
		h.writeError(ctx, w, r, fmt.Sprintf("dataset %s version %s: %v", m.Dataset, m.Version, err))
		return
	}
	if est := estimateSize(pf.MetaData(), sel, q, cols); est > int64(h.lim.MaxResponseBytes) {
		writeProblem(w, r, http.StatusBadRequest, "limit", fmt.Sprintf("%v (about %d bytes, more than %d)", errTooLarge, est, h.lim.MaxResponseBytes), tooLargeHint)
		return
	}
	hd := w.Header()
	// Row groups read and skipped by statistics, for diagnosis.
	hd.Set("X-Row-Groups", fmt.Sprintf("scanned=%d, skipped=%d", sel.scanned, sel.skipped))
	pg := pageHead{dataset: m.Dataset, version: m.Version}
	if sel.more {
		last := sel.rows[len(sel.rows)-1]
		pg.nextCursor = encodeCursor(m.Version, q, cols, last.keys, last.pos)
		nv := r.URL.Query()
		nv.Set("cursor", pg.nextCursor)
		pg.next = h.url(strings.TrimPrefix(r.URL.Path, h.opts.Prefix)) + "?" + nv.Encode()
		hd.Set("Link", "<"+pg.next+`>; rel="next"`)
	}
	ctype := map[string]string{"json": "application/json", "csv": "text/csv; charset=utf-8", "ndjson": "application/x-ndjson"}[q.format]
	if r.Method == http.MethodHead {
		setCaching(hd, ctype, cacheControl, etag)
		w.WriteHeader(http.StatusOK)
		return
	}
	// Phase 2: the selected columns, a window of rows at a time.
	em := newEmitter(pf, sel, cols, q.sel)
	if maxBody, ok := bufferedLimit(ctx); ok {
		h.bufferRows(ctx, w, r, em, q, cols, pg, maxBody, ctype, cacheControl, etag)
		return
	}
	h.streamRows(ctx, w, r, em, q, cols, pg, ctype, cacheControl, etag)
}

// tooLargeHint is the hint of a page that would be too large.
const tooLargeHint = "ask for fewer rows with limit, or fewer columns with select, and follow the next link for the rest"

// errTooLarge is returned when a page's encoding passes a size cap.
var errTooLarge = errors.New("the response would be too large")

// setCaching sets the headers of a 200 answer to a rows request.
func setCaching(hd http.Header, ctype, cacheControl, etag string) {
	hd.Set("Content-Type", ctype)
	hd.Set("ETag", etag)
	hd.Set("Cache-Control", cacheControl)
	hd.Add("Vary", "Accept-Encoding")
}

// streamRows writes the page as it reads it: the first window of rows is
// read before the status is sent (so a failure there is still a 5xx
// problem), then each window is encoded straight to the (gzip) response
// and flushed before the next is read. Memory holds one window, never the
// page. A failure after the first byte can no longer change the status:
// the response is aborted (http.ErrAbortHandler), so the client sees a
// broken transfer rather than a short page that looks complete.
func (h *Handler) streamRows(ctx context.Context, w http.ResponseWriter, r *http.Request, em *emitter, q *query, cols []column, pg pageHead, ctype, cacheControl, etag string) {
	n, err := em.load(ctx)
	if err != nil {
		h.writeError(ctx, w, r, fmt.Sprintf("dataset %s version %s: %v", pg.dataset, pg.version, err))
		return
	}
	hd := w.Header()
	setCaching(hd, ctype, cacheControl, etag)
	var out io.Writer = w
	var zw *gzip.Writer
	if acceptsGzip(r) {
		hd.Set("Content-Encoding", "gzip")
		zw = gzipPool.Get().(*gzip.Writer)
		zw.Reset(w)
		out = zw
	}
	w.WriteHeader(http.StatusOK)
	bw := bufioPool.Get().(*bufio.Writer)
	bw.Reset(out)
	enc := newPageEncoder(bw, q, cols)
	rc := http.NewResponseController(w)
	flush := func() error {
		err := enc.flush()
		if err == nil && zw != nil {
			err = zw.Flush()
		}
		if err == nil {
			if ferr := rc.Flush(); ferr != nil && !errors.Is(ferr, http.ErrNotSupported) {
				err = ferr
			}
		}
		return err
	}
	enc.begin(pg)
	for n > 0 {
		for i := range n {
			enc.row(em.row(i))
		}
		if em.next == len(em.sel.rows) {
			break
		}
		if err := flush(); err != nil {
			h.clientGone(r, pg, err)
			return
		}
		if n, err = em.load(ctx); err != nil {
			h.abort(r, pg, err)
		}
	}
	err = enc.end()
	if err == nil && zw != nil {
		err = zw.Close()
	}
	if err != nil {
		h.clientGone(r, pg, err)
		return
	}
	bw.Reset(nil)
	bufioPool.Put(bw)
	if zw != nil {
		zw.Reset(io.Discard)
		gzipPool.Put(zw)
	}
}

// abort ends a response whose status and first bytes were sent: it logs
// why and panics with http.ErrAbortHandler, which net/http turns into a
// broken connection (HTTP/1.1: no final chunk; HTTP/2: a stream reset).
func (h *Handler) abort(r *http.Request, pg pageHead, err error) {
	if r.Context().Err() != nil {
		h.log.Debug("query API: client went away during a rows response", "path", r.URL.Path, "dataset", pg.dataset, "version", pg.version, "err", err)
	} else {
		h.log.Error("query API: rows response aborted after its first byte", "path", r.URL.Path, "query", r.URL.RawQuery,
			"dataset", pg.dataset, "version", pg.version, "err", err)
	}
	panic(http.ErrAbortHandler)
}

// clientGone logs a response that could not be written: the client went
// away or the connection broke, so nothing more can be sent.
func (h *Handler) clientGone(r *http.Request, pg pageHead, err error) {
	h.log.Debug("query API: rows response not delivered", "path", r.URL.Path, "dataset", pg.dataset, "version", pg.version, "err", err)
}

// bufferRows builds the whole page in memory before answering, for
// callers that buffer the response anyway (WithBufferedResponse: AWS
// Lambda, whose responses are at most 6 MB). The encoded page may not
// pass Limits.MaxResponseBytes, nor the body as sent (after gzip) the
// caller's maxBody: either is a 400 with a hint, never a failed
// invocation. The selected columns are still read a window at a time.
func (h *Handler) bufferRows(ctx context.Context, w http.ResponseWriter, r *http.Request, em *emitter, q *query, cols []column, pg pageHead, maxBody int, ctype, cacheControl, etag string) {
	var body bytes.Buffer
	sent := &capWriter{w: &body, max: maxBody}
	var out io.Writer = sent
	var zw *gzip.Writer
	if acceptsGzip(r) {
		zw = gzipPool.Get().(*gzip.Writer)
		zw.Reset(sent)
		out = zw
	}
	bw := bufio.NewWriterSize(&capWriter{w: out, max: h.lim.MaxResponseBytes}, 32<<10)
	enc := newPageEncoder(bw, q, cols)
	enc.begin(pg)
	for {
		n, err := em.load(ctx)
		if err != nil {
			h.writeError(ctx, w, r, fmt.Sprintf("dataset %s version %s: %v", pg.dataset, pg.version, err))
			return
		}
		if n == 0 {
			break
		}
		for i := range n {
			enc.row(em.row(i))
		}
		if err := enc.flush(); err != nil {
			break // the cap was passed: enc.end reports it
		}
	}
	err := enc.end()
	if err == nil && zw != nil {
		err = zw.Close()
	}
	if zw != nil {
		zw.Reset(io.Discard)
		gzipPool.Put(zw)
	}
	if err != nil {
		var ce *capError
		if errors.As(err, &ce) {
			detail := fmt.Sprintf("%v (more than %d bytes)", errTooLarge, ce.max)
			if ce.max == maxBody && zw != nil {
				detail = fmt.Sprintf("%v (more than %d bytes after gzip, the most this deployment returns)", errTooLarge, ce.max)
			} else if ce.max == maxBody {
				detail = fmt.Sprintf("%v (more than %d bytes, the most this deployment returns)", errTooLarge, ce.max)
			}
			writeProblem(w, r, http.StatusBadRequest, "limit", detail, tooLargeHint)
			return
		}
		h.writeError(ctx, w, r, fmt.Sprintf("dataset %s version %s: encode page: %v", pg.dataset, pg.version, err))
		return
	}
	hd := w.Header()
	setCaching(hd, ctype, cacheControl, etag)
	if zw != nil {
		hd.Set("Content-Encoding", "gzip")
	}
	hd.Set("Content-Length", strconv.Itoa(body.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body.Bytes())
}

// capError is the error of a capWriter whose cap was passed.
type capError struct{ max int }

func (e *capError) Error() string { return fmt.Sprintf("%v (more than %d bytes)", errTooLarge, e.max) }

func (e *capError) Unwrap() error { return errTooLarge }

// capWriter passes writes on until max bytes have been written, then
// fails with a *capError.
type capWriter struct {
	w   io.Writer
	n   int
	max int
}

func (c *capWriter) Write(p []byte) (int, error) {
	if c.n+len(p) > c.max {
		return 0, &capError{max: c.max}
	}
	n, err := c.w.Write(p)
	c.n += n
	return n, err
}

var bufioPool = sync.Pool{New: func() any { return bufio.NewWriterSize(io.Discard, 32<<10) }}

type bufferedKey struct{}

// WithBufferedResponse marks a request whose response the caller buffers
// whole before sending it, at most maxBody bytes of body (as sent, after
// any Content-Encoding): AWS Lambda behind API Gateway, through
// openapi/lambdaadapter. The handler then builds each rows page in memory
// and answers a page that would pass maxBody (or Limits.MaxResponseBytes)
// with a 400 problem and a hint, instead of streaming it. Without it,
// pages are streamed (Handler).
func WithBufferedResponse(ctx context.Context, maxBody int) context.Context {
	return context.WithValue(ctx, bufferedKey{}, maxBody)
}

// bufferedLimit returns the body cap of a buffered request.
func bufferedLimit(ctx context.Context) (int, bool) {
	n, ok := ctx.Value(bufferedKey{}).(int)
	return n, ok
}

// pageHead is what a page says about itself besides its rows.
type pageHead struct {
	dataset, version, next, nextCursor string
}

// pageEncoder writes a page in the query's format, row by row.
type pageEncoder struct {
	w    *bufio.Writer
	q    *query
	cols []column
	csv  *csv.Writer
	rec  []string
	cell []byte
	buf  []byte
	rows int
	// keys holds each selected column's `"name":` in JSON.
	keys [][]byte
}

func newPageEncoder(w *bufio.Writer, q *query, cols []column) *pageEncoder {
	e := &pageEncoder{w: w, q: q, cols: cols}
	if q.format == "csv" {
		e.csv = csv.NewWriter(w)
		e.rec = make([]string, len(q.sel))
		return e
	}
	for i, c := range q.sel {
		var k []byte
		if i > 0 {
			k = append(k, ',')
		}
		k = appendJSONString(k, cols[c].name)
		e.keys = append(e.keys, append(k, ':'))
	}
	return e
}

// begin writes what comes before the rows: the CSV header, or the JSON
// object up to its rows array.
func (e *pageEncoder) begin(pg pageHead) {
	switch e.q.format {
	case "csv":
		for i, c := range e.q.sel {
			e.rec[i] = e.cols[c].name
		}
		_ = e.csv.Write(e.rec)
	case "json":
		b := append(e.buf[:0], `{"dataset":`...)
		b = appendJSONString(b, pg.dataset)
		b = append(b, `,"version":`...)
		b = appendJSONString(b, pg.version)
		b = append(b, `,"limit":`...)
		b = strconv.AppendInt(b, int64(e.q.limit), 10)
		if pg.next != "" {
			b = append(b, `,"next":`...)
			b = appendJSONString(b, pg.next)
			b = append(b, `,"nextCursor":`...)
			b = appendJSONString(b, pg.nextCursor)
		}
		b = append(b, `,"rows":[`...)
		e.buf = b
		_, _ = e.w.Write(b)
	}
}

// row writes one row of selected values.
func (e *pageEncoder) row(vals []value) {
	if e.q.format == "csv" {
		for i, c := range e.q.sel {
			e.cell = appendText(e.cell[:0], e.cols[c].kind, vals[i])
			e.rec[i] = string(e.cell)
		}
		_ = e.csv.Write(e.rec)
		e.rows++
		return
	}
	b := e.buf[:0]
	if e.q.format == "json" && e.rows > 0 {
		b = append(b, ',')
	}
	b = append(b, '{')
	for i, c := range e.q.sel {
		b = append(b, e.keys[i]...)
		b = appendJSON(b, e.cols[c].kind, vals[i])
	}
	b = append(b, '}')
	if e.q.format == "ndjson" {
		b = append(b, '\n')
	}
	e.buf = b
	e.rows++
	_, _ = e.w.Write(b)
}

// flush writes what is buffered on, reporting the first write error.
func (e *pageEncoder) flush() error {
	if e.csv != nil {
		e.csv.Flush()
		if err := e.csv.Error(); err != nil {
			return err
		}
	}
	return e.w.Flush()
}

// end writes what comes after the rows and flushes.
func (e *pageEncoder) end() error {
	if e.q.format == "json" {
		_, _ = e.w.WriteString("]}\n")
	}
	return e.flush()
}
