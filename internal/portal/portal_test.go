package portal

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/classify"
	"github.com/dele-opendata/dele/internal/config"
	"github.com/dele-opendata/dele/internal/publish"
	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/internal/store/memstore"
	"github.com/dele-opendata/dele/internal/tableschema"
	"github.com/dele-opendata/dele/internal/validate"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func testConfig() *config.Config {
	c := config.Config{Catalog: config.Catalog{
		TitleNB: "Åpne data fra Eksempel kommune", TitleEN: "Open data from Example municipality",
		DescNB: "Datasett fra kommunen.", DescEN: "Datasets from the municipality.",
		Publisher: "Eksempel kommune", PublisherNr: "964965226", ContactEmail: "postmottak@example.kommune.no",
	}}
	return c.WithBaseURL("https://data.example.kommune.no")
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func manifest(id, version string, published time.Time, rows int64, access string, names ...string) *publish.Manifest {
	m := &publish.Manifest{Dataset: id, Version: version, Published: published, Issued: ts("2024-01-15T08:00:00Z"), Rows: rows, Access: access}
	sizes := map[string]int64{"data.parquet": 48213, "data.csv": 1 << 20, "data-nb.csv": 1<<20 + 17, "schema.json": 812, "report.json": 1500}
	for _, n := range names {
		m.Files = append(m.Files, publish.FileInfo{Name: n, Key: publish.VersionPrefix(id, version) + n, Size: sizes[n], MediaType: "application/octet-stream"})
	}
	return m
}

// testEntries is a small catalog covering every state a page can show:
// published with history, rejected rows and an allowed finding; restricted
// (metadata only); registered but never published.
func testEntries() []Entry {
	valg := &datasets.Definition{
		ID: "valglokaler", Title: datasets.Text{NB: "Valglokaler", EN: "Polling stations"},
		Description: datasets.Text{NB: "Valglokaler med adresse & åpningstider <2025>.", EN: "Polling stations with address and opening hours."},
		Publisher:   datasets.Publisher{OrgNr: "964965226", Name: "Eksempel kommune"},
		Contact:     datasets.Contact{Name: "Digitalisering", Email: "post@example.kommune.no"},
		Themes:      []string{"GOVE", "REGI"}, Keywords: datasets.Keywords{NB: []string{"valg", "valglokale"}, EN: []string{"election"}},
		License: "NLOD-2.0", Access: datasets.AccessPublic, Schedule: "rate(1 day)", Provenance: "Valgsystemet EVA.",
	}
	m := manifest("valglokaler", "20251102T030000Z-cccccccccccc", ts("2025-11-02T03:00:00Z"), 42, "PUBLIC", "data.parquet", "data.csv", "data-nb.csv", "schema.json", "report.json")
	m.Schema = &tableschema.Schema{Fields: []tableschema.Field{
		{Name: "kommunenummer", Type: "string", Description: "Kommunenummer (4 siffer)", Constraints: tableschema.Constraints{Required: true}},
		{Name: "navn", Type: "string", Description: "Navn på valglokalet"},
		{Name: "dato", Type: "date", Format: "%d.%m.%Y"},
		{Name: "telefon", Type: "string"},
	}, PrimaryKey: []string{"kommunenummer", "navn"}}
	m.History = []publish.VersionSummary{
		{Version: "20251102T030000Z-cccccccccccc", Published: ts("2025-11-02T03:00:00Z"), Rows: 42},
		{Version: "20251101T030000Z-bbbbbbbbbbbb", Published: ts("2025-11-01T03:00:00Z"), Rows: 40},
		{Version: "20240115T080000Z-aaaaaaaaaaaa", Published: ts("2024-01-15T08:00:00Z"), Rows: 7},
	}
	rep := &Report{
		Classification: &classify.Decision{Declared: "PUBLIC", Access: "PUBLIC", Publish: true, Rows: 44, Findings: []classify.Finding{
			{Column: "telefon", Kind: "phone", Personal: true, Confidence: "high", Matches: 30, NonEmpty: 31, Allowed: true},
			{Column: "kommunenummer", Kind: "kommunenummer", Matches: 44, NonEmpty: 44},
		}},
		Validation: &validate.Report{Rows: 44, Valid: 42, Invalid: 2, InvalidShare: 2.0 / 44, MaxInvalidShare: 0.05},
	}
	prev := &Preview{Header: []string{"kommunenummer", "navn", "dato", "telefon"}, Rows: [][]string{
		{"0301", "Rådhuset <hovedinngang>", "2025-09-08", "+47 23 46 16 00"},
		{"1103", "Tou Scene", "2025-09-08", ""},
	}}

	restricted := &datasets.Definition{
		ID: "barnehageopptak", Title: datasets.Text{NB: "Barnehageopptak"}, Description: datasets.Text{NB: "Søknader om barnehageplass."},
		Publisher: datasets.Publisher{OrgNr: "964965226", Name: "Eksempel kommune"}, Themes: []string{"EDUC"},
		License: "CC-BY-4.0", Access: datasets.AccessRestricted, Schedule: "cron(0 3 1 * ? *)",
	}
	rm := manifest("barnehageopptak", "20251001T030000Z-dddddddddddd", ts("2025-10-01T03:00:00Z"), 0, "RESTRICTED", "schema.json", "report.json")
	rrep := &Report{Classification: &classify.Decision{Declared: "RESTRICTED", Access: "RESTRICTED", Publish: false, Findings: []classify.Finding{
		{Column: "fnr", Kind: "fodselsnummer", Personal: true, Matches: 9, NonEmpty: 9, Blocking: true},
	}}, Validation: &validate.Report{Rows: 9, Valid: 9, MaxInvalidShare: 0.05}}

	unpublished := &datasets.Definition{
		ID: "avfall", Title: datasets.Text{NB: "Avfallstømming", EN: "Waste collection"}, Description: datasets.Text{NB: "Tømmedager per rode."},
		Publisher: datasets.Publisher{OrgNr: "964965226", Name: "Eksempel kommune"}, Themes: []string{"ENVI"},
		License: "CC0-1.0", Access: datasets.AccessPublic, Schedule: "cron(0 4 ? * MON *)",
	}
	return []Entry{
		{Def: valg, Latest: m, Report: rep, Preview: prev},
		{Def: restricted, Latest: rm, Report: rrep},
		{Def: unpublished},
	}
}

func testAPI(t *testing.T) *API {
	t.Helper()
	b, err := os.ReadFile("testdata/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	api, err := ParseAPI(b)
	if err != nil {
		t.Fatal(err)
	}
	return api
}

// TestRenderGolden compares every page of the test catalog with its golden
// file; go test -run TestRenderGolden -update rewrites them.
func TestRenderGolden(t *testing.T) {
	pages, err := Render(testConfig(), testEntries(), testAPI(t))
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, p := range pages {
		keys = append(keys, p.Key)
	}
	sort.Strings(keys)
	want := []string{
		"api.html", "datasets/avfall/index.html", "datasets/barnehageopptak/index.html", "datasets/valglokaler/index.html",
		"en/api.html", "en/datasets/avfall/index.html", "en/datasets/barnehageopptak/index.html", "en/datasets/valglokaler/index.html",
		"en/index.html", "index.html",
	}
	if strings.Join(keys, " ") != strings.Join(want, " ") {
		t.Fatalf("page keys:\n got %v\nwant %v", keys, want)
	}
	dir := filepath.Join("testdata", "golden")
	for _, p := range pages {
		file := filepath.Join(dir, strings.ReplaceAll(p.Key, "/", "__"))
		if *update {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, p.Content, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		golden, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%s: %v (run go test -update)", p.Key, err)
		}
		if !bytes.Equal(golden, p.Content) {
			t.Errorf("%s differs from %s (run go test -update and review the diff)\n%s", p.Key, file, firstDiff(golden, p.Content))
		}
	}
}

func firstDiff(a, b []byte) string {
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n golden: %s\n    got: %s", i+1, x, y)
		}
	}
	return ""
}

// TestRenderContent checks the properties the golden files are meant to
// pin, so a careless -update cannot hide their loss.
func TestRenderContent(t *testing.T) {
	pages, err := Render(testConfig(), testEntries(), testAPI(t))
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]string{}
	for _, p := range pages {
		byKey[p.Key] = string(p.Content)
	}
	tests := []struct {
		key  string
		want []string
		not  []string
	}{
		{"index.html", []string{
			`<html lang="nb">`, `hreflang="en" href="en/index.html"`, `<a class="skip" href="#main">`, `<main id="main"`,
			`<a href="datasets/valglokaler/index.html">Valglokaler</a>`, `data-themes="GOVE REGI"`, `data-formats="parquet csv csv-nb"`,
			`data-access="RESTRICTED"`, `data-updated="2025-11-02T03:00:00Z"`, `<label for="q">`, `3 datasett.`, `Ikke publisert ennå`,
			`href="catalog.ttl"`, `href="api.html"`,
		}, []string{"http://", "https://cdn", `src="http`}},
		{"en/index.html", []string{`<html lang="en">`, `hreflang="nb" href="../index.html"`, `Polling stations`, `href="../catalog.ttl"`, `3 datasets.`}, nil},
		{"datasets/valglokaler/index.html", []string{
			`href="../../datasets/valglokaler/versions/20251102T030000Z-cccccccccccc/data.parquet"`, "47\u00a0kB", "1,0\u00a0MB",
			`Valglokaler med adresse &amp; åpningstider &lt;2025&gt;.`, `Rådhuset &lt;hovedinngang&gt;`,
			`<caption id="schema-cap">`, `<th scope="col">kommunenummer</th>`, `De første 2 av 42 radene`,
			`Validering: Bestått med avviste rader`, "42 av 44 rader er gyldige (2 avvist, grensen er 5,0\u00a0%).",
			`Personvernsjekk: Gjennomgått og godkjent av dataforvalter`, `Tillatt av dataforvalter`,
			`role="img" aria-labelledby="chart-title chart-desc"`, `<td class="num">7</td>`,
			`curl -s &#39;https://data.example.kommune.no/api/datasets/valglokaler/rows?limit=10&#39;`,
			`pd.read_parquet(&#34;https://data.example.kommune.no/datasets/valglokaler/versions/20251102T030000Z-cccccccccccc/data.parquet&#34;)`,
			`read_parquet(&#39;https://data.example.kommune.no/datasets/valglokaler/versions/20251102T030000Z-cccccccccccc/data.parquet&#39;)`,
			`Norsk lisens for offentlige data (NLOD) 2.0`, `Daglig`, `(org.nr. 964965226)`,
		}, nil},
		{"datasets/barnehageopptak/index.html", []string{`Bare beskrivelsen publiseres.`, `Personvernsjekk: Holdt tilbake`, `Stopper publisering`, `Månedlig`}, []string{"data.parquet", "curl"}},
		{"datasets/avfall/index.html", []string{`Ingen data er publisert`, `Ukentlig`}, []string{`class="badge`}},
		{"en/datasets/valglokaler/index.html", []string{`<html lang="en">`, `Validation: Passed with rejected rows`, `42 of 44 rows are valid`, `href="../../../datasets/valglokaler/versions/`, `hreflang="nb" href="../../../datasets/valglokaler/index.html"`}, nil},
		{"api.html", []string{`<code>/datasets/valglokaler/rows</code>`, `Rows per page (max 10000)`, `Filterparametre (2)`, `array of string`, `integer (int64)`, `RFC 9457 problem details`, `<code>id</code>`, `Second paragraph.`}, nil},
	}
	for _, tc := range tests {
		page, ok := byKey[tc.key]
		if !ok {
			t.Errorf("no page %s", tc.key)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(page, w) {
				t.Errorf("%s: missing %q", tc.key, w)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(page, n) {
				t.Errorf("%s: unexpected %q", tc.key, n)
			}
		}
	}
}

// errStore fails every Get with err.
type errStore struct {
	store.Store
	err error
}

func (s errStore) Get(ctx context.Context, key string) (io.ReadCloser, error) { return nil, s.err }

func put(t *testing.T, st store.Store, key, content string) {
	t.Helper()
	if err := st.Put(context.Background(), key, strings.NewReader(content), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestLoad reads the report, a bounded preview and the OpenAPI document
// from a store, and leaves missing objects nil.
func TestLoad(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	entries := testEntries()
	for i := range entries {
		entries[i].Report, entries[i].Preview = nil, nil
	}
	m := entries[0].Latest
	var csv strings.Builder
	csv.WriteString("\ufeffkommunenummer,navn\n")
	for i := range 25 {
		fmt.Fprintf(&csv, "%04d,\"Lokale, nr. %d\"\n", i+1, i)
	}
	csv.WriteString("9999,\"" + strings.Repeat("x", 500) + "\"\n")
	key := func(name string) string { f, _ := m.File(name); return f.Key }
	put(t, st, key("data.csv"), csv.String())
	put(t, st, key("report.json"), `{"dataset":"valglokaler","classification":{"declared":"PUBLIC","access":"PUBLIC","publish":true,"findings":null},"validation":{"rows":25,"valid":25,"invalid":0,"maxInvalidShare":0.05,"failed":false}}`)
	b, err := os.ReadFile("testdata/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	put(t, st, "openapi.json", string(b))

	api, err := Load(ctx, st, entries)
	if err != nil {
		t.Fatal(err)
	}
	if api == nil || len(api.Operations) != 3 {
		t.Fatalf("api = %+v, want 3 operations", api)
	}
	p := entries[0].Preview
	if p == nil {
		t.Fatal("no preview")
	}
	if got := strings.Join(p.Header, "|"); got != "kommunenummer|navn" {
		t.Errorf("header = %q (BOM not trimmed?)", got)
	}
	if len(p.Rows) != PreviewRows {
		t.Fatalf("preview rows = %d, want %d", len(p.Rows), PreviewRows)
	}
	if p.Rows[0][0] != "0001" || p.Rows[9][1] != "Lokale, nr. 9" {
		t.Errorf("rows = %q", p.Rows)
	}
	r := entries[0].Report
	if r == nil || r.Validation == nil || r.Validation.Valid != 25 || r.Classification == nil || !r.Classification.Publish {
		t.Errorf("report = %+v", r)
	}
	// The restricted entry has a report.json in its manifest that is not in
	// the store, and no CSV: both stay nil. The unpublished one is skipped.
	if entries[1].Report != nil || entries[1].Preview != nil || entries[2].Preview != nil {
		t.Errorf("missing objects gave %+v %+v", entries[1], entries[2])
	}
}

func TestLoadErrors(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	entries := testEntries()[:1]
	f, _ := entries[0].Latest.File("report.json")
	put(t, st, f.Key, `{"validation": [}`)
	if _, err := Load(ctx, st, entries); err == nil || !strings.Contains(err.Error(), "valglokaler") || !strings.Contains(err.Error(), "report.json") {
		t.Errorf("bad report: err = %v, want one naming the dataset and file", err)
	}

	fire := errors.New("disk on fire")
	_, err := Load(ctx, errStore{memstore.New(), fire}, testEntries()[:1])
	if !errors.Is(err, fire) {
		t.Errorf("store error: err = %v, want it wrapped", err)
	}

	st = memstore.New()
	put(t, st, "openapi.json", `{"paths": 3}`)
	if _, err := Load(ctx, st, nil); err == nil || !strings.Contains(err.Error(), "openapi.json") {
		t.Errorf("bad OpenAPI document: err = %v", err)
	}
}

func TestNum(t *testing.T) {
	for _, tc := range []struct {
		n      int64
		nb, en string
	}{{0, "0", "0"}, {999, "999", "999"}, {1000, "1\u00a0000", "1,000"}, {1234567, "1\u00a0234\u00a0567", "1,234,567"}, {-5811, "−5\u00a0811", "−5,811"}} {
		if got := langNB.Num(tc.n); got != tc.nb {
			t.Errorf("nb Num(%d) = %q, want %q", tc.n, got, tc.nb)
		}
		if got := langEN.Num(tc.n); got != tc.en {
			t.Errorf("en Num(%d) = %q, want %q", tc.n, got, tc.en)
		}
	}
}
