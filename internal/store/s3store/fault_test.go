package s3store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dele-opendata/dele/internal/publish"
	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/internal/store/s3store"
	"github.com/dele-opendata/dele/internal/store/s3store/s3storetest"
)

// Fault actions of the proxy.
const (
	slowDown     = "503 SlowDown"      // S3 throttling
	internal     = "500 InternalError" // S3 server error
	dropRequest  = "drop request"      // read half the body, then reset the connection
	dropResponse = "drop response"     // let the server do it, then reset instead of answering
	die          = "die"               // drop this request and every later one: the server is gone
	cutBody      = "cut body"          // send the server's headers and half its body, then close the connection
	resetBody    = "reset body"        // send the server's headers and half its body, then reset the connection
)

// rule injects action into the next times requests that match.
type rule struct {
	method, path, query string // path and query: substrings
	action              string
	times               int
}

// faultProxy stands between the S3 client and the real test server and
// injects S3 errors and broken connections into chosen requests.
type faultProxy struct {
	*httptest.Server
	t  *testing.T
	rp *httputil.ReverseProxy

	mu    sync.Mutex
	rules []*rule
	dead  bool
	seen  []string // "METHOD path?query → action" of every request
}

func newFaultProxy(t *testing.T, endpoint string) *faultProxy {
	target, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{t: t, rp: httputil.NewSingleHostReverseProxy(target)}
	// The Host header stays the proxy's, which the client signed.
	p.Server = httptest.NewServer(p)
	t.Cleanup(p.Close)
	return p
}

func (p *faultProxy) inject(rs ...*rule) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules = append(p.rules, rs...)
}

func (p *faultProxy) revive() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dead, p.rules = false, nil
}

// count returns how many requests had the given method and path suffix.
func (p *faultProxy) count(method, pathSuffix string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, s := range p.seen {
		m, rest, _ := strings.Cut(s, " ")
		path, _, _ := strings.Cut(rest, "?")
		path, _, _ = strings.Cut(path, " ")
		if m == method && strings.HasSuffix(path, pathSuffix) {
			n++
		}
	}
	return n
}

func (p *faultProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	action := ""
	if p.dead {
		action = die
	} else {
		for _, rl := range p.rules {
			if rl.times > 0 && (rl.method == "" || rl.method == r.Method) && strings.Contains(r.URL.Path, rl.path) && strings.Contains(r.URL.RawQuery, rl.query) {
				rl.times--
				action = rl.action
				break
			}
		}
	}
	if action == die {
		p.dead = true
	}
	p.seen = append(p.seen, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery+" → "+action)
	p.mu.Unlock()

	switch action {
	case slowDown, internal:
		_, _ = io.Copy(io.Discard, r.Body)
		code, status := "SlowDown", http.StatusServiceUnavailable
		if action == internal {
			code, status = "InternalError", http.StatusInternalServerError
		}
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>injected</Message><RequestId>fault</RequestId></Error>`, code)
	case dropRequest, die:
		n, _ := strconv.ParseInt(r.Header.Get("Content-Length"), 10, 64)
		_, _ = io.CopyN(io.Discard, r.Body, n/2)
		reset(w)
	case dropResponse:
		p.rp.ServeHTTP(httptest.NewRecorder(), r)
		reset(w)
	case cutBody, resetBody:
		rec := httptest.NewRecorder()
		p.rp.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		body := rec.Body.Bytes()
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body[:len(body)/2])
		w.(http.Flusher).Flush()
		if action == resetBody {
			reset(w)
		} else if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close()
		}
	default:
		p.rp.ServeHTTP(w, r)
	}
}

// reset closes the client's connection with a TCP reset.
func reset(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	conn.Close()
}

// throughProxy returns a store over the bucket of direct that sends its
// requests through a new fault proxy.
func throughProxy(t *testing.T, direct *s3store.Store, attempts int) (*s3store.Store, *faultProxy) {
	cfg := s3storetest.Config(t)
	p := newFaultProxy(t, cfg.Endpoint)
	cfg.Endpoint, cfg.Bucket, cfg.MaxAttempts, cfg.PartSize = p.URL, direct.Bucket(), attempts, s3store.MinPartSize
	s, err := s3store.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, p
}

// TestRetries: throttling (503 SlowDown), server errors (500) and a
// connection reset in the middle of an upload are retried by the SDK, and
// the objects arrive whole.
func TestRetries(t *testing.T) {
	direct := newStore(t, nil)
	s, p := throughProxy(t, direct, 5)
	ctx := context.Background()

	p.inject(&rule{method: "PUT", path: "/small", action: slowDown, times: 2}, &rule{method: "PUT", path: "/small", action: internal, times: 1})
	start := time.Now()
	if err := s.Put(ctx, "small", strings.NewReader("hello"), store.PutOptions{}); err != nil {
		t.Fatalf("Put through 2 × SlowDown and a 500: %v", err)
	}
	if n := p.count("PUT", "/small"); n != 4 {
		t.Errorf("%d PUT requests, want 4", n)
	}
	p.inject(&rule{method: "GET", path: "/small", action: slowDown, times: 1}, &rule{method: "HEAD", path: "/small", action: internal, times: 1})
	if b, err := store.ReadAll(ctx, s, "small"); err != nil || string(b) != "hello" {
		t.Errorf("Get after a SlowDown: %q, %v", b, err)
	}
	if info, err := s.Stat(ctx, "small"); err != nil || info.Size != 5 {
		t.Errorf("Stat after a 500: %+v, %v", info, err)
	}

	// 12 MiB in three parts; the second part's connection is reset half
	// way, and the first try to complete the upload is throttled.
	big := bytes.Repeat([]byte("0123456789abcdef"), 12<<20/16)
	p.inject(&rule{method: "PUT", path: "/big", query: "partNumber=2", action: dropRequest, times: 1},
		&rule{method: "POST", path: "/big", query: "uploadId", action: slowDown, times: 1})
	if err := s.Put(ctx, "big", bytes.NewReader(big), store.PutOptions{}); err != nil {
		t.Fatalf("multipart Put through a reset and a SlowDown: %v", err)
	}
	got, err := store.ReadAll(ctx, direct, "big")
	if err != nil || sha256.Sum256(got) != sha256.Sum256(big) {
		t.Errorf("the object read from the server is not what was sent (%d bytes, %v)", len(got), err)
	}
	if n := p.count("PUT", "/big"); n != 4 {
		t.Errorf("%d part uploads, want 4 (3 parts, one retried)", n)
	}
	t.Logf("retried uploads took %s", time.Since(start).Round(time.Millisecond))

	// Retries end: a server that keeps throttling fails the call with
	// an error that says so.
	p.inject(&rule{method: "PUT", path: "/busy", action: slowDown, times: 100})
	err = s.Put(ctx, "busy", strings.NewReader("x"), store.PutOptions{})
	if err == nil || !strings.Contains(err.Error(), "SlowDown") || !strings.Contains(err.Error(), "busy") {
		t.Errorf("Put against a server that only throttles: %v, want an error naming SlowDown and the key", err)
	}
}

// TestPublishServerDies: the S3 server goes away in the middle of a
// publish (after some parts of a version are uploaded). The publish fails
// with an error naming the dataset and the connection failure; the
// previous version and latest.json are untouched; and once the server is
// back, the next publish from the same process completes at once (the
// lease it could not release is recognised as abandoned). A lost answer to
// the lease write (the write happened) does not block either.
func TestPublishServerDies(t *testing.T) {
	direct := newStore(t, nil)
	s, p := throughProxy(t, direct, 2)
	ctx := context.Background()
	pub, _ := store.WithPrefix(s, "public/")
	priv, _ := store.WithPrefix(s, "private/")
	directPub, _ := store.WithPrefix(direct, "public/")
	pb := &publish.Publisher{Public: pub, Private: priv, LockWait: 5 * time.Second}

	dir := t.TempDir()
	input := func(content string) publish.Input {
		in := publish.Input{Dataset: "d", Rows: 1}
		for name, b := range map[string][]byte{
			publish.FileCSV:     []byte("a\n" + content + "\n"),
			publish.FileParquet: bytes.Repeat([]byte(content), 6<<20/len(content)+1), // two parts
			publish.FileSchema:  []byte(`{"fields":[{"name":"a","type":"string"}]}`),
		} {
			path := filepath.Join(dir, content+"-"+name)
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			in.Files = append(in.Files, publish.File{Name: name, Path: path})
		}
		return in
	}
	first, err := pb.Publish(ctx, input("one"))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // version ids have whole seconds

	p.inject(&rule{method: "PUT", path: "/data.parquet", query: "partNumber=2", action: die, times: 1})
	_, err = pb.Publish(ctx, input("two"))
	if err == nil {
		t.Fatal("publish against a server that died succeeded")
	}
	t.Logf("publish against a dead server: %v", err)
	if msg := err.Error(); !strings.Contains(msg, "publish d") || !strings.Contains(msg, "data.parquet") ||
		!(strings.Contains(msg, "connection reset") || strings.Contains(msg, "EOF") || strings.Contains(msg, "connection refused")) {
		t.Errorf("error %q does not name the dataset, the file and the connection failure", msg)
	}
	p.revive()
	m, err := publish.VerifyLatest(ctx, directPub, "d")
	if err != nil || m.Version != first.Version {
		t.Fatalf("after the failed publish: latest %v, %v; want %s intact", m, err, first.Version)
	}

	start := time.Now()
	second, err := pb.Publish(ctx, input("two"))
	if err != nil {
		t.Fatalf("publish after the server came back: %v", err)
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("the publish after the outage waited %s (for its own lease?)", d)
	}
	if m, err := publish.VerifyLatest(ctx, directPub, "d"); err != nil || m.Version != second.Version {
		t.Fatalf("after the rerun: latest %v, %v; want %s", m, err, second.Version)
	}

	// The answer to the lease write is lost; the SDK's retry finds the
	// lease there (412), and the publish must know it as its own.
	time.Sleep(1100 * time.Millisecond)
	p.inject(&rule{method: "PUT", path: "/private/locks/d", action: dropResponse, times: 1})
	if _, err := pb.Publish(ctx, input("three")); err != nil {
		t.Fatalf("publish after a lost answer to the lease write: %v", err)
	}
	if _, err := priv.Stat(ctx, publish.LockKey("d")); !errors.Is(err, store.ErrNotExist) {
		t.Errorf("lease left after the publish: %v", err)
	}
	if _, err := publish.VerifyLatest(ctx, directPub, "d"); err != nil {
		t.Fatal(err)
	}
}

// TestGetRangeBrokenBody: a ranged read whose response breaks off half way
// through its body (the connection closed or reset after the headers and
// half the bytes) is an error from Read, never a short read that ends in
// io.EOF or io.ErrUnexpectedEOF (which the query API takes for the end of
// the object); the read after it gets the whole range. Throttling and a
// server error before the body are retried by the SDK and give the data.
func TestGetRangeBrokenBody(t *testing.T) {
	direct := newStore(t, nil)
	s, p := throughProxy(t, direct, 3)
	ctx := t.Context()
	data := make([]byte, 1<<20)
	for i := range data {
		data[i] = byte(i * 31 >> 3)
	}
	if err := direct.Put(ctx, "obj", bytes.NewReader(data), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	const off, n = 1000, 600 << 10
	want := data[off : off+n]
	for _, tt := range []struct {
		action  string
		wantErr bool
	}{
		{cutBody, true},
		{resetBody, true},
		{slowDown, false},
		{internal, false},
	} {
		t.Run(tt.action, func(t *testing.T) {
			p.inject(&rule{method: "GET", path: "/obj", action: tt.action, times: 1})
			rc, err := s.GetRange(ctx, "obj", off, n)
			if err != nil {
				t.Fatalf("GetRange: %v", err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			switch {
			case tt.wantErr && err == nil:
				t.Fatalf("read of a broken body gave %d of %d bytes and no error", len(got), n)
			case tt.wantErr:
				t.Logf("%s: %v", tt.action, err)
				if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
					t.Errorf("error wraps an end of file: %v", err)
				}
				if !strings.Contains(err.Error(), "s3://"+s.Bucket()+"/obj") || len(got) >= n {
					t.Errorf("error %q does not name the object, or %d bytes were read", err, len(got))
				}
				// The fault was for one request: the next read is whole.
				rc, err := s.GetRange(ctx, "obj", off, n)
				if err != nil {
					t.Fatal(err)
				}
				defer rc.Close()
				if b, err := io.ReadAll(rc); err != nil || !bytes.Equal(b, want) {
					t.Errorf("the read after the broken one: %d bytes, %v", len(b), err)
				}
			case err != nil || !bytes.Equal(got, want):
				t.Errorf("read after a retried %s: %d bytes (want %d), %v", tt.action, len(got), n, err)
			}
		})
	}
	if c := p.count("GET", "/obj"); c != 8 {
		t.Errorf("%d GET requests, want 8 (2 broken, 2 reads after them, 2 retried, 2 retries)", c)
	}
}
