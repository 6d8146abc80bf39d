package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/publish"
	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/internal/store/memstore"
)

func TestNegotiate(t *testing.T) {
	for _, tc := range []struct{ accept, want string }{
		{"", FormatTurtle},
		{"*/*", FormatTurtle},
		{"text/turtle", FormatTurtle},
		{"application/ld+json", FormatJSONLD},
		{"application/json", FormatJSONLD},
		{"application/rdf+xml", FormatRDFXML},
		{"application/n-triples", FormatNTriples},
		{"text/html", FormatTurtle},
		{"text/html, application/rdf+xml;q=0.9, */*;q=0.1", FormatRDFXML},
		{"text/turtle;q=0.5, application/ld+json;q=0.8", FormatJSONLD},
		{"application/rdf+xml, text/turtle", FormatRDFXML},
		{"text/turtle;q=0, application/rdf+xml;q=0.1", FormatRDFXML},
		{"application/ld+json;profile=\"http://www.w3.org/ns/json-ld#compacted\"", FormatJSONLD},
		{"garbage;;;", FormatTurtle},
	} {
		if got, _ := Negotiate(tc.accept); got != tc.want {
			t.Errorf("Negotiate(%q) = %s, want %s", tc.accept, got, tc.want)
		}
	}
}

// TestHandlerHarvesterRules publishes the test catalog to a store, serves
// it over real HTTP and fetches it like a harvester: HTTP 200, the
// negotiated media type, no Content-Encoding even when gzip is offered, one
// complete document that an independent RDF/XML parser reads to the same
// graph, with no blank nodes.
func TestHandlerHarvesterRules(t *testing.T) {
	c, err := Build(testConfig(), testEntries())
	if err != nil {
		t.Fatal(err)
	}
	st := memstore.New()
	ctx := context.Background()
	srv := httptest.NewServer(Handler(st))
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/catalog")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("before publishing: status %d, want 404", resp.StatusCode)
	}
	if err := c.Publish(ctx, st); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var docs []string
	for _, f := range Formats {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/catalog", nil)
		req.Header.Set("Accept", f.MediaType)
		req.Header.Set("Accept-Encoding", "gzip, deflate, br")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", f.Name, resp.StatusCode)
		}
		if ce := resp.Header.Get("Content-Encoding"); ce != "" {
			t.Errorf("%s: Content-Encoding %q, want none", f.Name, ce)
		}
		if got := resp.Header.Get("Content-Type"); got != contentType(f.MediaType) {
			t.Errorf("%s: Content-Type %q, want %q", f.Name, got, contentType(f.MediaType))
		}
		if resp.Header.Get("Vary") != "Accept" {
			t.Errorf("%s: Vary %q, want Accept", f.Name, resp.Header.Get("Vary"))
		}
		var want bytes.Buffer
		if err := c.Write(&want, f.Name); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(body, want.Bytes()) {
			t.Errorf("%s: served %d bytes that differ from the serialisation (%d bytes)", f.Name, len(body), want.Len())
		}
		file := filepath.Join(dir, f.File)
		if err := os.WriteFile(file, body, 0o644); err != nil {
			t.Fatal(err)
		}
		docs = append(docs, f.Name, file)
	}
	// Every served document, RDF/XML included, parses to the whole graph
	// without blank nodes.
	for i, d := range parseWithNode(t, docs...) {
		if d.blank != 0 {
			t.Errorf("%s: %d blank nodes", Formats[i].Name, d.blank)
		}
		diff(t, d.lines, c.Graph.NTriplesSet())
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/catalog", nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d, want 405", resp.StatusCode)
	}
}

// TestRegenerate publishes two manifests as latest.json into a store,
// regenerates the catalog from the store and reads the published files
// back.
func TestRegenerate(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	var defs []*datasets.Definition
	for _, e := range testEntries() {
		defs = append(defs, e.Def)
		if e.Latest != nil && e.Def.Access == datasets.AccessPublic {
			b, err := json.Marshal(e.Latest)
			if err != nil {
				t.Fatal(err)
			}
			if err := st.Put(ctx, publish.LatestKey(e.Def.ID), bytes.NewReader(b), store.PutOptions{ContentType: "application/json"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	c, err := Regenerate(ctx, testConfig(), defs, st)
	if err != nil {
		t.Fatal(err)
	}
	// Same as building from the entries directly: the ansattregister's
	// stale manifest was never written to the store, and gives no
	// distributions either way.
	want, err := Build(testConfig(), testEntries())
	if err != nil {
		t.Fatal(err)
	}
	diff(t, c.Graph.NTriplesSet(), want.Graph.NTriplesSet())
	for _, f := range Formats {
		info, err := st.Stat(ctx, f.File)
		if err != nil {
			t.Fatalf("%s not published: %v", f.File, err)
		}
		if info.ContentType != contentType(f.MediaType) {
			t.Errorf("%s: content type %q, want %q", f.File, info.ContentType, contentType(f.MediaType))
		}
	}
	ttl, err := store.ReadAll(ctx, st, "catalog.ttl")
	if err != nil {
		t.Fatal(err)
	}
	g, err := Parse(ttl)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, g.NTriplesSet(), want.Graph.NTriplesSet())

	// A latest.json that is not JSON is an error naming the dataset.
	if err := st.Put(ctx, publish.LatestKey("valglokaler"), bytes.NewReader([]byte("{")), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := Regenerate(ctx, testConfig(), defs, st); err == nil || !strings.Contains(err.Error(), "dataset valglokaler") {
		t.Errorf("broken latest.json: err = %v", err)
	}
}
