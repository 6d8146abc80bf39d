package convert

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/dele-opendata/dele/internal/source"
	"github.com/dele-opendata/dele/internal/source/csvsrc"
	"github.com/dele-opendata/dele/internal/source/jsonsrc"
	"github.com/dele-opendata/dele/internal/source/xlsxsrc"
	"github.com/dele-opendata/dele/internal/table"
	"github.com/dele-opendata/dele/internal/tableschema"
	"github.com/dele-opendata/dele/internal/validate"
)

// corpusDir is the real-data corpus (testdata/corpus/SOURCES.md).
const corpusDir = "../../testdata/corpus"

// corpusNotTables are the corpus files that hold no table, and why.
var corpusNotTables = map[string]string{
	"README.md":  "describes the corpus; not a data file",
	"SOURCES.md": "records each file's origin and hard cases; not a data file",
}

// corpusNoValidRows are the corpus tables in which validation rejects
// every row, and why: their Parquet files have no rows.
var corpusNoValidRows = map[string]string{
	"ssb-klass-kommuner-2020": "the header has 8 columns and every row 6 cells (SOURCES.md, file 15)",
}

// corpusJSON gives the records path of the corpus's JSON files, as a
// definition's source.recordsPath would.
var corpusJSON = map[string]string{
	"brreg-enheter-asa-page/search_asa_5.json": "_embedded.enheter",
}

// corpusSheetOptions are xlsxsrc options for sheets that need more than
// the sheet name: the NVDB workbook's Metadata sheet is key/value pairs
// with no header row (as in xlsxsrc's TestCorpus).
var corpusSheetOptions = map[string]xlsxsrc.Options{
	"nvdb-kostra-vegnett-xlsx/Kostra 01 - Vegnett hele landet.xlsx#Metadata": {NoHeader: true, Columns: []string{"key", "value"}},
}

// corpusTable is one table of the corpus: a text file, a JSON file or a
// worksheet of a workbook.
type corpusTable struct {
	name string
	open func(t *testing.T) source.Reader
}

// corpusTables lists every table of the corpus. A file the test does not
// know how to read fails the test, so a new corpus file is not silently
// left out.
func corpusTables(t *testing.T) []corpusTable {
	t.Helper()
	var tables []corpusTable
	err := filepath.WalkDir(corpusDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel := filepath.ToSlash(strings.TrimPrefix(p, corpusDir+string(filepath.Separator)))
		name := path.Dir(rel)
		if reason, ok := corpusNotTables[rel]; ok {
			t.Logf("skipping %s: %s", rel, reason)
			return nil
		}
		switch ext := strings.ToLower(path.Ext(rel)); {
		case ext == ".csv" || ext == ".txt":
			tables = append(tables, corpusTable{name: name, open: func(t *testing.T) source.Reader {
				f, err := os.Open(p)
				if err != nil {
					t.Fatal(err)
				}
				r, err := csvsrc.Open(f, csvsrc.Options{Location: rel})
				if err != nil {
					f.Close()
					t.Fatal(err)
				}
				return r // closes f
			}})
		case ext == ".json" && corpusJSON[rel] != "":
			tables = append(tables, corpusTable{name: name, open: func(t *testing.T) source.Reader {
				r, err := jsonsrc.New(context.Background(), jsonsrc.Options{Path: p, RecordsPath: corpusJSON[rel]})
				if err != nil {
					t.Fatal(err)
				}
				return r
			}})
		case ext == ".xlsx":
			wb, err := excelize.OpenFile(p)
			if err != nil {
				return err
			}
			sheets := wb.GetSheetList()
			wb.Close()
			for _, sheet := range sheets {
				o := corpusSheetOptions[rel+"#"+sheet]
				o.Sheet = sheet
				tables = append(tables, corpusTable{name: name + "#" + strings.ReplaceAll(sheet, " ", "-"), open: func(t *testing.T) source.Reader {
					r, err := xlsxsrc.OpenFile(p, o)
					if err != nil {
						t.Fatal(err)
					}
					return r
				}})
			}
		default:
			t.Errorf("corpus file %s: the test has no reader for it; add one, or list it in corpusNotTables with the reason", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return tables
}

// TestParquetInteropCorpus converts every table of the real-data corpus as
// a run of a definition without a schema does — infer the schema from all
// rows, validate with the source's missing-value markers, write the valid
// rows with a ParquetWriter — and reads each file back with Arrow,
// xitongsys/parquet-go and DuckDB (see checkInterop).
func TestParquetInteropCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("converts the whole corpus")
	}
	tables := corpusTables(t)
	files := make([]interopFile, len(tables))
	ok := t.Run("convert", func(t *testing.T) {
		for i, ct := range tables {
			t.Run(ct.name, func(t *testing.T) {
				t.Parallel()
				tt, data := convertCorpusTable(t, ct)
				files[i] = interopFile{tt: tt, data: data, meta: func(t *testing.T, meta map[string]string) {
					if meta[MetaDataset] != "corpus-"+ct.name {
						t.Errorf("metadata: dataset %q", meta[MetaDataset])
					}
					s, err := tableschema.Parse([]byte(meta[MetaSchema]))
					if err != nil {
						t.Fatalf("metadata: schema: %v", err)
					}
					if got, want := strings.Join(s.Names(), "|"), strings.Join(tt.schema.Names(), "|"); got != want {
						t.Errorf("metadata: schema fields %s, want %s", got, want)
					}
				}}
			})
		}
	})
	if !ok {
		return
	}
	t.Run("read", func(t *testing.T) { checkInterop(t, files) })
}

// convertCorpusTable infers, validates and writes one corpus table, and
// returns the valid rows and the Parquet file. Like a run, it infers the
// schema from every row and validates with the missing-value markers the
// reader reports when it opens the source; it reads the source once and
// keeps the records, where a run reads it twice.
func convertCorpusTable(t *testing.T, ct corpusTable) (testTable, []byte) {
	r := ct.open(t)
	header, rep := slices.Clone(r.Header()), r.Report()
	var records []source.Record
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		records = append(records, source.Record{Line: rec.Line, Fields: slices.Clone(rec.Fields)})
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	in := validate.NewInferrer(header, validate.InferOptions{MissingValues: rep.MissingValues})
	for _, rec := range records {
		in.Add(rec.Fields)
	}
	schema := in.Schema()
	if len(schema.MissingValues) == 0 && len(rep.MissingValues) > 0 {
		s := *schema
		s.MissingValues = rep.MissingValues
		schema = &s
	}
	v, err := validate.New(schema, header, validate.Options{Dataset: ct.name})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, err := NewParquetWriter(&buf, schema, Metadata{DatasetID: "corpus-" + ct.name, Version: "2026-11-25T00:00:00Z"})
	if err != nil {
		t.Fatal(err)
	}
	tt := testTable{name: ct.name, schema: schema}
	const batchRows = 4096
	b := table.NewBatch(schema, batchRows)
	for _, rec := range records {
		v.Row(rec, b)
		if b.Len() >= batchRows {
			if err := w.Write(b); err != nil {
				t.Fatal(err)
			}
			tt.batches = append(tt.batches, b)
			b = table.NewBatch(schema, batchRows)
		}
	}
	if b.Len() > 0 {
		if err := w.Write(b); err != nil {
			t.Fatal(err)
		}
		tt.batches = append(tt.batches, b)
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	vrep := v.Report()
	if vrep.Rows != int64(len(records)) || vrep.Valid != int64(tt.rowCount()) || w.Rows() != vrep.Valid {
		t.Errorf("validated %d of %d records, %d valid; %d in the batches, %d written", vrep.Rows, len(records), vrep.Valid, tt.rowCount(), w.Rows())
	}
	if reason, ok := corpusNoValidRows[ct.name]; ok {
		if vrep.Valid != 0 {
			t.Errorf("%d valid rows, want none: %s", vrep.Valid, reason)
		}
	} else if vrep.Valid == 0 {
		t.Errorf("no valid rows (%d invalid: %v)", vrep.Invalid, vrep.Reasons)
	}
	t.Logf("%d columns, %d rows read, %d valid, %d invalid; %d bytes of Parquet", len(schema.Fields), len(records), vrep.Valid, vrep.Invalid, buf.Len())
	return tt, buf.Bytes()
}
