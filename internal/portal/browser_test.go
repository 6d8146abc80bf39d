package portal_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dele-opendata/dele/catalog"
	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/config"
	"github.com/dele-opendata/dele/internal/pipeline"
	"github.com/dele-opendata/dele/internal/publish"
	"github.com/dele-opendata/dele/internal/server"
	"github.com/dele-opendata/dele/internal/store/fsstore"
	"github.com/dele-opendata/dele/internal/testenv"
	"github.com/dele-opendata/dele/openapi"
)

// axeResult is what browser.mjs reports for one page.
type axeResult struct {
	Violations []struct {
		ID, Impact, Help string
		Nodes            []string
	}
	Passes int
}

type browserReport struct {
	Index struct {
		Status      int
		Lang, Count string
		IDs         []string
		FormVisible bool
		Axe         axeResult
	}
	Keyboard struct {
		Skip       struct{ Text, Href string }
		AfterSkip  string
		FocusStyle struct{ OutlineStyle, OutlineWidth string }
	}
	Search, SearchNone, ThemeFilter, FormatFilter, Reset, QueryParam struct {
		IDs     []string
		Count   string
		Message bool
	}
	Dataset struct {
		URL, H1, Lang, PreviewCaption string
		SchemaNames, PreviewHeader    []string
		PreviewRows                   [][]string
		Badges                        []string
		ChartLabel                    string
		Downloads                     []struct{ Label, Href, Size string }
		Examples                      []string
		CopyButtons                   int
		Axe                           axeResult
	}
	Download struct {
		URL, Suggested, FirstLine string
		Bytes                     int64
	}
	Parquet struct {
		Status             int
		ContentType, Magic string
		Bytes              int64
	}
	DatasetEN, IndexEN struct {
		Lang, H1, Count string
		Axe             axeResult
	}
	API struct {
		H1         string
		Operations int
		Axe        axeResult
	}
	APIExample struct {
		URL    string
		Status int
		Rows   int
	}
	Errors          []string
	FailedResponses []string
	Mobile          struct {
		IndexScrollWidth, DatasetScrollWidth int
		Axe                                  axeResult
	}
	NoJS struct {
		IDs         []string
		FormVisible bool
		Count       string
	}
	Links struct {
		Checked int
		Broken  []string
	}
}

// TestBrowser publishes the repository's example datasets with the real
// pipeline into temporary folders, serves them as `dele serve` does, and
// drives the portal in headless Chromium with playwright-core and axe-core
// (testdata/browser.mjs). Screenshots at desktop (1280×800) and mobile
// (390×844) widths are kept in a temporary folder named in the log
// (DELE_PORTAL_SHOTS overrides it).
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	nodeDir := testenv.NodeDir(t)
	chromium := os.Getenv("DELE_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		testenv.Missing(t, "Chromium is not installed at "+chromium+" (scripts/test-env/00-install.sh installs Debian's chromium)")
	}
	root := testenv.RepoRoot(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	cfg, err := config.Load(filepath.Join(root, "dele.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg = cfg.WithBaseURL(base)
	defs, err := datasets.Load(filepath.Join(root, "datasets"))
	if err != nil {
		t.Fatal(err)
	}
	public, err := fsstore.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	private, err := fsstore.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	env := &pipeline.Env{Public: public, Private: private, Config: cfg, TempDir: t.TempDir(), Getenv: func(string) string { return "" }}
	results, err := pipeline.RunAll(ctx, env, defs, defs)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range results {
		if r.Outcome != pipeline.Published {
			t.Fatalf("%s: %s: %s", r.Dataset, r.Outcome, r.Message)
		}
		ids = append(ids, r.Dataset)
	}
	slices.Sort(ids)
	const dataset = "normpriser-raolje"
	latest, err := publish.ReadLatest(ctx, public, dataset)
	if err != nil {
		t.Fatal(err)
	}

	api, err := openapi.NewHandler(ctx, openapi.Options{Config: cfg, Definitions: defs, Store: public, Prefix: ""})
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: server.Handler(public, server.Options{API: api, Catalog: catalog.Handler(public)})}}
	srv.Start()
	defer srv.Close()

	shots := os.Getenv("DELE_PORTAL_SHOTS")
	if shots == "" {
		shots, err = os.MkdirTemp("", "dele-portal-shots-")
		if err != nil {
			t.Fatal(err)
		}
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, "node", filepath.Join("testdata", "browser.mjs"), nodeDir, base, shots, dataset)
	cmd.Env = append(os.Environ(), "DELE_CHROMIUM="+chromium)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("browser.mjs: %v\n%s", err, stderr.String())
	}
	t.Logf("browser run took %s; screenshots in %s", time.Since(start).Round(time.Second), shots)
	var r browserReport
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("browser.mjs output: %v\n%s", err, out)
	}

	// The start page lists every example dataset, in bokmål.
	if r.Index.Status != 200 || r.Index.Lang != "nb" || !slices.Equal(r.Index.IDs, ids) {
		t.Errorf("start page: status %d, lang %q, datasets %v; want 200, nb, %v", r.Index.Status, r.Index.Lang, r.Index.IDs, ids)
	}
	if !r.Index.FormVisible {
		t.Error("start page: the filter form is not shown with JavaScript on")
	}
	// Search and filters narrow the list; reset restores it.
	checkIDs(t, "search råolje", r.Search.IDs, []string{"normpriser-raolje"})
	if r.Search.Count != "1 av 4 datasett vises." {
		t.Errorf("search: status text %q", r.Search.Count)
	}
	checkIDs(t, "search without match", r.SearchNone.IDs, nil)
	if !r.SearchNone.Message {
		t.Error("search without match: no message shown")
	}
	checkIDs(t, "theme TRAN", r.ThemeFilter.IDs, []string{"kostra-vegnett"})
	checkIDs(t, "format csv-nb", r.FormatFilter.IDs, []string{"normpriser-raolje"})
	checkIDs(t, "reset", r.Reset.IDs, ids)
	checkIDs(t, "?q=befolkning", r.QueryParam.IDs, []string{"befolkning-alder"})
	// Without JavaScript the whole list is there and the dead form is not.
	checkIDs(t, "no JavaScript", r.NoJS.IDs, ids)
	if r.NoJS.FormVisible {
		t.Error("no JavaScript: the filter form is shown but cannot work")
	}
	// Keyboard: the first Tab stop is the skip link, which moves focus to
	// main; links have a visible focus outline.
	if r.Keyboard.Skip.Href != "#main" || r.Keyboard.AfterSkip != "main" {
		t.Errorf("keyboard: first tab stop %+v, focus after Enter on %q", r.Keyboard.Skip, r.Keyboard.AfterSkip)
	}
	if r.Keyboard.FocusStyle.OutlineStyle != "solid" || r.Keyboard.FocusStyle.OutlineWidth != "3px" {
		t.Errorf("keyboard: focus outline %+v", r.Keyboard.FocusStyle)
	}

	// The dataset page shows the schema and the first rows of the CSV.
	d := r.Dataset
	if !strings.HasSuffix(d.URL, "/datasets/"+dataset+"/index.html") || d.H1 != "Normpriser for råolje" {
		t.Errorf("dataset page: %s %q", d.URL, d.H1)
	}
	var fields []string
	for _, f := range latest.Schema.Fields {
		fields = append(fields, f.Name)
	}
	if !slices.Equal(d.SchemaNames, fields) || !slices.Equal(d.PreviewHeader, fields) {
		t.Errorf("dataset page: schema %v, preview header %v; want %v", d.SchemaNames, d.PreviewHeader, fields)
	}
	if len(d.PreviewRows) != 10 || len(d.PreviewRows[0]) != len(fields) || d.PreviewRows[0][0] != "ALVHEIM" || d.PreviewRows[0][1] != "2019-01-01" {
		t.Errorf("dataset page: preview rows %q", d.PreviewRows)
	}
	if d.PreviewCaption != "De første 10 av 5\u00a0811 radene" {
		t.Errorf("dataset page: preview caption %q", d.PreviewCaption)
	}
	if !slices.Contains(d.Badges, "✓Validering: Bestått") || !slices.Contains(d.Badges, "✓Personvernsjekk: Ingen personopplysninger funnet") {
		t.Errorf("dataset page: badges %q", d.Badges)
	}
	if len(d.Downloads) != 4 || len(d.Examples) != 3 || d.CopyButtons != 3 {
		t.Errorf("dataset page: %d downloads %v, %d examples, %d copy buttons; want 4, 3, 3", len(d.Downloads), d.Downloads, len(d.Examples), d.CopyButtons)
	}
	// A download link returns the published file, byte for byte in size.
	csv, _ := latest.File(publish.FileCSV)
	if r.Download.Bytes != csv.Size || r.Download.FirstLine != strings.Join(fields, ",") {
		t.Errorf("download: %d bytes, first line %q; want %d bytes and the header", r.Download.Bytes, r.Download.FirstLine, csv.Size)
	}
	pq, _ := latest.File(publish.FileParquet)
	if r.Parquet.Status != 200 || r.Parquet.Bytes != pq.Size || r.Parquet.Magic != "PAR1" {
		t.Errorf("parquet download: %+v, want %d bytes starting PAR1", r.Parquet, pq.Size)
	}
	// The curl example works against the query API.
	if r.APIExample.Status != 200 || r.APIExample.Rows != 10 {
		t.Errorf("curl example %s: status %d, %d rows", r.APIExample.URL, r.APIExample.Status, r.APIExample.Rows)
	}
	if r.DatasetEN.Lang != "en" || r.DatasetEN.H1 != "Norm prices for crude oil" || r.IndexEN.Lang != "en" {
		t.Errorf("English pages: %+v %+v", r.DatasetEN, r.IndexEN)
	}
	if r.API.Operations == 0 {
		t.Error("API page lists no operation")
	}
	if r.Links.Checked < 10 || len(r.Links.Broken) > 0 {
		t.Errorf("links: %d checked, broken: %v", r.Links.Checked, r.Links.Broken)
	}
	if len(r.Errors) > 0 || len(r.FailedResponses) > 0 {
		t.Errorf("browser errors: %v, failed responses: %v", r.Errors, r.FailedResponses)
	}
	// Reflow (WCAG 1.4.10): nothing but the marked table regions scrolls
	// sideways at 390 px.
	if r.Mobile.IndexScrollWidth > 390 || r.Mobile.DatasetScrollWidth > 390 {
		t.Errorf("mobile: page is %d / %d px wide at a 390 px viewport", r.Mobile.IndexScrollWidth, r.Mobile.DatasetScrollWidth)
	}

	// axe-core: no WCAG 2.1 A/AA violation on any page.
	for name, a := range map[string]axeResult{
		"start page": r.Index.Axe, "dataset page": d.Axe, "English start page": r.IndexEN.Axe,
		"English dataset page": r.DatasetEN.Axe, "API page": r.API.Axe, "mobile dataset page": r.Mobile.Axe,
	} {
		if a.Passes == 0 {
			t.Errorf("axe on %s: no rule ran", name)
		}
		for _, v := range a.Violations {
			t.Errorf("axe on %s: %s (%s): %s at %v", name, v.ID, v.Impact, v.Help, v.Nodes)
		}
		t.Logf("axe on %s: %d violations, %d rules passed", name, len(a.Violations), a.Passes)
	}
	for _, f := range []string{"index-desktop.png", "index-mobile.png", "dataset-desktop.png", "dataset-mobile.png"} {
		if fi, err := os.Stat(filepath.Join(shots, f)); err != nil || fi.Size() == 0 {
			t.Errorf("screenshot %s missing: %v", f, err)
		}
	}
}

func checkIDs(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s: datasets shown %v, want %v", what, got, want)
	}
}
