package convert

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	xbuffer "github.com/xitongsys/parquet-go-source/buffer"
	xparquet "github.com/xitongsys/parquet-go/parquet"
	xreader "github.com/xitongsys/parquet-go/reader"

	"github.com/dele-opendata/dele/internal/testenv"
)

// xitongsysTypes is the physical and logical type xitongsys/parquet-go
// must find in the file footer for each Table Schema type.
var xitongsysTypes = map[string]string{
	"integer": "INT64 INT(64,signed)", "year": "INT64 INT(64,signed)", "number": "DOUBLE", "boolean": "BOOLEAN",
	"date": "INT32 DATE", "datetime": "INT64 TIMESTAMP(MICROS,utc)",
	"string": "BYTE_ARRAY STRING", "time": "BYTE_ARRAY STRING", "geopoint": "BYTE_ARRAY STRING",
	"decimal": "INT64 DECIMAL(%d,%d)",
}

// interopFile is a Parquet file Dele wrote and the table it must read
// back as.
type interopFile struct {
	tt   testTable // the expected name, schema and values
	data []byte
	// meta, when set, checks the file's key/value metadata (as Arrow
	// reads it).
	meta func(t *testing.T, meta map[string]string)
}

// checkInterop reads every file back with three independent readers —
// Arrow's pqarrow, xitongsys/parquet-go and DuckDB — and checks that each
// one sees the expected row count, column names, column types (mapped per
// Table Schema type) and values: a checksum of all values must equal the
// checksum of the expected table (value-by-value differences are listed
// when it does not). DuckDB reads all files in one Node process, in a
// parallel subtest, so Node works while Go reads the files with the other
// two readers.
func checkInterop(t *testing.T, files []interopFile) {
	t.Helper()
	sums := make([]string, len(files))
	for i, f := range files {
		sums[i] = checksum(expectedColumns(f.tt))
	}
	t.Run("duckdb", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		paths := make([]string, len(files))
		for i, f := range files {
			paths[i] = filepath.Join(dir, fmt.Sprintf("%03d.parquet", i))
			if err := os.WriteFile(paths[i], f.data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		readDuckDBFiles(t, "parquet", paths, func(i int, res duckResult) {
			f := files[i]
			t.Run(f.tt.name, func(t *testing.T) {
				if res.Rows != f.tt.rowCount() {
					t.Errorf("duckdb: %d rows, want %d", res.Rows, f.tt.rowCount())
				}
				var names, types []string
				for _, c := range res.Columns {
					names, types = append(names, c.Name), append(types, c.Type)
				}
				if !checkNamesTypes(t, "duckdb", f.tt, names, types, duckTypes) {
					return
				}
				checkValues(t, "duckdb", f.tt, sums[i], duckColumns(t, f.tt, res))
			})
		})
	})
	for i, f := range files {
		t.Run(f.tt.name, func(t *testing.T) {
			t.Parallel()
			names, types, cols, meta := readArrow(t, f.data)
			checkNamesTypes(t, "arrow", f.tt, names, types, arrowTypes)
			checkValues(t, "arrow", f.tt, sums[i], cols)
			if f.meta != nil {
				f.meta(t, meta)
			}

			names, types, cols = readXitongsys(t, f.tt, f.data)
			checkNamesTypes(t, "xitongsys", f.tt, names, types, xitongsysTypes)
			checkValues(t, "xitongsys", f.tt, sums[i], cols)
		})
	}
}

// checkNamesTypes compares a reader's column names and types with the
// schema's, and reports whether they match.
func checkNamesTypes(t *testing.T, reader string, tt testTable, names, types []string, want map[string]string) bool {
	t.Helper()
	if got, want := strings.Join(names, "|"), strings.Join(tt.schema.Names(), "|"); got != want {
		t.Errorf("%s: columns\n%s\nwant\n%s", reader, got, want)
		return false
	}
	ok := true
	for i := range types {
		if w := wantType(want, tt, i); types[i] != w {
			t.Errorf("%s: column %q has type %s, want %s", reader, names[i], types[i], w)
			ok = false
		}
	}
	return ok
}

// checkValues compares the checksum of a reader's values with want, and
// lists the differences when they differ.
func checkValues(t *testing.T, reader string, tt testTable, want string, cols [][]cell) {
	t.Helper()
	if got := checksum(cols); got != want {
		t.Errorf("%s: checksum of the values %s, want %s", reader, got, want)
		diffColumns(t, reader, tt, cols)
	}
}

// expectedColumns returns tt's values as the readers give them: decimal
// columns as text with the field's scale.
func expectedColumns(tt testTable) [][]cell {
	cols := tt.columns()
	for i, f := range tt.schema.Fields {
		if scale := decimalScale(f); scale >= 0 {
			for r, v := range cols[i] {
				cols[i][r] = expectDecimal(v, scale)
			}
		}
	}
	return cols
}

// checksum hashes columns of cells (column by column, each cell tagged
// with its Go type). -0 and +0 hash alike (DuckDB's JSON does not keep the
// sign of zero), and so do all NaNs.
func checksum(cols [][]cell) string {
	h := sha256.New()
	var buf [9]byte
	for _, col := range cols {
		binary.LittleEndian.PutUint64(buf[1:], uint64(len(col)))
		buf[0] = 'c'
		h.Write(buf[:])
		for _, v := range col {
			switch x := v.(type) {
			case nil:
				h.Write([]byte{'n'})
			case int64:
				buf[0] = 'i'
				binary.LittleEndian.PutUint64(buf[1:], uint64(x))
				h.Write(buf[:])
			case float64:
				buf[0] = 'f'
				if math.IsNaN(x) {
					x = math.NaN()
				}
				binary.LittleEndian.PutUint64(buf[1:], math.Float64bits(x+0))
				h.Write(buf[:])
			case bool:
				buf[0] = 'f'
				if x {
					buf[0] = 't'
				}
				h.Write(buf[:1])
			case string:
				buf[0] = 's'
				binary.LittleEndian.PutUint64(buf[1:], uint64(len(x)))
				h.Write(buf[:])
				io.WriteString(h, x)
			default:
				panic(fmt.Sprintf("checksum: unexpected cell %T", v))
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// readXitongsys reads data with github.com/xitongsys/parquet-go, an
// implementation independent of Arrow's: the column names and types from
// the footer, and every value.
func readXitongsys(t *testing.T, tt testTable, data []byte) (names, types []string, cols [][]cell) {
	t.Helper()
	pf := xbuffer.NewBufferFileFromBytes(data)
	pr, err := xreader.NewParquetColumnReader(pf, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer pr.ReadStop()
	for i, e := range pr.Footer.Schema {
		if i == 0 {
			continue // the root
		}
		names = append(names, pr.SchemaHandler.GetExName(i))
		types = append(types, xitongsysType(e))
	}
	n := pr.GetNumRows()
	if int(n) != tt.rowCount() {
		t.Fatalf("xitongsys: %d rows, want %d", n, tt.rowCount())
	}
	cols = make([][]cell, len(tt.schema.Fields))
	for i, f := range tt.schema.Fields {
		if n == 0 {
			continue
		}
		vals, _, _, err := pr.ReadColumnByIndex(int64(i), n)
		if err != nil {
			t.Fatalf("xitongsys: column %s: %v", f.Name, err)
		}
		scale := decimalScale(f)
		for _, v := range vals {
			switch x := v.(type) {
			case nil:
				cols[i] = append(cols[i], nil)
			case int32:
				cols[i] = append(cols[i], int64(x))
			case int64:
				if scale >= 0 {
					cols[i] = append(cols[i], formatScaled(x, scale))
				} else {
					cols[i] = append(cols[i], x)
				}
			case float64, bool, string:
				cols[i] = append(cols[i], x)
			default:
				t.Fatalf("xitongsys: column %s: unexpected value %T", f.Name, v)
			}
		}
	}
	return names, types, cols
}

// xitongsysType describes a leaf of the footer schema: the physical type
// and the logical type, if any.
func xitongsysType(e *xparquet.SchemaElement) string {
	s := e.GetType().String()
	lt := e.GetLogicalType()
	switch {
	case lt == nil:
	case lt.IsSetSTRING():
		s += " STRING"
	case lt.IsSetDATE():
		s += " DATE"
	case lt.IsSetINTEGER():
		sign := "unsigned"
		if lt.INTEGER.GetIsSigned() {
			sign = "signed"
		}
		s += fmt.Sprintf(" INT(%d,%s)", lt.INTEGER.GetBitWidth(), sign)
	case lt.IsSetDECIMAL():
		s += fmt.Sprintf(" DECIMAL(%d,%d)", lt.DECIMAL.GetPrecision(), lt.DECIMAL.GetScale())
	case lt.IsSetTIMESTAMP():
		ts, unit, utc := lt.TIMESTAMP, "?", "local"
		switch {
		case ts.GetUnit().IsSetMILLIS():
			unit = "MILLIS"
		case ts.GetUnit().IsSetMICROS():
			unit = "MICROS"
		case ts.GetUnit().IsSetNANOS():
			unit = "NANOS"
		}
		if ts.GetIsAdjustedToUTC() {
			utc = "utc"
		}
		s += fmt.Sprintf(" TIMESTAMP(%s,%s)", unit, utc)
	default:
		s += " " + lt.String()
	}
	return s
}

type duckResult struct {
	Rows    int `json:"rows"`
	Columns []struct {
		Name string `json:"name"`
		Type string `json:"type"`
	} `json:"columns"`
	Values [][]any `json:"values"`
}

// readDuckDB reads a file with DuckDB (through Node).
func readDuckDB(t *testing.T, kind, path string) duckResult {
	t.Helper()
	var res duckResult
	readDuckDBFiles(t, kind, []string{path}, func(_ int, r duckResult) { res = r })
	return res
}

// readDuckDBFiles reads files with DuckDB in one Node process (starting
// Node and DuckDB takes a second or two) and calls fn with each file's
// result, in order, as Node prints it.
func readDuckDBFiles(t *testing.T, kind string, paths []string, fn func(i int, res duckResult)) {
	t.Helper()
	nodeDir := testenv.NodeDir(t)
	script := filepath.Join(testenv.RepoRoot(t), "internal", "convert", "testdata", "duckdb-read.mjs")
	cmd := exec.Command("node", append([]string{script, nodeDir, kind}, paths...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		// Stop Node if a check failed before its output was read.
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	d := json.NewDecoder(bufio.NewReaderSize(out, 1<<20))
	d.UseNumber()
	for i, p := range paths {
		var res duckResult
		if err := d.Decode(&res); err != nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("duckdb: reading the result for %s: %v\n%s", p, err, stderr.String())
		}
		fn(i, res)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("duckdb: %v\n%s", err, stderr.String())
	}
}
