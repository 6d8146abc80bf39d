package clienttest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/internal/testenv"
	"github.com/dele-opendata/dele/openapi"
	"github.com/dele-opendata/dele/openapi/internal/apitest"
)

// TestClientUpToDate regenerates the client from the golden document and
// compares it with the committed client.gen.go.
func TestClientUpToDate(t *testing.T) {
	out := filepath.Join(t.TempDir(), "client.gen.go")
	cmd := exec.Command("go", "tool", "oapi-codegen", "-generate", "types,client", "-package", "clienttest", "-o", out, "../testdata/openapi.json")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("oapi-codegen: %v\n%s", err, b)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("client.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("client.gen.go is out of date: run go generate in openapi/clienttest")
	}
}

const (
	fixtureRows  = 2500
	fixtureGroup = 300
)

// server starts the API over the fixture and checks that the document it
// serves is the golden one the client was generated from.
func server(t *testing.T) (*ClientWithResponses, string) {
	t.Helper()
	ctx := context.Background()
	st, defs, err := apitest.Fixture(ctx, fixtureRows, fixtureGroup)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	h, err := openapi.NewHandler(ctx, openapi.Options{Config: apitest.Config("http://" + srv.Listener.Addr().String()),
		Definitions: defs, Store: st, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h
	srv.Start()
	t.Cleanup(srv.Close)

	doc, err := h.Document(ctx)
	if err != nil {
		t.Fatal(err)
	}
	served := *doc
	served.Servers = nil
	golden, err := os.ReadFile("../testdata/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var g map[string]any
	if err := json.Unmarshal(golden, &g); err != nil {
		t.Fatal(err)
	}
	delete(g, "servers")
	a, _ := json.Marshal(&served)
	b, _ := json.Marshal(g)
	var an, bn any
	_ = json.Unmarshal(a, &an)
	_ = json.Unmarshal(b, &bn)
	if fmt.Sprint(an) != fmt.Sprint(bn) {
		t.Fatal("the served document is not the golden document the client was generated from")
	}

	// The Parquet file DuckDB reads: the very object the API serves.
	pq, err := store.ReadAll(ctx, st, "datasets/tilskudd/versions/v2/data.parquet")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "data.parquet")
	if err := os.WriteFile(file, pq, 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := NewClientWithResponses(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return c, file
}

// row is a row normalised for comparison.
type row struct {
	ID            float64  `json:"id"`
	Kommunenummer *string  `json:"kommunenummer"`
	Mottaker      *string  `json:"mottaker"`
	Belop         *float64 `json:"belop"`
	Vedtatt       *string  `json:"vedtatt"`
	Registrert    *string  `json:"registrert"` // µs since the epoch
	Aktiv         *bool    `json:"aktiv"`
	Aar           *float64 `json:"aar"`
}

func (r row) String() string {
	b, _ := json.Marshal(r)
	return string(b)
}

func fromAPI(t *testing.T, r TilskuddRow) row {
	t.Helper()
	if r.Id == nil {
		t.Fatal("row without id")
	}
	out := row{ID: float64(*r.Id), Kommunenummer: r.Kommunenummer, Mottaker: r.Mottaker, Belop: r.Belop, Aktiv: r.Aktiv}
	if r.Vedtatt != nil {
		s := r.Vedtatt.Format(time.DateOnly)
		out.Vedtatt = &s
	}
	if r.Registrert != nil {
		s := strconv.FormatInt(r.Registrert.UnixMicro(), 10)
		out.Registrert = &s
	}
	if r.Aar != nil {
		f := float64(*r.Aar)
		out.Aar = &f
	}
	return out
}

// duckdb returns the rows DuckDB gives for where and orderBy on file.
func duckdb(t *testing.T, file, where, orderBy string) []row {
	t.Helper()
	node := testenv.NodeDir(t)
	script, err := filepath.Abs(filepath.Join("testdata", "duckdb_rows.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", script, file, where, orderBy)
	cmd.Dir = node
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("duckdb: %v\n%s", err, stderr.Bytes())
	}
	var rows []row
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r row
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("duckdb row %s: %v", sc.Bytes(), err)
		}
		rows = append(rows, r)
	}
	return rows
}

// pageAll pages through a query with the generated client.
func pageAll(t *testing.T, c *ClientWithResponses, p GetTilskuddRowsParams) (rows []row, pages int) {
	t.Helper()
	ctx := context.Background()
	for {
		res, err := c.GetTilskuddRowsWithResponse(ctx, &p)
		if err != nil {
			t.Fatal(err)
		}
		if res.JSON200 == nil {
			t.Fatalf("status %d: %s", res.StatusCode(), res.Body)
		}
		pages++
		for _, r := range res.JSON200.Rows {
			rows = append(rows, fromAPI(t, r))
		}
		if res.JSON200.NextCursor == nil {
			return rows, pages
		}
		p.Cursor = res.JSON200.NextCursor
		if pages > 1000 {
			t.Fatal("paging does not end")
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestGeneratedClient(t *testing.T) {
	c, file := server(t)
	ctx := context.Background()

	t.Run("list datasets", func(t *testing.T) {
		res, err := c.ListDatasetsWithResponse(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res.JSON200 == nil || len(res.JSON200.Datasets) != 2 {
			t.Fatalf("status %d: %s", res.StatusCode(), res.Body)
		}
		d := res.JSON200.Datasets[1]
		if d.Id != "tilskudd" || d.Rows == nil || *d.Rows != fixtureRows || d.Links.Rows == nil {
			t.Errorf("tilskudd summary %+v", d)
		}
		if k := res.JSON200.Datasets[0]; k.Id != "klienter" || k.Links.Rows != nil {
			t.Errorf("restricted dataset %+v has a rows link", k)
		}
		one, err := c.GetDatasetWithResponse(ctx, "tilskudd")
		if err != nil || one.JSON200 == nil || one.JSON200.Schema == nil || len(one.JSON200.Schema.Fields) != 8 {
			t.Fatalf("get dataset: %v %s", err, one.Body)
		}
		missing, err := c.GetDatasetWithResponse(ctx, "finnes-ikke")
		if err != nil || missing.ApplicationproblemJSON404 == nil {
			t.Fatalf("unknown dataset: %v %d %s", err, missing.StatusCode(), missing.Body)
		}
	})

	tests := []struct {
		name     string
		params   GetTilskuddRowsParams
		where    string
		orderBy  string
		minPages int
	}{
		{"every row", GetTilskuddRowsParams{Limit: ptr(Limit(400))}, "", "", 7},
		{"filtered and sorted", GetTilskuddRowsParams{
			KommunenummerIn: &[]string{"0301", "1103"}, BelopGte: ptr(0.0),
			VedtattLt: &openapi_types.Date{Time: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)},
			Sort:      &[]GetTilskuddRowsParamsSort{"-belop"}, Limit: ptr(Limit(50)),
		}, "kommunenummer IN ('0301', '1103') AND belop >= 0 AND vedtatt < DATE '2023-01-01'", "belop DESC NULLS LAST", 3},
		{"text prefix, boolean, year range", GetTilskuddRowsParams{
			MottakerPrefix: ptr("Korpset"), Aktiv: ptr(true), AarGte: ptr(int64(2017)), AarLte: ptr(int64(2021)),
			Sort: &[]GetTilskuddRowsParamsSort{"aar", "-registrert"}, Limit: ptr(Limit(20)),
		}, "starts_with(mottaker, 'Korpset') AND aktiv AND aar BETWEEN 2017 AND 2021", "aar ASC NULLS LAST, registrert DESC NULLS LAST", 2},
		{"datetime range sorted on a column with nulls", GetTilskuddRowsParams{
			RegistrertGte: ptr(time.Date(2021, 3, 20, 0, 0, 0, 0, time.UTC)), MottakerContains: ptr("Ø"),
			Sort: &[]GetTilskuddRowsParamsSort{"kommunenummer"}, Limit: ptr(Limit(30)),
		}, "registrert >= TIMESTAMPTZ '2021-03-20 00:00:00+00' AND contains(mottaker, 'Ø')", "kommunenummer ASC NULLS LAST", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, pages := pageAll(t, c, tc.params)
			want := duckdb(t, file, tc.where, tc.orderBy)
			if len(want) == 0 {
				t.Fatal("DuckDB returns no rows: the case tests nothing")
			}
			if pages < tc.minPages {
				t.Errorf("%d pages, want at least %d", pages, tc.minPages)
			}
			if len(got) != len(want) {
				t.Fatalf("API returned %d rows in %d pages, DuckDB %d", len(got), pages, len(want))
			}
			for i := range want {
				if got[i].String() != want[i].String() {
					t.Fatalf("row %d:\n api    %s\n duckdb %s", i, got[i], want[i])
				}
			}
			t.Logf("%d rows in %d pages equal DuckDB's", len(got), pages)
		})
	}

	t.Run("bad filter is a problem naming the parameter", func(t *testing.T) {
		res, err := c.GetTilskuddRowsWithResponse(ctx, &GetTilskuddRowsParams{Limit: ptr(Limit(20000))})
		if err != nil {
			t.Fatal(err)
		}
		if res.ApplicationproblemJSON400 == nil || res.ApplicationproblemJSON400.Parameter == nil || *res.ApplicationproblemJSON400.Parameter != "limit" {
			t.Fatalf("status %d: %s", res.StatusCode(), res.Body)
		}
	})
}
