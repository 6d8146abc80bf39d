package pipeline

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dele-opendata/dele/datasets"
)

// TestSourceFaults: a source server that hangs past the client's timeout,
// or resets the connection in the middle of the body, fails the dataset
// with an error that names it and says what happened, after the retries
// (four attempts with backoff: about 8 s each here),
// and leaves the published store byte for byte as it was. When the server
// recovers, the next run publishes.
func TestSourceFaults(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("testdata", "clean.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var mode atomic.Value // "ok", "hang", "reset"
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		switch mode.Load() {
		case "hang":
			// Headers never come: wait until the client gives up.
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
			return
		case "reset":
			w.Header().Set("Content-Type", "text/csv")
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(body[:len(body)/2])
			w.(http.Flusher).Flush()
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // close with RST, not FIN
			}
			conn.Close()
			return
		}
		w.Header().Set("Content-Type", "text/csv")
		_, _ = w.Write(body)
	}))
	defer srv.Close()

	f := newFixture(t)
	f.env.HTTPClient = &http.Client{Timeout: 300 * time.Millisecond}
	d := f.def("clean.csv", func(d *datasets.Definition) {
		d.Source.Path, d.Source.URL = "", srv.URL+"/data.csv"
	})
	mode.Store("ok")
	if res := f.run(d); res.Outcome != Published {
		t.Fatalf("first run: %s %v", res.Outcome, res.Err)
	}
	// A new version each time the source comes back: change the rows.
	body = append(body, []byte(strings.SplitN(string(body), "\n", 3)[1]+"\n")...)

	for _, tc := range []struct{ mode, want string }{
		{"hang", "Client.Timeout exceeded"},
		{"reset", "reset"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			before := snapshot(t, f.env.Public, "")
			mode.Store(tc.mode)
			requests.Store(0)
			start := time.Now()
			res := f.run(d)
			t.Logf("%s after %s and %d requests: %s", tc.mode, time.Since(start).Round(time.Millisecond), requests.Load(), res.Message)
			if res.Outcome != Failed || !strings.Contains(res.Message, "dataset base") || !strings.Contains(res.Message, tc.want) {
				t.Errorf("outcome %s, message %q: want failed, naming the dataset and %q", res.Outcome, res.Message, tc.want)
			}
			if n := requests.Load(); n < 2 {
				t.Errorf("%d requests: no retry", n)
			}
			sameSnapshot(t, before, snapshot(t, f.env.Public, ""))
		})
	}

	mode.Store("ok")
	if res := f.run(d); res.Outcome != Published {
		t.Fatalf("run after the server recovered: %s %v", res.Outcome, res.Err)
	}
}
