package apifn

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/dele-opendata/dele/internal/lambdafn"
	"github.com/dele-opendata/dele/internal/lambdafn/fntest"
	"github.com/dele-opendata/dele/internal/publish"
	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/internal/store/memstore"
	"github.com/dele-opendata/dele/internal/store/s3store/s3storetest"
)

// s3Request is one request that reached the S3 server.
type s3Request struct {
	method, path, rng string
	bytes             int64 // response body bytes
}

// countingProxy stands between the function and the S3 test server and
// records every request: the store boundary as S3 sees it.
type countingProxy struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []s3Request
}

func newCountingProxy(t *testing.T, endpoint string) *countingProxy {
	target, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	p := &countingProxy{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw := &countingWriter{ResponseWriter: w}
		rp.ServeHTTP(cw, r)
		p.mu.Lock()
		p.reqs = append(p.reqs, s3Request{r.Method, r.URL.Path, r.Header.Get("Range"), cw.n})
		p.mu.Unlock()
	}))
	t.Cleanup(p.Close)
	return p
}

// take returns the requests for paths ending in suffix since the last
// take, and forgets all requests.
func (p *countingProxy) take(suffix string) []s3Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []s3Request
	for _, r := range p.reqs {
		if strings.HasSuffix(r.path, suffix) {
			out = append(out, r)
		}
	}
	p.reqs = nil
	return out
}

type countingWriter struct {
	http.ResponseWriter
	n int64
}

func (w *countingWriter) Write(b []byte) (int, error) {
	n, err := w.ResponseWriter.Write(b)
	w.n += int64(n)
	return n, err
}

// TestAPIRangedReadsOverS3: the api function built as in Lambda (New from
// the environment's configuration: the S3 store under a key prefix)
// answers rows queries from the published Parquet file with ranged GETs
// only. Counted at the S3 server: no GET of the whole file, a query for
// one column reads less than the file, and nothing is copied to the
// function's temporary folder.
func TestAPIRangedReadsOverS3(t *testing.T) {
	ctx := t.Context()
	bucket := s3storetest.New(t, nil)
	public, err := store.WithPrefix(bucket, "public/")
	if err != nil {
		t.Fatal(err)
	}
	fntest.Publish(t, public, memstore.New(), fntest.Dataset)
	m, err := publish.ReadLatest(ctx, public, fntest.Dataset)
	if err != nil {
		t.Fatal(err)
	}
	file, ok := m.File(publish.FileParquet)
	if !ok {
		t.Fatalf("no Parquet file in %+v", m.Files)
	}

	s3cfg := s3storetest.Config(t)
	proxy := newCountingProxy(t, s3cfg.Endpoint)
	t.Setenv("AWS_ACCESS_KEY_ID", s3cfg.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", s3cfg.SecretKey)
	t.Setenv("AWS_REGION", s3cfg.Region)
	tmp := t.TempDir()
	a, err := New(ctx, &lambdafn.Config{PublicBucket: bucket.Bucket(), PublicPrefix: "public/",
		S3Endpoint: proxy.URL, S3PathStyle: true, APIPrefix: "/api", TempDir: tmp,
		Definitions: fntest.DefinitionsDir(t), ConfigFile: fntest.ConfigFile(t)})
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(fntest.Event(t, "apigw-v2-request.json"), &ev); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, query string
		cols        int
	}{
		// The first request builds the handler, which reads the footer
		// and an example row.
		{"first request, all columns", "limit=3", 6},
		{"one column", "limit=3&select=nok_bbl", 1},
		{"one column, further on", "limit=2&select=usd_bbl&sort=-date", 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ev.RawQueryString = tt.query
			res, err := a.Handle(ctx, ev)
			if err != nil || res.StatusCode != http.StatusOK {
				t.Fatalf("%v: status %d: %s", err, res.StatusCode, res.Body)
			}
			var page struct{ Rows []map[string]any }
			if err := json.Unmarshal([]byte(res.Body), &page); err != nil {
				t.Fatal(err)
			}
			if len(page.Rows) == 0 || len(page.Rows[0]) != tt.cols {
				t.Fatalf("rows %v, want rows of %d columns", page.Rows, tt.cols)
			}
			var ranged, bytes int64
			for _, r := range proxy.take("/" + file.Key) {
				if r.method != http.MethodGet {
					continue
				}
				if r.rng == "" {
					t.Errorf("GET %s without a Range header: the whole file was downloaded", r.path)
				}
				ranged++
				bytes += r.bytes
			}
			t.Logf("%s: %d ranged GETs, %d bytes of the %d-byte file", tt.query, ranged, bytes, file.Size)
			if tt.cols == 1 && bytes >= file.Size {
				t.Errorf("a query for one column read %d bytes of a %d-byte file", bytes, file.Size)
			}
		})
	}
	entries, err := os.ReadDir(tmp)
	if err != nil || len(entries) != 0 {
		t.Errorf("the function's temporary folder holds %v (%v); want nothing copied", entries, err)
	}
}
