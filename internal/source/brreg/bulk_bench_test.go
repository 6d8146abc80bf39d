package brreg

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"
)

// streamBulk writes a gzipped bulk download of n organisations (copies of
// the five recorded ones, every third in 4601) to w and closes it.
func streamBulk(b *testing.B, n int, w *io.PipeWriter) (raw *int64) {
	var templates [][]byte
	for _, e := range entities(b) {
		e["organisasjonsnummer"] = "ORGNR____"
		if fa, ok := e["forretningsadresse"].(map[string]any); ok {
			fa["kommunenummer"] = "KNR_"
		}
		t, err := json.Marshal(e)
		if err != nil {
			b.Fatal(err)
		}
		templates = append(templates, t)
	}
	var size int64
	go func() {
		gz, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
		cw := &countWriter{w: gz, n: &size}
		cw.Write([]byte("[\n"))
		for i := 0; i < n; i++ {
			t := templates[i%len(templates)]
			t = bytes.Replace(t, []byte("ORGNR____"), []byte(strconv.Itoa(900000000+i)), 1)
			knr := "0301"
			if i%3 == 0 {
				knr = "4601"
			}
			t = bytes.Replace(t, []byte("KNR_"), []byte(knr), 1)
			if i > 0 {
				cw.Write([]byte(",\n"))
			}
			if _, err := cw.Write(t); err != nil {
				w.CloseWithError(err)
				return
			}
		}
		cw.Write([]byte("\n]\n"))
		w.CloseWithError(gz.Close())
	}()
	return &size
}

type countWriter struct {
	w io.Writer
	n *int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	*c.n += int64(len(p))
	return c.w.Write(p)
}

// BenchmarkBulkStream reads generated bulk downloads of growing size
// through a pipe (never held whole anywhere) and reports the peak heap in
// use, sampled every 20 ms: it stays flat while the input grows tenfold.
func BenchmarkBulkStream(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("orgs=%d", n), func(b *testing.B) {
			var peak uint64
			var raw int64
			for b.Loop() {
				runtime.GC()
				pr, pw := io.Pipe()
				size := streamBulk(b, n, pw)
				stop := make(chan struct{})
				var wg sync.WaitGroup
				wg.Add(1)
				go func() {
					defer wg.Done()
					var ms runtime.MemStats
					for {
						runtime.ReadMemStats(&ms)
						peak = max(peak, ms.HeapInuse)
						select {
						case <-stop:
							return
						case <-time.After(20 * time.Millisecond):
						}
					}
				}()
				r, err := fromBody(pr, "bench", Options{Kommunenummer: []string{"4601"}})
				if err != nil {
					b.Fatal(err)
				}
				got, err := readAllErr(r)
				close(stop)
				wg.Wait()
				if err != nil || got != (n+2)/3 {
					b.Fatal(got, err)
				}
				raw = *size
			}
			b.SetBytes(raw)
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(raw)/(1<<20), "input-MiB")
		})
	}
}
