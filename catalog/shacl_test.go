package catalog

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/config"
	"github.com/dele-opendata/dele/internal/publish"
)

// TestShapesAreOfficialCopies checks the copied shapes and examples against
// the sha256 sums in shapes/SOURCE.md, and that the binary embeds that very
// shapes file.
func TestShapesAreOfficialCopies(t *testing.T) {
	want := map[string]string{
		"shapes/DCAT-AP-NO-shacl_shapes_2.00.ttl":                      "230384590db1c38b7736e099f3a15c17fdd96d0f199e675a16a2fbc898a272ac",
		"shapes/ontologies.ttl":                                        "5c257102926b032fc4cf82e917156ca382e7a1b66a39c323525a639bb732d580",
		"testdata/shapes/examples/DCAT-AP-NO2.0-examples.ttl":          "e04ece30595fdb061c7f1921a7d50343fe28883ffb77fdcb02f6d58abc09c27b",
		"testdata/shapes/examples/valid_catalog.ttl":                   "82584ee8e1fcc4345887e59d68d988f6f287462d7341e9cc4cf815fdd87adeae",
		"testdata/shapes/examples/valid_catalog_with_distribution.ttl": "4cd27e0809f9202cc15dfec17f983ede6d275f534f654766662fc7b22e61b961",
		"testdata/shapes/examples/invalid_catalog.ttl":                 "85c38d013eb19ca1f92ccc9edf35a25a7814140b4afffda4f7f81a2a2cd016e6",
	}
	if h := sha256.Sum256(shapesTTL); hex.EncodeToString(h[:]) != want[ShapesFile] {
		t.Errorf("the embedded shapes are not the official file")
	}
	source, err := os.ReadFile("shapes/SOURCE.md")
	if err != nil {
		t.Fatal(err)
	}
	for f, sum := range want {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256(b)
		if got := hex.EncodeToString(h[:]); got != sum {
			t.Errorf("%s: sha256 %s, want the official %s", f, got, sum)
		}
		if !strings.Contains(string(source), sum) {
			t.Errorf("SOURCE.md does not name %s's sha256", f)
		}
	}
}

// shaclCase is one data graph to validate against the official shapes.
type shaclCase struct {
	name string
	// files are the data files (catalog plus vocabularies).
	files []string
	check func(t *testing.T, r shaclReport)
}

// TestSHACL validates, in one run of the SHACL engine, the official
// examples (a sanity check of the harness), the generated test catalog, the
// catalog of the repository's example datasets, and catalogs broken on
// purpose.
func TestSHACL(t *testing.T) {
	dir := t.TempDir()
	var cases []shaclCase
	add := func(name string, c *Catalog, vocab bool, check func(t *testing.T, r shaclReport)) {
		f := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".ttl")
		writeFile(t, f, c, FormatTurtle)
		files := []string{f}
		if vocab {
			files = append(files, vocabFiles...)
		}
		cases = append(cases, shaclCase{name, files, check})
	}
	build := func(opts ...Options) *Catalog {
		c, err := Build(testConfig(), testEntries(), opts...)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	// The harness: the official example catalog has no violations, the
	// validator service's invalid catalog exactly two (missing description
	// and theme). valid_catalog_with_distribution.ttl uses the licence
	// CNRI_PYTHON, checked against the EU licence vocabulary that the real
	// validator loads and these tests do not, hence one violation.
	for _, tc := range []struct {
		file  string
		paths []string
	}{
		{"DCAT-AP-NO2.0-examples.ttl", nil},
		{"valid_catalog.ttl", nil},
		{"valid_catalog_with_distribution.ttl", []string{DCT + "license"}},
		{"invalid_catalog.ttl", []string{DCT + "description", DCAT + "theme"}},
	} {
		cases = append(cases, shaclCase{"official " + tc.file, []string{"testdata/shapes/examples/" + tc.file}, func(t *testing.T, r shaclReport) {
			v := r.bySeverity(shViolation)
			if len(v) != len(tc.paths) {
				t.Fatalf("%d violations, want %d: %+v", len(v), len(tc.paths), v)
			}
			for i, p := range tc.paths {
				if v[i].Path != p {
					t.Errorf("violation %d on %s, want %s", i, v[i].Path, p)
				}
			}
		}})
	}

	// The generated test catalog: zero violations, and no warnings except
	// the documented one for Geonorge dct:spatial values (see
	// vocab/SOURCE.md): the catalog and its five datasets.
	add("generated", build(), true, func(t *testing.T, r shaclReport) {
		onlySpatialWarnings(t, r, 6)
	})

	// The repository's example installation and definitions.
	cfg, entries := exampleEntries(t)
	examples, err := Build(cfg, entries)
	if err != nil {
		t.Fatal(err)
	}
	add("examples", examples, true, func(t *testing.T, r shaclReport) {
		onlySpatialWarnings(t, r, -1)
	})

	// Without the vocabulary triples the controlled values have no
	// skos:inScheme and the shapes complain: the vocabulary check is live.
	add("no vocabularies", build(), false, func(t *testing.T, r shaclReport) {
		paths := map[string]bool{}
		for _, v := range r.bySeverity(shViolation) {
			paths[v.Path] = true
		}
		for _, p := range []string{DCT + "accessRights", DCT + "accrualPeriodicity", DCT + "language", DCT + "format", DCT + "license"} {
			if !paths[p] {
				t.Errorf("no violation for %s without its vocabulary; got %v", p, paths)
			}
		}
	})

	// Why SHA-256 checksums are off by default: the v2 shapes accept only
	// spdx:checksumAlgorithm_sha1, so each SHA-256 checksum is a violation
	// (valglokaler: parquet, csv; barnehager: parquet, csv, csv-nb).
	add("sha256", build(Options{SHA256Checksums: true}), true, func(t *testing.T, r shaclReport) {
		v := r.bySeverity(shViolation)
		if len(v) != 5 {
			t.Fatalf("%d violations, want 5: %+v", len(v), v)
		}
		for _, x := range v {
			if x.Path != SPDX+"algorithm" {
				t.Errorf("violation on %s, want spdx:algorithm: %+v", x.Path, x)
			}
		}
	})

	// Removing a mandatory property of a dataset: the shapes report a
	// violation of that property on that dataset.
	ds := IRI(DatasetIRI(testConfig().BaseURL, "valglokaler"))
	for _, pred := range []string{DCT + "publisher", DCT + "title", DCT + "description", DCAT + "theme", DCT + "identifier"} {
		c := build()
		if n := c.Graph.Remove(ds, IRI(pred), Term{}); n == 0 {
			t.Fatalf("the dataset has no %s", pred)
		}
		add("without "+short(pred), c, true, func(t *testing.T, r shaclReport) {
			for _, v := range r.bySeverity(shViolation) {
				if v.FocusNode == ds.Value && v.Path == pred {
					return
				}
			}
			t.Errorf("no violation of %s on %s: %+v", pred, ds.Value, r.Results)
		})
	}

	batch := map[string][]string{}
	for _, c := range cases {
		var files []string
		for _, f := range c.files {
			files = append(files, abs(t, f))
		}
		batch[c.name] = files
	}
	reports := validateBatch(t, batch)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, ok := reports[c.name]
			if !ok {
				t.Fatal("no report")
			}
			c.check(t, r)
		})
	}
}

// onlySpatialWarnings requires zero violations and no results but the
// Geonorge dct:spatial warnings; n is their expected number, or -1 for any.
func onlySpatialWarnings(t *testing.T, r shaclReport, n int) {
	t.Helper()
	if v := r.bySeverity(shViolation); len(v) != 0 {
		t.Fatalf("%d violations, want 0: %+v", len(v), v)
	}
	for _, w := range r.Results {
		if w.Severity != shWarning || w.Path != DCT+"spatial" || !strings.HasPrefix(w.Value, "https://data.geonorge.no/administrativeEnheter/") {
			t.Errorf("unexpected result: %+v", w)
		}
	}
	if n >= 0 && len(r.Results) != n {
		t.Errorf("%d warnings, want %d (dct:spatial): %+v", len(r.Results), n, r.Results)
	}
}

// TestCheckMissingMandatory removes one mandatory property of a dataset;
// Check must name it as "dataset valglokaler: missing <property>". The
// contact point is mandatory here though the v2 shapes only check its
// class.
func TestCheckMissingMandatory(t *testing.T) {
	ds := IRI(DatasetIRI(testConfig().BaseURL, "valglokaler"))
	for _, pred := range []string{DCT + "publisher", DCT + "title", DCT + "description", DCAT + "theme", DCT + "identifier", DCAT + "contactPoint"} {
		c, err := Build(testConfig(), testEntries())
		if err != nil {
			t.Fatal(err)
		}
		c.Graph.Remove(ds, IRI(pred), Term{})
		var ttl bytes.Buffer
		if err := c.Turtle(&ttl); err != nil {
			t.Fatal(err)
		}
		vs, err := Check(ttl.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		want := "dataset valglokaler: missing " + short(pred)
		found := false
		for _, v := range vs {
			found = found || v.String() == want
		}
		if !found {
			t.Errorf("Check: no %q in %v", want, vs)
		}
	}
}

// exampleEntries loads the repository's example installation (dele.yaml)
// and dataset definitions, each public one with a synthetic published
// version.
func exampleEntries(t testing.TB) (*config.Config, []Entry) {
	t.Helper()
	cfg, err := config.Load("../dele.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defs, err := datasets.Load("../datasets")
	if err != nil {
		t.Fatal(err)
	}
	if len(defs) == 0 {
		t.Fatal("no example definitions in ../datasets")
	}
	var entries []Entry
	for _, d := range defs {
		e := Entry{Def: d}
		if d.Access == datasets.AccessPublic {
			v := "1-20261125T000000Z-00000000"
			e.Latest = &publish.Manifest{
				Dataset: d.ID, Version: v, RunID: "r-1", Access: d.Access,
				Published: ts("2026-11-25T00:00:00Z"), Issued: ts("2026-11-01T00:00:00Z"),
				Files: files(d.ID, v, publish.FileParquet, publish.FileCSV, publish.FileSchema),
			}
		}
		entries = append(entries, e)
	}
	return cfg, entries
}

// TestCheckExampleDatasets runs Check over the example datasets' catalog.
func TestCheckExampleDatasets(t *testing.T) {
	cfg, entries := exampleEntries(t)
	c, err := Build(cfg, entries)
	if err != nil {
		t.Fatal(err)
	}
	var ttl bytes.Buffer
	if err := c.Turtle(&ttl); err != nil {
		t.Fatal(err)
	}
	vs, err := Check(ttl.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		// The documented Geonorge dct:spatial warnings (vocab/SOURCE.md).
		if v.Severity != SeverityWarning || v.Property != "dct:spatial" {
			t.Errorf("Check: %v", v)
		}
	}
}
