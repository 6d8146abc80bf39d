package catalog

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

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
	for _, f := range Formats {
		t.Run(f.Name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/catalog", nil)
			req.Header.Set("Accept", f.MediaType)
			req.Header.Set("Accept-Encoding", "gzip, deflate, br")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if ce := resp.Header.Get("Content-Encoding"); ce != "" {
				t.Errorf("Content-Encoding %q, want none", ce)
			}
			if got := resp.Header.Get("Content-Type"); got != contentType(f.MediaType) {
				t.Errorf("Content-Type %q, want %q", got, contentType(f.MediaType))
			}
			if resp.Header.Get("Vary") != "Accept" {
				t.Errorf("Vary %q, want Accept", resp.Header.Get("Vary"))
			}
			var want bytes.Buffer
			if err := c.Write(&want, f.Name); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(body, want.Bytes()) {
				t.Errorf("served %d bytes that differ from the %s serialisation (%d bytes)", len(body), f.Name, want.Len())
			}
			file := filepath.Join(t.TempDir(), f.File)
			if err := os.WriteFile(file, body, 0o644); err != nil {
				t.Fatal(err)
			}
			got, blank := parseWithNode(t, f.Name, file)
			if blank != 0 {
				t.Errorf("%d blank nodes", blank)
			}
			diff(t, got, c.Graph.NTriplesSet())
		})
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
