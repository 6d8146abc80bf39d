package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/parquet/file"
	"github.com/apache/arrow/go/v15/parquet/pqarrow"

	"github.com/dele-opendata/dele/internal/benchdata"
	"github.com/dele-opendata/dele/internal/convert"
)

func TestConvert(t *testing.T) {
	dir := t.TempDir()
	var csvData bytes.Buffer
	if err := benchdata.Write(&csvData, 2500); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "tilskudd.csv")
	if err := os.WriteFile(in, csvData.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	sj, err := benchdata.Schema().MarshalIndent()
	if err != nil {
		t.Fatal(err)
	}
	schemaPath := filepath.Join(dir, "schema.json")
	if err := os.WriteFile(schemaPath, sj, 0o644); err != nil {
		t.Fatal(err)
	}

	code, stdout, stderr := runDele(t, "convert", "-schema", schemaPath, "-delimiter", ";", in)
	if code != 0 || !strings.Contains(stdout, "2500 rows") {
		t.Fatalf("convert: exit %d\n%s%s", code, stdout, stderr)
	}
	out := filepath.Join(dir, "tilskudd.parquet")
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pr, err := file.NewParquetReader(f)
	if err != nil {
		t.Fatal(err)
	}
	if got := pr.MetaData().KeyValueMetadata().FindValue(convert.MetaDataset); got == nil || *got != "tilskudd" {
		t.Errorf("dataset id in the metadata: %v, want tilskudd", got)
	}
	fr, err := pqarrow.NewFileReader(pr, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	if tbl.NumRows() != 2500 {
		t.Errorf("%d rows, want 2500", tbl.NumRows())
	}
	// Read back with the fast reader itself: the same rows, the same first
	// postnummer (text, leading zeros kept).
	s := tbl.Schema()
	for name, want := range map[string]arrow.Type{"postnummer": arrow.STRING, "dato": arrow.DATE32, "belop": arrow.FLOAT64, "aktiv": arrow.BOOL} {
		fs := s.FieldIndices(name)
		if len(fs) != 1 || s.Field(fs[0]).Type.ID() != want {
			t.Errorf("column %s: %v, want %v", name, fs, want)
		}
	}

	// A bad value stops the conversion with its line and column, and the
	// file already there is left as it was.
	bad := strings.Replace(csvData.String(), "\n3;", "\nx3;", 1)
	if bad == csvData.String() {
		t.Fatal("could not break row 3")
	}
	if err := os.WriteFile(in, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runDele(t, "convert", "-schema", schemaPath, "-delimiter", ";", in)
	if code != 1 || !strings.Contains(stderr, `column "id"`) || !strings.Contains(stderr, `"x3" is not an integer`) {
		t.Errorf("bad value: exit %d, stderr %q; want 1 and the line", code, stderr)
	}
	if after, err := os.ReadFile(out); err != nil || !bytes.Equal(after, before) {
		t.Errorf("the earlier output was changed (%v)", err)
	}
	// A file in Windows-1252 (as Excel writes it) is refused by name.
	latin1 := strings.Replace(csvData.String(), "ø", "\xf8", 1)
	if err := os.WriteFile(in, []byte(latin1), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runDele(t, "convert", "-schema", schemaPath, "-delimiter", ";", in); code != 1 || !strings.Contains(stderr, "not valid UTF-8") {
		t.Errorf("Windows-1252 file: exit %d, stderr %q; want 1 and not valid UTF-8", code, stderr)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".dele-convert-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}

	for _, args := range [][]string{
		{"convert", in},
		{"convert", "-schema", schemaPath, "-delimiter", ";;", in},
		{"convert", "-schema", schemaPath, "-o", in, in},
	} {
		if code, _, _ := runDele(t, args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}
