package jsonsrc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/source"
	"github.com/dele-opendata/dele/internal/validate"
)

// testClient retries without sleeping and records the waits.
func testClient(waits *[]time.Duration) *Client {
	c := NewClient(2 * time.Second)
	var mu sync.Mutex
	c.Sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		if waits != nil {
			*waits = append(*waits, d)
		}
		return ctx.Err()
	}
	return c
}

// readAll reads all records as maps from column to value.
func readAll(t *testing.T, r source.Reader) []map[string]string {
	t.Helper()
	var out []map[string]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for i, h := range r.Header() {
			m[h] = rec.Fields[i]
		}
		m["#"] = strconv.FormatInt(rec.Line, 10)
		out = append(out, m)
	}
}

func TestFlatten(t *testing.T) {
	in := `{"a": 1, "b": {"c": "x", "d": {"e": 0.10}}, "f": [1, "to", null, true], "g": [{"h": 1}, {"h": "<2>"}],
		"i": null, "j": {}, "k": [], "l": 1e3, "m": "Bjørgvin", "n": [1, [2, 3]], "o": 12345678901234567890}`
	dec := json.NewDecoder(strings.NewReader(in))
	dec.UseNumber()
	var got []string
	if err := Flatten(dec, "", func(k, v string) { got = append(got, k+"="+v) }); err != nil {
		t.Fatal(err)
	}
	want := []string{"a=1", "b.c=x", "b.d.e=0.10", "f=1; to; ; true", `g=[{"h":1},{"h":"<2>"}]`,
		"i=", "k=", "l=1e3", "m=Bjørgvin", "n=[1,[2,3]]", "o=12345678901234567890"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestFile(t *testing.T) {
	def := &datasets.Definition{ID: "kommuner", Dir: "testdata", Source: datasets.Source{Type: "json", Path: "kommuner.json", Columns: []string{"kommunenummer", "fylke"}}}
	r, err := Open(context.Background(), def, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	wantHeader := "kommunenummer fylke navn innbyggere areal senter.lat senter.lon aktiv tidligereNavn"
	if got := strings.Join(r.Header(), " "); got != wantHeader {
		t.Errorf("header %q, want %q", got, wantHeader)
	}
	rows := readAll(t, r)
	if len(rows) != 2 || rows[0]["kommunenummer"] != "0301" || rows[0]["areal"] != "454.03" || rows[0]["tidligereNavn"] != "" ||
		rows[1]["tidligereNavn"] != "Bergen; Bjørgvin" || rows[1]["aktiv"] != "true" || rows[1]["fylke"] != "" {
		t.Errorf("rows %v", rows)
	}
	if rep := r.Report(); rep.Rows != 2 || rep.Columns != 9 || len(rep.ContentHash) != 64 {
		t.Errorf("report %+v", rep)
	}
}

// pagedServer serves 25 records, 10 per page, in the style asked for by
// the query: ?page=N&size=M, HAL next links, or cursors. Record 17 brings a
// key the first page does not have.
func pagedServer(t *testing.T, hits *atomic.Int64) *httptest.Server {
	record := func(i int) map[string]any {
		m := map[string]any{"id": fmt.Sprintf("%04d", i), "tall": json.Number(fmt.Sprintf("%d.50", i)),
			"adresse": map[string]any{"postnummer": "0150", "linjer": []string{"Gate " + strconv.Itoa(i), "Oslo"}}}
		if i == 17 {
			m["nyNokkel"] = "x"
		}
		return m
	}
	page := func(from int) []map[string]any {
		var out []map[string]any
		for i := from; i < min(from+10, 25); i++ {
			out = append(out, record(i))
		}
		return out
	}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		q := req.URL.Query()
		var body map[string]any
		switch req.URL.Path {
		case "/paged":
			n, _ := strconv.Atoi(q.Get("side"))
			if q.Get("antall") != "10" {
				http.Error(w, "missing size", 400)
				return
			}
			body = map[string]any{"data": map[string]any{"items": page((n - 1) * 10)}}
		case "/hal":
			n, _ := strconv.Atoi(q.Get("p"))
			body = map[string]any{"_embedded": map[string]any{"ting": page(n * 10)}, "_links": map[string]any{}}
			if n < 2 {
				body["_links"] = map[string]any{"next": map[string]any{"href": "hal?p=" + strconv.Itoa(n+1)}}
			}
		case "/cursor":
			n, _ := strconv.Atoi(q.Get("etter"))
			body = map[string]any{"meta": map[string]any{"neste": nil}, "rader": page(n)}
			if n+10 < 25 {
				body["meta"] = map[string]any{"neste": strconv.Itoa(n + 10)}
			}
		}
		_ = json.NewEncoder(w).Encode(body)
	}))
}

func TestPagination(t *testing.T) {
	tests := []struct {
		name, path, records string
		p                   datasets.Pagination
		pages               int
	}{
		// Starts at page 1 because the URL says so; the last page has 5 < 10 records.
		{"page", "/paged?side=1", "data.items", datasets.Pagination{Style: "page", PageParam: "side", SizeParam: "antall", Size: 10}, 3},
		{"next", "/hal?p=0", "_embedded.ting", datasets.Pagination{Style: "next"}, 3},
		{"cursor", "/cursor", "rader", datasets.Pagination{Style: "cursor", NextPath: "meta.neste", CursorParam: "etter"}, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var hits atomic.Int64
			srv := pagedServer(t, &hits)
			defer srv.Close()
			r, err := New(context.Background(), Options{URL: srv.URL + tc.path, RecordsPath: tc.records, Pagination: tc.p, Client: testClient(nil)})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if got := strings.Join(r.Header(), ","); got != "adresse.linjer,adresse.postnummer,id,tall" { // encoding/json writes keys sorted
				t.Errorf("header %s", got)
			}
			rows := readAll(t, r)
			if len(rows) != 25 || int(hits.Load()) != tc.pages {
				t.Fatalf("%d rows in %d requests, want 25 in %d", len(rows), hits.Load(), tc.pages)
			}
			for i, row := range rows {
				if row["id"] != fmt.Sprintf("%04d", i) || row["tall"] != fmt.Sprintf("%d.50", i) || row["#"] != strconv.Itoa(i+1) ||
					row["adresse.linjer"] != fmt.Sprintf("Gate %d; Oslo", i) || row["adresse.postnummer"] != "0150" {
					t.Fatalf("row %d: %v", i, row)
				}
			}
			rep := r.Report()
			if rep.Detected["keysNotInHeader"] != "nyNokkel (record 18)" || rep.Detected["pages"] != strconv.Itoa(tc.pages) || rep.Rows != 25 {
				t.Errorf("report %+v", rep)
			}
		})
	}
}

func TestMaxPagesAndDeclaredColumns(t *testing.T) {
	var hits atomic.Int64
	srv := pagedServer(t, &hits)
	defer srv.Close()
	r, err := New(context.Background(), Options{URL: srv.URL + "/hal", RecordsPath: "_embedded.ting", Client: testClient(nil),
		Pagination: datasets.Pagination{Style: "next", MaxPages: 2}, Columns: []string{"id", "nyNokkel"}, FixedColumns: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rows := readAll(t, r)
	if len(rows) != 20 || hits.Load() != 2 || strings.Join(r.Header(), ",") != "id,nyNokkel" || rows[17]["nyNokkel"] != "x" {
		t.Errorf("%d rows in %d requests, header %q", len(rows), hits.Load(), r.Header())
	}
	rep := r.Report()
	if !strings.Contains(rep.Detected["truncated"], "maxPages=2") || !strings.Contains(rep.Detected["keysNotInHeader"], "adresse.postnummer (record 1)") {
		t.Errorf("report %+v", rep.Detected)
	}
}

// flaky answers each path with the given statuses first, then JSON.
func flaky(t *testing.T, statuses []int, retryAfter string, hits *atomic.Int64) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		n := int(hits.Add(1))
		if n <= len(statuses) {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			http.Error(w, "busy", statuses[n-1])
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		io.WriteString(w, `[{"a": 1}]`)
	}))
}

func TestRetries(t *testing.T) {
	t.Run("5xx then ok", func(t *testing.T) {
		var hits atomic.Int64
		srv := flaky(t, []int{503, 502, 500}, "", &hits)
		defer srv.Close()
		var waits []time.Duration
		r, err := New(context.Background(), Options{URL: srv.URL, Client: testClient(&waits)})
		if err != nil {
			t.Fatal(err)
		}
		r.Close()
		if hits.Load() != 4 || len(waits) != 3 || waits[0] > 500*time.Millisecond || waits[1] <= waits[0]/2 || waits[2] > 2*time.Second {
			t.Errorf("%d hits, waits %v: want 4 hits and growing backoff from 500 ms", hits.Load(), waits)
		}
	})
	t.Run("429 Retry-After", func(t *testing.T) {
		var hits atomic.Int64
		srv := flaky(t, []int{429}, "7", &hits)
		defer srv.Close()
		var waits []time.Duration
		if _, err := New(context.Background(), Options{URL: srv.URL, Client: testClient(&waits)}); err != nil {
			t.Fatal(err)
		}
		if hits.Load() != 2 || len(waits) != 1 || waits[0] != 7*time.Second {
			t.Errorf("%d hits, waits %v: want one 7 s wait from Retry-After", hits.Load(), waits)
		}
	})
	t.Run("429 Retry-After date", func(t *testing.T) {
		d, ok := retryAfter(time.Date(2026, 1, 1, 12, 0, 30, 0, time.UTC).Format(http.TimeFormat), time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
		if !ok || d != 30*time.Second {
			t.Errorf("got %v %v, want 30s", d, ok)
		}
	})
	t.Run("Retry-After too long", func(t *testing.T) {
		var hits atomic.Int64
		srv := flaky(t, []int{429}, "3600", &hits)
		defer srv.Close()
		_, err := New(context.Background(), Options{URL: srv.URL, Client: testClient(nil)})
		var se *StatusError
		if !errors.As(err, &se) || se.StatusCode != 429 || hits.Load() != 1 {
			t.Errorf("got %v after %d hits, want a 429 StatusError at once", err, hits.Load())
		}
	})
	t.Run("gives up", func(t *testing.T) {
		var hits atomic.Int64
		srv := flaky(t, []int{500, 500, 500, 500, 500, 500}, "", &hits)
		defer srv.Close()
		_, err := New(context.Background(), Options{URL: srv.URL, Client: testClient(nil)})
		var se *StatusError
		if !errors.As(err, &se) || se.StatusCode != 500 || se.Attempts != 5 || hits.Load() != 5 {
			t.Errorf("got %v after %d hits, want StatusError after 5 attempts", err, hits.Load())
		}
	})
	t.Run("404 not retried", func(t *testing.T) {
		var hits atomic.Int64
		srv := flaky(t, []int{404}, "", &hits)
		defer srv.Close()
		_, err := New(context.Background(), Options{URL: srv.URL, Client: testClient(nil)})
		var se *StatusError
		if !errors.As(err, &se) || se.StatusCode != 404 || hits.Load() != 1 {
			t.Errorf("got %v after %d hits", err, hits.Load())
		}
	})
	t.Run("timeout", func(t *testing.T) {
		var hits atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			hits.Add(1)
			select {
			case <-time.After(2 * time.Second):
			case <-req.Context().Done():
			}
		}))
		defer srv.Close()
		c := testClient(nil)
		c.HTTP.Timeout = 50 * time.Millisecond
		c.MaxRetries = 1
		_, err := New(context.Background(), Options{URL: srv.URL, Client: c})
		var se *source.Error
		if !errors.As(err, &se) || !strings.Contains(err.Error(), "Timeout") || hits.Load() != 2 {
			t.Errorf("got %v after %d hits, want a timeout after 2 attempts", err, hits.Load())
		}
	})
}

func TestWrongFormat(t *testing.T) {
	for name, h := range map[string]http.HandlerFunc{
		"html content type": func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<html><body>Vedlikehold</body></html>")
		},
		"html body": func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, "<!DOCTYPE html><html></html>")
		},
		"object without path": func(w http.ResponseWriter, _ *http.Request) {
			io.WriteString(w, `{"a": 1}`)
		},
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(h)
			defer srv.Close()
			_, err := New(context.Background(), Options{URL: srv.URL, Client: testClient(nil)})
			if !errors.Is(err, source.ErrWrongFormat) {
				t.Errorf("got %v, want ErrWrongFormat", err)
			}
		})
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer srv.Close()
	if _, err := New(context.Background(), Options{URL: srv.URL, Client: testClient(nil)}); !errors.Is(err, source.ErrEmpty) {
		t.Errorf("empty body: got %v, want ErrEmpty", err)
	}
	// A truncated page fails the read instead of ending it quietly.
	srv2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, `[{"a": 1}, {"a": 2}, {"a": `)
	}))
	defer srv2.Close()
	_, err := New(context.Background(), Options{URL: srv2.URL, Client: testClient(nil)})
	if !errors.Is(err, source.ErrTruncated) || errors.Is(err, source.ErrWrongFormat) || !strings.Contains(err.Error(), "record 3") {
		t.Errorf("truncated: got %v, want ErrTruncated naming record 3", err)
	}
}

// TestRedact checks that secrets in URLs (user info, query values such as
// API keys) stay out of errors and reports.
func TestRedact(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	for _, base := range []string{srv.URL, closed.URL} {
		u := strings.Replace(base, "http://", "http://bruker:hemmelig@", 1) + "/api?apikey=hemmelig&side=1"
		c := testClient(nil)
		c.MaxRetries = 0
		_, err := New(context.Background(), Options{URL: u, Client: c})
		if err == nil || strings.Contains(err.Error(), "hemmelig") || !strings.Contains(err.Error(), "apikey=…") {
			t.Errorf("error %v: want a failure that names apikey but not its value", err)
		}
	}
}

// TestColumnTypes checks the JSON types the report gives each column
// (testdata/typed.json): any JSON string (or array) makes a column
// "string"; only numbers "number", only booleans "boolean"; numbers and
// booleans "mixed"; nulls and empty strings do not count.
func TestColumnTypes(t *testing.T) {
	r, err := New(context.Background(), Options{Path: filepath.Join("testdata", "typed.json")})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	in := validate.NewInferrer(r.Header(), validate.InferOptions{})
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		in.Add(rec.Fields)
	}
	types := r.Report().ColumnTypes
	want := map[string]string{
		"kode": "string", "antall": "number", "aktiv": "boolean", "dato": "string", "adresse": "string",
		"blandet": "mixed", "tekst_eller_tall": "string", "tomtekst": "number",
	}
	if !maps.Equal(types, want) {
		t.Errorf("ColumnTypes = %v, want %v", types, want)
	}
	in.SetSourceTypes(types)
	got := map[string]string{}
	for _, f := range in.Schema().Fields {
		got[f.Name] = string(f.Type)
	}
	wantSchema := map[string]string{
		"kode": "string", "antall": "integer", "aktiv": "boolean", "dato": "date", "adresse": "string",
		"blandet": "string", "tom": "string", "tekst_eller_tall": "string", "tomtekst": "integer",
	}
	if !maps.Equal(got, wantSchema) {
		t.Errorf("inferred types %v, want %v", got, wantSchema)
	}
}

// TestEnheterASAInference infers the schema of the enheter-asa example
// (datasets/sources/enheter-asa.json) with the JSON types: the NACE codes,
// sent as strings such as "66.120", stay text, and the employee count stays
// an integer.
func TestEnheterASAInference(t *testing.T) {
	def, err := datasets.ParseFile(filepath.Join("..", "..", "..", "datasets", "enheter-asa.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := Open(context.Background(), def, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	in := validate.NewInferrer(r.Header(), validate.InferOptions{})
	codes := 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		in.Add(rec.Fields)
		for i, h := range r.Header() {
			if h == "naeringskode1.kode" && strings.HasSuffix(rec.Fields[i], "0") {
				codes++
			}
		}
	}
	if codes == 0 {
		t.Fatal("no naeringskode1.kode with a trailing zero in the example: the test proves nothing")
	}
	in.SetSourceTypes(r.Report().ColumnTypes)
	for _, f := range in.Schema().Fields {
		want := ""
		switch f.Name {
		case "naeringskode1.kode", "naeringskode2.kode", "naeringskode3.kode":
			want = "string"
		case "antallAnsatte":
			want = "integer"
		case "registreringsdatoEnhetsregisteret":
			want = "date"
		}
		if want != "" && string(f.Type) != want {
			t.Errorf("%s inferred as %s, want %s", f.Name, f.Type, want)
		}
	}
}

// countRecords reads every record of a JSON source and returns how many
// there were.
func countRecords(r *Reader) (int, error) {
	n := 0
	for {
		_, err := r.Read()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
	}
}

// TestSizeLimits checks the caps on one record and on one document, on
// files in testdata: big-record.json has a 4 kB record between two small
// ones; records-900.json has twenty records of about 920 bytes, which must
// pass a 1 KiB record cap however the decoder reads ahead.
func TestSizeLimits(t *testing.T) {
	typed, err := os.Stat(filepath.Join("testdata", "typed.json"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		file       string
		maxRecord  int64
		maxDoc     int64
		records    int
		wrongFmt   bool   // the error also wraps source.ErrWrongFormat
		errContain string // "" for success
	}{
		{"record over the cap", "big-record.json", 1024, 0, 0, true, "record 2: source is not in the declared format: JSON source exceeds the size limit: a record is longer than 1024 bytes"},
		{"record under the default cap", "big-record.json", 0, 0, 3, false, ""},
		{"records just under the cap", "records-900.json", 1024, 0, 20, false, ""},
		{"document over the cap", "typed.json", 0, 200, 0, false, "the JSON document is longer than 200 bytes"},
		{"document exactly at the cap", "typed.json", 0, typed.Size(), 3, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := New(context.Background(), Options{Path: filepath.Join("testdata", tt.file), MaxRecordBytes: tt.maxRecord, MaxResponseBytes: tt.maxDoc})
			n := 0
			if err == nil {
				n, err = countRecords(r)
				r.Close()
			}
			if tt.errContain == "" {
				if err != nil || n != tt.records {
					t.Fatalf("read %d records, error %v; want %d records", n, err, tt.records)
				}
				return
			}
			var se *source.Error
			if !errors.Is(err, ErrTooLarge) || errors.Is(err, source.ErrWrongFormat) != tt.wrongFmt || !errors.As(err, &se) || !strings.Contains(err.Error(), tt.errContain) {
				t.Errorf("got %v, want a *source.Error wrapping ErrTooLarge containing %q", err, tt.errContain)
			}
		})
	}
}

// TestTruncatedDownload serves the first bytes of testdata/kommuner.json
// with the Content-Length of the whole file and cuts the connection: the
// error says the download is incomplete, with the byte counts, and not
// that the source is in the wrong format.
func TestTruncatedDownload(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("testdata", "kommuner.json"))
	if err != nil {
		t.Fatal(err)
	}
	const sent = 180
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body[:sent])
		// Returning with fewer bytes than announced closes the connection.
	}))
	defer srv.Close()
	r, err := New(context.Background(), Options{URL: srv.URL, Client: testClient(nil)})
	if err == nil {
		_, err = countRecords(r)
		r.Close()
	}
	want := fmt.Sprintf("received %d of the %d bytes announced by Content-Length", sent, len(body))
	if !errors.Is(err, source.ErrTruncated) || errors.Is(err, source.ErrWrongFormat) || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v, want ErrTruncated saying %q", err, want)
	}
}
