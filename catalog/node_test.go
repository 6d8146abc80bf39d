package catalog

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/dele-opendata/dele/internal/testenv"
)

// The helpers here run the Node tools in tools/node: rdf-shacl.mjs (the
// rdf-validate-shacl engine) and rdf-parse.mjs (n3, jsonld and
// rdfxml-streaming-parser).

const (
	shapesFile     = "testdata/shapes/DCAT-AP-NO-shacl_shapes_2.00.ttl"
	ontologiesFile = "testdata/shapes/ontologies.ttl"
)

var vocabFiles = []string{
	"testdata/vocab/eu-vocabularies.ttl",
	"testdata/vocab/iana-media-types.ttl",
	"testdata/vocab/los.ttl",
}

// shaclResult is one entry of a SHACL validation report.
type shaclResult struct {
	FocusNode   string   `json:"focusNode"`
	Path        string   `json:"path"`
	Value       string   `json:"value"`
	Severity    string   `json:"severity"`
	SourceShape string   `json:"sourceShape"`
	Constraint  string   `json:"constraint"`
	Message     []string `json:"message"`
}

type shaclReport struct {
	Conforms bool          `json:"conforms"`
	Results  []shaclResult `json:"results"`
}

const (
	shViolation = "http://www.w3.org/ns/shacl#Violation"
	shWarning   = "http://www.w3.org/ns/shacl#Warning"
)

// bySeverity returns the results with the given severity.
func (r shaclReport) bySeverity(sev string) []shaclResult {
	var out []shaclResult
	for _, x := range r.Results {
		if x.Severity == sev {
			out = append(out, x)
		}
	}
	return out
}

func abs(t *testing.T, f string) string {
	t.Helper()
	a, err := filepath.Abs(f)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// runNode runs a script of tools/node with args and returns its stdout.
func runNode(t *testing.T, script string, args ...string) []byte {
	t.Helper()
	dir := testenv.NodeDir(t)
	cmd := exec.Command("node", append([]string{script}, args...)...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node %s %s: %v\n%s", script, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes()
}

// validate runs the official DCAT-AP-NO 2 shapes over the data files.
func validate(t *testing.T, dataFiles ...string) shaclReport {
	t.Helper()
	args := []string{"--shapes", abs(t, shapesFile)}
	for _, f := range dataFiles {
		args = append(args, abs(t, f))
	}
	var r shaclReport
	if err := json.Unmarshal(runNode(t, "rdf-shacl.mjs", args...), &r); err != nil {
		t.Fatalf("SHACL report: %v", err)
	}
	return r
}

// validateCatalog writes c as Turtle and validates it with the vocabulary
// subsets loaded.
func validateCatalog(t *testing.T, c *Catalog) shaclReport {
	t.Helper()
	f := filepath.Join(t.TempDir(), "catalog.ttl")
	writeFile(t, f, c, FormatTurtle)
	return validate(t, append([]string{f}, vocabFiles...)...)
}

func writeFile(t *testing.T, file string, c *Catalog, format string) {
	t.Helper()
	var b bytes.Buffer
	if err := c.Write(&b, format); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

type parsedTerm struct {
	T string `json:"t"`
	V string `json:"v"`
	L string `json:"l"`
	D string `json:"d"`
}

// parseWithNode parses file with the independent parser for format and
// returns the triples as canonical N-Triples lines, sorted, plus the number
// of blank nodes seen.
func parseWithNode(t *testing.T, format, file string) (lines []string, blank int) {
	t.Helper()
	var triples []struct{ S, P, O parsedTerm }
	if err := json.Unmarshal(runNode(t, "rdf-parse.mjs", format, abs(t, file)), &triples); err != nil {
		t.Fatalf("parse output: %v", err)
	}
	conv := func(x parsedTerm) Term {
		switch x.T {
		case "iri":
			return IRI(x.V)
		case "bnode":
			blank++
			return IRI("_:" + x.V)
		}
		if x.L != "" {
			return LangLit(x.V, x.L)
		}
		return Typed(x.V, x.D)
	}
	seen := map[string]bool{}
	for _, tr := range triples {
		line := Triple{conv(tr.S), conv(tr.P), conv(tr.O)}.String()
		if !seen[line] {
			seen[line] = true
			lines = append(lines, line)
		}
	}
	sort.Strings(lines)
	return lines, blank
}
