package openapi_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/openapi"
	"github.com/dele-opendata/dele/openapi/internal/apitest"
)

// The oracle: the fixture's rows straight from the generator, filtered
// and sorted by plain loops, independent of Parquet and of the handler.

var cols = apitest.TilskuddSchema().Names()

type oracleFilter func(i int) bool

func cmpAny(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	switch a := a.(type) {
	case int64:
		return cmpOrdered(a, b.(int64))
	case float64:
		return cmpOrdered(a, b.(float64))
	case string:
		return strings.Compare(a, b.(string))
	case time.Time:
		return a.Compare(b.(time.Time))
	case bool:
		bb := b.(bool)
		if a == bb {
			return 0
		} else if !a {
			return -1
		}
		return 1
	}
	panic(fmt.Sprintf("type %T", a))
}

func cmpOrdered[T int64 | float64](a, b T) int {
	if a < b {
		return -1
	} else if a > b {
		return 1
	}
	return 0
}

// oracle returns the positions of the rows of the first n that pass f,
// in the order sort (e.g. "-belop,id") gives, ties by position.
func oracle(n int, f oracleFilter, sortSpec string) []int {
	var out []int
	for i := 0; i < n; i++ {
		if f == nil || f(i) {
			out = append(out, i)
		}
	}
	var keys []string
	if sortSpec != "" {
		keys = strings.Split(sortSpec, ",")
	}
	sort.SliceStable(out, func(x, y int) bool {
		for _, k := range keys {
			desc := strings.HasPrefix(k, "-")
			k = strings.TrimPrefix(k, "-")
			a, b := apitest.TilskuddRow(out[x], k), apitest.TilskuddRow(out[y], k)
			c := cmpAny(a, b)
			if desc && a != nil && b != nil {
				c = -c
			}
			if c != 0 {
				return c < 0
			}
		}
		return out[x] < out[y]
	})
	return out
}

// rowText renders a generator row the way the API encodes it in CSV.
func rowText(i int, sel []string) string {
	var parts []string
	for _, c := range sel {
		var s string
		switch v := apitest.TilskuddRow(i, c).(type) {
		case nil:
		case int64:
			s = strconv.FormatInt(v, 10)
		case float64:
			s = strconv.FormatFloat(v, 'g', -1, 64)
		case bool:
			s = strconv.FormatBool(v)
		case string:
			s = v
		case time.Time:
			if c == "vedtatt" {
				s = v.Format(time.DateOnly)
			} else {
				s = v.UTC().Format(time.RFC3339Nano)
			}
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "|")
}

// apiText renders a decoded JSON row for comparison with rowText.
func apiText(t *testing.T, row map[string]any, sel []string) string {
	t.Helper()
	var parts []string
	for _, c := range sel {
		v, ok := row[c]
		if !ok {
			t.Fatalf("row %v has no column %s", row, c)
		}
		var s string
		switch v := v.(type) {
		case nil:
		case float64:
			if c == "belop" {
				s = strconv.FormatFloat(v, 'g', -1, 64)
			} else {
				s = strconv.FormatInt(int64(v), 10)
			}
		case bool:
			s = strconv.FormatBool(v)
		case string:
			s = v
			if c == "registrert" {
				tm, err := time.Parse(time.RFC3339Nano, v)
				if err != nil {
					t.Fatalf("registrert %q: %v", v, err)
				}
				s = tm.UTC().Format(time.RFC3339Nano)
			}
		}
		parts = append(parts, s)
	}
	if len(row) != len(sel) {
		t.Errorf("row has %d columns, want %d (%v)", len(row), len(sel), sel)
	}
	return strings.Join(parts, "|")
}

type rowsPage struct {
	Dataset    string           `json:"dataset"`
	Version    string           `json:"version"`
	Limit      int              `json:"limit"`
	Next       string           `json:"next"`
	NextCursor string           `json:"nextCursor"`
	Rows       []map[string]any `json:"rows"`
}

// pageAll follows next links from path until the last page.
func (a *testAPI) pageAll(t *testing.T, path string) (rows []map[string]any, pages int) {
	t.Helper()
	for path != "" {
		res, b := a.get(path)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, res.StatusCode, b)
		}
		var p rowsPage
		decode(t, b, &p)
		rows = append(rows, p.Rows...)
		pages++
		link := res.Header.Get("Link")
		if (p.Next == "") != (link == "") {
			t.Fatalf("next %q but Link %q", p.Next, link)
		}
		if p.Next != "" && link != "<"+p.Next+`>; rel="next"` {
			t.Fatalf("Link %q does not carry next %q", link, p.Next)
		}
		path = strings.TrimPrefix(p.Next, a.srv.URL)
		if pages > 10000 {
			t.Fatal("paging does not end")
		}
	}
	return rows, pages
}

func get(i int, c string) any { return apitest.TilskuddRow(i, c) }

func day(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }

func TestRowsMatchOracle(t *testing.T) {
	a := newTestAPI(t, nil, nil)
	tests := []struct {
		name   string
		params string
		filter oracleFilter
		sort   string
		sel    []string
	}{
		{"all rows", "", nil, "", nil},
		{"eq on text with leading zero", query("kommunenummer", "0301"), func(i int) bool { return get(i, "kommunenummer") == "0301" }, "", nil},
		{"number range sorted descending", query("belop.gte", "0", "belop.lt", "5000", "sort", "-belop"), func(i int) bool {
			v, ok := get(i, "belop").(float64)
			return ok && v >= 0 && v < 5000
		}, "-belop", nil},
		{"date and boolean, sort with ties", query("vedtatt.gte", "2022-01-01", "aktiv", "true", "sort", "vedtatt,-id"), func(i int) bool {
			v, ok := get(i, "vedtatt").(time.Time)
			return ok && !v.Before(day("2022-01-01")) && get(i, "aktiv") == true
		}, "vedtatt,-id", nil},
		{"prefix", query("mottaker.prefix", "Korpset", "sort", "mottaker"), func(i int) bool {
			v, ok := get(i, "mottaker").(string)
			return ok && strings.HasPrefix(v, "Korpset")
		}, "mottaker", nil},
		{"in and year", query("kommunenummer.in", "1103,4601", "aar.lte", "2018", "sort", "aar"), func(i int) bool {
			k, y := get(i, "kommunenummer"), get(i, "aar")
			return (k == "1103" || k == "4601") && y != nil && y.(int64) <= 2018
		}, "aar", nil},
		{"contains with select", query("mottaker.contains", "Ø", "select", "mottaker,id"), func(i int) bool {
			v, ok := get(i, "mottaker").(string)
			return ok && strings.Contains(v, "Ø")
		}, "", []string{"mottaker", "id"}},
		{"datetime and nulls sorted last", query("registrert.lt", "2022-06-01T00:00:00Z", "sort", "-kommunenummer"), func(i int) bool {
			v, ok := get(i, "registrert").(time.Time)
			return ok && v.Before(time.Date(2022, 6, 1, 0, 0, 0, 0, time.UTC))
		}, "-kommunenummer", nil},
		{"sort on column with nulls", query("sort", "belop"), nil, "belop", []string{"id", "belop"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sel := tc.sel
			if sel == nil {
				sel = cols
			}
			params := tc.params
			if tc.sel != nil && !strings.Contains(params, "select=") {
				params += "&select=" + strings.Join(sel, ",")
			}
			path := "/datasets/tilskudd/rows?limit=97&" + strings.TrimPrefix(params, "&")
			rows, pages := a.pageAll(t, path)
			want := oracle(fixtureRows, tc.filter, tc.sort)
			if len(rows) != len(want) {
				t.Fatalf("%d rows in %d pages, want %d", len(rows), pages, len(want))
			}
			if wantPages := max(1, (len(want)+96)/97); pages != wantPages {
				t.Errorf("%d pages, want %d", pages, wantPages)
			}
			for k, i := range want {
				if got, exp := apiText(t, rows[k], sel), rowText(i, sel); got != exp {
					t.Fatalf("row %d: got %s, want %s", k, got, exp)
				}
			}
			if len(want) == 0 {
				t.Fatal("test case selects no rows")
			}
		})
	}
}

func TestPruning(t *testing.T) {
	a := newTestAPI(t, nil, nil)
	res, b := a.get("/datasets/tilskudd/rows?id.gt=2200&sort=id")
	if res.StatusCode != 200 {
		t.Fatalf("%d %s", res.StatusCode, b)
	}
	// 2,500 rows in groups of 300: ids above 2200 are in the last two;
	// the first of them fills the page of 100.
	if got := res.Header.Get("X-Row-Groups"); got != "scanned=1, skipped=8" {
		t.Errorf("X-Row-Groups = %q, want scanned=1, skipped=8", got)
	}
	res, _ = a.get("/datasets/tilskudd/rows?id.gt=2200&id.lte=2450&limit=1000")
	if got := res.Header.Get("X-Row-Groups"); got != "scanned=2, skipped=7" {
		t.Errorf("X-Row-Groups = %q, want scanned=2, skipped=7", got)
	}
	// First page sorted on id: once the page is full, later groups go.
	res, _ = a.get("/datasets/tilskudd/rows?sort=-id&limit=10")
	if got := res.Header.Get("X-Row-Groups"); got != "scanned=1, skipped=8" {
		t.Errorf("sort=-id: X-Row-Groups = %q, want scanned=1, skipped=8", got)
	}
}

func TestFormats(t *testing.T) {
	a := newTestAPI(t, nil, nil)
	q := "/datasets/tilskudd/rows?kommunenummer=1103&limit=50&sort=-vedtatt"
	_, jb := a.get(q)
	var p rowsPage
	decode(t, jb, &p)
	res, cb := a.get(q + "&format=csv")
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("csv Content-Type %q", ct)
	}
	recs, err := csv.NewReader(bytes.NewReader(cb)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != strings.Join(cols, ",") || len(recs) != len(p.Rows)+1 {
		t.Fatalf("csv header %v, %d records for %d rows", recs[0], len(recs), len(p.Rows))
	}
	for k, row := range p.Rows {
		if got, want := strings.Join(recs[k+1], "|"), apiText(t, row, cols); got != want {
			t.Errorf("csv row %d: %s, json %s", k, got, want)
		}
	}
	if res.Header.Get("Link") == "" {
		t.Error("csv page has no Link header")
	}
	res, nb := a.get(q + "&format=ndjson")
	lines := strings.Split(strings.TrimSpace(string(nb)), "\n")
	if res.Header.Get("Content-Type") != "application/x-ndjson" || len(lines) != len(p.Rows) {
		t.Fatalf("ndjson: %s, %d lines for %d rows", res.Header.Get("Content-Type"), len(lines), len(p.Rows))
	}
	for k, l := range lines {
		var row map[string]any
		decode(t, []byte(l), &row)
		if apiText(t, row, cols) != apiText(t, p.Rows[k], cols) {
			t.Errorf("ndjson row %d differs", k)
		}
	}
}

func TestErrors(t *testing.T) {
	a := newTestAPI(t, nil, func(o *openapi.Options) { o.Limits.MaxCells = 5000 })
	tests := []struct {
		path   string
		status int
		param  string
		detail string
	}{
		{"/datasets/nope", 404, "id", "no dataset"},
		{"/datasets/nope/rows", 404, "", `no dataset "nope"`},
		{"/datasets/klienter/rows", 404, "", "RESTRICTED"},
		{"/nothing", 404, "", "no such path"},
		{"/datasets/tilskudd/versions/v9/rows", 404, "version", "no version"},
		{"/datasets/tilskudd/rows?belop.gte=abc", 400, "belop.gte", ""},
		{"/datasets/tilskudd/rows?limit=10001", 400, "limit", ""},
		{"/datasets/tilskudd/rows?limit=0", 400, "limit", ""},
		{"/datasets/tilskudd/rows?kommunenumer=0301", 400, "kommunenumer", "unknown parameter"},
		{"/datasets/tilskudd/rows?vedtatt=2024-13-45", 400, "vedtatt", ""},
		{"/datasets/tilskudd/rows?registrert.gt=yesterday", 400, "registrert.gt", ""},
		{"/datasets/tilskudd/rows?sort=nope", 400, "sort", ""},
		{"/datasets/tilskudd/rows?select=id,nope", 400, "select", ""},
		{"/datasets/tilskudd/rows?format=xml", 400, "format", ""},
		{"/datasets/tilskudd/rows?cursor=garbage", 400, "cursor", ""},
		{"/datasets/tilskudd/rows?id=1&id=2", 400, "id", "given 2 times"},
		{"/datasets/tilskudd/rows?aktiv=maybe", 400, "aktiv", ""},
		{"/datasets/tilskudd/rows?limit=1000", 400, "limit", "cells"},
		{"/datasets?x=1", 400, "x", "unknown parameter"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			res, b := a.get(tc.path)
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tc.status, b)
			}
			if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q", ct)
			}
			var p struct {
				Type, Title, Detail, Parameter, Hint string
				Status                               int
			}
			decode(t, b, &p)
			if p.Status != tc.status || p.Parameter != tc.param || !strings.Contains(p.Detail, tc.detail) || p.Title == "" {
				t.Errorf("problem %+v, want status %d parameter %q detail containing %q", p, tc.status, tc.param, tc.detail)
			}
		})
	}
	// The too-large problem says what to do.
	_, b := a.get("/datasets/tilskudd/rows?limit=1000")
	if !bytes.Contains(b, []byte("select")) {
		t.Errorf("too-large problem has no hint: %s", b)
	}
}

func TestHTTPBehaviour(t *testing.T) {
	a := newTestAPI(t, nil, nil)
	path := "/datasets/tilskudd/rows?kommunenummer=0301&limit=500"
	res, b := a.get(path)
	etag := res.Header.Get("ETag")
	if res.StatusCode != 200 || etag == "" || res.Header.Get("Cache-Control") != "public, max-age=60" {
		t.Fatalf("status %d ETag %q Cache-Control %q", res.StatusCode, etag, res.Header.Get("Cache-Control"))
	}
	res, b2 := a.get(path, "If-None-Match", etag)
	if res.StatusCode != http.StatusNotModified || len(b2) != 0 {
		t.Errorf("If-None-Match: status %d, %d bytes", res.StatusCode, len(b2))
	}
	res, _ = a.get(path, "If-None-Match", `W/"other"`)
	if res.StatusCode != 200 {
		t.Errorf("other ETag: status %d", res.StatusCode)
	}
	// gzip when asked (the client then does not decode it itself).
	res, zb := a.get(path, "Accept-Encoding", "gzip")
	if res.Header.Get("Content-Encoding") != "gzip" || len(zb) >= len(b) {
		t.Errorf("gzip: Content-Encoding %q, %d bytes for %d", res.Header.Get("Content-Encoding"), len(zb), len(b))
	}
	// CORS.
	res, _ = a.get("/datasets", "Origin", "https://app.example.com")
	if res.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Error("no CORS header")
	}
	req, _ := http.NewRequest(http.MethodOptions, a.srv.URL+"/datasets/tilskudd/rows", nil)
	req.Header.Set("Origin", "https://app.example.com")
	req.Header.Set("Access-Control-Request-Method", "GET")
	pre, err := a.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	pre.Body.Close()
	if pre.StatusCode != http.StatusNoContent || !strings.Contains(pre.Header.Get("Access-Control-Allow-Methods"), "GET") {
		t.Errorf("preflight: %d %v", pre.StatusCode, pre.Header)
	}
	// HEAD has the headers and no body.
	hreq, _ := http.NewRequest(http.MethodHead, a.srv.URL+path, nil)
	hres, err := a.srv.Client().Do(hreq)
	if err != nil {
		t.Fatal(err)
	}
	hres.Body.Close()
	if hres.StatusCode != 200 || hres.Header.Get("ETag") != etag {
		t.Errorf("HEAD: %d ETag %q", hres.StatusCode, hres.Header.Get("ETag"))
	}
	// POST is refused.
	pres, err := a.srv.Client().Post(a.srv.URL+"/datasets", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	pres.Body.Close()
	if pres.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", pres.StatusCode)
	}
	// Pinned versions are immutable.
	res, vb := a.get("/datasets/tilskudd/versions/v1/rows?limit=1")
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("version rows: %d %q %s", res.StatusCode, res.Header.Get("Cache-Control"), vb)
	}
	if a.validated == 0 {
		t.Fatal("no response was validated against the document")
	}
}

func TestMetadata(t *testing.T) {
	a := newTestAPI(t, nil, nil)
	res, b := a.get("/datasets")
	if res.StatusCode != 200 {
		t.Fatalf("%d %s", res.StatusCode, b)
	}
	var list struct {
		Datasets []struct {
			ID, Access, Version string
			Rows                int64
			Links               map[string]string
		}
	}
	decode(t, b, &list)
	if len(list.Datasets) != 2 || list.Datasets[0].ID != "klienter" || list.Datasets[1].ID != "tilskudd" {
		t.Fatalf("datasets %+v", list.Datasets)
	}
	if k := list.Datasets[0]; k.Links["rows"] != "" || k.Links["parquet"] != "" || k.Access != "RESTRICTED" {
		t.Errorf("restricted dataset exposes rows or files: %+v", k)
	}
	if d := list.Datasets[1]; d.Links["rows"] != a.srv.URL+"/datasets/tilskudd/rows" || d.Version != "v2" || d.Rows != fixtureRows {
		t.Errorf("tilskudd %+v", d)
	}
	res, b = a.get("/datasets/tilskudd")
	var d struct {
		Schema   struct{ Fields []struct{ Name string } }
		Versions []struct{ Version, RowsURL string }
		Files    []struct{ Name, URL string }
	}
	decode(t, b, &d)
	if res.StatusCode != 200 || len(d.Schema.Fields) != len(cols) || len(d.Versions) != 2 || d.Versions[1].Version != "v1" || len(d.Files) != 1 {
		t.Errorf("detail %s", b)
	}
	res, b = a.get("/openapi.json")
	if res.StatusCode != 200 || !bytes.Contains(b, []byte(`"/datasets/tilskudd/rows"`)) {
		t.Errorf("openapi.json: %d", res.StatusCode)
	}
}

// TestVersionPinning: a cursor keeps paging on the version it started on
// even when a new version is published meanwhile.
func TestVersionPinning(t *testing.T) {
	ctx := context.Background()
	st, _, err := apitest.Fixture(ctx, fixtureRows, fixtureGroup)
	if err != nil {
		t.Fatal(err)
	}
	a := newTestAPI(t, st, func(o *openapi.Options) { o.Refresh = time.Nanosecond })
	_, b := a.get("/datasets/tilskudd/rows?limit=1000")
	var p rowsPage
	decode(t, b, &p)
	if p.Version != "v2" || p.Next == "" {
		t.Fatalf("first page %s next %q", p.Version, p.Next)
	}
	if _, err := apitest.Publish(ctx, st, "tilskudd", "v3", apitest.TilskuddSchema(), 10, 5, apitest.TilskuddRow, apitest.V2Time.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	rest, _ := a.pageAll(t, strings.TrimPrefix(p.Next, a.srv.URL))
	if len(rest) != fixtureRows-1000 {
		t.Errorf("after republishing, paging gave %d more rows, want %d", len(rest), fixtureRows-1000)
	}
	_, b = a.get("/datasets/tilskudd/rows")
	decode(t, b, &p)
	if p.Version != "v3" || len(p.Rows) != 10 {
		t.Errorf("new requests: version %s, %d rows", p.Version, len(p.Rows))
	}
}

// TestDownloadFallback serves from a store without ranged reads.
func TestDownloadFallback(t *testing.T) {
	ctx := context.Background()
	st, _, err := apitest.Fixture(ctx, fixtureRows, fixtureGroup)
	if err != nil {
		t.Fatal(err)
	}
	a := newTestAPI(t, st, func(o *openapi.Options) { o.Store = apitest.NoRange{Store: st} })
	before := st.RangeReads
	rows, _ := a.pageAll(t, "/datasets/tilskudd/rows?limit=1000&aar=2019")
	want := oracle(fixtureRows, func(i int) bool { return get(i, "aar") == int64(2019) }, "")
	if len(rows) != len(want) {
		t.Errorf("%d rows, want %d", len(rows), len(want))
	}
	if st.RangeReads != before {
		t.Errorf("store without RangeGetter got %d ranged reads", st.RangeReads-before)
	}
	var _ store.Store = apitest.NoRange{}
	_ = url.Values{}
}

// TestConvertParquet serves a file written by internal/convert, the writer
// the publish stage uses (one 128K-row group here, a decimal column),
// and checks filters and sorting against the oracle.
func TestConvertParquet(t *testing.T) {
	ctx := context.Background()
	st := apitest.NewMapStore()
	sch := apitest.TilskuddSchema()
	for i := range sch.Fields {
		if sch.Fields[i].Name == "belop" {
			sch.Fields[i].Format = "decimal(12,2)"
		}
	}
	if _, err := apitest.Publish(ctx, st, "tilskudd", "v2", sch, fixtureRows, 0, apitest.TilskuddRow, apitest.V2Time); err != nil {
		t.Fatal(err)
	}
	a := newTestAPI(t, st, nil)
	for _, tc := range []struct {
		params string
		filter oracleFilter
		sort   string
	}{
		{query("belop.gt", "1234.5", "vedtatt.lt", "2021-06-01", "sort", "-belop"), func(i int) bool {
			b, ok := get(i, "belop").(float64)
			v, ok2 := get(i, "vedtatt").(time.Time)
			return ok && ok2 && b > 1234.5 && v.Before(day("2021-06-01"))
		}, "-belop"},
		{query("registrert.gte", "2021-04-01T00:00:00Z", "kommunenummer", "0301", "sort", "registrert"), func(i int) bool {
			v, ok := get(i, "registrert").(time.Time)
			return ok && !v.Before(time.Date(2021, 4, 1, 0, 0, 0, 0, time.UTC)) && get(i, "kommunenummer") == "0301"
		}, "registrert"},
	} {
		rows, _ := a.pageAll(t, "/datasets/tilskudd/rows?limit=300&"+tc.params)
		want := oracle(fixtureRows, tc.filter, tc.sort)
		if len(rows) != len(want) || len(want) == 0 {
			t.Fatalf("%s: %d rows, want %d", tc.params, len(rows), len(want))
		}
		for k, i := range want {
			if got, exp := apiText(t, rows[k], cols), rowText(i, cols); got != exp {
				t.Fatalf("%s: row %d: got %s, want %s", tc.params, k, got, exp)
			}
		}
	}
	// The exact decimal value filters as written.
	v := get(7, "belop").(float64)
	_, b := a.get("/datasets/tilskudd/rows?select=id&belop=" + strconv.FormatFloat(v, 'f', 2, 64))
	if !strings.Contains(string(b), `{"id":8}`) {
		t.Errorf("belop=%v does not find row 8: %s", v, b)
	}
}
