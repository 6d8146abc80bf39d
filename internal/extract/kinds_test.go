package extract

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/source/pgsrc"
)

// TestOpenKinds opens one source of each non-CSV kind through Open.
func TestOpenKinds(t *testing.T) {
	xlsx := "kommuner-2019-2020-xlsx/fylker-kommuner-2019-2020-alle.xlsx"
	body, err := os.ReadFile(filepath.Join(corpus, xlsx))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("xlsx local", func(t *testing.T) {
		r, err := Open(context.Background(), def(corpus, datasets.Source{Type: "xlsx", Path: xlsx}), testEnv(t))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		recs, rep := drain(t, r)
		if len(recs) != 425 || recs[0][2] != "0101" || rep.ContentHash != sha(body) || rep.Kind != "xlsx" {
			t.Errorf("%d records, first %q, report %+v", len(recs), recs[0], rep)
		}
	})
	t.Run("xlsx download", func(t *testing.T) {
		srv, _ := server(t, body, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", true)
		env := testEnv(t)
		r, err := Open(context.Background(), def("", datasets.Source{Type: "xlsx", URL: srv.URL + "/endringer.xlsx"}), env)
		if err != nil {
			t.Fatal(err)
		}
		recs, rep := drain(t, r)
		r.Close()
		if len(recs) != 425 || rep.ETag == "" || rep.ContentHash != sha(body) {
			t.Errorf("%d records, report %+v", len(recs), rep)
		}
		if left, _ := os.ReadDir(env.TempDir); len(left) != 0 {
			t.Errorf("download left behind: %v", left)
		}
		env.Previous = StateOf(rep)
		if _, err := Open(context.Background(), def("", datasets.Source{Type: "xlsx", URL: srv.URL + "/endringer.xlsx"}), env); !errors.Is(err, ErrNotModified) {
			t.Errorf("unchanged: %v, want ErrNotModified", err)
		}
	})
	t.Run("json outside roots", func(t *testing.T) {
		_, err := Open(context.Background(), def(corpus, datasets.Source{Type: "json", Path: "../../go.mod"}), testEnv(t))
		if !errors.Is(err, ErrOutsideRoots) {
			t.Errorf("got %v, want ErrOutsideRoots", err)
		}
	})
	t.Run("json recorded brreg page", func(t *testing.T) {
		// The recorded search page read as a local JSON file.
		d := def(corpus, datasets.Source{Type: "json", Path: "brreg-enheter-asa-page/search_asa_5.json", RecordsPath: "_embedded.enheter"})
		r, err := Open(context.Background(), d, testEnv(t))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		recs, rep := drain(t, r)
		if len(recs) != 5 || rep.Kind != "json" || recs[0][0] != "883603362" {
			t.Errorf("%d records, first %q", len(recs), recs[0])
		}
	})
	t.Run("postgres secret locally", func(t *testing.T) {
		_, err := Open(context.Background(), def("", datasets.Source{Type: "postgres", SecretRef: "ssm:/dele/pg", Query: "SELECT 1"}), testEnv(t))
		if !errors.Is(err, pgsrc.ErrNoSecretResolver) || !strings.Contains(err.Error(), "connectionEnv") {
			t.Errorf("got %v", err)
		}
	})
}

// TestExampleDatasetsOtherKinds opens the example definitions of the file
// kinds other than csv (xlsx, json, brreg from a local bulk file) as the
// pipeline will; network and database sources are tested in their packages.
func TestExampleDatasetsOtherKinds(t *testing.T) {
	defs, err := datasets.Load("../../datasets")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range defs {
		if d.Source.Type == "csv" || d.Source.Type == "postgres" || d.Source.Path == "" {
			continue
		}
		n++
		t.Run(d.ID, func(t *testing.T) {
			r, err := Open(context.Background(), d, testEnv(t))
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			header := append([]string(nil), r.Header()...)
			recs, rep := drain(t, r)
			if len(recs) == 0 || rep.Rows != int64(len(recs)) || rep.SkippedCount != 0 || rep.Kind != d.Source.Type {
				t.Errorf("%d records, report %+v", len(recs), rep)
			}
			if d.Schema != nil && len(d.Schema.Fields) != len(header) {
				t.Errorf("header %q has %d columns, the schema %d", header, len(header), len(d.Schema.Fields))
			}
		})
	}
	if n == 0 {
		t.Fatal("no xlsx or json example datasets found")
	}
}
