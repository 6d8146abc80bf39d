package extract

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/source"
)

// TestOpenUTF16Binary opens the UTF-16 files in testdata: text behind a
// byte-order mark opens; binary content behind it (random bytes, NUL
// characters), which the CSV reader alone read as text, is refused once
// decoded, and so is binary content in a file declared UTF-16 without a
// BOM.
func TestOpenUTF16Binary(t *testing.T) {
	tests := []struct {
		file, encoding string
		rows           int    // rows read when the file opens
		err            string // part of the error when it does not
	}{
		{file: "utf16le-bom-ok.csv", rows: 6},
		{file: "utf16be-bom-ok.csv", rows: 2},
		{file: "utf16le-bom-binary.csv", err: "control or undecodable characters in the first"},
		{file: "utf16le-bom-nul.csv", err: "NUL character at character 26 after decoding as utf-16le"},
		{file: "utf16le-nobom-binary.csv", encoding: "utf-16le", err: "after decoding as utf-16le"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			env := testEnv(t)
			env.Roots = []string{"testdata"}
			r, err := Open(context.Background(), def("testdata", datasets.Source{Type: "csv", Path: tt.file, Encoding: tt.encoding}), env)
			if tt.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				if rows, _ := drain(t, r); len(rows) != tt.rows {
					t.Errorf("%d rows, want %d", len(rows), tt.rows)
				}
				return
			}
			var se *source.Error
			if !errors.Is(err, source.ErrWrongFormat) || !errors.As(err, &se) || se.Location != tt.file ||
				!strings.Contains(err.Error(), "binary content") || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("got %v, want a *source.Error for %s about binary content containing %q", err, tt.file, tt.err)
			}
		})
	}
}

// TestCorpusUTF16IsText checks the decoded check against a real UTF-16LE
// export with a BOM (Udir, testdata/corpus): it is text.
func TestCorpusUTF16IsText(t *testing.T) {
	f, err := os.Open(corpus + "/udir-slutta-vgo/20220505-1453_Slutta_VGO.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if enc := utf16Of(mustRead(t, f), "", false); enc != "utf-16le" {
		t.Fatalf("detected %q, want utf-16le", enc)
	}
	if err := checkUTF16Text(f, ""); err != nil {
		t.Errorf("real UTF-16 file refused: %v", err)
	}
}

func mustRead(t *testing.T, f *os.File) []byte {
	t.Helper()
	b := make([]byte, 4096)
	n, err := f.ReadAt(b, 0)
	if err != nil {
		t.Fatal(err)
	}
	return b[:n]
}

// TestOpenURLTruncated serves the first part of a corpus CSV file with the
// whole file's Content-Length and cuts the connection, on every attempt:
// the error says the download is incomplete, with the byte counts, not
// that the source is not in the declared format.
func TestOpenURLTruncated(t *testing.T) {
	body, err := os.ReadFile(cp1252File)
	if err != nil {
		t.Fatal(err)
	}
	sent := len(body) / 3
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/csv")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body[:sent])
	}))
	defer srv.Close()
	env := testEnv(t)
	_, err = Open(context.Background(), def("", datasets.Source{Type: "csv", URL: srv.URL + "/data.csv"}), env)
	want := fmt.Sprintf("received %d of the %d bytes announced by Content-Length", sent, len(body))
	var se *source.Error
	if !errors.Is(err, source.ErrTruncated) || errors.Is(err, source.ErrWrongFormat) || !errors.As(err, &se) ||
		!strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "declared format") {
		t.Errorf("got %v, want a *source.Error wrapping ErrTruncated saying %q", err, want)
	}
	if left, _ := os.ReadDir(env.TempDir); len(left) != 0 {
		t.Errorf("partial download not removed: %v", left)
	}
}
