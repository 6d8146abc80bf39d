package convert

import (
	"testing"

	"github.com/dele-opendata/dele/internal/table"
	"github.com/dele-opendata/dele/internal/tableschema"
)

// This file exports test helpers to the external test package convert_test,
// whose tests run the pipeline (internal/pipeline imports this package).

// InteropFile is a Parquet file and the table it must read back as.
type InteropFile struct {
	Name    string
	Schema  *tableschema.Schema
	Batches []*table.Batch // the expected values; Schema's types
	Data    []byte
	// Meta, when set, checks the key/value metadata.
	Meta func(t *testing.T, meta map[string]string)
}

// CheckInterop reads every file back with Arrow, xitongsys/parquet-go and
// DuckDB and compares row counts, column names, types and values with the
// expected table (see checkInterop).
func CheckInterop(t *testing.T, files []InteropFile) {
	t.Helper()
	var fs []interopFile
	for _, f := range files {
		fs = append(fs, interopFile{tt: testTable{name: f.Name, schema: f.Schema, batches: f.Batches}, data: f.Data, meta: f.Meta})
	}
	checkInterop(t, fs)
}

// CheckSchemaGolden compares ParquetSchema(s) with testdata/schema/<name>.txt.
func CheckSchemaGolden(t *testing.T, name string, s *tableschema.Schema) {
	t.Helper()
	checkSchemaGolden(t, name, s)
}

// CloneBatch copies a batch that ReadCSV will reuse.
func CloneBatch(b *table.Batch) *table.Batch { return cloneBatch(b) }
