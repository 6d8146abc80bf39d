package brreg

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/source"
	"github.com/dele-opendata/dele/internal/source/jsonsrc"
)

// recorded is a real answer of GET /enheter?organisasjonsform=ASA&size=5
// (page 0 of 44), from the test corpus.
const recorded = "../../../testdata/corpus/brreg-enheter-asa-page/search_asa_5.json"

const realBase = "https://data.brreg.no/enhetsregisteret/api"

func readRecorded(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(recorded)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// entities returns the five recorded organisations as generic values.
func entities(t testing.TB) []map[string]any {
	t.Helper()
	var doc struct {
		Embedded struct {
			Enheter []map[string]any `json:"enheter"`
		} `json:"_embedded"`
	}
	dec := json.NewDecoder(bytes.NewReader(readRecorded(t)))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	return doc.Embedded.Enheter
}

// variant copies an organisation with a new number and municipality.
func variant(t testing.TB, e map[string]any, orgnr, kommunenummer, form string) map[string]any {
	t.Helper()
	b, _ := json.Marshal(e)
	var c map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&c); err != nil {
		t.Fatal(err)
	}
	c["organisasjonsnummer"] = orgnr
	if fa, ok := c["forretningsadresse"].(map[string]any); ok {
		fa["kommunenummer"] = kommunenummer
	}
	c["organisasjonsform"].(map[string]any)["kode"] = form
	return c
}

func testClient(waits *[]time.Duration) *jsonsrc.Client {
	c := jsonsrc.NewClient(5 * time.Second)
	var mu sync.Mutex
	c.Sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		if waits != nil {
			*waits = append(*waits, d)
		}
		return nil
	}
	return c
}

// searchServer replays the recorded page as page 0 and builds pages 1 and
// 2 from it; page 2 is the last. The first request for page 1 gets a 429
// with Retry-After, the first for page 2 a 503.
type searchServer struct {
	*httptest.Server
	mu       sync.Mutex
	queries  []url.Values
	failed   map[string]bool
	total    int
	recorded []byte
}

func newSearchServer(t *testing.T) *searchServer {
	s := &searchServer{failed: map[string]bool{}, total: 15, recorded: readRecorded(t)}
	ents := entities(t)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if req.URL.Path != "/enheter" {
			http.NotFound(w, req)
			return
		}
		s.queries = append(s.queries, req.URL.Query())
		page := req.URL.Query().Get("page")
		if page == "1" && !s.failed[page] {
			s.failed[page] = true
			w.Header().Set("Retry-After", "3")
			http.Error(w, `{"status":429}`, http.StatusTooManyRequests)
			return
		}
		if page == "2" && !s.failed[page] {
			s.failed[page] = true
			http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if page == "" || page == "0" {
			body := bytes.ReplaceAll(s.recorded, []byte(realBase), []byte(s.URL))
			body = bytes.Replace(body, []byte(`"totalElements": 219`), []byte(`"totalElements": `+strconv.Itoa(s.total)), 1)
			w.Write(body)
			return
		}
		n, _ := strconv.Atoi(page)
		var list []map[string]any
		for i, e := range ents {
			list = append(list, variant(t, e, strconv.Itoa(910000000+n*10+i), "0301", "ASA"))
		}
		doc := map[string]any{
			"_embedded": map[string]any{"enheter": list},
			"_links":    map[string]any{"self": map[string]any{"href": s.URL + "/enheter?page=" + page}},
			"page":      map[string]any{"size": 5, "totalElements": s.total, "totalPages": 3, "number": n},
		}
		if n < 2 {
			doc["_links"].(map[string]any)["next"] = map[string]any{"href": fmt.Sprintf("%s/enheter?organisasjonsform=ASA&page=%d&size=5", s.URL, n+1)}
		}
		json.NewEncoder(w).Encode(doc)
	}))
	return s
}

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
		m := map[string]string{"#": strconv.FormatInt(rec.Line, 10)}
		for i, h := range r.Header() {
			m[h] = rec.Fields[i]
		}
		out = append(out, m)
	}
}

func TestSearch(t *testing.T) {
	srv := newSearchServer(t)
	defer srv.Close()
	var waits []time.Duration
	def := &datasets.Definition{ID: "asa-oslo", Source: datasets.Source{Type: "brreg", URL: srv.URL + "/enheter",
		Kommunenummer: []string{"0301"}, Organisasjonsform: []string{"ASA"}, Pagination: datasets.Pagination{Size: 5}}}
	r, err := Open(context.Background(), def, testClient(&waits))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if strings.Join(r.Header(), ",") != strings.Join(Columns, ",") {
		t.Errorf("header %q", r.Header())
	}
	rows := readAll(t, r)
	if len(rows) != 15 {
		t.Fatalf("%d organisations, want 15 (3 pages of 5)", len(rows))
	}
	first := rows[0]
	want := map[string]string{
		"organisasjonsnummer": "883603362", "navn": "ABG SUNDAL COLLIER ASA", "organisasjonsform.kode": "ASA",
		"naeringskode1.kode": "66.120", "antallAnsatte": "99", "harRegistrertAntallAnsatte": "true",
		"forretningsadresse.postnummer": "0251", "forretningsadresse.kommunenummer": "0301",
		"forretningsadresse.adresse": "Rusel<U+00F8>kkveien 26", // as recorded
		"postadresse.postnummer":     "0115", "postadresse.adresse": "Postboks 1444 Vika",
		"stiftelsesdato": "2001-07-19", "konkurs": "false", "hjemmeside": "", "#": "1",
	}
	for k, v := range want {
		if first[k] != v {
			t.Errorf("%s = %q, want %q", k, first[k], v)
		}
	}
	if rows[4]["hjemmeside"] != "www.agilyx.com" || rows[14]["organisasjonsnummer"] != "910000024" || rows[14]["#"] != "15" {
		t.Errorf("rows 5 and 15: %v / %v", rows[4], rows[14])
	}
	// The first query carries the filters; the next ones follow the links.
	q := srv.queries[0]
	if q.Get("kommunenummer") != "0301" || q.Get("organisasjonsform") != "ASA" || q.Get("size") != "5" {
		t.Errorf("first query %v", q)
	}
	if len(srv.queries) != 5 {
		t.Errorf("%d requests, want 5 (3 pages, one 429 and one 503 retried)", len(srv.queries))
	}
	if len(waits) != 2 || waits[0] != 3*time.Second {
		t.Errorf("waits %v: want Retry-After 3 s, then a backoff", waits)
	}
	rep := r.Report()
	if rep.Kind != "brreg" || rep.Rows != 15 || rep.Detected["pages"] != "3" || len(rep.ContentHash) != 64 {
		t.Errorf("report %+v", rep)
	}
	if strings.Contains(rep.Detected["keysNotInHeader"], "telefon") == false {
		t.Errorf("left-out keys are not reported: %+v", rep.Detected)
	}
}

func TestSearchTooMany(t *testing.T) {
	srv := newSearchServer(t)
	defer srv.Close()
	srv.total = 20000
	r, err := New(context.Background(), Options{BaseURL: srv.URL, Kommunenummer: []string{"0301"}, PageSize: 5, Client: testClient(nil)})
	if err == nil {
		_, err = readAllErr(r)
	}
	if err == nil || !strings.Contains(err.Error(), "bulk download") || !strings.Contains(err.Error(), "20000") {
		t.Errorf("got %v, want an error pointing at the bulk download", err)
	}
}

func readAllErr(r source.Reader) (int, error) {
	defer r.Close()
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

func TestBadKommunenummer(t *testing.T) {
	if _, err := New(context.Background(), Options{Kommunenummer: []string{"301"}}); err == nil || !strings.Contains(err.Error(), "0301") {
		t.Errorf("got %v", err)
	}
}

// bulk builds a gzipped bulk download: the five recorded organisations
// (all in 0301, ASA), copies moved to 4601, and copies turned into AS.
func bulk(t testing.TB, n int) []byte {
	ents := entities(t)
	var all []map[string]any
	all = append(all, ents...)
	for i := 0; i < n; i++ {
		e := ents[i%len(ents)]
		all = append(all, variant(t, e, strconv.Itoa(920000000+i), "4601", "ASA"), variant(t, e, strconv.Itoa(930000000+i), "0301", "AS"))
	}
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	if err := json.NewEncoder(gz).Encode(all); err != nil {
		t.Fatal(err)
	}
	gz.Close()
	return buf.Bytes()
}

func TestBulk(t *testing.T) {
	data := bulk(t, 10)
	var accept string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path != "/enheter/lastned" {
			http.NotFound(w, req)
			return
		}
		accept = req.Header.Get("Accept")
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(data)
	}))
	defer srv.Close()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "enheter.json.gz"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		src   datasets.Source
		count int
	}{
		{"url oslo asa", datasets.Source{URL: srv.URL + "/enheter/lastned", Kommunenummer: []string{"0301"}, Organisasjonsform: []string{"ASA"}}, 5},
		{"url oslo", datasets.Source{URL: srv.URL + "/enheter/lastned", Kommunenummer: []string{"0301"}}, 15},
		{"file bergen+oslo asa", datasets.Source{Path: "enheter.json.gz", Kommunenummer: []string{"4601", "0301"}, Organisasjonsform: []string{"ASA"}}, 15},
		{"file all", datasets.Source{Path: "enheter.json.gz"}, 25},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.src.Type = "brreg"
			r, err := Open(context.Background(), &datasets.Definition{ID: "b", Dir: dir, Source: tc.src}, testClient(nil))
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			rows := readAll(t, r)
			if len(rows) != tc.count {
				t.Fatalf("%d organisations, want %d", len(rows), tc.count)
			}
			for _, row := range rows {
				if len(row["organisasjonsnummer"]) != 9 || row["postadresse.postnummer"] != "0115" && row["postadresse.postnummer"] != "" && !strings.HasPrefix(row["postadresse.postnummer"], "0") {
					t.Errorf("row %v", row)
				}
			}
			if rows[0]["organisasjonsnummer"] != "883603362" || rows[0]["forretningsadresse.kommunenummer"] != "0301" || rows[0]["#"] != "1" {
				t.Errorf("first row %v", rows[0])
			}
			rep := r.Report()
			if rep.Rows != int64(tc.count) || rep.Detected["scanned"] != "25" || rep.Encoding != "gzip" || len(rep.ContentHash) != 64 {
				t.Errorf("report %+v", rep)
			}
		})
	}
	if !strings.Contains(accept, "gzip") {
		t.Errorf("Accept %q", accept)
	}
}

func TestBulkBroken(t *testing.T) {
	data := bulk(t, 10)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// A download cut short fails the read instead of ending it quietly.
	r, err := New(context.Background(), Options{BulkPath: write("cut.gz", data[:len(data)/2])})
	if err == nil {
		_, err = readAllErr(r)
	}
	if !errors.Is(err, source.ErrTruncated) || errors.Is(err, source.ErrWrongFormat) {
		t.Errorf("truncated download: got %v, want ErrTruncated", err)
	}
	_, err = New(context.Background(), Options{BulkPath: write("page.gz", []byte("<html>Vedlikehold</html>"))})
	if !errors.Is(err, source.ErrWrongFormat) {
		t.Errorf("HTML: got %v, want ErrWrongFormat", err)
	}
	_, err = New(context.Background(), Options{BulkPath: write("empty.gz", nil)})
	if !errors.Is(err, source.ErrEmpty) {
		t.Errorf("empty: got %v, want ErrEmpty", err)
	}
}

// BenchmarkBulk measures decoding and filtering the bulk format (10,005
// organisations, 1 in 3 kept). The reader holds one organisation at a
// time: B/op is garbage per organisation, not a copy of the input.
func BenchmarkBulk(b *testing.B) {
	data := bulk(b, 5000)
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, zr)
	b.SetBytes(n) // uncompressed JSON bytes
	b.ReportAllocs()
	for b.Loop() {
		r, err := fromBody(io.NopCloser(bytes.NewReader(data)), "bench", Options{Kommunenummer: []string{"4601"}})
		if err != nil {
			b.Fatal(err)
		}
		if n, err := readAllErr(r); err != nil || n != 5000 {
			b.Fatal(n, err)
		}
	}
}

// TestBulkMatchesSearch checks that the bulk reader (typed decoding) and the
// search reader (generic flattening) give the same record for the same
// organisations.
func TestBulkMatchesSearch(t *testing.T) {
	srv := newSearchServer(t)
	defer srv.Close()
	sr, err := New(context.Background(), Options{BaseURL: srv.URL, PageSize: 5, Client: testClient(nil)})
	if err != nil {
		t.Fatal(err)
	}
	defer sr.Close()
	br, err := fromBody(io.NopCloser(bytes.NewReader(bulk(t, 0))), "bulk", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer br.Close()
	for i := 0; i < 5; i++ {
		a, err := sr.Read()
		if err != nil {
			t.Fatal(err)
		}
		b, err := br.Read()
		if err != nil {
			t.Fatal(err)
		}
		for j, col := range Columns {
			if a.Fields[j] != b.Fields[j] {
				t.Errorf("organisation %d, %s: search %q, bulk %q", i+1, col, a.Fields[j], b.Fields[j])
			}
		}
	}
	// The JSON types the search reader saw agree with the bulk reader's
	// fixed ones, so both infer the same schema ("66.120" stays text).
	st, bt := sr.Report().ColumnTypes, br.Report().ColumnTypes
	if len(st) == 0 || st["naeringskode1.kode"] != "string" || bt["antallAnsatte"] != "number" {
		t.Fatalf("column types: search %v, bulk %v", st, bt)
	}
	for col, typ := range st {
		if bt[col] != typ {
			t.Errorf("%s: search saw %s, bulk says %s", col, typ, bt[col])
		}
	}
}
