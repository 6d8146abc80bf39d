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

// shapesFile is the embedded shapes file (ShapesFile), read from disk.
const shapesFile = ShapesFile

// vocabFiles are the embedded vocabulary subsets, read from disk.
var vocabFiles = []string{
	"vocab/eu-vocabularies.ttl",
	"vocab/iana-media-types.ttl",
	"vocab/los.ttl",
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

// validateBatch validates several data graphs in one run of the engine;
// cases maps a name to its data files (absolute paths).
func validateBatch(t *testing.T, cases map[string][]string) map[string]shaclReport {
	t.Helper()
	return validateBatchShapes(t, abs(t, shapesFile), cases)
}

// validateBatchShapes is validateBatch with another shapes file (Turtle, or
// N-Triples when its name ends in .nt).
func validateBatchShapes(t *testing.T, shapes string, cases map[string][]string) map[string]shaclReport {
	t.Helper()
	f := filepath.Join(t.TempDir(), "cases.json")
	b, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f, b, 0o644); err != nil {
		t.Fatal(err)
	}
	var out map[string]shaclReport
	if err := json.Unmarshal(runNode(t, "rdf-shacl.mjs", "--shapes", shapes, "--batch", f), &out); err != nil {
		t.Fatalf("SHACL reports: %v", err)
	}
	return out
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

// parsedDoc is one document as an independent parser read it: its triples
// as sorted, de-duplicated canonical N-Triples lines, and the number of
// blank nodes seen.
type parsedDoc struct {
	lines []string
	blank int
}

// parseWithNode parses each file with the independent parser for its
// format (n3, jsonld or rdfxml-streaming-parser), in one Node run. docs
// alternates format and file.
func parseWithNode(t *testing.T, docs ...string) []parsedDoc {
	t.Helper()
	args := make([]string, len(docs))
	for i, d := range docs {
		args[i] = d
		if i%2 == 1 {
			args[i] = abs(t, d)
		}
	}
	var parsed [][]struct{ S, P, O parsedTerm }
	if err := json.Unmarshal(runNode(t, "rdf-parse.mjs", args...), &parsed); err != nil {
		t.Fatalf("parse output: %v", err)
	}
	if len(parsed) != len(docs)/2 {
		t.Fatalf("%d parsed documents, want %d", len(parsed), len(docs)/2)
	}
	out := make([]parsedDoc, len(parsed))
	for i, triples := range parsed {
		d := &out[i]
		conv := func(x parsedTerm) Term {
			switch x.T {
			case "iri":
				return IRI(x.V)
			case "bnode":
				d.blank++
				return Term{Kind: KindBlank, Value: x.V}
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
				d.lines = append(d.lines, line)
			}
		}
		sort.Strings(d.lines)
	}
	return out
}
