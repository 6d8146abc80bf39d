package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/config"
	"github.com/dele-opendata/dele/internal/server"
	"github.com/dele-opendata/dele/internal/store/fsstore"
)

func runDele(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &cliEnv{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	code = Main(context.Background(), env, args)
	return code, out.String(), errb.String()
}

func TestCatalogCheck(t *testing.T) {
	empty := t.TempDir()
	code, stdout, stderr := runDele(t, "catalog", "check", "-config", "../../dele.yaml", "-definitions", "../../datasets", "-out", empty)
	if code != 0 || !strings.Contains(stdout, "no violations of the DCAT-AP-NO 2.00 shapes or the harvester rules") {
		t.Errorf("examples: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}

	code, _, stderr = runDele(t, "catalog", "check", "-file", "../../catalog/testdata/golden/catalog.ttl")
	if code != 0 {
		t.Errorf("golden catalog: exit %d: %s", code, stderr)
	}

	// A catalog whose dataset lost its publisher and theme.
	b, err := os.ReadFile("../../catalog/testdata/golden/catalog.nt")
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "<https://data.eksempel.kommune.no/datasets/valglokaler> <http://purl.org/dc/terms/publisher>") ||
			strings.HasPrefix(line, "<https://data.eksempel.kommune.no/datasets/valglokaler> <http://www.w3.org/ns/dcat#theme>") {
			continue
		}
		kept = append(kept, line)
	}
	broken := filepath.Join(t.TempDir(), "broken.nt")
	if err := os.WriteFile(broken, []byte(strings.Join(kept, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runDele(t, "catalog", "check", "-file", broken)
	if code != 1 {
		t.Errorf("broken catalog: exit %d, want 1", code)
	}
	for _, want := range []string{"violation: dataset valglokaler: missing dct:publisher", "violation: dataset valglokaler: missing dcat:theme", "2 violation(s)"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}

	// A config the catalog cannot express: an organisation number that is
	// not 9 digits.
	cfg := filepath.Join(t.TempDir(), "dele.yaml")
	bad := `baseURL: http://localhost:8080
catalog:
  id: test
  titleNB: Test
  descriptionNB: Test
  publisherOrgnr: "12345"
  publisherName: Test kommune
  kommunenummer: "1103"
  contactName: Test
  contactEmail: test@example.org
`
	if err := os.WriteFile(cfg, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runDele(t, "catalog", "check", "-config", cfg, "-definitions", "../../datasets", "-out", empty)
	if code != 1 || !strings.Contains(stderr, `config: publisher organisation number "12345" must be 9 digits (dct:publisher)`) {
		t.Errorf("bad config: exit %d\n%s", code, stderr)
	}
}

// TestServeCatalogNegotiation serves a folder with a published catalog the
// way dele serve does and asks /catalog for each format.
func TestServeCatalogNegotiation(t *testing.T) {
	ctx := context.Background()
	public, err := fsstore.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := buildCatalog(ctx, "../../dele.yaml", "../../datasets", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Publish(ctx, public); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load("../../dele.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defs, err := datasets.Load("../../datasets")
	if err != nil {
		t.Fatal(err)
	}
	opts, err := serverOptions(ctx, cfg, defs, public)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.Handler(public, opts))
	defer srv.Close()
	for _, tc := range []struct{ accept, want string }{
		{"", "text/turtle; charset=utf-8"},
		{"text/turtle", "text/turtle; charset=utf-8"},
		{"application/ld+json", "application/ld+json; charset=utf-8"},
		{"application/rdf+xml", "application/rdf+xml"},
	} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/catalog", nil)
		req.Header.Set("Accept", tc.accept)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != tc.want || resp.Header.Get("Content-Encoding") != "" || len(body) == 0 {
			t.Errorf("Accept %q: status %d, Content-Type %q, Content-Encoding %q, %d bytes; want 200 %q, no encoding",
				tc.accept, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Encoding"), len(body), tc.want)
		}
	}
}
