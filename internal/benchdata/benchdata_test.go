package benchdata

import (
	"bytes"
	"encoding/csv"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestGolden pins the exact bytes of the first rows, so the generator stays
// deterministic across changes and Go versions.
func TestGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, 40); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "first40.csv")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("output differs from %s (run with -update if the change is intended)", golden)
	}
}

// TestShape parses a sample with encoding/csv and checks every value
// against the declared schema and the properties the benchmark relies on.
func TestShape(t *testing.T) {
	const rows = 20000
	var buf bytes.Buffer
	if err := Write(&buf, rows); err != nil {
		t.Fatal(err)
	}
	if !utf8.Valid(buf.Bytes()) {
		t.Fatal("output is not valid UTF-8")
	}
	raw := buf.String()
	cr := csv.NewReader(strings.NewReader(raw))
	cr.Comma = Delimiter
	header, err := cr.Read()
	if err != nil {
		t.Fatal(err)
	}
	schema := Schema()
	if err := schema.Check(); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(header, ","), strings.Join(schema.Names(), ","); got != want {
		t.Fatalf("header = %s, want %s", got, want)
	}
	four := regexp.MustCompile(`^[0-9]{4}$`)
	nine := regexp.MustCompile(`^[89][0-9]{8}$`)
	belop := regexp.MustCompile(`^-?[0-9]+,[0-9]{2}$`)
	var n, quoted, newlines, emptyBelop, leadingZero int
	kategori := map[string]bool{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if len(rec) != 13 {
			t.Fatalf("row %d has %d fields", n, len(rec))
		}
		if rec[0] != strconv.Itoa(n) {
			t.Fatalf("row %d: id = %q", n, rec[0])
		}
		if !nine.MatchString(rec[1]) || !four.MatchString(rec[4]) || !four.MatchString(rec[6]) {
			t.Fatalf("row %d: bad orgnr/postnummer/kommunenummer %q %q %q", n, rec[1], rec[4], rec[6])
		}
		if rec[4][0] == '0' {
			leadingZero++
		}
		if _, err := time.Parse(time.DateOnly, rec[7]); err != nil {
			t.Fatalf("row %d: dato: %v", n, err)
		}
		if rec[8] == "" {
			emptyBelop++
		} else if !belop.MatchString(rec[8]) {
			t.Fatalf("row %d: belop %q", n, rec[8])
		}
		if _, err := strconv.Atoi(rec[9]); err != nil {
			t.Fatalf("row %d: antall: %v", n, err)
		}
		if rec[10] != "true" && rec[10] != "false" {
			t.Fatalf("row %d: aktiv %q", n, rec[10])
		}
		kategori[rec[11]] = true
		if strings.ContainsAny(rec[12], ";\"\n") {
			quoted++
		}
		if strings.Contains(rec[12], "\n") {
			newlines++
		}
	}
	if n != rows {
		t.Fatalf("read %d rows, want %d", n, rows)
	}
	if len(kategori) != 20 {
		t.Errorf("kategori has %d values, want 20", len(kategori))
	}
	if f := float64(quoted) / rows; f < 0.06 || f > 0.10 {
		t.Errorf("%.3f of kommentar values need quoting, want about 0.08", f)
	}
	if newlines == 0 || emptyBelop == 0 || leadingZero == 0 {
		t.Errorf("missing hard cases: %d quoted newlines, %d empty belop, %d leading-zero postnummer", newlines, emptyBelop, leadingZero)
	}
}

func BenchmarkWrite(b *testing.B) {
	for b.Loop() {
		if err := Write(io.Discard, 100000); err != nil {
			b.Fatal(err)
		}
	}
}
