// Package server serves a published store over HTTP: the static files
// (data, catalog, OpenAPI document, portal), content negotiation on
// /catalog, and the query API under /api/. `dele serve` uses it locally; on
// AWS, S3/CloudFront serve the files and API Gateway the API.
package server

import (
	"context"
	"errors"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/dele-opendata/dele/internal/store"
)

// Options configure a Handler.
type Options struct {
	// API serves /api/… (with the prefix stripped); nil answers 404.
	API http.Handler
	// Catalog serves /catalog with content negotiation; nil serves
	// catalog.ttl.
	Catalog http.Handler
	// WriteIdle is how long a response may make no progress (the client
	// accepts no bytes) before the connection is closed; zero means
	// DefaultWriteIdle. See IdleWrites.
	WriteIdle time.Duration
}

// Handler returns an http.Handler serving the objects of public.
func Handler(public store.Store, o Options) http.Handler {
	mux := http.NewServeMux()
	static := &staticHandler{store: public}
	if o.API != nil {
		mux.Handle("/api/", http.StripPrefix("/api", o.API))
	}
	if o.Catalog != nil {
		mux.Handle("/catalog", o.Catalog)
	}
	mux.Handle("/", static)
	idle := o.WriteIdle
	if idle <= 0 {
		idle = DefaultWriteIdle
	}
	return IdleWrites(securityHeaders(mux), idle)
}

func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		h.ServeHTTP(w, r)
	})
}

type staticHandler struct {
	store store.Store
}

// ServeHTTP serves GET and HEAD for one object, mapping a path ending in /
// to its index.html. Keys are checked with store.CheckKey, so no request
// reaches outside the store.
func (s *staticHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	if strings.HasSuffix(p, "/") {
		p += "index.html"
	}
	key := strings.TrimPrefix(path.Clean(p), "/")
	if store.CheckKey(key) != nil || strings.HasPrefix(path.Base(key), ".") {
		http.NotFound(w, r)
		return
	}
	ctx := r.Context()
	info, err := s.store.Stat(ctx, key)
	if errors.Is(err, store.ErrNotExist) {
		// A folder without trailing slash: redirect when it has an index.
		if _, err2 := s.store.Stat(ctx, key+"/index.html"); err2 == nil {
			http.Redirect(w, r, "/"+key+"/", http.StatusMovedPermanently)
			return
		}
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, "store unavailable", http.StatusServiceUnavailable)
		return
	}
	serveObject(ctx, w, r, s.store, info)
}

func serveObject(ctx context.Context, w http.ResponseWriter, r *http.Request, st store.Store, info store.ObjectInfo) {
	h := w.Header()
	ct := info.ContentType
	if ct == "" {
		ct = contentType(info.Key)
	}
	h.Set("Content-Type", ct)
	if info.CacheControl != "" {
		h.Set("Cache-Control", info.CacheControl)
	}
	etag := info.ETag
	if etag == "" && info.SHA256 != "" {
		etag = info.SHA256
	}
	if etag != "" {
		if !strings.HasPrefix(etag, `"`) {
			etag = `"` + etag + `"`
		}
		h.Set("ETag", etag)
		if match := r.Header.Get("If-None-Match"); match != "" && (match == etag || match == "*") {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	if !info.ModTime.IsZero() {
		h.Set("Last-Modified", info.ModTime.UTC().Format(http.TimeFormat))
	}
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Content-Length", strconv.FormatInt(info.Size, 10))
	if r.Method == http.MethodHead {
		return
	}
	rc, err := st.Get(ctx, info.Key)
	if err != nil {
		http.Error(w, "store unavailable", http.StatusServiceUnavailable)
		return
	}
	defer rc.Close()
	_, _ = io.Copy(w, rc)
}

// contentType guesses the media type of a published file by its name.
func contentType(key string) string {
	switch path.Ext(key) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".json":
		return "application/json"
	case ".jsonld":
		return "application/ld+json"
	case ".ttl":
		return "text/turtle; charset=utf-8"
	case ".rdf":
		return "application/rdf+xml"
	case ".nt":
		return "application/n-triples"
	case ".csv":
		return "text/csv; charset=utf-8"
	case ".parquet":
		return "application/vnd.apache.parquet"
	case ".css":
		return "text/css; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	}
	return "application/octet-stream"
}
