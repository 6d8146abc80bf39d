package openapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dele-opendata/dele/internal/store/fsstore"
	"github.com/dele-opendata/dele/openapi/internal/apitest"
)

// FuzzRowsQuery sends arbitrary query strings (and version path segments)
// to the rows endpoint of a handler over a folder store, as `dele serve`
// runs it, and parses the same parameters with parseQuery directly.
//
// The handler must never panic or answer 5xx: every bad request is a 4xx
// problem+json naming what is wrong. parseQuery must either return a
// *paramError naming the parameter, or a query within the limits: a limit
// from 1 to MaxLimit, at most MaxFilters filters of at most MaxInValues
// values, at most MaxCells cells, known columns, a known format, and a
// cursor that matches the sort. Seeds are in testdata/fuzz/FuzzRowsQuery.
func FuzzRowsQuery(f *testing.F) {
	ctx := context.Background()
	st, err := fsstore.New(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	for _, v := range []struct {
		version string
		rows    int
		at      time.Time
	}{{"v1", 200, apitest.V1Time}, {"v2", 300, apitest.V2Time}} {
		if _, err := apitest.Publish(ctx, st, "tilskudd", v.version, apitest.TilskuddSchema(), v.rows, 64, apitest.TilskuddRow, v.at); err != nil {
			f.Fatal(err)
		}
	}
	lim := Limits{MaxFilters: 6, MaxCells: 4000, MaxResponseBytes: 1 << 20, Timeout: time.Minute}
	h, err := NewHandler(ctx, Options{Config: apitest.Config("http://api.test"), Definitions: apitest.Definitions()[:1],
		Store: st, Limits: lim, Refresh: -1, CacheDir: f.TempDir()})
	if err != nil {
		f.Fatal(err)
	}
	ds := h.snap.entries["tilskudd"]
	lim = lim.withDefaults()

	for _, q := range []string{
		"", "limit=5&sort=-belop,id&select=id,belop", "kommunenummer.in=0301,1103&aar.gte=2018",
		"mottaker.prefix=Korpset&format=csv", "registrert.lt=2022-06-01T00:00:00Z&format=ndjson",
		"vedtatt=2024-13-45", "limit=10001", "id=1&id=2", "cursor=garbage", "select=id,nope",
		"aktiv=maybe&belop.gte=NaN", "limit=1000", "format=xml", "id.gt=1&id.gt=2",
		"limit=3&sort=vedtatt&cursor=eyJ2IjoidjIiLCJzIjoidmVkdGF0dCIsImsiOlsiMjAyMC0wMS0wMiJdLCJwIjoyfQ",
	} {
		f.Add("", q)
	}
	f.Add("v1", "limit=2")
	f.Add("..", "")
	f.Add(".", "")
	f.Add("a\\b", "")
	f.Add("%2E%2E", "")
	f.Add("v%2F..", "sort=id")

	f.Fuzz(func(t *testing.T, version, rawQuery string) {
		path := "/datasets/tilskudd/rows"
		if version != "" {
			path = "/datasets/tilskudd/versions/" + version + "/rows"
		}
		target := "http://api.test" + path + "?" + rawQuery
		req, err := http.NewRequest(http.MethodGet, target, nil)
		if err != nil || req.URL.Host != "api.test" {
			return // not a request a client can send
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch code := rec.Code; {
		case code >= 500:
			t.Fatalf("GET %s: %d %s", target, code, rec.Body)
		case code == http.StatusOK:
		case code == http.StatusBadRequest || code == http.StatusNotFound:
			var p problem
			if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" || json.Unmarshal(rec.Body.Bytes(), &p) != nil || p.Status != code || p.Detail == "" {
				t.Fatalf("GET %s: %d with %s %q", target, code, ct, rec.Body)
			}
		default:
			t.Fatalf("GET %s: unexpected status %d %s", target, code, rec.Body)
		}

		vals := req.URL.Query()
		q, err := parseQuery(vals, ds.cols, ds.ix, lim)
		if err != nil {
			var pe *paramError
			if !errors.As(err, &pe) || pe.detail == "" || pe.param == "" && !vals.Has("") {
				t.Fatalf("parseQuery(%q): %v is not a paramError naming a parameter", rawQuery, err)
			}
			return
		}
		switch {
		case q.limit < 1 || q.limit > MaxLimit:
			t.Fatalf("parseQuery(%q): limit %d", rawQuery, q.limit)
		case len(q.filters) > lim.MaxFilters:
			t.Fatalf("parseQuery(%q): %d filters", rawQuery, len(q.filters))
		case q.limit*len(q.sel) > lim.MaxCells || len(q.sel) == 0:
			t.Fatalf("parseQuery(%q): %d × %d cells", rawQuery, q.limit, len(q.sel))
		case q.format != "json" && q.format != "csv" && q.format != "ndjson":
			t.Fatalf("parseQuery(%q): format %q", rawQuery, q.format)
		case q.cursor != nil && (len(q.cursor.keys) != len(q.sort) || q.cursor.Pos < 0):
			t.Fatalf("parseQuery(%q): cursor %+v for %d sort keys", rawQuery, q.cursor, len(q.sort))
		}
		for _, fl := range q.filters {
			if len(fl.vals) == 0 || len(fl.vals) > MaxInValues || fl.col < 0 || fl.col >= len(ds.cols) {
				t.Fatalf("parseQuery(%q): filter %+v", rawQuery, fl)
			}
		}
		for _, c := range append(append([]int{}, q.sel...), sortCols(q.sort)...) {
			if c < 0 || c >= len(ds.cols) {
				t.Fatalf("parseQuery(%q): column %d", rawQuery, c)
			}
		}
		if rec.Code == http.StatusOK && q.format == "json" && version == "" {
			var page struct{ Rows []json.RawMessage }
			if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil || len(page.Rows) > q.limit {
				t.Fatalf("GET %s: %d rows for limit %d (%v)", target, len(page.Rows), q.limit, err)
			}
		}
		if strings.Contains(rec.Header().Get("Link"), "\n") {
			t.Fatalf("GET %s: Link header with a newline", target)
		}
	})
}

func sortCols(keys []sortKey) []int {
	var out []int
	for _, k := range keys {
		out = append(out, k.col)
	}
	return out
}
