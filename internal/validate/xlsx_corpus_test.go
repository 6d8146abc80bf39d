package validate

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dele-opendata/dele/internal/source/xlsxsrc"
)

// xlsxFiles are the workbooks of testdata/corpus, read with xlsxsrc, with
// what SOURCES.md leads a reader to expect.
var xlsxFiles = []struct {
	path, sheet string
	want        map[string]string
}{
	{path: "kommuner-2019-2020-xlsx/fylker-kommuner-2019-2020-alle.xlsx",
		want: map[string]string{"Kommunenr. 2019": "string", "Fylkesnr. 2019": "string", "Kommunenr. 2020": "string"}},
	{path: "postnummer-endringer-xlsx/Nye, endrede og opphørte postnummer.xlsx",
		want: map[string]string{"Dato_kronlogisk": "date", "Postnummer": "string", "Kommunenr": "string"}},
	{path: "nvdb-kostra-vegnett-xlsx/Kostra 01 - Vegnett hele landet.xlsx", sheet: "Tabell kommuner",
		want: map[string]string{"kommune": "string", "fylke": "string", "E": "integer"}},
	{path: "nvdb-kostra-vegnett-xlsx/Kostra 01 - Vegnett hele landet.xlsx", sheet: "radvis per kommune og vegkat",
		want: map[string]string{"kommune": "string", "lengde": "number"}},
}

// TestInferCorpusXLSX is TestInferCorpus for the workbooks.
func TestInferCorpusXLSX(t *testing.T) {
	for _, f := range xlsxFiles {
		name := strings.Split(f.path, "/")[0]
		if f.sheet != "" {
			name += "-" + strings.ReplaceAll(f.sheet, " ", "-")
		}
		t.Run(name, func(t *testing.T) {
			r, err := xlsxsrc.OpenFile(filepath.Join(corpus, f.path), xlsxsrc.Options{Sheet: f.sheet})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			in := NewInferrer(r.Header(), InferOptions{})
			for {
				rec, err := r.Read()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				in.Add(rec.Fields)
			}
			s := in.Schema()
			got, err := s.MarshalIndent()
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "infer", name+".json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("inferred schema differs from %s (run go test -update and review the diff):\n%s", golden, got)
			}
			for field, w := range f.want {
				fd, ok := s.Field(field)
				if !ok {
					t.Errorf("no field %q in %v", field, s.Names())
					continue
				}
				if d := describe(fd); d != w {
					t.Errorf("field %q inferred as %q, want %q", field, d, w)
				}
			}
		})
	}
}
