package pgsrc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/source"
	"github.com/dele-opendata/dele/internal/testenv"
)

// setup creates a schema of its own with a master-data table of
// Norwegian organisations in the test server started by ./test.sh.
func setup(t *testing.T) string {
	t.Helper()
	url := testenv.Get(t, "DELE_TEST_PG_URL")
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	schema := fmt.Sprintf("pgsrc_%d", os.Getpid())
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), url)
		if err == nil {
			c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			c.Close(context.Background())
		}
	})
	_, err = conn.Exec(ctx, `
DROP SCHEMA IF EXISTS `+schema+` CASCADE;
CREATE SCHEMA `+schema+`;
CREATE TABLE `+schema+`.virksomheter (
	orgnr          char(9) PRIMARY KEY,
	navn           text NOT NULL,
	kommunenummer  varchar(4) NOT NULL,
	postnummer     text,
	ansatte        integer,
	omsetning      numeric(14, 2),
	areal          numeric,
	andel          double precision,
	stiftet        date,
	oppdatert      timestamptz,
	registrert     timestamp,
	aktiv          boolean,
	varighet       interval,
	merknad        text
);
INSERT INTO `+schema+`.virksomheter VALUES
	('964965226', 'Oslo kommune', '0301', '0150', 48000, 1234567890.50, 454.030, 0.1, '1837-01-01',
	 '2024-05-17 10:30:00+02', '2024-05-17 10:30:00.25', true, '1 year 2 mons 3 days 04:05:06', NULL),
	('964338531', 'Bærum kommune', '3024', '1304', NULL, NULL, NULL, 1e-7, NULL, NULL, NULL, false, NULL, 'Æ Ø Å æ ø å'),
	('940192226', 'Tromsø kommune', '5501', '9008', 7, -0.01, 2520.62, 123456789.125, '2020-01-01',
	 '2019-12-31 23:59:59.999999+00', NULL, NULL, '-3 hours', '');
`)
	if err != nil {
		t.Fatal(err)
	}
	return schema
}

func readAll(t *testing.T, r source.Reader) [][]string {
	t.Helper()
	var out [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, append([]string(nil), rec.Fields...))
	}
}

func TestQuery(t *testing.T) {
	schema := setup(t)
	def := &datasets.Definition{ID: "virksomheter", Source: datasets.Source{Type: "postgres", ConnectionEnv: "DELE_TEST_PG_URL",
		Query: "SELECT * FROM " + schema + ".virksomheter ORDER BY orgnr DESC"}}
	r, err := Open(context.Background(), def, Env{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	wantHeader := "orgnr navn kommunenummer postnummer ansatte omsetning areal andel stiftet oppdatert registrert aktiv varighet merknad"
	if got := strings.Join(r.Header(), " "); got != wantHeader {
		t.Errorf("header %q", got)
	}
	got := readAll(t, r)
	want := [][]string{
		{"964965226", "Oslo kommune", "0301", "0150", "48000", "1234567890.50", "454.030", "0.1", "1837-01-01",
			"2024-05-17T08:30:00Z", "2024-05-17T10:30:00.25", "true", "P1Y2M3DT4H5M6S", ""},
		{"964338531", "Bærum kommune", "3024", "1304", "", "", "", "1e-07", "", "", "", "false", "", "Æ Ø Å æ ø å"},
		{"940192226", "Tromsø kommune", "5501", "9008", "7", "-0.01", "2520.62", "123456789.125", "2020-01-01",
			"2019-12-31T23:59:59.999999Z", "", "", "PT-3H", ""},
	}
	if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
		t.Errorf("rows\n got %q\nwant %q", got, want)
	}
	rep := r.Report()
	if rep.Kind != "postgres" || rep.Rows != 3 || rep.Columns != 14 || len(rep.ContentHash) != 64 ||
		!strings.Contains(rep.Detected["columnTypes"], "omsetning:numeric") || strings.Contains(rep.Location, "postgres@") {
		t.Errorf("report %+v", rep)
	}

	// The same data gives the same hash; a change gives another.
	hash := func(q string) string {
		r, err := Open(context.Background(), &datasets.Definition{ID: "h", Source: datasets.Source{ConnectionEnv: "DELE_TEST_PG_URL", Query: q}}, Env{})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		readAll(t, r)
		return r.Report().ContentHash
	}
	q := "SELECT * FROM " + schema + ".virksomheter ORDER BY orgnr DESC"
	if hash(q) != rep.ContentHash || hash(q+" LIMIT 2") == rep.ContentHash {
		t.Error("content hash does not follow the data")
	}
}

func TestStreaming(t *testing.T) {
	url := testenv.Get(t, "DELE_TEST_PG_URL")
	r, err := New(context.Background(), url, "SELECT g AS n, lpad(g::text, 7, '0') AS kode FROM generate_series(1, 300000) g")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	n := 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if rec.Line != int64(n) || rec.Fields[1] != fmt.Sprintf("%07d", n) {
			t.Fatalf("row %d: %q", n, rec.Fields)
		}
	}
	if n != 300000 {
		t.Errorf("%d rows", n)
	}
}

func TestReadOnly(t *testing.T) {
	schema := setup(t)
	url := testenv.Get(t, "DELE_TEST_PG_URL")
	// Whether the server refuses at once or on the first row, the read
	// fails and nothing is deleted.
	r, err := New(context.Background(), url, "DELETE FROM "+schema+".virksomheter RETURNING orgnr")
	if err == nil {
		_, err = r.Read()
		r.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("DELETE: got %v, want a read-only transaction error", err)
	}
	r, err = New(context.Background(), url, "SELECT count(*) FROM "+schema+".virksomheter")
	if err != nil {
		t.Fatal(err)
	}
	if rows := readAll(t, r); rows[0][0] != "3" {
		t.Errorf("%v rows left, want 3", rows)
	}
	r.Close()
	// Two statements are refused by the extended protocol.
	if _, err := New(context.Background(), url, "SELECT 1; SELECT 2"); err == nil {
		t.Error("two statements accepted")
	}
	if _, err := New(context.Background(), url, "SELECT 1 AS a, 2 AS a"); err == nil || !strings.Contains(err.Error(), "alias") {
		t.Errorf("duplicate column: %v", err)
	}
	if _, err := New(context.Background(), url, "SELECT * FROM finnes_ikke"); err == nil || !strings.Contains(err.Error(), "finnes_ikke") {
		t.Errorf("missing table: %v", err)
	}
}

func TestConnString(t *testing.T) {
	ctx := context.Background()
	env := Env{Getenv: func(k string) string {
		if k == "PG_MASTER" {
			return "postgres://u:p@db/master"
		}
		return ""
	}}
	def := func(s datasets.Source) *datasets.Definition { return &datasets.Definition{ID: "d", Source: s} }
	if cs, err := ConnString(ctx, def(datasets.Source{ConnectionEnv: "PG_MASTER"}), env); err != nil || cs != "postgres://u:p@db/master" {
		t.Errorf("env: %q %v", cs, err)
	}
	if _, err := ConnString(ctx, def(datasets.Source{ConnectionEnv: "UNSET"}), env); !errors.Is(err, ErrNoConnection) || !strings.Contains(err.Error(), "UNSET") {
		t.Errorf("unset env: %v", err)
	}
	if _, err := ConnString(ctx, def(datasets.Source{SecretRef: "ssm:/dele/pg"}), env); !errors.Is(err, ErrNoSecretResolver) {
		t.Errorf("secret without resolver: %v", err)
	}
	env.Secrets = func(_ context.Context, ref string) (string, error) { return "postgres://from/" + ref, nil }
	if cs, err := ConnString(ctx, def(datasets.Source{SecretRef: "secretsmanager:dele-pg"}), env); err != nil || cs != "postgres://from/secretsmanager:dele-pg" {
		t.Errorf("secret: %q %v", cs, err)
	}
	if _, err := ConnString(ctx, def(datasets.Source{SecretRef: "vault:x"}), env); err == nil {
		t.Error("unknown secret kind accepted")
	}
	if _, err := ConnString(ctx, def(datasets.Source{URL: "postgres://u:p@db/x", ConnectionEnv: "PG_MASTER"}), env); err == nil {
		t.Error("connection string in the definition accepted")
	}
	if _, err := New(ctx, "postgres://u:hemmelig@db:notaport/x", "SELECT 1"); err == nil || strings.Contains(err.Error(), "hemmelig") {
		t.Errorf("bad connection string: %v", err)
	}
}
