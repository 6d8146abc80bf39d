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
// the sha256 sums in testdata/shapes/SOURCE.md.
func TestShapesAreOfficialCopies(t *testing.T) {
	want := map[string]string{
		"DCAT-AP-NO-shacl_shapes_2.00.ttl":             "230384590db1c38b7736e099f3a15c17fdd96d0f199e675a16a2fbc898a272ac",
		"ontologies.ttl":                               "5c257102926b032fc4cf82e917156ca382e7a1b66a39c323525a639bb732d580",
		"examples/DCAT-AP-NO2.0-examples.ttl":          "e04ece30595fdb061c7f1921a7d50343fe28883ffb77fdcb02f6d58abc09c27b",
		"examples/valid_catalog.ttl":                   "82584ee8e1fcc4345887e59d68d988f6f287462d7341e9cc4cf815fdd87adeae",
		"examples/valid_catalog_with_distribution.ttl": "4cd27e0809f9202cc15dfec17f983ede6d275f534f654766662fc7b22e61b961",
		"examples/invalid_catalog.ttl":                 "85c38d013eb19ca1f92ccc9edf35a25a7814140b4afffda4f7f81a2a2cd016e6",
	}
	source, err := os.ReadFile("testdata/shapes/SOURCE.md")
	if err != nil {
		t.Fatal(err)
	}
	for f, sum := range want {
		b, err := os.ReadFile(filepath.Join("testdata/shapes", f))
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

// TestSHACLHarness checks the harness against the official examples: the
// example catalog has no violations, the validator service's invalid
// catalog has exactly two (missing description and theme).
func TestSHACLHarness(t *testing.T) {
	for _, tc := range []struct {
		file       string
		violations int
		paths      []string
	}{
		{"testdata/shapes/examples/DCAT-AP-NO2.0-examples.ttl", 0, nil},
		{"testdata/shapes/examples/valid_catalog.ttl", 0, nil},
		// Its CNRI_PYTHON licence is checked against the EU licence
		// vocabulary, which the real validator loads and this test does not.
		{"testdata/shapes/examples/valid_catalog_with_distribution.ttl", 1, []string{DCT + "license"}},
		{"testdata/shapes/examples/invalid_catalog.ttl", 2, []string{DCT + "description", DCAT + "theme"}},
	} {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			r := validate(t, tc.file)
			v := r.bySeverity(shViolation)
			if len(v) != tc.violations {
				t.Fatalf("%d violations, want %d: %+v", len(v), tc.violations, v)
			}
			for i, p := range tc.paths {
				if v[i].Path != p {
					t.Errorf("violation %d on %s, want %s", i, v[i].Path, p)
				}
			}
		})
	}
}

// TestSHACLGeneratedCatalog validates the test catalog against the official
// DCAT-AP-NO 2 shapes: zero violations, and no warnings except the
// documented one for Geonorge dct:spatial values (see
// testdata/vocab/SOURCE.md).
func TestSHACLGeneratedCatalog(t *testing.T) {
	c, err := Build(testConfig(), testEntries())
	if err != nil {
		t.Fatal(err)
	}
	r := validateCatalog(t, c)
	if v := r.bySeverity(shViolation); len(v) != 0 {
		t.Fatalf("%d violations, want 0: %+v", len(v), v)
	}
	warnings := r.bySeverity(shWarning)
	for _, w := range warnings {
		if w.Path != DCT+"spatial" || !strings.HasPrefix(w.Value, GeonorgeKommune) {
			t.Errorf("unexpected warning: %+v", w)
		}
	}
	// One spatial warning per resource with dct:spatial: the catalog and
	// its five datasets.
	if len(warnings) != 6 {
		t.Errorf("%d warnings, want 6 (dct:spatial): %+v", len(warnings), warnings)
	}
	if len(r.Results) != len(warnings) {
		t.Errorf("%d results of other severities: %+v", len(r.Results)-len(warnings), r.Results)
	}
}

// TestSHACLVocabulariesMatter shows the vocabulary check is live: without
// the vocabulary triples the controlled values have no skos:inScheme and
// the shapes complain.
func TestSHACLVocabulariesMatter(t *testing.T) {
	c, err := Build(testConfig(), testEntries())
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "catalog.ttl")
	writeFile(t, f, c, FormatTurtle)
	r := validate(t, f)
	paths := map[string]bool{}
	for _, v := range r.bySeverity(shViolation) {
		paths[v.Path] = true
	}
	for _, p := range []string{DCT + "accessRights", DCT + "accrualPeriodicity", DCT + "language", DCT + "format", DCT + "license"} {
		if !paths[p] {
			t.Errorf("no violation for %s without its vocabulary; got %v", p, paths)
		}
	}
}

// TestSHACLSHA256Checksums documents why SHA-256 checksums are off by
// default: the v2 shapes accept only spdx:checksumAlgorithm_sha1, so each
// SHA-256 checksum is one violation of spdx:algorithm.
func TestSHACLSHA256Checksums(t *testing.T) {
	c, err := Build(testConfig(), testEntries(), Options{SHA256Checksums: true})
	if err != nil {
		t.Fatal(err)
	}
	r := validateCatalog(t, c)
	v := r.bySeverity(shViolation)
	// valglokaler: parquet, csv; barnehager: parquet, csv, csv-nb.
	if len(v) != 5 {
		t.Fatalf("%d violations, want 5: %+v", len(v), v)
	}
	for _, x := range v {
		if x.Path != SPDX+"algorithm" {
			t.Errorf("violation on %s, want spdx:algorithm: %+v", x.Path, x)
		}
	}
}

// TestSHACLMissingMandatory removes one mandatory property of a dataset
// and expects both the official shapes and Check to name it.
func TestSHACLMissingMandatory(t *testing.T) {
	ds := IRI(DatasetIRI(testConfig().BaseURL, "valglokaler"))
	for _, tc := range []struct {
		name  string
		pred  string
		shacl bool // the v2 shapes require it (contact point is only checked for its class)
	}{
		{"publisher", DCT + "publisher", true},
		{"title", DCT + "title", true},
		{"description", DCT + "description", true},
		{"theme", DCAT + "theme", true},
		{"identifier", DCT + "identifier", true},
		{"contact point", DCAT + "contactPoint", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Build(testConfig(), testEntries())
			if err != nil {
				t.Fatal(err)
			}
			if n := c.Graph.Remove(ds, IRI(tc.pred), Term{}); n == 0 {
				t.Fatalf("the dataset has no %s", tc.pred)
			}
			var ttl strings.Builder
			if err := c.Turtle(&ttl); err != nil {
				t.Fatal(err)
			}
			vs, err := Check([]byte(ttl.String()))
			if err != nil {
				t.Fatal(err)
			}
			want := "dataset valglokaler: missing " + short(tc.pred)
			if !containsViolation(vs, want) {
				t.Errorf("Check: no %q in %v", want, vs)
			}
			if !tc.shacl {
				return
			}
			r := validateCatalog(t, c)
			found := false
			for _, v := range r.bySeverity(shViolation) {
				if v.FocusNode == ds.Value && v.Path == tc.pred {
					found = true
				}
			}
			if !found {
				t.Errorf("SHACL: no violation of %s on %s: %+v", tc.pred, ds.Value, r.Results)
			}
		})
	}
}

func containsViolation(vs []Violation, msg string) bool {
	for _, v := range vs {
		if v.String() == msg {
			return true
		}
	}
	return false
}

// exampleEntries loads the repository's example installation (dele.yaml)
// and dataset definitions, each public one with a synthetic published
// version.
func exampleEntries(t *testing.T) (*config.Config, []Entry) {
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

// TestSHACLExampleDatasets validates the catalog of the repository's
// example definitions: zero violations, only the Geonorge spatial warnings.
func TestSHACLExampleDatasets(t *testing.T) {
	cfg, entries := exampleEntries(t)
	c, err := Build(cfg, entries)
	if err != nil {
		t.Fatal(err)
	}
	r := validateCatalog(t, c)
	if v := r.bySeverity(shViolation); len(v) != 0 {
		t.Fatalf("%d violations, want 0: %+v", len(v), v)
	}
	for _, w := range r.Results {
		if w.Severity != shWarning || w.Path != DCT+"spatial" {
			t.Errorf("unexpected result: %+v", w)
		}
	}
	var ttl bytes.Buffer
	if err := c.Turtle(&ttl); err != nil {
		t.Fatal(err)
	}
	vs, err := Check(ttl.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 0 {
		t.Errorf("Check: %v", vs)
	}
}
