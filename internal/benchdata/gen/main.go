// Command gen writes the deterministic 13-column municipal CSV of package
// benchdata (semicolon, decimal comma, æøå, quoted comments with
// semicolons and newlines, leading-zero codes) for benchmarks:
//
//	go run ./internal/benchdata/gen -rows 1000000 -out municipal.csv -schema municipal.schema.json
//	dele convert -schema municipal.schema.json -delimiter ';' municipal.csv
package main

import (
	"bufio"
	"flag"
	"log"
	"os"

	"github.com/dele-opendata/dele/internal/benchdata"
)

func main() {
	rows := flag.Int("rows", 1_000_000, "rows to write")
	out := flag.String("out", "", "output file (default: standard output)")
	schema := flag.String("schema", "", "also write the file's Table Schema (JSON) here")
	flag.Parse()
	if *schema != "" {
		b, err := benchdata.Schema().MarshalIndent()
		if err == nil {
			err = os.WriteFile(*schema, b, 0o644)
		}
		if err != nil {
			log.Fatal(err)
		}
	}
	w := os.Stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	if err := benchdata.Write(bw, *rows); err != nil {
		log.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		log.Fatal(err)
	}
}
