package server

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dele-opendata/dele/internal/store/fsstore"
)

// bigSize is larger than the loopback socket buffers of both ends
// together, so a client that stops reading really blocks the server.
const bigSize = 32 << 20

// idleServer serves a folder holding big.bin (bigSize bytes) and
// small.txt over real TCP, with the given write idle time; handled
// receives once per finished request, closed once per connection the
// server has closed.
func idleServer(t *testing.T, idle time.Duration) (srv *httptest.Server, handled, closed chan struct{}) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "big.bin"), bytes.Repeat([]byte("0123456789abcdef"), bigSize/16), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "small.txt"), []byte("hei\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	public, err := fsstore.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	h := Handler(public, Options{WriteIdle: idle})
	handled, closed = make(chan struct{}, 16), make(chan struct{}, 16)
	srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		handled <- struct{}{}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateClosed {
			closed <- struct{}{}
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, handled, closed
}

// TestIdleWritesStalledClient: a client that reads the headers of a large
// download and then stops reading is cut off once the response has made
// no progress for the idle time; the handler returns.
func TestIdleWritesStalledClient(t *testing.T) {
	const idle = 200 * time.Millisecond
	srv, handled, closed := idleServer(t, idle)
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.(*net.TCPConn).SetReadBuffer(4096)
	if _, err := io.WriteString(conn, "GET /big.bin HTTP/1.1\r\nHost: dele\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReaderSize(conn, 4096)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusOK || resp.ContentLength != bigSize {
		t.Fatalf("response %v, %v", resp, err)
	}
	// Stop reading. Without the idle deadline the handler would block in
	// a write until the test ends.
	select {
	case <-handled:
	case <-time.After(10 * time.Second):
		t.Fatal("handler still writing 10 s after the client stopped reading")
	}
	// And closed the connection (what the kernel had queued may still
	// trickle to the client).
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("connection still open 10 s after the handler returned")
	}
}

// TestIdleWritesSlowClient: a client that reads slowly but steadily gets
// the whole file, however long that takes in total.
func TestIdleWritesSlowClient(t *testing.T) {
	const idle = 300 * time.Millisecond
	srv, _, _ := idleServer(t, idle)
	resp, err := http.Get(srv.URL + "/big.bin")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 1<<20)
	var n int64
	start := time.Now()
	for {
		k, err := io.ReadFull(resp.Body, buf)
		n += int64(k)
		if err != nil {
			break
		}
		time.Sleep(idle / 4)
	}
	if n != bigSize {
		t.Fatalf("slow client got %d of %d bytes in %v", n, bigSize, time.Since(start))
	}
	if d := time.Since(start); d < 2*idle {
		t.Logf("the download took %v; the socket buffers held most of it", d)
	}
}

// TestIdleWritesKeepAlive: a connection reused after more than the idle
// time still answers (the deadline is set per request, not left over).
func TestIdleWritesKeepAlive(t *testing.T) {
	const idle = 100 * time.Millisecond
	srv, _, _ := idleServer(t, idle)
	client := srv.Client()
	reused := false
	for i := range 2 {
		ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{GotConn: func(ci httptrace.GotConnInfo) { reused = ci.Reused }})
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/small.txt", nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || string(b) != "hei\n" {
			t.Fatalf("request %d: %q, %v", i+1, b, err)
		}
		time.Sleep(3 * idle)
	}
	if !reused {
		t.Error("the second request did not reuse the connection; the test shows nothing")
	}
}
