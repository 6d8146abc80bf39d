package openapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/dele-opendata/dele/internal/tableschema"
	"github.com/dele-opendata/dele/openapi"
	"github.com/dele-opendata/dele/openapi/internal/apitest"
)

// discardWriter is a ResponseWriter that keeps nothing of the body; with
// probe set, it records the live heap (after a collection) at each write
// and flush.
type discardWriter struct {
	hdr   http.Header
	n     int
	probe bool
	peak  uint64
}

func (d *discardWriter) Header() http.Header { return d.hdr }
func (d *discardWriter) WriteHeader(int)     {}
func (d *discardWriter) Write(p []byte) (int, error) {
	d.n += len(p)
	d.sample()
	return len(p), nil
}
func (d *discardWriter) Flush() { d.sample() }

func (d *discardWriter) sample() {
	if !d.probe {
		return
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	d.peak = max(d.peak, ms.HeapAlloc)
}

// wideSchema has an integer id and 19 text columns of about 40 bytes a
// value, so a page of 10,000 rows is the most cells a page may hold
// (200,000) and about 10 MB of JSON.
func wideSchema() *tableschema.Schema {
	s := &tableschema.Schema{Fields: []tableschema.Field{{Name: "id", Type: tableschema.Integer}}}
	for c := 1; c < 20; c++ {
		s.Fields = append(s.Fields, tableschema.Field{Name: fmt.Sprintf("tekst%02d", c), Type: tableschema.String})
	}
	return s
}

func wideRow(i int, col string) any {
	if col == "id" {
		return int64(i + 1)
	}
	return fmt.Sprintf("rad %07d, kolonne %s: litt tekst med æøå", i, col)
}

// BenchmarkRowsPage serves pages of 100, 1,000 and 10,000 rows of 20
// columns (JSON, row order and sorted descending on id) from 100,000
// rows written by internal/convert as published. Besides time and
// allocations it reports body-MB and peak-live-MiB: the most live heap
// (after a collection) at any write or flush of one more request, less
// the heap before it. A handler that builds the page first holds at
// least the whole body when it writes.
func BenchmarkRowsPage(b *testing.B) {
	ctx := context.Background()
	st := apitest.NewMapStore()
	if _, err := apitest.Publish(ctx, st, "tilskudd", "v1", wideSchema(), 100_000, 0, wideRow, apitest.V1Time); err != nil {
		b.Fatal(err)
	}
	h, err := openapi.NewHandler(ctx, openapi.Options{Config: apitest.Config("http://api.test"), Definitions: apitest.Definitions()[:1], Store: st, CacheDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	for _, q := range []string{"limit=100", "limit=1000", "limit=10000", "sort=-id&limit=100", "sort=-id&limit=10000"} {
		b.Run(q, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "http://api.test/datasets/tilskudd/rows?"+q, nil)
			var size int
			b.ReportAllocs()
			for b.Loop() {
				w := &discardWriter{hdr: http.Header{}}
				h.ServeHTTP(w, req)
				size = w.n
			}
			b.StopTimer()
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			w := &discardWriter{hdr: http.Header{}, probe: true}
			h.ServeHTTP(w, req)
			b.ReportMetric(float64(size)/1e6, "body-MB")
			b.ReportMetric(float64(int64(w.peak)-int64(ms.HeapAlloc))/(1<<20), "peak-live-MiB")
		})
	}
}
