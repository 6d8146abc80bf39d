// Command benchserve serves the query API on loopback over a generated
// dataset of -rows rows (the tilskudd example schema, written by
// internal/convert exactly as published), for load benchmarks with wrk
// (scripts/bench-api.sh). It prints the URL when ready.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/dele-opendata/dele/openapi"
	"github.com/dele-opendata/dele/openapi/internal/apitest"
)

func main() {
	rows := flag.Int("rows", 1_000_000, "rows in the dataset")
	addr := flag.String("addr", "127.0.0.1:8089", "listen address")
	flag.Parse()
	if err := run(*rows, *addr); err != nil {
		log.Fatal(err)
	}
}

func run(rows int, addr string) error {
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
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(ln)
}
