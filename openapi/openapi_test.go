package openapi_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/dele-opendata/dele/internal/testenv"
	"github.com/dele-opendata/dele/openapi"
	"github.com/dele-opendata/dele/openapi/internal/apitest"
)

func init() {
	// NDJSON bodies are checked as text; their rows are checked by the tests.
	openapi3filter.RegisterBodyDecoder("application/x-ndjson", openapi3filter.FileBodyDecoder)
}

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// Fixture sizes: 2,500 rows in row groups of 300, so paging and pruning
// cross row-group boundaries.
const (
	fixtureRows  = 2500
	fixtureGroup = 300
)

// testAPI is the handler over the fixture datasets, served on loopback,
// with every response checked against the document.
type testAPI struct {
	t      *testing.T
	srv    *httptest.Server
	h      *openapi.Handler
	doc    *openapi3.T
	router routers.Router
	st     *apitest.MapStore

	mu        sync.Mutex
	validated int
}

func newTestAPI(t *testing.T, st *apitest.MapStore, change func(*openapi.Options)) *testAPI {
	t.Helper()
	ctx := context.Background()
	if st == nil {
		var err error
		st, _, err = apitest.Fixture(ctx, fixtureRows, fixtureGroup)
		if err != nil {
			t.Fatal(err)
		}
	}
	a := &testAPI{t: t, st: st}
	a.srv = httptest.NewUnstartedServer(http.HandlerFunc(a.serve))
	a.srv.Start()
	t.Cleanup(a.srv.Close)
	opts := openapi.Options{Config: apitest.Config(a.srv.URL), Definitions: apitest.Definitions(), Store: st, CacheDir: t.TempDir()}
	if change != nil {
		change(&opts)
	}
	h, err := openapi.NewHandler(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	a.h = h
	a.doc, err = h.Document(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rdoc := *a.doc
	rdoc.Servers = openapi3.Servers{{URL: a.srv.URL}}
	a.router, err = gorillamux.NewRouter(&rdoc)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// serve runs the handler and validates its response against the document
// (contract test): every response sent in these tests is checked.
func (a *testAPI) serve(w http.ResponseWriter, r *http.Request) {
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, r)
	res := rec.Result()
	body := rec.Body.Bytes()
	for k, v := range res.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(res.StatusCode)
	_, _ = w.Write(body)
	a.validate(r, res, body)
}

func (a *testAPI) validate(r *http.Request, res *http.Response, body []byte) {
	t := a.t
	if r.Method == http.MethodOptions || res.StatusCode == http.StatusMethodNotAllowed {
		return // CORS preflight and wrong methods are outside the document
	}
	if res.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Errorf("%s: bad gzip: %v", r.URL, err)
			return
		}
		if body, err = io.ReadAll(zr); err != nil {
			t.Errorf("%s: bad gzip: %v", r.URL, err)
			return
		}
	}
	vr := r.Clone(context.Background())
	vr.Method = http.MethodGet
	vr.URL.Scheme, vr.URL.Host = "http", r.Host
	route, params, err := a.router.FindRoute(vr)
	if err != nil {
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: no route in the document but status %d", r.URL, res.StatusCode)
		}
		if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("%s: 404 with Content-Type %q", r.URL, ct)
		}
		return
	}
	vr.Method = r.Method // HEAD responses have no body to check
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: vr, PathParams: params, Route: route},
		Status:                 res.StatusCode, Header: res.Header, Body: io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if res.StatusCode == http.StatusNotModified {
		in.Body = io.NopCloser(bytes.NewReader(nil))
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("contract: response to %s does not match the document: %v\nbody: %.500s", r.URL, err, body)
	}
	a.mu.Lock()
	a.validated++
	a.mu.Unlock()
}

func (a *testAPI) get(path string, hdr ...string) (*http.Response, []byte) {
	a.t.Helper()
	req, err := http.NewRequest(http.MethodGet, a.srv.URL+path, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := a.srv.Client().Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	return res, b
}

func TestDocumentGolden(t *testing.T) {
	ctx := context.Background()
	st, defs, err := apitest.Fixture(ctx, fixtureRows, fixtureGroup)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := openapi.LoadEntries(ctx, st, defs)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi.Build(apitest.Config("https://api.example.kommune.no"), entries)
	if err != nil {
		t.Fatal(err)
	}
	// Validate again through a loader round trip, as a consumer would.
	got, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	loaded, err := openapi3.NewLoader().LoadFromData(got)
	if err != nil {
		t.Fatal(err)
	}
	if err := loaded.Validate(ctx); err != nil {
		t.Fatalf("kin-openapi validation: %v", err)
	}
	if loaded.Paths.Find("/datasets/klienter/rows") != nil {
		t.Error("restricted dataset klienter has a rows path")
	}
	if loaded.Paths.Find("/datasets/tilskudd/rows") == nil || loaded.Paths.Find("/datasets/tilskudd/versions/{version}/rows") == nil {
		t.Error("public dataset tilskudd has no rows paths")
	}
	golden := filepath.Join("testdata", "openapi.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("document differs from %s; run go test ./openapi -run TestDocumentGolden -update and review the diff", golden)
	}
}

// TestRedoclyLint lints the golden document with Redocly's recommended
// rules; any error or warning fails.
func TestRedoclyLint(t *testing.T) {
	node := testenv.NodeDir(t)
	abs, err := filepath.Abs(filepath.Join("testdata", "openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(node, "node_modules", ".bin", "redocly"), "lint", "--format=stylish", abs)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("redocly lint failed: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("Your API description is valid")) || bytes.Contains(out, []byte("  warning  ")) || bytes.Contains(out, []byte("  error  ")) {
		t.Errorf("redocly lint warnings:\n%s", out)
	}
	t.Logf("%s", out)
}

func decode(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %.300s: %v", b, err)
	}
}

func query(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v.Encode()
}
