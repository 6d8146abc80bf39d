// Command benchserve serves the query API on loopback over a generated
// dataset of -rows rows (the tilskudd example schema, written by
// internal/convert exactly as published), for load benchmarks with wrk
// (scripts/bench-api.sh) and the load test (openapi TestLoad, with -debug).
// It prints the URL when ready.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/dele-opendata/dele/openapi"
	"github.com/dele-opendata/dele/openapi/internal/apitest"
)

func main() {
	rows := flag.Int("rows", 1_000_000, "rows in the dataset")
	addr := flag.String("addr", "127.0.0.1:8089", "listen address")
	debug := flag.Bool("debug", false, "also serve /debug/stats: goroutines, live heap after GC and responses by status (for the load test)")
	flag.Parse()
	if err := run(*rows, *addr, *debug); err != nil {
		log.Fatal(err)
	}
}

// stats counts responses by status for /debug/stats.
type stats struct {
	h  http.Handler
	mu sync.Mutex
	n  map[int]int
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection, so the API's
// streamed pages are flushed.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (s *stats) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/debug/stats" {
		s.report(w)
		return
	}
	sw := &statusWriter{ResponseWriter: w}
	s.h.ServeHTTP(sw, r)
	s.mu.Lock()
	s.n[sw.code]++
	s.mu.Unlock()
}

// report writes the goroutine count (once it stops falling, for up to
// 5 s), the live heap after two collections and the status counts.
func (s *stats) report(w http.ResponseWriter) {
	n := runtime.NumGoroutine()
	for i := 0; i < 50; i++ {
		time.Sleep(100 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m >= n && i >= 4 {
			break
		}
		n = m
	}
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s.mu.Lock()
	statuses := map[string]int{}
	for code, c := range s.n {
		statuses[strconv.Itoa(code)] = c
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"goroutines": runtime.NumGoroutine(), "heapAlloc": ms.HeapAlloc, "statuses": statuses})
}

func run(rows int, addr string, debug bool) error {
	ctx := context.Background()
	start := time.Now()
	st := apitest.NewMapStore()
	m, err := apitest.Publish(ctx, st, "tilskudd", "v1", apitest.TilskuddSchema(), rows, 0, apitest.TilskuddRow, apitest.V1Time)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	url := "http://" + ln.Addr().String()
	h, err := openapi.NewHandler(ctx, openapi.Options{Config: apitest.Config(url), Definitions: apitest.Definitions()[:1], Store: st})
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "benchserve: %d rows, %d bytes of Parquet, ready in %s\n", m.Rows, m.Files[0].Size, time.Since(start).Round(time.Millisecond))
	fmt.Println(url)
	var handler http.Handler = h
	if debug {
		handler = &stats{h: h, n: map[int]int{}}
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(ln)
}
