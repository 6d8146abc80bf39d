package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/config"
	"github.com/dele-opendata/dele/internal/publish"
	"github.com/dele-opendata/dele/internal/store"
)

// Negotiate picks the serialisation for an HTTP Accept header: the
// supported media type with the highest q value, the earliest listed on a
// tie. Turtle is the default for an empty header, wildcards and anything
// unsupported, so a harvester always gets one complete document.
func Negotiate(accept string) (format, mediaType string) {
	best, bestQ := FormatTurtle, -1.0
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 && f <= 1 {
				q = f
			}
		}
		f := formatOf(mt)
		if f == "" || q == 0 {
			continue
		}
		if q > bestQ {
			best, bestQ = f, q
		}
	}
	for _, f := range Formats {
		if f.Name == best {
			return f.Name, f.MediaType
		}
	}
	return FormatTurtle, "text/turtle"
}

func formatOf(mediaType string) string {
	switch mediaType {
	case "text/turtle", "application/x-turtle", "*/*", "text/*":
		return FormatTurtle
	case "application/ld+json", "application/json":
		return FormatJSONLD
	case "application/rdf+xml", "application/xml", "text/xml":
		return FormatRDFXML
	case "application/n-triples", "text/plain":
		return FormatNTriples
	}
	return ""
}

// FileName returns the published file name of a format (catalog.ttl …).
func FileName(format string) string {
	for _, f := range Formats {
		if f.Name == format {
			return f.File
		}
	}
	return ""
}

// Publish writes the catalog in every format to the public store, under
// catalog.ttl, catalog.jsonld, catalog.rdf and catalog.nt, uncompressed,
// with their media types (charset UTF-8 for the text formats).
func (c *Catalog) Publish(ctx context.Context, st store.Store) error {
	for _, f := range Formats {
		var b bytes.Buffer
		if err := c.Write(&b, f.Name); err != nil {
			return fmt.Errorf("catalog: write %s: %w", f.File, err)
		}
		o := store.PutOptions{ContentType: contentType(f.MediaType), CacheControl: "public, max-age=300"}
		if err := st.Put(ctx, f.File, &b, o); err != nil {
			return fmt.Errorf("catalog: publish %s: %w", f.File, err)
		}
	}
	return nil
}

func contentType(mediaType string) string {
	if mediaType == "application/rdf+xml" {
		return mediaType // the XML declaration names the encoding
	}
	return mediaType + "; charset=utf-8"
}

// Handler serves the published catalog files from the public store on
// /catalog with content negotiation (Accept: text/turtle,
// application/ld+json, application/rdf+xml, application/n-triples; Turtle
// by default). The response is never gzip-encoded, as the national
// harvester expects, and says Vary: Accept. GET and HEAD only.
func Handler(public store.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		format, mediaType := Negotiate(r.Header.Get("Accept"))
		w.Header().Set("Vary", "Accept")
		rc, err := public.Get(r.Context(), FileName(format))
		if errors.Is(err, store.ErrNotExist) {
			http.Error(w, "the catalog has not been published yet", http.StatusNotFound)
			return
		}
		if err != nil {
			http.Error(w, "cannot read the catalog", http.StatusInternalServerError)
			return
		}
		defer rc.Close()
		h := w.Header()
		h.Set("Content-Type", contentType(mediaType))
		h.Set("Cache-Control", "public, max-age=300")
		h.Set("Access-Control-Allow-Origin", "*")
		if r.Method == http.MethodHead {
			return
		}
		_, _ = io.Copy(w, rc)
	})
}

// LoadEntries pairs each definition with its published manifest, read from
// datasets/<id>/latest.json in the public store; Latest is nil for a
// dataset never published.
func LoadEntries(ctx context.Context, public store.Store, defs []*datasets.Definition) ([]Entry, error) {
	entries := make([]Entry, 0, len(defs))
	for _, d := range defs {
		e := Entry{Def: d}
		b, err := store.ReadAll(ctx, public, publish.LatestKey(d.ID))
		switch {
		case errors.Is(err, store.ErrNotExist):
		case err != nil:
			return nil, fmt.Errorf("catalog: dataset %s: %w", d.ID, err)
		default:
			var m publish.Manifest
			if err := json.Unmarshal(b, &m); err != nil {
				return nil, fmt.Errorf("catalog: dataset %s: parse %s: %w", d.ID, publish.LatestKey(d.ID), err)
			}
			e.Latest = &m
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// Regenerate rebuilds the catalog from the installation config, the
// registered definitions and the manifests published in the public store,
// and publishes it there in every format (see Publish). The pipeline calls
// it after each publish; it is idempotent.
func Regenerate(ctx context.Context, cfg *config.Config, defs []*datasets.Definition, public store.Store) (*Catalog, error) {
	entries, err := LoadEntries(ctx, public, defs)
	if err != nil {
		return nil, err
	}
	c, err := Build(cfg, entries)
	if err != nil {
		return nil, err
	}
	if err := c.Publish(ctx, public); err != nil {
		return nil, err
	}
	return c, nil
}
