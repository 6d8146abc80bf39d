package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/config"
	"github.com/dele-opendata/dele/internal/publish"
	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/internal/store/memstore"
	"gopkg.in/yaml.v3"
)

// fixture is a dataset definition in a temp folder whose source file the
// test can replace between runs.
type fixture struct {
	t   *testing.T
	dir string
	env *Env
	now time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	cfg, err := config.Load("../../dele.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, dir: t.TempDir(), now: time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)}
	f.env = &Env{Public: memstore.New(), Private: memstore.New(), Config: cfg, TempDir: t.TempDir(),
		Getenv: func(string) string { return "" }, Now: func() time.Time { f.now = f.now.Add(time.Second); return f.now }}
	return f
}

// def writes source as the dataset's data.csv and returns the definition,
// changed by mutate.
func (f *fixture) def(source string, mutate func(*datasets.Definition)) *datasets.Definition {
	f.t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", source))
	if err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.dir, "data.csv"), b, 0o644); err != nil {
		f.t.Fatal(err)
	}
	y, err := os.ReadFile("testdata/base.yaml")
	if err != nil {
		f.t.Fatal(err)
	}
	d, err := datasets.Parse(filepath.Join(f.dir, "base.yaml"), y)
	if err != nil {
		f.t.Fatal(err)
	}
	if mutate != nil {
		mutate(d)
	}
	if ps := datasets.Check(d); len(ps) > 0 {
		f.t.Fatalf("test definition invalid: %v", ps)
	}
	return d
}

func (f *fixture) run(d *datasets.Definition) *Result {
	f.t.Helper()
	res := Run(context.Background(), f.env, d)
	if err := Regenerate(context.Background(), f.env, []*datasets.Definition{d}); err != nil {
		f.t.Fatalf("regenerate: %v", err)
	}
	return res
}

// snapshot hashes every object in st, so a test can tell that nothing
// changed, byte for byte.
func snapshot(t *testing.T, st store.Store, prefix string) map[string]string {
	t.Helper()
	m := contents(t, st, prefix)
	for k, v := range m {
		s := sha256.Sum256([]byte(v))
		m[k] = hex.EncodeToString(s[:])
	}
	return m
}

// contents returns every object under prefix in st, keyed by key.
func contents(t *testing.T, st store.Store, prefix string) map[string]string {
	t.Helper()
	objs, err := st.List(context.Background(), prefix)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, o := range objs {
		b, err := store.ReadAll(context.Background(), st, o.Key)
		if err != nil {
			t.Fatal(err)
		}
		m[o.Key] = string(b)
	}
	return m
}

func sameSnapshot(t *testing.T, before, after map[string]string) {
	t.Helper()
	for k, v := range before {
		if after[k] != v {
			t.Errorf("object %s changed or disappeared", k)
		}
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			t.Errorf("new object %s appeared", k)
		}
	}
}

func TestPublishThenUnchanged(t *testing.T) {
	f := newFixture(t)
	d := f.def("clean.csv", nil)
	res := f.run(d)
	if res.Outcome != Published || res.RowsIn != 3 || res.RowsOut != 3 || res.Rejected != 0 {
		t.Fatalf("first run: %+v (%v)", res, res.Err)
	}
	m, err := publish.ReadLatest(context.Background(), f.env.Public, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if m.Version != res.Version || m.Rows != 3 {
		t.Errorf("latest.json = %s with %d rows, want %s with 3", m.Version, m.Rows, res.Version)
	}
	for _, name := range []string{publish.FileParquet, publish.FileCSV, publish.FileSchema, publish.FileReport} {
		fi, ok := m.File(name)
		if !ok {
			t.Fatalf("manifest lacks %s", name)
		}
		b, err := store.ReadAll(context.Background(), f.env.Public, fi.Key)
		if err != nil || int64(len(b)) != fi.Size || sha256Hex(b) != fi.SHA256 {
			t.Errorf("%s: stored object does not match the manifest (size %d vs %d): %v", name, len(b), fi.Size, err)
		}
	}
	csv, _ := m.File(publish.FileCSV)
	b, _ := store.ReadAll(context.Background(), f.env.Public, csv.Key)
	if want := "kommunenummer,navn,innbyggere,andel\n0301,Oslo,709037,12.5\n"; !strings.HasPrefix(string(b), want) {
		t.Errorf("clean CSV starts %q, want %q", b, want)
	}
	before := snapshot(t, f.env.Public, "datasets/")
	again := f.run(d)
	if again.Outcome != Unchanged || again.Version != res.Version {
		t.Errorf("second run: outcome %s version %s, want unchanged %s", again.Outcome, again.Version, res.Version)
	}
	sameSnapshot(t, before, snapshot(t, f.env.Public, "datasets/"))
	runs, err := f.env.Private.List(context.Background(), "runs/"+d.ID+"/")
	if err != nil || len(runs) != 2 {
		t.Errorf("want 2 run records, got %d (%v)", len(runs), err)
	}
}

// TestBrokenSourceKeepsLastVersion: a source that turns into an HTML error
// page fails the run and leaves the published store byte for byte as it was.
func TestBrokenSourceKeepsLastVersion(t *testing.T) {
	f := newFixture(t)
	if res := f.run(f.def("clean.csv", nil)); res.Outcome != Published {
		t.Fatalf("first run: %s %v", res.Outcome, res.Err)
	}
	before := snapshot(t, f.env.Public, "")
	res := f.run(f.def("html.csv", nil))
	if res.Outcome != Failed || !strings.Contains(res.Message, "HTML") {
		t.Errorf("HTML source: outcome %s, message %q; want failed naming HTML", res.Outcome, res.Message)
	}
	after := snapshot(t, f.env.Public, "")
	// Derived documents are regenerated with the same content.
	sameSnapshot(t, before, after)
}

// TestPersonalDataIsHeldBack: personal data in a dataset declared PUBLIC is
// never published, and the message names the column and how to resolve it.
func TestPersonalDataIsHeldBack(t *testing.T) {
	f := newFixture(t)
	res := f.run(f.def("personal.csv", nil))
	if res.Outcome != HeldBack || res.Outcome.OK() {
		t.Fatalf("outcome %s, want held-back", res.Outcome)
	}
	for _, want := range []string{"kommentar", "RESTRICTED"} {
		if !strings.Contains(res.Message, want) {
			t.Errorf("message does not mention %q: %s", want, res.Message)
		}
	}
	objs, err := f.env.Public.List(context.Background(), "datasets/")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if !strings.HasSuffix(o.Key, "index.html") {
			t.Errorf("held-back dataset has a public object %s", o.Key)
		}
	}
}

func TestRestrictedIsMetadataOnly(t *testing.T) {
	f := newFixture(t)
	res := f.run(f.def("clean.csv", func(d *datasets.Definition) { d.Access = datasets.AccessRestricted }))
	if res.Outcome != MetadataOnly || !res.Outcome.OK() {
		t.Fatalf("outcome %s, want metadata-only", res.Outcome)
	}
	if _, err := f.env.Public.Stat(context.Background(), publish.LatestKey("base")); err == nil {
		t.Error("a restricted dataset got a latest.json")
	}
	ttl, err := store.ReadAll(context.Background(), f.env.Public, "catalog.ttl")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ttl), "/datasets/base>") || !strings.Contains(string(ttl), "access-right/RESTRICTED") {
		t.Errorf("restricted dataset not catalogued with its access right")
	}
}

// TestInvalidRowsAreCountedAndQuarantined: every rejected row is counted,
// kept in the private quarantine, and the run fails above the threshold.
func TestInvalidRowsAreCountedAndQuarantined(t *testing.T) {
	f := newFixture(t)
	share := 0.5
	withSchema := func(d *datasets.Definition) {
		d.Validation.MaxInvalidShare = &share
		y := `fields: [{name: kommunenummer, type: string}, {name: navn, type: string}, {name: innbyggere, type: integer}, {name: andel, type: number, decimalChar: ","}]`
		if err := yamlUnmarshal(y, &d.Schema); err != nil {
			t.Fatal(err)
		}
	}
	res := f.run(f.def("invalid.csv", withSchema))
	if res.Outcome != Published || res.RowsIn != 3 || res.RowsOut != 2 || res.Rejected != 1 {
		t.Fatalf("outcome %s rows %d→%d rejected %d (%v)", res.Outcome, res.RowsIn, res.RowsOut, res.Rejected, res.Err)
	}
	q, err := f.env.Private.List(context.Background(), "quarantine/base/")
	if err != nil || len(q) != 1 {
		t.Fatalf("quarantine: %v %v", q, err)
	}
	b, _ := store.ReadAll(context.Background(), f.env.Private, q[0].Key)
	if !strings.Contains(string(b), "type-error") || !strings.Contains(string(b), "mange") {
		t.Errorf("quarantine does not hold the bad row: %s", b)
	}
	m, _ := publish.ReadLatest(context.Background(), f.env.Public, "base")
	rep, _ := m.File(publish.FileReport)
	pub, _ := store.ReadAll(context.Background(), f.env.Public, rep.Key)
	if strings.Contains(string(pub), "mange") {
		t.Error("the public report contains a quarantined value")
	}
	share = 0.2
	res = f.run(f.def("invalid.csv", withSchema))
	if res.Outcome != Failed || !strings.Contains(res.Message, "1 of 3 rows invalid") {
		t.Errorf("above threshold: outcome %s, message %q", res.Outcome, res.Message)
	}
}

// TestDrift: a removed column fails naming it; an added one is published
// and reported.
func TestDrift(t *testing.T) {
	f := newFixture(t)
	if res := f.run(f.def("clean.csv", nil)); res.Outcome != Published {
		t.Fatalf("first run: %v", res.Err)
	}
	res := f.run(f.def("dropped.csv", nil))
	if res.Outcome != Failed || !strings.Contains(res.Message, "navn") {
		t.Errorf("removed column: outcome %s, message %q", res.Outcome, res.Message)
	}
	res = f.run(f.def("added.csv", nil))
	if res.Outcome != Published || res.Report.Drift == nil || !strings.Contains(res.Report.Drift.Message, "fylke") {
		t.Errorf("added column: outcome %s (%v), drift %+v", res.Outcome, res.Err, res.Report.Drift)
	}
}

func yamlUnmarshal(s string, v any) error { return yaml.Unmarshal([]byte(s), v) }
