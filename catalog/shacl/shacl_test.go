package shacl

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// load parses a testdata file (shapes and data in one document) and loads
// its shapes.
func load(t *testing.T, file string) (*Shapes, *Graph) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	g := NewGraph()
	if err := g.ParseBytes(b, ""); err != nil {
		t.Fatal(err)
	}
	s, err := Load(g)
	if err != nil {
		t.Fatal(err)
	}
	return s, g
}

// brief writes a term with the ex: namespace left out.
func brief(t Term) string {
	if t.IsZero() {
		return "-"
	}
	s := strings.ReplaceAll(t.String(), "<http://example.org/", "<")
	return strings.ReplaceAll(s, "^^<"+XSD, "^^<xsd:")
}

// line is "focus path value component severity".
func line(r Result) string {
	return strings.Join([]string{brief(r.Focus), brief(r.Path), brief(r.Value),
		strings.TrimSuffix(strings.TrimPrefix(r.Component, SH), "ConstraintComponent"),
		strings.TrimPrefix(r.Severity, SH)}, " ")
}

// TestComponents validates each tiny graph in testdata (shapes and data in
// one file) and compares the results with the expected ones: each target
// and constraint component on conforming and non-conforming values.
func TestComponents(t *testing.T) {
	for _, tc := range []struct {
		file string
		want []string
	}{
		{"targets.ttl", []string{
			`_:t1 - _:t1 NodeKind Violation`,               // sh:targetClass
			`_:t2 - _:t2 NodeKind Violation`,               // an instance of a subclass
			`_:s - _:s NodeKind Violation`,                 // sh:targetSubjectsOf
			`"a literal" - "a literal" NodeKind Violation`, // sh:targetObjectsOf
		}},
		{"class.ttl", []string{
			`<box> <holds> <rock> Class Violation`,
			`<box> <holds> "pear" Class Violation`,
		}},
		{"nodekind.ttl", []string{
			`<r> <iri> "x" NodeKind Violation`,
			`<r> <iri> _:b NodeKind Violation`,
			`<r> <lit> <x> NodeKind Violation`,
			`<r> <bi> "x" NodeKind Violation`,
		}},
		{"counts.ttl", []string{
			`<none> <one> - MinCount Violation`,
			`<two> <one> - MaxCount Violation`,
		}},
		{"node.ttl", []string{
			`<r> <contact> <c2> Node Violation`,
		}},
		{"hasvalue.ttl", []string{
			`<bad> <algorithm> - HasValue Violation`,
			`<none> <algorithm> - HasValue Violation`,
		}},
		{"or_and.ttl", []string{
			`<r> <date> "2026-01-02" Or Violation`,
			`<r> <scheme> <c> Or Violation`,
			`_:r - _:r And Violation`,
		}},
		{"datatype.ttl", []string{
			`<r> <size> "12,5"^^<xsd:decimal> Datatype Violation`,
			`<r> <size> "12"^^<xsd:integer> Datatype Violation`,
			`<r> <size> "12" Datatype Violation`,
			`<r> <sum> "a94"^^<xsd:hexBinary> Datatype Violation`,
			`<r> <period> "PT"^^<xsd:duration> Datatype Violation`,
			// Only the lexical form is checked, as rdf-validate-datatype
			// does: "2026-02-30" passes.
			`<r> <day> "26-02-03"^^<xsd:date> Datatype Violation`,
			`<r> <day> "2026-02-03"@nb Datatype Violation`,
		}},
		{"pattern.ttl", []string{
			`<r> <taxonomy> <https://eurovoc.europa.eu/1> Pattern Violation`,
			`<r> <taxonomy> _:b Pattern Violation`,
		}},
		{"qualified.ttl", []string{
			`<none> <theme> - QualifiedMinCount Violation`,
		}},
		{"severity.ttl", []string{
			`<r> <title> - MinCount Warning`,
			`<r> <id> - MinCount Violation`,
			`<r> <note> - MaxCount Violation`,
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			s, g := load(t, tc.file)
			rs := s.Validate(g)
			var got []string
			for _, r := range rs {
				got = append(got, line(r))
			}
			want := append([]string(nil), tc.want...)
			sort.Strings(got)
			sort.Strings(want)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
			}
		})
	}
}

// TestMessages checks that a result carries its shape's messages in every
// language, and the component's default message.
func TestMessages(t *testing.T) {
	s, g := load(t, "severity.ttl")
	for _, r := range s.Validate(g) {
		switch r.Path.Value {
		case "http://example.org/title":
			langs := map[string]string{}
			for _, m := range r.Shape.Messages {
				langs[m.Lang] = m.Value
			}
			if langs["nb"] != "ex:title bør ha en verdi" || langs["en"] != "ex:title should have a value" {
				t.Errorf("messages %v", r.Shape.Messages)
			}
		case "http://example.org/id":
			if len(r.Shape.Messages) != 0 || r.Default != "Less than 1 values" {
				t.Errorf("messages %v, default %q", r.Shape.Messages, r.Default)
			}
		}
	}
}

// TestUnsupported loads shapes that use something this package does not
// implement: Load must fail, naming it, rather than check half.
func TestUnsupported(t *testing.T) {
	const prefixes = `@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <http://example.org/> .
`
	for _, tc := range []struct{ name, shapes, want string }{
		{"sh:in", `ex:S sh:targetClass ex:R ; sh:property [ sh:path ex:p ; sh:in ( ex:a ) ] .`, "shacl#in"},
		{"sh:minLength", `ex:S sh:targetClass ex:R ; sh:property [ sh:path ex:p ; sh:minLength 2 ] .`, "shacl#minLength"},
		{"sh:targetNode", `ex:S sh:targetNode ex:r ; sh:nodeKind sh:IRI .`, "shacl#targetNode"},
		{"sh:closed", `ex:S sh:targetClass ex:R ; sh:closed true .`, "shacl#closed"},
		{"sh:not", `ex:S sh:targetClass ex:R ; sh:not [ sh:nodeKind sh:IRI ] .`, "shacl#not"},
		{"sh:xone", `ex:S sh:targetClass ex:R ; sh:xone ( [ sh:nodeKind sh:IRI ] ) .`, "shacl#xone"},
		{"sh:flags", `ex:S sh:targetClass ex:R ; sh:property [ sh:path ex:p ; sh:pattern "a" ; sh:flags "i" ] .`, "shacl#flags"},
		{"sh:qualifiedMaxCount", `ex:S sh:targetClass ex:R ; sh:property [ sh:path ex:p ; sh:qualifiedValueShape [ sh:nodeKind sh:IRI ] ; sh:qualifiedMaxCount 1 ] .`, "shacl#qualifiedMaxCount"},
		{"sh:qualifiedValueShapesDisjoint", `ex:S sh:targetClass ex:R ; sh:property [ sh:path ex:p ; sh:qualifiedValueShape [ sh:nodeKind sh:IRI ] ; sh:qualifiedMinCount 1 ; sh:qualifiedValueShapesDisjoint true ] .`, "qualifiedValueShapesDisjoint"},
		{"sh:deactivated", `ex:S sh:targetClass ex:R ; sh:deactivated true ; sh:nodeKind sh:IRI .`, "shacl#deactivated"},
		{"SPARQL constraint", `ex:S sh:targetClass ex:R ; sh:sparql [ sh:select "SELECT $this WHERE {}" ] .`, "shacl#sparql"},
		{"sequence path", `ex:S sh:targetClass ex:R ; sh:property [ sh:path ( ex:p ex:q ) ; sh:minCount 1 ] .`, "not a predicate path"},
		{"inverse path", `ex:S sh:targetClass ex:R ; sh:property [ sh:path [ sh:inversePath ex:p ] ; sh:minCount 1 ] .`, "shacl#inversePath"},
		{"sh:Info", `ex:S sh:targetClass ex:R ; sh:severity sh:Info ; sh:nodeKind sh:IRI .`, "severity"},
		{"other datatype", `ex:S sh:targetClass ex:R ; sh:property [ sh:path ex:p ; sh:datatype xsd:integer ] .`, "XMLSchema#integer"},
		{"sh:and on a property shape", `ex:S sh:targetClass ex:R ; sh:property [ sh:path ex:p ; sh:and ( [ sh:nodeKind sh:IRI ] ) ] .`, "sh:and on a property shape"},
		{"sh:minCount on a node shape", `ex:S sh:targetClass ex:R ; sh:minCount 1 .`, "sh:minCount on a node shape"},
		{"implicit class target", `ex:S a rdfs:Class ; sh:nodeKind sh:IRI .`, "implicit class target"},
		{"unknown misspelling", `ex:S sh:targetClass ex:R ; sh:property [ sh:path ex:p ; sh:MaxCount 1 ] .`, "shacl#MaxCount"},
		{"recursion", `ex:S sh:targetClass ex:R ; sh:property [ sh:path ex:p ; sh:node ex:S ] .`, "recursive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewGraph()
			if err := g.ParseBytes([]byte(prefixes+tc.shapes), ""); err != nil {
				t.Fatal(err)
			}
			_, err := Load(g)
			if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load: %v; want ErrUnsupported naming %q", err, tc.want)
			}
		})
	}
}

// TestNormalizeTurtle: the semicolons Turtle allows before "]" and "."
// (and doubled ones) parse; semicolons in strings, IRIs and comments stay.
func TestNormalizeTurtle(t *testing.T) {
	doc := `@prefix ex: <http://example.org/> .
ex:a ex:p [ ex:q "x;]" ; ] ;; ex:r <http://example.org/;> ; . # ; ]
ex:b ex:p """long; ]
text""" ; .`
	g := NewGraph()
	if err := g.ParseBytes([]byte(doc), ""); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tr := range g.Triples() {
		if tr.O.Kind == Literal {
			got = append(got, tr.O.Value)
		}
	}
	if g.Len() != 4 || strings.Join(got, "|") != "x;]|long; ]\ntext" {
		t.Errorf("%d triples, literals %q", g.Len(), got)
	}
}
