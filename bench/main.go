// Command bench times Dele's CSV→Parquet conversion against DuckDB on the
// same deterministic municipal CSV (internal/benchdata), in the same run:
// convert.CSVToParquet (the conversion alone, as `dele convert` runs it),
// the whole `dele run` path (pipeline.Run: detection, personal-data scan,
// validation, Parquet, publishing with read-back, catalog and portal) and
// DuckDB's COPY.
//
// It generates the file (1M and 10M rows by default) in a temporary
// directory, then runs each converter in its own subprocess, interleaved
// and alternating which goes first, several times, and prints a Markdown
// table of median wall times and peak RSS (the subprocess's ru_maxrss).
//
//	cd bench && go run . -rows 1000000,10000000 -runs 5
//
// It lives in its own module because DuckDB's Go binding needs cgo; the
// main module stays pure Go.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/benchdata"
	"github.com/dele-opendata/dele/internal/config"
	"github.com/dele-opendata/dele/internal/convert"
	"github.com/dele-opendata/dele/internal/gctune"
	"github.com/dele-opendata/dele/internal/pipeline"
	"github.com/dele-opendata/dele/internal/store/fsstore"
)

// result is what a child run prints as JSON.
type result struct {
	Seconds float64 `json:"seconds"`
	Rows    int64   `json:"rows"`
	Bytes   int64   `json:"bytes"`
}

func main() {
	child := flag.String("child", "", "run one conversion (dele or duckdb) and print JSON; or gen: write -in rows to -out")
	in := flag.String("in", "", "internal: input CSV for -child")
	out := flag.String("out", "", "internal: output Parquet for -child")
	rowsFlag := flag.String("rows", "1000000,10000000", "comma-separated row counts")
	runs := flag.Int("runs", 5, "runs per tool and size")
	dir := flag.String("dir", "", "work directory (default: a new temporary directory, removed afterwards)")
	threads := flag.Int("threads", 2, "DuckDB threads (Dele uses GOMAXPROCS)")
	cpuprofile := flag.String("cpuprofile", "", "with -child: write a CPU profile of the conversion to this file")
	flag.Parse()
	log.SetFlags(0)
	if *child == "gen" {
		n, err := strconv.Atoi(*in)
		if err == nil {
			err = generate(*out, n)
		}
		if err != nil {
			log.Fatal(err)
		}
		return
	}
	if *child != "" {
		if *cpuprofile != "" {
			f, err := os.Create(*cpuprofile)
			if err != nil {
				log.Fatal(err)
			}
			if err := pprof.StartCPUProfile(f); err != nil {
				log.Fatal(err)
			}
		}
		r, err := runChild(*child, *in, *out, *threads)
		pprof.StopCPUProfile()
		if err != nil {
			log.Fatal(err)
		}
		if err := json.NewEncoder(os.Stdout).Encode(r); err != nil {
			log.Fatal(err)
		}
		return
	}
	if err := drive(*rowsFlag, *runs, *dir, *threads); err != nil {
		log.Fatal(err)
	}
}

func runChild(tool, in, out string, threads int) (result, error) {
	if tool != "duckdb" {
		// As the dele command and the Lambda functions do.
		gctune.Apply(os.Getenv)
	}
	start := time.Now()
	var rows int64
	switch tool {
	case "dele":
		f, err := os.Open(in)
		if err != nil {
			return result{}, err
		}
		defer f.Close()
		o, err := os.Create(out)
		if err != nil {
			return result{}, err
		}
		rows, err = convert.CSVToParquet(context.Background(), f, o, benchdata.Schema(), convert.Metadata{DatasetID: "bench", Version: "1"},
			convert.CSVOptions{Comma: benchdata.Delimiter, Header: true})
		if err != nil {
			return result{}, err
		}
		if err := o.Close(); err != nil {
			return result{}, err
		}
	case "dele-run":
		// What `dele run` does with the file: detection, the personal-data
		// scan of every cell, validation against the declared schema,
		// Parquet, publishing with read-back verification, catalog and
		// portal. The time includes all of it; the size is the Parquet file.
		n, size, err := deleRun(in, filepath.Dir(out))
		if err != nil {
			return result{}, err
		}
		return result{Seconds: time.Since(start).Seconds(), Rows: n, Bytes: size}, nil
	case "duckdb":
		db, err := sql.Open("duckdb", "")
		if err != nil {
			return result{}, err
		}
		defer db.Close()
		if _, err := db.Exec(fmt.Sprintf("SET threads=%d", threads)); err != nil {
			return result{}, err
		}
		q := fmt.Sprintf("COPY (SELECT * FROM read_csv(%s, delim=';', decimal_separator=',', header=true)) TO %s (FORMAT parquet, COMPRESSION zstd)", quote(in), quote(out))
		res, err := db.Exec(q)
		if err != nil {
			return result{}, err
		}
		rows, _ = res.RowsAffected()
	default:
		return result{}, fmt.Errorf("unknown tool %q", tool)
	}
	secs := time.Since(start).Seconds()
	st, err := os.Stat(out)
	if err != nil {
		return result{}, err
	}
	return result{Seconds: secs, Rows: rows, Bytes: st.Size()}, nil
}

// deleRun publishes in as a dataset with the real pipeline into a new
// folder under work, and returns the rows published and the Parquet size.
func deleRun(in, work string) (int64, int64, error) {
	dir, err := os.MkdirTemp(work, "run-")
	if err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(dir)
	def := fmt.Sprintf(`id: kommunale-tilskudd
title: { nb: Kommunale tilskudd (generert) }
description: { nb: Generert testdatasett for ytelsesmåling. }
publisher: { orgnr: "964965226", name: Stavanger kommune, kommunenummer: "1103" }
contact: { name: Digitalisering, email: postmottak@stavanger.kommune.no }
themes: [GOVE]
license: NLOD-2.0
access: PUBLIC
schedule: rate(1 day)
source: { type: csv, path: %s, delimiter: ";", encoding: utf-8 }
classification: { allow: { navn: [person-name], adresse: [address-with-name] } }
outputs: [parquet]
`, filepath.Base(in))
	d, err := datasets.Parse(filepath.Join(filepath.Dir(in), "kommunale-tilskudd.yaml"), []byte(def))
	if err != nil {
		return 0, 0, err
	}
	d.Schema = benchdata.Schema()
	if ps := datasets.Check(d); len(ps) > 0 {
		return 0, 0, fmt.Errorf("definition: %v", ps)
	}
	pub, err := fsstore.New(filepath.Join(dir, "public"))
	if err != nil {
		return 0, 0, err
	}
	priv, err := fsstore.New(filepath.Join(dir, "private"))
	if err != nil {
		return 0, 0, err
	}
	cfg := &config.Config{BaseURL: "http://localhost:8080", Catalog: config.Catalog{ID: "bench", TitleNB: "Bench", DescNB: "Bench",
		PublisherNr: "964965226", Publisher: "Stavanger kommune", Kommunenummer: "1103", ContactName: "Bench", ContactEmail: "bench@example.no"}}
	cfg = cfg.WithBaseURL(cfg.BaseURL)
	env := &pipeline.Env{Public: pub, Private: priv, Config: cfg, TempDir: dir, Getenv: func(string) string { return "" }}
	res, err := pipeline.RunAll(context.Background(), env, []*datasets.Definition{d}, []*datasets.Definition{d})
	if err != nil {
		return 0, 0, err
	}
	r := res[0]
	if r.Outcome != pipeline.Published {
		return 0, 0, fmt.Errorf("dele run: %s: %s", r.Outcome, r.Message)
	}
	for _, f := range r.Files {
		if f.Name == "data.parquet" {
			return r.RowsOut, f.Size, nil
		}
	}
	return 0, 0, fmt.Errorf("dele run published no Parquet file")
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

type sample struct {
	result
	wall   float64 // seconds, measured by the parent (includes process start)
	cpu    float64 // user+system seconds of the child
	maxRSS int64   // bytes
}

func drive(rowsFlag string, runs int, dir string, threads int) error {
	if dir == "" {
		d, err := os.MkdirTemp("", "dele-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	var table strings.Builder
	fmt.Fprintf(&table, "| rows | CSV size | tool | median wall time (min–max) | wall ratio Dele/DuckDB | median CPU time (user+sys) | peak RSS (median) | Parquet size |\n|---:|---:|---|---:|---:|---:|---:|---:|\n")
	for _, rs := range strings.Split(rowsFlag, ",") {
		rows, err := strconv.Atoi(strings.TrimSpace(rs))
		if err != nil {
			return fmt.Errorf("-rows: %w", err)
		}
		in := filepath.Join(dir, fmt.Sprintf("municipal-%d.csv", rows))
		if err := generate(in, rows); err != nil {
			return err
		}
		st, err := os.Stat(in)
		if err != nil {
			return err
		}
		samples := map[string][]sample{}
		tools := []string{"dele", "dele-run", "duckdb"}
		for run := range runs {
			// Rotate which tool goes first.
			order := append(slices.Clone(tools[run%len(tools):]), tools[:run%len(tools)]...)
			for _, tool := range order {
				s, err := runOnce(self, tool, in, filepath.Join(dir, tool+".parquet"), threads)
				if err != nil {
					return fmt.Errorf("%s, %d rows, run %d: %w", tool, rows, run+1, err)
				}
				if s.Rows != int64(rows) {
					return fmt.Errorf("%s wrote %d rows, want %d", tool, s.Rows, rows)
				}
				log.Printf("%d rows, run %d, %-6s %.2f s (in process %.2f s, CPU %.2f s), max RSS %d MiB", rows, run+1, tool, s.wall, s.Seconds, s.cpu, s.maxRSS>>20)
				samples[tool] = append(samples[tool], s)
			}
		}
		med := map[string]float64{}
		for _, tool := range tools {
			med[tool] = median(samples[tool], func(s sample) float64 { return s.wall })
		}
		for _, tool := range tools {
			ss := samples[tool]
			lo := slices.MinFunc(ss, func(a, b sample) int { return cmpf(a.wall, b.wall) }).wall
			hi := slices.MaxFunc(ss, func(a, b sample) int { return cmpf(a.wall, b.wall) }).wall
			ratio := "–"
			if tool != "duckdb" {
				ratio = fmt.Sprintf("%.2f", med[tool]/med["duckdb"])
			}
			name := "Dele (`dele convert`: convert.CSVToParquet, GOMAXPROCS=" + strconv.Itoa(runtime.GOMAXPROCS(0)) + ")"
			if tool == "dele-run" {
				name = "Dele, the whole `dele run` (scan, validate, Parquet, publish, catalog)"
			}
			if tool == "duckdb" {
				name = fmt.Sprintf("DuckDB 1.5.6 (threads=%d)", threads)
			}
			fmt.Fprintf(&table, "| %s | %.0f MB | %s | %.2f s (%.2f–%.2f) | %s | %.2f s | %.0f MiB | %.0f MB |\n",
				human(rows), float64(st.Size())/1e6, name, med[tool], lo, hi, ratio,
				median(ss, func(s sample) float64 { return s.cpu }),
				median(ss, func(s sample) float64 { return float64(s.maxRSS) / (1 << 20) }), float64(ss[0].Bytes)/1e6)
		}
		if err := os.Remove(in); err != nil {
			return err
		}
	}
	fmt.Print(table.String())
	return nil
}

func cmpf(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func human(n int) string {
	if n%1000000 == 0 {
		return fmt.Sprintf("%dM", n/1000000)
	}
	return strconv.Itoa(n)
}

func median(ss []sample, f func(sample) float64) float64 {
	v := make([]float64, len(ss))
	for i, s := range ss {
		v[i] = f(s)
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func generate(path string, rows int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := benchdata.Write(f, rows); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func runOnce(self, tool, in, out string, threads int) (sample, error) {
	_ = os.Remove(out)
	cmd := exec.Command(self, "-child", tool, "-in", in, "-out", out, "-threads", strconv.Itoa(threads))
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return sample{}, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return sample{}, err
	}
	body, _ := io.ReadAll(stdout)
	if err := cmd.Wait(); err != nil {
		return sample{}, err
	}
	wall := time.Since(start).Seconds()
	var r result
	if err := json.Unmarshal(body, &r); err != nil {
		return sample{}, fmt.Errorf("child output %q: %w", body, err)
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return sample{}, fmt.Errorf("no rusage")
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	return sample{result: r, wall: wall, cpu: cpu, maxRSS: ru.Maxrss * 1024}, nil
}
