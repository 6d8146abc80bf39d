package catalog

import (
	"fmt"
	"sort"
	"strings"
)

// TermKind is the kind of an RDF term. Build never makes blank nodes: the
// national harvester drops resources without an IRI, so every node is an IRI
// and graphs compare by their triple sets. KindBlank only appears in graphs
// that Check parsed.
type TermKind int

// Term kinds.
const (
	KindIRI TermKind = iota
	KindLiteral
	KindBlank
)

// Term is an IRI or a literal. A literal has either a language tag or a
// datatype; a plain literal has the datatype xsd:string, which writers leave
// implicit.
type Term struct {
	Kind TermKind
	// Value is the IRI, or the lexical form of a literal.
	Value string
	// Lang is the language tag of a literal (nb, nn, en), or "".
	Lang string
	// Datatype is the datatype IRI of a literal, or "" for xsd:string and
	// language-tagged strings.
	Datatype string
}

// IRI returns an IRI term.
func IRI(v string) Term { return Term{Kind: KindIRI, Value: v} }

// Lit returns a plain string literal.
func Lit(v string) Term { return Term{Kind: KindLiteral, Value: v} }

// LangLit returns a language-tagged string literal.
func LangLit(v, lang string) Term { return Term{Kind: KindLiteral, Value: v, Lang: lang} }

// Typed returns a literal with the given datatype IRI.
func Typed(v, datatype string) Term {
	if datatype == XSD+"string" {
		datatype = ""
	}
	return Term{Kind: KindLiteral, Value: v, Datatype: datatype}
}

// IsIRI reports whether t is an IRI.
func (t Term) IsIRI() bool { return t.Kind == KindIRI }

// String returns the term in N-Triples syntax.
func (t Term) String() string {
	var b strings.Builder
	writeNTTerm(&b, t)
	return b.String()
}

// Triple is one RDF statement.
type Triple struct {
	S, P, O Term
}

// String returns the triple as one N-Triples line without the newline.
func (t Triple) String() string {
	return t.S.String() + " " + t.P.String() + " " + t.O.String() + " ."
}

// Graph is a set of triples that keeps insertion order for readable output.
type Graph struct {
	triples []Triple
	seen    map[Triple]bool
}

// NewGraph returns an empty graph.
func NewGraph() *Graph { return &Graph{seen: map[Triple]bool{}} }

// Add adds the triple (s, p, o) unless it is already present. Empty literal
// values are skipped, so optional properties need no checks at the call site.
func (g *Graph) Add(s, p, o Term) {
	if o.Kind == KindLiteral && o.Value == "" {
		return
	}
	g.addParsed(s, p, o)
}

// addParsed adds a triple as it is, empty literals included.
func (g *Graph) addParsed(s, p, o Term) {
	t := Triple{s, p, o}
	if g.seen[t] {
		return
	}
	g.seen[t] = true
	g.triples = append(g.triples, t)
}

// Triples returns the triples in insertion order. The slice must not be
// modified.
func (g *Graph) Triples() []Triple { return g.triples }

// Len returns the number of triples.
func (g *Graph) Len() int { return len(g.triples) }

// Remove deletes every triple matching the pattern; a zero Term matches any
// term. It returns the number of triples removed.
func (g *Graph) Remove(s, p, o Term) int {
	kept := g.triples[:0]
	n := 0
	for _, t := range g.triples {
		if match(s, t.S) && match(p, t.P) && match(o, t.O) {
			delete(g.seen, t)
			n++
			continue
		}
		kept = append(kept, t)
	}
	g.triples = kept
	return n
}

// Objects returns the objects of the triples with subject s and predicate p.
func (g *Graph) Objects(s, p Term) []Term {
	var out []Term
	for _, t := range g.triples {
		if t.S == s && t.P == p {
			out = append(out, t.O)
		}
	}
	return out
}

// Subjects returns the subjects that have predicate p with object o.
func (g *Graph) Subjects(p, o Term) []Term {
	var out []Term
	for _, t := range g.triples {
		if t.P == p && t.O == o {
			out = append(out, t.S)
		}
	}
	return out
}

func match(pattern, t Term) bool { return pattern == (Term{}) || pattern == t }

// NTriplesSet returns the graph as sorted, de-duplicated N-Triples lines:
// the canonical form used to compare graphs (there are no blank nodes).
func (g *Graph) NTriplesSet() []string {
	out := make([]string, 0, len(g.triples))
	for _, t := range g.triples {
		out = append(out, t.String())
	}
	sort.Strings(out)
	return out
}

// subjects returns the distinct subjects in first-seen order with their
// triples.
func (g *Graph) bySubject() ([]Term, map[Term][]Triple) {
	var order []Term
	m := map[Term][]Triple{}
	for _, t := range g.triples {
		if _, ok := m[t.S]; !ok {
			order = append(order, t.S)
		}
		m[t.S] = append(m[t.S], t)
	}
	return order, m
}

// checkIRI reports whether v is usable as an absolute IRI in every
// serialisation: a scheme, no spaces, quotes, angle brackets or other
// characters that N-Triples forbids inside <…>.
func checkIRI(v string) error {
	i := strings.Index(v, ":")
	if i <= 0 {
		return fmt.Errorf("IRI %q is not absolute", v)
	}
	for _, r := range v[:i] {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.') {
			return fmt.Errorf("IRI %q has an invalid scheme", v)
		}
	}
	for _, r := range v {
		if r <= 0x20 || strings.ContainsRune("<>\"{}|^`\\", r) {
			return fmt.Errorf("IRI %q contains %q", v, r)
		}
	}
	return nil
}
