package httpsrc

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dele-opendata/dele/internal/source"
)

const corpusFile = "../../../testdata/corpus/kommuneendringer-cp1252/kommuner_med_endringer_fra2019_til2020.csv"

func fastOptions(t *testing.T) Options {
	return Options{Dir: t.TempDir(), Backoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}
}

// replay serves body like a static file server: ETag, Last-Modified and
// conditional requests, after the scripted failures in fail (status codes,
// consumed one per request).
func replay(t *testing.T, body []byte, fail []int, retryAfter string) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		if i < len(fail) {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			http.Error(w, http.StatusText(fail[i]), fail[i])
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", "Mon, 02 Nov 2026 10:00:00 GMT")
		w.Header().Set("Content-Type", "text/csv; charset=windows-1252")
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func corpusBytes(t *testing.T) []byte {
	b, err := os.ReadFile(corpusFile)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestFetchReplaysBody(t *testing.T) {
	body := corpusBytes(t)
	srv, _ := replay(t, body, nil, "")
	res, err := Fetch(context.Background(), srv.URL+"/kommuner.csv", fastOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(res.Path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	if !bytes.Equal(got, body) || res.Size != int64(len(body)) || res.ContentHash != hex.EncodeToString(sum[:]) {
		t.Errorf("downloaded %d bytes hash %s, want %d bytes hash %x", len(got), res.ContentHash, len(body), sum)
	}
	if res.ETag == "" || res.LastModified == "" || res.ContentType != "text/csv; charset=windows-1252" || res.Attempts != 1 {
		t.Errorf("result %+v", res)
	}
}

func TestFetchRetryAfter429(t *testing.T) {
	srv, n := replay(t, corpusBytes(t), []int{http.StatusTooManyRequests}, "1")
	start := time.Now()
	res, err := Fetch(context.Background(), srv.URL, fastOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 900*time.Millisecond {
		t.Errorf("retried after %s, the server asked for 1 s", el)
	}
	if res.Attempts != 2 || n.Load() != 2 {
		t.Errorf("attempts %d, requests %d, want 2", res.Attempts, n.Load())
	}
}

func TestFetchRetryAfterTooLong(t *testing.T) {
	srv, n := replay(t, corpusBytes(t), []int{http.StatusServiceUnavailable}, "3600")
	_, err := Fetch(context.Background(), srv.URL, fastOptions(t))
	var st *StatusError
	if !errors.As(err, &st) || st.Code != 503 || n.Load() != 1 {
		t.Errorf("error %v after %d requests, want a 503 at once", err, n.Load())
	}
}

func TestFetchRetries5xx(t *testing.T) {
	srv, n := replay(t, corpusBytes(t), []int{500, 502, 503}, "")
	res, err := Fetch(context.Background(), srv.URL, fastOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	if res.Attempts != 4 || n.Load() != 4 {
		t.Errorf("attempts %d, requests %d, want 4", res.Attempts, n.Load())
	}

	srv, n = replay(t, corpusBytes(t), []int{500, 500, 500, 500, 500}, "")
	_, err = Fetch(context.Background(), srv.URL, fastOptions(t))
	var st *StatusError
	var se *source.Error
	if !errors.As(err, &st) || st.Code != 500 || !errors.As(err, &se) || n.Load() != 4 {
		t.Errorf("error %v after %d requests, want a *source.Error with HTTP 500 after 4", err, n.Load())
	}
}

func TestFetchNoRetryOn404(t *testing.T) {
	srv, n := replay(t, nil, []int{404, 404}, "")
	_, err := Fetch(context.Background(), srv.URL, fastOptions(t))
	var st *StatusError
	if !errors.As(err, &st) || st.Code != 404 || n.Load() != 1 {
		t.Errorf("error %v after %d requests, want one 404", err, n.Load())
	}
}

func TestFetchConditional(t *testing.T) {
	srv, _ := replay(t, corpusBytes(t), nil, "")
	o := fastOptions(t)
	first, err := Fetch(context.Background(), srv.URL, o)
	if err != nil {
		t.Fatal(err)
	}
	o.ETag, o.LastModified = first.ETag, first.LastModified
	second, err := Fetch(context.Background(), srv.URL, o)
	if err != nil {
		t.Fatal(err)
	}
	if !second.NotModified || second.Path != "" {
		t.Errorf("second fetch %+v, want NotModified without a file", second)
	}
}

func TestFetchTruncated(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Length", "1000")
		w.Write([]byte("kommune;navn\n0301;Os"))
		// Returning with fewer bytes than announced closes the connection.
	}))
	defer srv.Close()
	dir := t.TempDir()
	o := fastOptions(t)
	o.Dir = dir
	_, err := Fetch(context.Background(), srv.URL, o)
	if !errors.Is(err, source.ErrTruncated) || errors.Is(err, source.ErrWrongFormat) || n.Load() != 4 ||
		!strings.Contains(err.Error(), "received 20 of the 1000 bytes announced by Content-Length") {
		t.Errorf("error %v after %d requests, want ErrTruncated with the byte counts after 4", err, n.Load())
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestFetchTooLarge(t *testing.T) {
	srv, _ := replay(t, corpusBytes(t), nil, "")
	o := fastOptions(t)
	o.MaxBytes = 100
	_, err := Fetch(context.Background(), srv.URL, o)
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("error %v, want ErrTooLarge", err)
	}
	// Without Content-Length the limit holds while reading.
	big := bytes.Repeat([]byte("a;b\n"), 1000)
	srv2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.(http.Flusher).Flush() // chunked, no Content-Length
		w.Write(big)
	}))
	defer srv2.Close()
	if _, err := Fetch(context.Background(), srv2.URL, o); !errors.Is(err, ErrTooLarge) {
		t.Errorf("chunked: error %v, want ErrTooLarge", err)
	}
}

func TestFetchCancelledWhileWaiting(t *testing.T) {
	srv, _ := replay(t, nil, []int{503, 503}, "30")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Fetch(ctx, srv.URL, fastOptions(t))
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Errorf("error %v after %s, want the context's deadline promptly", err, time.Since(start))
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"":                              0,
		"7":                             7 * time.Second,
		"-1":                            0,
		"Wed, 25 Nov 2026 12:00:30 GMT": 30 * time.Second,
		"Wed, 25 Nov 2026 11:00:00 GMT": 0,
		"soon":                          0,
	} {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", in, got, want)
		}
	}
}
