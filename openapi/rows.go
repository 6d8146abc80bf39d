package openapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

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
	p, err := scan(ctx, pf, q, cols)
	if err != nil {
		h.writeError(ctx, w, r, fmt.Sprintf("dataset %s version %s: %v", m.Dataset, m.Version, err))
		return
	}
	// Row groups read and skipped by statistics, for diagnosis.
	w.Header().Set("X-Row-Groups", fmt.Sprintf("scanned=%d, skipped=%d", p.scanned, p.skipped))
	next := ""
	var nextCursor string
	if p.more {
		last := p.rows[len(p.rows)-1]
		nextCursor = encodeCursor(m.Version, q, cols, last.keys, last.pos)
		nv := r.URL.Query()
		nv.Set("cursor", nextCursor)
		next = h.url(strings.TrimPrefix(r.URL.Path, h.opts.Prefix)) + "?" + nv.Encode()
		w.Header().Set("Link", "<"+next+`>; rel="next"`)
	}
	body, err := encodePage(q, cols, m, p, next, nextCursor, h.lim.MaxResponseBytes)
	if err != nil {
		writeProblem(w, r, http.StatusBadRequest, "limit", err.Error(), "ask for fewer rows with limit, or fewer columns with select")
		return
	}
	ctype := map[string]string{"json": "application/json", "csv": "text/csv; charset=utf-8", "ndjson": "application/x-ndjson"}[q.format]
	writeBody(w, r, body, ctype, cacheControl, etag)
}

// errTooLarge is returned when a page's encoding passes the size cap.
var errTooLarge = errors.New("the response would be too large")

// encodePage encodes a page in the query's format, failing when it grows
// past maxBytes.
func encodePage(q *query, cols []column, m *publish.Manifest, p *page, next, nextCursor string, maxBytes int) ([]byte, error) {
	var b []byte
	check := func() error {
		if len(b) > maxBytes {
			return fmt.Errorf("%w (more than %d bytes)", errTooLarge, maxBytes)
		}
		return nil
	}
	switch q.format {
	case "csv":
		var buf bytes.Buffer
		cw := csv.NewWriter(&buf)
		rec := make([]string, len(q.sel))
		for i, c := range q.sel {
			rec[i] = cols[c].name
		}
		_ = cw.Write(rec)
		var cell []byte
		for _, row := range p.rows {
			for i, c := range q.sel {
				cell = appendText(cell[:0], cols[c].kind, row.out[i])
				rec[i] = string(cell)
			}
			_ = cw.Write(rec)
			if buf.Len() > maxBytes {
				return nil, fmt.Errorf("%w (more than %d bytes)", errTooLarge, maxBytes)
			}
		}
		cw.Flush()
		return buf.Bytes(), cw.Error()
	case "ndjson":
		for _, row := range p.rows {
			b = appendRow(b, q, cols, row)
			b = append(b, '\n')
			if err := check(); err != nil {
				return nil, err
			}
		}
		return b, nil
	}
	b = append(b, `{"dataset":`...)
	b = appendJSONString(b, m.Dataset)
	b = append(b, `,"version":`...)
	b = appendJSONString(b, m.Version)
	b = append(b, `,"limit":`...)
	b = strconv.AppendInt(b, int64(q.limit), 10)
	if next != "" {
		b = append(b, `,"next":`...)
		b = appendJSONString(b, next)
		b = append(b, `,"nextCursor":`...)
		b = appendJSONString(b, nextCursor)
	}
	b = append(b, `,"rows":[`...)
	for i, row := range p.rows {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendRow(b, q, cols, row)
		if err := check(); err != nil {
			return nil, err
		}
	}
	return append(b, "]}\n"...), nil
}

func appendRow(b []byte, q *query, cols []column, row hit) []byte {
	b = append(b, '{')
	for i, c := range q.sel {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, cols[c].name)
		b = append(b, ':')
		b = appendJSON(b, cols[c].kind, row.out[i])
	}
	return append(b, '}')
}
