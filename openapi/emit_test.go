package openapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/dele-opendata/dele/openapi/internal/apitest"
)

// TestEmitterWindow: a page of 10,000 rows × 8 columns is read in windows
// of at most windowCells values, and the estimate that decides "too large"
// before the first byte is within a factor of two of the real size.
func TestEmitterWindow(t *testing.T) {
	ctx := context.Background()
	st, defs, err := apitest.Fixture(ctx, 12000, 1500)
	if err != nil {
		t.Fatal(err)
	}
	h, err := NewHandler(ctx, Options{Config: apitest.Config("http://api.test"), Definitions: defs, Store: st, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ds := h.snap.entries["tilskudd"]
	pf, err := h.files.open(ctx, parquetKey(ds.Manifest))
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range []string{
		"limit=10000", "limit=10000&sort=-belop", "limit=10000&format=csv", "limit=5000&format=ndjson&select=mottaker,id",
		"limit=300&kommunenummer=0301&sort=registrert", "limit=10&select=aktiv",
	} {
		vals, _ := url.ParseQuery(raw)
		q, err := parseQuery(vals, ds.cols, ds.ix, h.lim)
		if err != nil {
			t.Fatal(err)
		}
		sel, err := selectRows(ctx, pf, q, ds.cols)
		if err != nil {
			t.Fatal(err)
		}
		em := newEmitter(pf, sel, ds.cols, q.sel)
		rows := 0
		for {
			n, err := em.load(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
			rows += n
			if len(em.vals) > windowCells || cap(em.vals) > windowCells {
				t.Fatalf("%s: the emitter holds %d values, more than %d", raw, cap(em.vals), windowCells)
			}
		}
		if rows != len(sel.rows) || rows != min(q.limit, rows) {
			t.Errorf("%s: %d rows emitted of %d", raw, rows, len(sel.rows))
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://api.test/datasets/tilskudd/rows?"+raw, nil))
		est, got := estimateSize(pf.MetaData(), sel, q, ds.cols), int64(rec.Body.Len())
		if rec.Code != 200 || est < got/2 || est > got*2 {
			t.Errorf("%s: status %d, estimated %d bytes for %d", raw, rec.Code, est, got)
		}
	}
}
