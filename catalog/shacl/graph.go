// Package shacl is a small SHACL Core validator: exactly the targets and
// constraint components that the official DCAT-AP-NO 2.00 shapes use, with
// the semantics of the rdf-validate-shacl engine that the national
// validator's tests compare against. Loading a shapes graph that uses
// anything else fails, so a newer shapes version cannot be half-checked
// without anyone noticing.
package shacl

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/knakk/rdf"
)

// Namespaces.
const (
	SH   = "http://www.w3.org/ns/shacl#"
	RDF  = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
	RDFS = "http://www.w3.org/2000/01/rdf-schema#"
	XSD  = "http://www.w3.org/2001/XMLSchema#"
	OWL  = "http://www.w3.org/2002/07/owl#"
)

// Kind is the kind of an RDF term.
type Kind uint8

// Term kinds.
const (
	IRI Kind = iota
	Blank
	Literal
)

// Term is an RDF term. A literal has a language tag or a datatype; a
// string literal has neither (Datatype "" is xsd:string).
type Term struct {
	Kind Kind
	// Value is the IRI, the blank node label (without "_:") or the lexical
	// form of a literal.
	Value    string
	Lang     string
	Datatype string
}

// NewIRI returns an IRI term.
func NewIRI(v string) Term { return Term{Kind: IRI, Value: v} }

// IsZero reports whether t is the zero Term (no term).
func (t Term) IsZero() bool { return t == Term{} }

// datatype returns the literal's datatype IRI: xsd:string and
// rdf:langString made explicit.
func (t Term) datatype() string {
	switch {
	case t.Lang != "":
		return RDF + "langString"
	case t.Datatype == "":
		return XSD + "string"
	}
	return t.Datatype
}

// String returns the term in N-Triples syntax.
func (t Term) String() string {
	switch t.Kind {
	case IRI:
		return "<" + t.Value + ">"
	case Blank:
		return "_:" + t.Value
	}
	q := `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`).Replace(t.Value) + `"`
	switch {
	case t.Lang != "":
		return q + "@" + t.Lang
	case t.Datatype != "" && t.Datatype != XSD+"string":
		return q + "^^<" + t.Datatype + ">"
	}
	return q
}

// Triple is one RDF statement.
type Triple struct{ S, P, O Term }

// Graph is a set of triples indexed by subject and by predicate. The zero
// Graph is not usable; call NewGraph.
type Graph struct {
	triples []Triple
	seen    map[Triple]bool
	out     map[Term]map[Term][]Term
	in      map[Term]map[Term][]Term
	byPred  map[Term][]Triple
}

// NewGraph returns an empty graph.
func NewGraph() *Graph {
	return &Graph{
		seen:   map[Triple]bool{},
		out:    map[Term]map[Term][]Term{},
		in:     map[Term]map[Term][]Term{},
		byPred: map[Term][]Triple{},
	}
}

// Add adds the triple (s, p, o) unless it is present.
func (g *Graph) Add(s, p, o Term) {
	t := Triple{s, p, o}
	if g.seen[t] {
		return
	}
	g.seen[t] = true
	g.triples = append(g.triples, t)
	if g.out[s] == nil {
		g.out[s] = map[Term][]Term{}
	}
	g.out[s][p] = append(g.out[s][p], o)
	if g.in[o] == nil {
		g.in[o] = map[Term][]Term{}
	}
	g.in[o][p] = append(g.in[o][p], s)
	g.byPred[p] = append(g.byPred[p], t)
}

// Triples returns the triples in the order they were added. The slice
// must not be modified.
func (g *Graph) Triples() []Triple { return g.triples }

// Len returns the number of triples.
func (g *Graph) Len() int { return len(g.triples) }

// Objects returns the objects of (s, p, ?) in the order they were added.
func (g *Graph) Objects(s, p Term) []Term { return g.out[s][p] }

// Subjects returns the subjects of (?, p, o) in the order they were added.
func (g *Graph) Subjects(p, o Term) []Term { return g.in[o][p] }

// WithPredicate returns the triples with predicate p.
func (g *Graph) WithPredicate(p Term) []Triple { return g.byPred[p] }

// Parse adds the triples of a Turtle or N-Triples document. Blank node
// labels get blankPrefix in front, so that several documents can share a
// graph without their blank nodes colliding.
func (g *Graph) Parse(r io.Reader, blankPrefix string) error {
	doc, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("read RDF: %w", err)
	}
	return g.ParseBytes(doc, blankPrefix)
}

// ParseBytes is Parse on a byte slice.
func (g *Graph) ParseBytes(doc []byte, blankPrefix string) error {
	triples, err := rdf.NewTripleDecoder(bytes.NewReader(normalizeTurtle(doc)), rdf.Turtle).DecodeAll()
	if err != nil {
		return fmt.Errorf("parse RDF: %w", err)
	}
	for _, t := range triples {
		g.Add(fromKnakk(t.Subj, blankPrefix), fromKnakk(t.Pred, blankPrefix), fromKnakk(t.Obj, blankPrefix))
	}
	return nil
}

func fromKnakk(t rdf.Term, blankPrefix string) Term {
	switch x := t.(type) {
	case rdf.IRI:
		return NewIRI(x.String())
	case rdf.Blank:
		return Term{Kind: Blank, Value: blankPrefix + strings.TrimPrefix(x.String(), "_:")}
	case rdf.Literal:
		if x.Lang() != "" {
			return Term{Kind: Literal, Value: x.String(), Lang: x.Lang()}
		}
		dt := x.DataType.String()
		if dt == XSD+"string" || dt == RDF+"langString" {
			dt = ""
		}
		return Term{Kind: Literal, Value: x.String(), Datatype: dt}
	}
	return Term{Kind: Literal, Value: t.String()}
}

// list returns the members of the RDF list starting at head, or an error
// for a malformed list.
func (g *Graph) list(head Term) ([]Term, error) {
	var out []Term
	seen := map[Term]bool{}
	for head != NewIRI(RDF+"nil") {
		if seen[head] {
			return nil, fmt.Errorf("RDF list %s has a cycle", head)
		}
		seen[head] = true
		first, rest := g.Objects(head, NewIRI(RDF+"first")), g.Objects(head, NewIRI(RDF+"rest"))
		if len(first) != 1 || len(rest) != 1 {
			return nil, fmt.Errorf("%s is not a well-formed RDF list node (%d rdf:first, %d rdf:rest)", head, len(first), len(rest))
		}
		out = append(out, first[0])
		head = rest[0]
	}
	return out, nil
}
