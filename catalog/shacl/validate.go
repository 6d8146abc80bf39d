package shacl

import (
	"fmt"
	"strings"
)

// Result is one entry of a validation report.
type Result struct {
	// Focus is the focus node.
	Focus Term
	// Path is the property shape's path; zero for a node shape's own
	// constraints.
	Path Term
	// Value is the value node that failed; zero for sh:minCount,
	// sh:maxCount, sh:hasValue and sh:qualifiedMinCount, which judge all
	// values together.
	Value Term
	// Severity is sh:Violation or sh:Warning: the source shape's.
	Severity string
	// Shape is the source shape: the shape whose constraint failed.
	Shape *Shape
	// Component is the constraint component's IRI.
	Component string
	// Parameter is the value of the constraint's parameter: the class,
	// node kind, datatype, count, pattern, expected value or node shape
	// (zero for sh:or and sh:and).
	Parameter Term
	// Alternatives are, for sh:or, the member shapes that consist of one
	// constraint (component and parameter), such as [sh:datatype
	// xsd:date]; a member shape of any other form has a zero Component.
	Alternatives []Alternative
	// Qualified is, for sh:qualifiedMinCount, the qualified value shape.
	Qualified *Shape
	// Default is the component's own English message (rdf-validate-shacl's
	// wording), for shapes without sh:message.
	Default string
}

// Alternative is one member shape of an sh:or, described by its only
// constraint.
type Alternative struct {
	Component string
	Parameter Term
}

func alternatives(c constraint) []Alternative {
	if c.component != OrComponent {
		return nil
	}
	out := make([]Alternative, len(c.shapes))
	for i, m := range c.shapes {
		if len(m.constraints) == 1 && m.constraints[0].component != "" {
			out[i] = Alternative{m.constraints[0].component, m.constraints[0].value}
		}
	}
	return out
}

// Validate validates the data graph against the shapes: every shape with a
// target and constraints, on each of its focus nodes. Class membership
// follows rdf:type and rdfs:subClassOf in the data graph, so ontology
// triples must be part of it. Results come in shape order, then focus node
// order.
func (s *Shapes) Validate(data *Graph) []Result {
	v := &validator{data: data, classes: map[Term]map[Term]bool{}}
	var out []Result
	for _, sh := range s.top {
		for _, f := range v.focusNodes(sh) {
			v.validate(f, sh, &out)
		}
	}
	return out
}

type validator struct {
	data    *Graph
	classes map[Term]map[Term]bool // class → itself and its subclasses
}

// subclasses returns c and every class that is rdfs:subClassOf c,
// transitively, in the data graph.
func (v *validator) subclasses(c Term) map[Term]bool {
	if m, ok := v.classes[c]; ok {
		return m
	}
	m := map[Term]bool{c: true}
	todo := []Term{c}
	for len(todo) > 0 {
		x := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		for _, sub := range v.data.Subjects(NewIRI(RDFS+"subClassOf"), x) {
			if !m[sub] {
				m[sub] = true
				todo = append(todo, sub)
			}
		}
	}
	v.classes[c] = m
	return m
}

func (v *validator) isInstance(n, c Term) bool {
	if n.Kind == Literal {
		return false
	}
	classes := v.subclasses(c)
	for _, t := range v.data.Objects(n, NewIRI(RDF+"type")) {
		if classes[t] {
			return true
		}
	}
	return false
}

func (v *validator) focusNodes(sh *Shape) []Term {
	var out []Term
	seen := map[Term]bool{}
	add := func(n Term) {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	for _, c := range sh.targetClass {
		// Instances in data order.
		classes := v.subclasses(c)
		for _, t := range v.data.WithPredicate(NewIRI(RDF + "type")) {
			if classes[t.O] {
				add(t.S)
			}
		}
	}
	for _, p := range sh.targetSubjectsOf {
		for _, t := range v.data.WithPredicate(p) {
			add(t.S)
		}
	}
	for _, p := range sh.targetObjectsOf {
		for _, t := range v.data.WithPredicate(p) {
			add(t.O)
		}
	}
	return out
}

func (v *validator) valueNodes(f Term, sh *Shape) []Term {
	if sh.Path.IsZero() {
		return []Term{f}
	}
	return v.data.Objects(f, sh.Path)
}

// conforms reports whether n conforms to sh.
func (v *validator) conforms(n Term, sh *Shape) bool { return v.validate(n, sh, nil) }

// validate validates the focus node f against sh and reports whether it
// conforms. With out non-nil, it appends the results of sh's constraints
// and of its property shapes; with out nil it stops at the first failure.
func (v *validator) validate(f Term, sh *Shape, out *[]Result) bool {
	values := v.valueNodes(f, sh)
	ok := true
	fail := func(c constraint, value Term) {
		ok = false
		if out != nil {
			var q *Shape
			if c.component == QualifiedMinCountComponent {
				q = c.shape
			}
			*out = append(*out, Result{Qualified: q, Focus: f, Path: sh.Path, Value: value, Severity: sh.Severity, Shape: sh, Component: c.component, Parameter: c.value, Alternatives: alternatives(c), Default: defaultMessage(c)})
		}
	}
	for _, c := range sh.constraints {
		if !ok && out == nil {
			return false
		}
		switch c.component {
		case "": // sh:property
			for _, x := range values {
				if !v.validate(x, c.shape, out) {
					ok = false
				}
			}
		case MinCountComponent:
			if len(values) < c.count {
				fail(c, Term{})
			}
		case MaxCountComponent:
			if len(values) > c.count {
				fail(c, Term{})
			}
		case HasValueComponent:
			found := false
			for _, x := range values {
				found = found || x == c.term
			}
			if !found {
				fail(c, Term{})
			}
		case QualifiedMinCountComponent:
			n := 0
			for _, x := range values {
				if v.conforms(x, c.shape) {
					n++
				}
			}
			if n < c.count {
				fail(c, Term{})
			}
		default:
			for _, x := range values {
				if !v.valueOK(x, c) {
					fail(c, x)
				}
			}
		}
	}
	return ok
}

// valueOK checks one value node against a per-value constraint.
func (v *validator) valueOK(x Term, c constraint) bool {
	switch c.component {
	case ClassComponent:
		return v.isInstance(x, c.term)
	case NodeKindComponent:
		k := strings.TrimPrefix(c.term.Value, SH)
		switch x.Kind {
		case IRI:
			return k == "IRI" || k == "BlankNodeOrIRI" || k == "IRIOrLiteral"
		case Blank:
			return k == "BlankNode" || k == "BlankNodeOrIRI" || k == "BlankNodeOrLiteral"
		}
		return k == "Literal" || k == "BlankNodeOrLiteral" || k == "IRIOrLiteral"
	case DatatypeComponent:
		return x.Kind == Literal && x.datatype() == c.term.Value && datatypes[c.term.Value].MatchString(x.Value)
	case PatternComponent:
		return x.Kind != Blank && c.pattern.MatchString(x.Value)
	case NodeComponent:
		return v.conforms(x, c.shape)
	case OrComponent:
		for _, m := range c.shapes {
			if v.conforms(x, m) {
				return true
			}
		}
		return false
	case AndComponent:
		for _, m := range c.shapes {
			if !v.conforms(x, m) {
				return false
			}
		}
		return true
	}
	panic(fmt.Sprintf("shacl: no check for %s", c.component))
}

// defaultMessage is rdf-validate-shacl's message for a component, used
// when the shape has no sh:message.
func defaultMessage(c constraint) string {
	switch c.component {
	case ClassComponent:
		return "Value does not have class <" + c.param + ">"
	case NodeKindComponent:
		return "Value does not have node kind <" + c.param + ">"
	case MinCountComponent:
		return "Less than " + c.param + " values"
	case MaxCountComponent:
		return "More than " + c.param + " values"
	case DatatypeComponent:
		return "Value does not have datatype <" + c.param + ">"
	case PatternComponent:
		return `Value does not match pattern "` + c.param + `"`
	case HasValueComponent:
		return "Missing expected value " + c.param
	case NodeComponent:
		return "Value does not have shape " + c.param
	case OrComponent:
		return "Value does not have any of the shapes " + c.param
	case AndComponent:
		return "Value does not have all of the shapes " + c.param
	case QualifiedMinCountComponent:
		return "Less than " + c.param + " values have shape " + c.shape.Name
	}
	return c.component
}
