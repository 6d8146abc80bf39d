package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateCatalogGolden = flag.Bool("update-catalog-check", false, "rewrite testdata/catalog-check-broken.golden")

// TestCatalogCheckGolden runs dele catalog check on the golden test
// catalog broken in several ways — dataset valglokaler without publisher,
// theme and contact point, its CSV distribution with the media type as
// text and a SHA-256 checksum, the publisher without a name — and compares
// the plain-language report with testdata/catalog-check-broken.golden
// (go test ./cmd/dele -run TestCatalogCheckGolden -update-catalog-check
// rewrites it).
func TestCatalogCheckGolden(t *testing.T) {
	b, err := os.ReadFile("../../catalog/testdata/golden/catalog.nt")
	if err != nil {
		t.Fatal(err)
	}
	const (
		ds   = "<https://data.eksempel.kommune.no/datasets/valglokaler> "
		dist = "<https://data.eksempel.kommune.no/datasets/valglokaler/distributions/csv> "
		pub  = "<https://data.brreg.no/enhetsregisteret/api/enheter/964965226> "
	)
	var kept []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		switch {
		case strings.HasPrefix(line, ds+"<http://purl.org/dc/terms/publisher>"),
			strings.HasPrefix(line, ds+"<http://www.w3.org/ns/dcat#theme>"),
			strings.HasPrefix(line, ds+"<http://www.w3.org/ns/dcat#contactPoint>"),
			strings.HasPrefix(line, dist+"<http://www.w3.org/ns/dcat#mediaType>"),
			strings.HasPrefix(line, pub+"<http://xmlns.com/foaf/0.1/name>"):
			continue
		}
		kept = append(kept, line)
	}
	kept = append(kept,
		dist+`<http://www.w3.org/ns/dcat#mediaType> "text/csv" .`,
		dist+`<http://spdx.org/rdf/terms#checksum> <https://data.eksempel.kommune.no/datasets/valglokaler/distributions/csv#sha256> .`,
		`<https://data.eksempel.kommune.no/datasets/valglokaler/distributions/csv#sha256> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://spdx.org/rdf/terms#Checksum> .`,
		`<https://data.eksempel.kommune.no/datasets/valglokaler/distributions/csv#sha256> <http://spdx.org/rdf/terms#algorithm> <http://spdx.org/rdf/terms#checksumAlgorithm_sha256> .`,
		`<https://data.eksempel.kommune.no/datasets/valglokaler/distributions/csv#sha256> <http://spdx.org/rdf/terms#checksumValue> "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"^^<http://www.w3.org/2001/XMLSchema#hexBinary> .`,
	)
	file := filepath.Join(t.TempDir(), "broken.nt")
	if err := os.WriteFile(file, []byte(strings.Join(kept, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runDele(t, "catalog", "check", "-file", file)
	if code != 1 || stdout != "" {
		t.Errorf("exit %d, stdout %q; want 1 and nothing", code, stdout)
	}
	got := strings.ReplaceAll(stderr, file, "broken.nt")
	golden := filepath.Join("testdata", "catalog-check-broken.golden")
	if *updateCatalogGolden {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("report differs from %s:\n%s", golden, got)
	}
}
