package openapi_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow/go/v15/parquet/file"

	"github.com/dele-opendata/dele/internal/publish"
	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/openapi"
	"github.com/dele-opendata/dele/openapi/internal/apitest"
)

// readLog is a store that records every ranged read and can fail the
// reads of chosen byte ranges.
type readLog struct {
	*apitest.MapStore
	mu    sync.Mutex
	reads [][2]int64 // offset, end
	fail  func(off, end int64) bool
}

func (s *readLog) GetRange(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	s.mu.Lock()
	s.reads = append(s.reads, [2]int64{off, off + n})
	fail := s.fail != nil && strings.HasSuffix(key, ".parquet") && s.fail(off, off+n)
	s.mu.Unlock()
	if fail {
		return nil, fmt.Errorf("get-range %s: injected failure", key)
	}
	return s.MapStore.GetRange(ctx, key, off, n)
}

// readsSoFar returns a copy of the reads made until now.
func (s *readLog) readsSoFar() [][2]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][2]int64(nil), s.reads...)
}

// chunkRanges returns the byte ranges of the column chunks of row group
// rg of the named columns in a published Parquet object.
func chunkRanges(t *testing.T, st store.Store, key string, rg int, names []string) [][2]int64 {
	t.Helper()
	b, err := store.ReadAll(context.Background(), st, key)
	if err != nil {
		t.Fatal(err)
	}
	pf, err := file.NewParquetReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	md := pf.MetaData()
	var out [][2]int64
	for _, name := range names {
		cc, err := md.RowGroup(rg).ColumnChunk(md.Schema.ColumnIndexByName(name))
		if err != nil {
			t.Fatal(err)
		}
		start := cc.DataPageOffset()
		if cc.HasDictionaryPage() && cc.DictionaryPageOffset() > 0 {
			start = min(start, cc.DictionaryPageOffset())
		}
		out = append(out, [2]int64{start, start + cc.TotalCompressedSize()})
	}
	return out
}

func overlaps(reads, ranges [][2]int64) bool {
	for _, r := range reads {
		for _, c := range ranges {
			if r[0] < c[1] && c[0] < r[1] {
				return true
			}
		}
	}
	return false
}

// flushRecorder is a ResponseWriter that records each write and flush and,
// at the first write, which ranged reads the store had served.
type flushRecorder struct {
	hdr     http.Header
	code    int
	body    bytes.Buffer
	writes  int
	flushes int
	atFirst [][2]int64
	store   *readLog
}

func newFlushRecorder(st *readLog) *flushRecorder {
	return &flushRecorder{hdr: http.Header{}, store: st}
}

func (f *flushRecorder) Header() http.Header { return f.hdr }

func (f *flushRecorder) WriteHeader(code int) {
	if f.code == 0 {
		f.code = code
	}
}

func (f *flushRecorder) Write(p []byte) (int, error) {
	if f.code == 0 {
		f.code = http.StatusOK
	}
	if f.writes == 0 {
		f.atFirst = f.store.readsSoFar()
	}
	f.writes++
	return f.body.Write(p)
}

func (f *flushRecorder) Flush() { f.flushes++ }

const (
	streamRows  = 20000
	streamGroup = 2000
)

func streamFixture(t *testing.T) (*readLog, *openapi.Handler, string) {
	t.Helper()
	ctx := context.Background()
	ms, defs, err := apitest.Fixture(ctx, streamRows, streamGroup)
	if err != nil {
		t.Fatal(err)
	}
	st := &readLog{MapStore: ms}
	h, err := openapi.NewHandler(ctx, openapi.Options{Config: apitest.Config("http://api.test"), Definitions: defs, Store: st, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return st, h, publish.VersionPrefix("tilskudd", "v2") + publish.FileParquet
}

// TestRowsStreamed: a page of 10,000 rows reaches the ResponseWriter in
// many writes with flushes between them, and the first write comes
// before the store has served any column chunk of the row group that
// holds the page's last row (other than the columns phase 1 reads to
// choose the rows). A handler that built the page before writing would
// have read every needed row group first.
func TestRowsStreamed(t *testing.T) {
	st, h, key := streamFixture(t)
	all := []string{"id", "kommunenummer", "mottaker", "belop", "vedtatt", "registrert", "aktiv", "aar"}
	for _, tc := range []struct {
		name, query string
		phase1      []string // columns read to choose the rows
		lastGroup   int      // row group of the page's last row
		gzip        bool
	}{
		{"row order", "limit=10000", nil, 4, false},
		{"row order gzip", "limit=10000", nil, 4, true},
		{"sorted descending", "sort=-id&limit=10000", []string{"id"}, 5, false},
		{"filter csv", "id.gte=1&limit=10000&format=csv", []string{"id"}, 4, false},
		{"ndjson cursor page", "limit=10000&format=ndjson&id.gt=5000", []string{"id"}, 7, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "http://api.test/datasets/tilskudd/rows?"+tc.query, nil)
			if tc.gzip {
				req.Header.Set("Accept-Encoding", "gzip")
			}
			st.mu.Lock()
			st.reads = nil
			st.mu.Unlock()
			rec := newFlushRecorder(st)
			h.ServeHTTP(rec, req)
			if rec.code != http.StatusOK {
				t.Fatalf("status %d: %.300s", rec.code, rec.body.Bytes())
			}
			if rec.hdr.Get("Content-Length") != "" {
				t.Errorf("a streamed page has Content-Length %s", rec.hdr.Get("Content-Length"))
			}
			// 10,000 rows × 8 columns are three windows: two flushes between.
			if rec.writes < 5 || rec.flushes < 2 {
				t.Errorf("%d writes and %d flushes: the page was not streamed", rec.writes, rec.flushes)
			}
			var unread []string
			for _, c := range all {
				if !strings.Contains(strings.Join(tc.phase1, ","), c) {
					unread = append(unread, c)
				}
			}
			last := chunkRanges(t, st.MapStore, key, tc.lastGroup, unread)
			if overlaps(rec.atFirst, last) {
				t.Errorf("the first write came after row group %d's columns were read", tc.lastGroup)
			}
			if !overlaps(st.readsSoFar(), last) {
				t.Fatalf("row group %d was never read: the test's lastGroup is wrong", tc.lastGroup)
			}
			body := rec.body.Bytes()
			if tc.gzip {
				if rec.hdr.Get("Content-Encoding") != "gzip" {
					t.Fatalf("Content-Encoding %q", rec.hdr.Get("Content-Encoding"))
				}
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				if body, err = io.ReadAll(zr); err != nil {
					t.Fatal(err)
				}
			}
			ids := pageIDs(t, body, req.URL.Query().Get("format"))
			if len(ids) != 10000 {
				t.Fatalf("%d rows", len(ids))
			}
			for k := 1; k < len(ids); k++ {
				if d := ids[k] - ids[k-1]; (strings.Contains(tc.query, "sort=-id") && d != -1) || (!strings.Contains(tc.query, "sort=-id") && d != 1) {
					t.Fatalf("row %d: id %d after %d", k, ids[k], ids[k-1])
				}
			}
		})
	}
}

// pageIDs returns the id column of a page in any format.
func pageIDs(t *testing.T, body []byte, format string) []int64 {
	t.Helper()
	var ids []int64
	switch format {
	case "csv":
		recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs[1:] {
			id, err := strconv.ParseInt(r[0], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
	case "ndjson":
		for _, l := range strings.Split(strings.TrimSuffix(string(body), "\n"), "\n") {
			var row struct{ ID int64 }
			decode(t, []byte(l), &row)
			ids = append(ids, row.ID)
		}
	default:
		var p struct{ Rows []struct{ ID int64 } }
		decode(t, body, &p)
		for _, r := range p.Rows {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// TestStreamAborted: when a read fails after the first byte was sent,
// the client gets a broken transfer, never a complete-looking page, and
// the failure is logged; when it fails before, a 500 problem.
func TestStreamAborted(t *testing.T) {
	st, _, key := streamFixture(t)
	var logBuf syncBuffer
	h, err := openapi.NewHandler(context.Background(), openapi.Options{Config: apitest.Config("http://api.test"), Definitions: apitest.Definitions(),
		Store: st, CacheDir: t.TempDir(), Logger: slog.New(slog.NewJSONHandler(&logBuf, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	lastGroup := chunkRanges(t, st.MapStore, key, 4, []string{"mottaker"})
	st.mu.Lock()
	st.fail = func(off, end int64) bool { return overlaps([][2]int64{{off, end}}, lastGroup) }
	st.mu.Unlock()

	for _, enc := range []string{"identity", "gzip"} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/datasets/tilskudd/rows?limit=10000", nil)
		req.Header.Set("Accept-Encoding", enc) // set, so the client does not decode gzip itself
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d before the failing read: %.200s", res.StatusCode, b)
		}
		if err == nil || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("encoding %q: body of %d bytes read with error %v, want a broken transfer", enc, len(b), err)
		}
		if len(b) == 0 {
			t.Errorf("encoding %q: nothing arrived before the failure", enc)
		}
	}
	if !strings.Contains(logBuf.String(), "aborted after its first byte") || !strings.Contains(logBuf.String(), "injected failure") {
		t.Errorf("the abort is not logged: %s", logBuf.String())
	}

	// A page whose rows are all in the failing group fails before its first
	// byte: a problem, not a broken transfer.
	res, err := srv.Client().Get(srv.URL + "/datasets/tilskudd/rows?limit=100&id.gt=8500")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusInternalServerError || res.Header.Get("Content-Type") != "application/problem+json" || !bytes.Contains(b, []byte("injected failure")) {
		t.Errorf("failure before the first byte: %d %s %v %s", res.StatusCode, res.Header.Get("Content-Type"), err, b)
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestStreamedMatchesBuffered: the streamed page and the buffered one
// (WithBufferedResponse, as in Lambda) are the same bytes, in every
// format, for pages of several windows in row order and sorted.
func TestStreamedMatchesBuffered(t *testing.T) {
	st, h, _ := streamFixture(t)
	for _, q := range []string{
		"limit=10000", "sort=-belop,id&limit=10000&format=csv", "sort=mottaker&limit=7000&format=ndjson&select=mottaker,id,registrert",
		"kommunenummer.in=0301,1103&sort=-vedtatt&limit=5000", "limit=3&select=id",
	} {
		req := httptest.NewRequest(http.MethodGet, "http://api.test/datasets/tilskudd/rows?"+q, nil)
		streamed := newFlushRecorder(st)
		h.ServeHTTP(streamed, req)
		buffered := httptest.NewRecorder()
		h.ServeHTTP(buffered, req.WithContext(openapi.WithBufferedResponse(req.Context(), 64<<20)))
		if streamed.code != 200 || buffered.Code != 200 {
			t.Fatalf("%s: status %d streamed, %d buffered", q, streamed.code, buffered.Code)
		}
		if !bytes.Equal(streamed.body.Bytes(), buffered.Body.Bytes()) {
			t.Errorf("%s: streamed and buffered pages differ (%d and %d bytes)", q, streamed.body.Len(), buffered.Body.Len())
		}
		if buffered.Header().Get("Content-Length") == "" || buffered.Header().Get("Link") != streamed.hdr.Get("Link") {
			t.Errorf("%s: buffered Content-Length %q, Link %q vs %q", q, buffered.Header().Get("Content-Length"), buffered.Header().Get("Link"), streamed.hdr.Get("Link"))
		}
	}
}

// TestBufferedTooLarge: with a buffered response, a page whose body would
// pass the caller's cap is a 400 with a hint; gzip counts as sent.
func TestBufferedTooLarge(t *testing.T) {
	_, h, _ := streamFixture(t)
	get := func(q, enc string, limit int) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "http://api.test/datasets/tilskudd/rows?"+q, nil)
		if enc != "" {
			req.Header.Set("Accept-Encoding", enc)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req.WithContext(openapi.WithBufferedResponse(req.Context(), limit)))
		return rec
	}
	size := func(q string) int {
		full := get(q, "", 64<<20)
		if full.Code != 200 {
			t.Fatalf("%s: status %d", q, full.Code)
		}
		return full.Body.Len()
	}
	for _, format := range []string{"json", "csv", "ndjson"} {
		q := "limit=2000&format=" + format
		n := size(q)
		if rec := get(q, "", n); rec.Code != 200 {
			t.Errorf("%s at the cap: %d", format, rec.Code)
		}
		rec := get(q, "", n-1)
		var p struct {
			Status                  int
			Parameter, Detail, Hint string
		}
		decode(t, rec.Body.Bytes(), &p)
		if rec.Code != 400 || p.Parameter != "limit" || !strings.Contains(p.Detail, "too large") || !strings.Contains(p.Hint, "select") {
			t.Errorf("%s over the cap: %d %+v", format, rec.Code, p)
		}
	}
	n := size("limit=2000")
	// Gzip makes the same page fit.
	if rec := get("limit=2000", "gzip", n/2); rec.Code != 200 || rec.Header().Get("Content-Encoding") != "gzip" || rec.Body.Len() > n/2 {
		t.Errorf("gzip under the cap: %d %q, %d bytes", rec.Code, rec.Header().Get("Content-Encoding"), rec.Body.Len())
	}
	if rec := get("limit=2000", "gzip", n/50); rec.Code != 400 {
		t.Errorf("gzip over the cap: %d", rec.Code)
	}
}

// TestSlowStoreCancelled: a ranged read that hangs is ended by the
// request's deadline (503) and by the client going away.
func TestSlowStoreCancelled(t *testing.T) {
	ms, _, err := apitest.Fixture(context.Background(), fixtureRows, fixtureGroup)
	if err != nil {
		t.Fatal(err)
	}
	st := &hangStore{MapStore: ms, started: make(chan struct{}, 1), ended: make(chan error, 16)}
	a := newTestAPI(t, ms, func(o *openapi.Options) {
		o.Store = st
		o.Limits.Timeout = 300 * time.Millisecond
	})
	st.hang.Store(true)
	checkProblem(t, a, "/datasets/tilskudd/rows?limit=5", 503, "", "longer than 300ms")
	if err := <-st.ended; !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("the hanging read ended with %v, want the deadline", err)
	}

	// The client goes away: the read ends with it, long before the deadline.
	select {
	case <-st.started:
	default:
	}
	st.hang.Store(false) // NewHandler reads an example row
	h, err := openapi.NewHandler(context.Background(), openapi.Options{Config: apitest.Config("http://api.test"), Definitions: apitest.Definitions(),
		Store: st, CacheDir: t.TempDir(), Limits: openapi.Limits{Timeout: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h) // not the contract check: a client that went away gets no answer
	defer srv.Close()
	st.hang.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/datasets/tilskudd/rows?limit=5", nil)
	done := make(chan error, 1)
	go func() {
		res, err := srv.Client().Do(req)
		if err == nil {
			res.Body.Close()
		}
		done <- err
	}()
	<-st.started
	cancel()
	if err := <-st.ended; !errors.Is(err, context.Canceled) {
		t.Errorf("the hanging read ended with %v, want the client's cancellation", err)
	}
	<-done
}

// hangStore's ranged reads of Parquet files wait for their context to end
// when hang is set.
type hangStore struct {
	*apitest.MapStore
	hang    atomic.Bool
	started chan struct{}
	ended   chan error
}

func (s *hangStore) GetRange(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	if s.hang.Load() && strings.HasSuffix(key, ".parquet") {
		select {
		case s.started <- struct{}{}:
		default:
		}
		<-ctx.Done()
		s.ended <- ctx.Err()
		return nil, ctx.Err()
	}
	return s.MapStore.GetRange(ctx, key, off, n)
}
