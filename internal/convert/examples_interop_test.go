package convert_test

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/config"
	"github.com/dele-opendata/dele/internal/convert"
	"github.com/dele-opendata/dele/internal/pipeline"
	"github.com/dele-opendata/dele/internal/publish"
	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/internal/store/memstore"
	"github.com/dele-opendata/dele/internal/table"
	"github.com/dele-opendata/dele/internal/tableschema"
	"github.com/dele-opendata/dele/internal/testenv"
)

// TestParquetInteropExamples runs every example dataset under datasets/
// through the real pipeline, as `dele run` does, and checks what it
// publishes:
//
//   - the Parquet schema of each example against
//     testdata/schema/example-<id>.txt (rewrite with -update);
//   - data.parquet read back by Arrow, xitongsys/parquet-go and DuckDB:
//     the same row count (also the run's RowsOut), column names, types and
//     values as the published data.csv parsed with the published schema.
//     The clean CSV is written from the same validated batches by another
//     writer, so it is an independent record of what the Parquet file must
//     hold.
func TestParquetInteropExamples(t *testing.T) {
	root := testenv.RepoRoot(t)
	defs, err := datasets.Load(filepath.Join(root, "datasets"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(filepath.Join(root, "dele.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
	env := &pipeline.Env{
		Public: memstore.New(), Private: memstore.New(), Config: cfg, TempDir: t.TempDir(),
		Getenv: func(string) string { return "" },
		Now:    func() time.Time { now = now.Add(time.Second); return now },
	}
	ctx := context.Background()
	var files []convert.InteropFile
	for _, d := range defs {
		ok := t.Run("run/"+d.ID, func(t *testing.T) {
			if d.Access != datasets.AccessPublic || !d.HasOutput(datasets.OutputParquet) || !d.HasOutput(datasets.OutputCSV) {
				t.Skipf("%s publishes no Parquet and clean CSV (access %s, outputs %v)", d.ID, d.Access, d.Outputs)
			}
			res := pipeline.Run(ctx, env, d)
			if res.Outcome != pipeline.Published {
				t.Fatalf("outcome %s: %s", res.Outcome, res.Message)
			}
			read := func(name string) []byte {
				t.Helper()
				for _, f := range res.Files {
					if f.Name == name {
						b, err := store.ReadAll(ctx, env.Public, f.Key)
						if err != nil {
							t.Fatal(err)
						}
						return b
					}
				}
				t.Fatalf("%s not published; files: %v", name, res.Files)
				return nil
			}
			schemaJSON := read(publish.FileSchema)
			schema, err := tableschema.Parse(schemaJSON)
			if err != nil {
				t.Fatalf("schema.json: %v", err)
			}
			t.Run("schema", func(t *testing.T) { convert.CheckSchemaGolden(t, "example-"+d.ID, schema) })

			batches := readCleanCSV(t, read(publish.FileCSV), schema)
			rows := 0
			for _, b := range batches {
				rows += b.Len()
			}
			if int64(rows) != res.RowsOut || rows == 0 {
				t.Errorf("data.csv has %d rows, the run says %d rows out", rows, res.RowsOut)
			}
			files = append(files, convert.InteropFile{Name: d.ID, Schema: schema, Batches: batches, Data: read(publish.FileParquet),
				Meta: func(t *testing.T, meta map[string]string) {
					if meta[convert.MetaDataset] != d.ID {
						t.Errorf("metadata: dataset %q, want %q", meta[convert.MetaDataset], d.ID)
					}
					// CSV and xlsx sources are hashed before the files are
					// written; other kinds (JSON, a database) get their
					// version from a hash of the written files, which
					// therefore cannot name it.
					switch v := meta[convert.MetaVersion]; {
					case v == "" && d.Source.Type != "csv" && d.Source.Type != "xlsx":
						t.Logf("metadata: no version: a %s source is not hashed before the files are written", d.Source.Type)
					case v != res.Version:
						t.Errorf("metadata: version %q, want %q", v, res.Version)
					}
					if meta[convert.MetaSchema] != string(schemaJSON) {
						t.Errorf("metadata: schema\n%s\ndiffers from schema.json\n%s", meta[convert.MetaSchema], schemaJSON)
					}
				}})
		})
		if !ok {
			return
		}
	}
	t.Run("read", func(t *testing.T) { convert.CheckInterop(t, files) })
}

// readCleanCSV parses a published clean CSV (convert.Clean) with the
// published schema: "." decimals without groups, ISO dates, missing values
// as empty fields.
func readCleanCSV(t *testing.T, data []byte, schema *tableschema.Schema) []*table.Batch {
	t.Helper()
	s := *schema
	s.MissingValues = nil
	s.Fields = slices.Clone(s.Fields)
	for i := range s.Fields {
		f := &s.Fields[i]
		f.DecimalChar, f.GroupChar, f.Format = "", "", ""
	}
	var batches []*table.Batch
	err := convert.ReadCSV(context.Background(), bytes.NewReader(data), &s, convert.CSVOptions{Header: true}, func(b *table.Batch) error {
		batches = append(batches, convert.CloneBatch(b))
		return nil
	})
	if err != nil {
		t.Fatalf("data.csv: %v", err)
	}
	return batches
}
