package extract

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/source"
	"github.com/dele-opendata/dele/internal/source/httpsrc"
)

const corpus = "../../testdata/corpus"

// cp1252File is a Windows-1252 corpus file with š (byte 0x9A).
const cp1252File = corpus + "/kommuneendringer-cp1252/kommuner_med_endringer_fra2019_til2020.csv"

func def(dir string, s datasets.Source) *datasets.Definition {
	return &datasets.Definition{ID: "test", Dir: dir, Source: s}
}

func testEnv(t *testing.T) Env {
	return Env{TempDir: t.TempDir(), Fetch: httpsrc.Options{Backoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}}
}

// drain reads every record and returns the records and the report.
func drain(t *testing.T, r source.Reader) ([][]string, source.Report) {
	t.Helper()
	var out [][]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, append([]string(nil), rec.Fields...))
	}
	rep := r.Report()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	return out, rep
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// server replays body the way a static file server does (ETag, conditional
// requests) after the scripted failures.
func server(t *testing.T, body []byte, contentType string, honourETag bool, fail ...int) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		if i < len(fail) {
			if fail[i] == http.StatusTooManyRequests {
				w.Header().Set("Retry-After", "1")
			}
			http.Error(w, "busy", fail[i])
			return
		}
		etag := `"` + sha(body)[:12] + `"`
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", contentType)
		if honourETag && r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestOpenURL(t *testing.T) {
	body, err := os.ReadFile(cp1252File)
	if err != nil {
		t.Fatal(err)
	}
	srv, n := server(t, body, "text/csv", true, http.StatusTooManyRequests, http.StatusInternalServerError)
	env := testEnv(t)
	d := def("", datasets.Source{Type: "csv", URL: srv.URL + "/kommuner.csv?apikey=secret"})
	r, err := Open(context.Background(), d, env)
	if err != nil {
		t.Fatal(err)
	}
	recs, rep := drain(t, r)
	if n.Load() != 3 {
		t.Errorf("%d requests, want 3 (429, 500, 200)", n.Load())
	}
	if len(recs) != 313 || rep.Encoding != "windows-1252" || !strings.Contains(strings.Join(flat(recs), ";"), "Kárášjohka") {
		t.Errorf("%d records, encoding %s", len(recs), rep.Encoding)
	}
	if rep.ContentHash != sha(body) || rep.ETag == "" {
		t.Errorf("report hash %s etag %q, want %s", rep.ContentHash, rep.ETag, sha(body))
	}
	if strings.Contains(rep.Location, "secret") {
		t.Errorf("location %q leaks the query", rep.Location)
	}
	if left, _ := os.ReadDir(env.TempDir); len(left) != 0 {
		t.Errorf("download not removed on Close: %v", left)
	}

	// The next run sends the ETag and gets 304.
	env.Previous = StateOf(rep)
	before := n.Load()
	if _, err := Open(context.Background(), d, env); !errors.Is(err, ErrNotModified) || !strings.Contains(err.Error(), "304") {
		t.Errorf("second run: %v, want ErrNotModified from a 304", err)
	}
	if n.Load() != before+1 {
		t.Errorf("second run made %d requests, want 1", n.Load()-before)
	}
}

func flat(recs [][]string) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r...)
	}
	return out
}

func TestOpenURLUnchangedByHash(t *testing.T) {
	body := []byte("kode;navn\n0301;Oslo\n")
	srv, _ := server(t, body, "text/csv", false)
	env := testEnv(t)
	env.Previous = State{ETag: `"whatever"`, ContentHash: sha(body)}
	_, err := Open(context.Background(), def("", datasets.Source{Type: "csv", URL: srv.URL}), env)
	if !errors.Is(err, ErrNotModified) || !strings.Contains(err.Error(), "SHA-256") {
		t.Errorf("error %v, want ErrNotModified by content hash", err)
	}
	if left, _ := os.ReadDir(env.TempDir); len(left) != 0 {
		t.Errorf("download not removed: %v", left)
	}
}

func TestOpenURLWrongFormat(t *testing.T) {
	page := []byte("<!DOCTYPE html><html><head><title>Nettstedet er midlertidig utilgjengelig</title></head><body>Prøv igjen senere</body></html>")
	for _, tc := range []struct{ name, contentType string }{
		{"html content type", "text/html; charset=utf-8"},
		{"html served as csv", "text/csv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := server(t, page, tc.contentType, true)
			env := testEnv(t)
			_, err := Open(context.Background(), def("", datasets.Source{Type: "csv", URL: srv.URL + "/data.csv"}), env)
			var se *source.Error
			if !errors.Is(err, source.ErrWrongFormat) || !errors.As(err, &se) || !strings.Contains(strings.ToLower(err.Error()), "html") {
				t.Errorf("error %v, want a *source.Error wrapping ErrWrongFormat about HTML", err)
			}
			if left, _ := os.ReadDir(env.TempDir); len(left) != 0 {
				t.Errorf("download not removed: %v", left)
			}
		})
	}
}

func TestOpenURLEmpty(t *testing.T) {
	srv, _ := server(t, nil, "text/csv", true)
	_, err := Open(context.Background(), def("", datasets.Source{Type: "csv", URL: srv.URL}), testEnv(t))
	if !errors.Is(err, source.ErrEmpty) {
		t.Errorf("error %v, want ErrEmpty", err)
	}
}

func TestOpenLocal(t *testing.T) {
	dir := t.TempDir()
	data := []byte("kode;navn\n0301;Oslo\n5501;Tromsø\n")
	if err := os.MkdirAll(filepath.Join(dir, "sources"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sources", "k.csv"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	d := def(dir, datasets.Source{Type: "csv", Path: "sources/k.csv"})
	r, err := Open(context.Background(), d, testEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	recs, rep := drain(t, r)
	if len(recs) != 2 || recs[0][0] != "0301" || rep.ContentHash != sha(data) {
		t.Errorf("records %q hash %s, want 2 records and %s", recs, rep.ContentHash, sha(data))
	}
	env := testEnv(t)
	env.Previous = StateOf(rep)
	if _, err := Open(context.Background(), d, env); !errors.Is(err, ErrNotModified) {
		t.Errorf("unchanged local file: %v, want ErrNotModified", err)
	}
}

func TestOpenLocalOutsideRoots(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.csv")
	if err := os.WriteFile(secret, []byte("a;b\n1;2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(root, "link.csv")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "linkdir")); err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(root, secret)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{rel, "link.csv", "linkdir/secret.csv", secret, "../../../../../../etc/passwd"} {
		_, err := Open(context.Background(), def(root, datasets.Source{Type: "csv", Path: p}), testEnv(t))
		if !errors.Is(err, ErrOutsideRoots) {
			t.Errorf("path %s: error %v, want ErrOutsideRoots", p, err)
		}
	}
	// Listed as a root, the other folder is allowed.
	env := testEnv(t)
	env.Roots = []string{root, outside}
	r, err := Open(context.Background(), def(root, datasets.Source{Type: "csv", Path: "link.csv"}), env)
	if err != nil {
		t.Fatalf("allowed root: %v", err)
	}
	r.Close()
}

func TestOpenLocalMissing(t *testing.T) {
	_, err := Open(context.Background(), def(t.TempDir(), datasets.Source{Type: "csv", Path: "nope.csv"}), testEnv(t))
	var se *source.Error
	if !errors.As(err, &se) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("error %v, want a *source.Error wrapping ErrNotExist", err)
	}
}

func TestOpenDeclaredOverrides(t *testing.T) {
	// The Posten register: no header, Latin-1, tab; everything declared.
	d := def(corpus, datasets.Source{
		Type: "csv", Path: "posten-postnummerregister/Postnummerregister-ansi.txt",
		Encoding: "iso-8859-1", Delimiter: "tab", NoHeader: true,
		Columns:       []string{"postnummer", "poststed", "kommunenummer", "kommune", "kategori"},
		MissingValues: []string{""},
	})
	r, err := Open(context.Background(), d, testEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	h := append([]string(nil), r.Header()...)
	recs, rep := drain(t, r)
	if len(recs) != 5093 || h[2] != "kommunenummer" || recs[0][0] != "0001" || len(rep.Detected) != 0 {
		t.Errorf("%d records, header %q, first %q, detected %v", len(recs), h, recs[0], rep.Detected)
	}
}

func TestOpenUnsupported(t *testing.T) {
	for _, typ := range []string{"ftp"} {
		_, err := Open(context.Background(), def("", datasets.Source{Type: typ}), testEnv(t))
		if !errors.Is(err, ErrUnsupported) {
			t.Errorf("type %s: error %v, want ErrUnsupported", typ, err)
		}
	}
	_, err := Open(context.Background(), def("", datasets.Source{Type: "csv", URL: "file:///etc/passwd"}), testEnv(t))
	if err == nil || !strings.Contains(err.Error(), "http") {
		t.Errorf("file URL: error %v, want a refusal", err)
	}
}

func TestOpenRaw(t *testing.T) {
	xlsx := "kommuner-2019-2020-xlsx/fylker-kommuner-2019-2020-alle.xlsx"
	body, err := os.ReadFile(filepath.Join(corpus, xlsx))
	if err != nil {
		t.Fatal(err)
	}
	d := def(corpus, datasets.Source{Type: "xlsx", Path: xlsx})
	raw, err := OpenRaw(context.Background(), d, testEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(raw)
	raw.Close()
	if err != nil || len(got) != len(body) || raw.State.ContentHash != sha(body) {
		t.Errorf("read %d bytes (%v), hash %s; want %d bytes, %s", len(got), err, raw.State.ContentHash, len(body), sha(body))
	}
	env := testEnv(t)
	env.Previous = raw.State
	if _, err := OpenRaw(context.Background(), d, env); !errors.Is(err, ErrNotModified) {
		t.Errorf("unchanged: %v, want ErrNotModified", err)
	}
	srv, _ := server(t, []byte("<html><body>Logg inn</body></html>"), "text/html", true)
	_, err = OpenRaw(context.Background(), def("", datasets.Source{Type: "xlsx", URL: srv.URL}), testEnv(t), "text/html")
	if !errors.Is(err, source.ErrWrongFormat) {
		t.Errorf("html download: %v, want ErrWrongFormat", err)
	}
}

// TestExampleDatasets opens the source of every example definition in
// datasets/ whose type this package reads, as the pipeline will.
func TestExampleDatasets(t *testing.T) {
	defs, err := datasets.Load("../../datasets")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range defs {
		if d.Source.Type != "csv" {
			continue
		}
		n++
		t.Run(d.ID, func(t *testing.T) {
			r, err := Open(context.Background(), d, testEnv(t))
			if err != nil {
				t.Fatal(err)
			}
			header := append([]string(nil), r.Header()...)
			recs, rep := drain(t, r)
			if len(recs) == 0 || rep.Rows != int64(len(recs)) || rep.ContentHash == "" || rep.SkippedCount != 0 {
				t.Errorf("%d records, report %+v", len(recs), rep)
			}
			if d.Schema != nil && len(d.Schema.Fields) != len(header) {
				t.Errorf("header %q has %d columns, the schema %d", header, len(header), len(d.Schema.Fields))
			}
		})
	}
	if n == 0 {
		t.Fatal("no csv example datasets found")
	}
}
