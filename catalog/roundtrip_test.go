package catalog

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// TestRoundTrip writes every serialisation of the test catalog and parses
// it back with an independent parser (n3 for Turtle and N-Triples, jsonld
// for JSON-LD, rdfxml-streaming-parser for RDF/XML): the triple sets must be
// equal to the graph's, and no blank node may appear.
func TestRoundTrip(t *testing.T) {
	c, err := Build(testConfig(), append(testEntries(), awkwardEntry()))
	if err != nil {
		t.Fatal(err)
	}
	want := c.Graph.NTriplesSet()
	dir := t.TempDir()
	var docs []string
	for _, f := range Formats {
		file := filepath.Join(dir, f.File)
		writeFile(t, file, c, f.Name)
		docs = append(docs, f.Name, file)
	}
	parsed := parseWithNode(t, docs...)
	for i, f := range Formats {
		t.Run(f.Name, func(t *testing.T) {
			if parsed[i].blank != 0 {
				t.Errorf("%d blank nodes", parsed[i].blank)
			}
			diff(t, parsed[i].lines, want)
		})
	}
}

// TestCheckParsesOwnOutput parses the Turtle and N-Triples output with the
// Go RDF parser Check uses and compares the triples too.
func TestCheckParsesOwnOutput(t *testing.T) {
	c, err := Build(testConfig(), append(testEntries(), awkwardEntry()))
	if err != nil {
		t.Fatal(err)
	}
	want := c.Graph.NTriplesSet()
	for _, f := range []string{FormatTurtle, FormatNTriples} {
		t.Run(f, func(t *testing.T) {
			var b bytes.Buffer
			if err := c.Write(&b, f); err != nil {
				t.Fatal(err)
			}
			g, err := Parse(b.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			diff(t, g.NTriplesSet(), want)
			vs := HarvesterChecks(g)
			if len(vs) != 0 {
				t.Errorf("Check found %d problems in the generated catalog: %v", len(vs), vs)
			}
		})
	}
}

func diff(t *testing.T, got, want []string) {
	t.Helper()
	in := func(list []string) map[string]bool {
		m := map[string]bool{}
		for _, s := range list {
			m[s] = true
		}
		return m
	}
	g, w := in(got), in(want)
	var missing, extra []string
	for _, s := range want {
		if !g[s] {
			missing = append(missing, s)
		}
	}
	for _, s := range got {
		if !w[s] {
			extra = append(extra, s)
		}
	}
	if len(missing)+len(extra) > 0 {
		t.Errorf("graphs differ: %d triples missing, %d extra\nmissing:\n%s\nextra:\n%s",
			len(missing), len(extra), strings.Join(missing, "\n"), strings.Join(extra, "\n"))
	}
	if len(got) != len(want) {
		t.Errorf("%d triples, want %d", len(got), len(want))
	}
}
