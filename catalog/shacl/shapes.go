package shacl

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// ErrUnsupported is wrapped by Load's error when the shapes graph uses a
// SHACL feature this validator does not implement.
var ErrUnsupported = errors.New("unsupported SHACL feature")

// Constraint components, as reported in Result.Component.
const (
	ClassComponent             = SH + "ClassConstraintComponent"
	NodeKindComponent          = SH + "NodeKindConstraintComponent"
	MinCountComponent          = SH + "MinCountConstraintComponent"
	MaxCountComponent          = SH + "MaxCountConstraintComponent"
	NodeComponent              = SH + "NodeConstraintComponent"
	HasValueComponent          = SH + "HasValueConstraintComponent"
	OrComponent                = SH + "OrConstraintComponent"
	AndComponent               = SH + "AndConstraintComponent"
	DatatypeComponent          = SH + "DatatypeConstraintComponent"
	PatternComponent           = SH + "PatternConstraintComponent"
	QualifiedMinCountComponent = SH + "QualifiedMinCountConstraintComponent"
)

// Severities.
const (
	Violation = SH + "Violation"
	Warning   = SH + "Warning"
)

// parameters maps each implemented constraint parameter to its component
// (sh:property has none: its results are the property shape's own).
var parameters = map[string]string{
	SH + "class":               ClassComponent,
	SH + "nodeKind":            NodeKindComponent,
	SH + "minCount":            MinCountComponent,
	SH + "maxCount":            MaxCountComponent,
	SH + "node":                NodeComponent,
	SH + "hasValue":            HasValueComponent,
	SH + "or":                  OrComponent,
	SH + "and":                 AndComponent,
	SH + "datatype":            DatatypeComponent,
	SH + "pattern":             PatternComponent,
	SH + "qualifiedValueShape": QualifiedMinCountComponent,
	SH + "qualifiedMinCount":   QualifiedMinCountComponent,
	SH + "property":            "",
}

// targets are the implemented target declarations.
var targets = map[string]bool{
	SH + "targetClass":      true,
	SH + "targetSubjectsOf": true,
	SH + "targetObjectsOf":  true,
}

// informational are SHACL properties that do not change what is valid.
var informational = map[string]bool{
	SH + "path": true, SH + "severity": true, SH + "message": true,
	SH + "name": true, SH + "description": true, SH + "order": true,
	SH + "group": true, SH + "defaultValue": true,
}

// notSHACL are predicates in the SHACL namespace that SHACL does not
// define, so every SHACL engine (rdf-validate-shacl included) ignores them.
// Each one here occurs in the DCAT-AP-NO 2.00 shapes as a misspelling: the
// intended constraint or target is not applied there, and it is not
// applied here either. Any other unknown term fails Load.
var notSHACL = map[string]string{
	SH + "MinCount":        "misspelt sh:minCount",
	SH + "targetSubjectOf": "misspelt sh:targetSubjectsOf",
	SH + "targetSUbjectOf": "misspelt sh:targetSubjectsOf",
}

// datatypes are the datatypes sh:datatype may name, with the lexical check
// rdf-validate-datatype applies (a value of the right datatype with an
// invalid lexical form does not conform).
var datatypes = map[string]*regexp.Regexp{
	XSD + "date":      regexp.MustCompile(`^` + dateSeg + timezoneSeg + `?$`),
	XSD + "dateTime":  regexp.MustCompile(`^` + dateSeg + `T` + timeSeg + timezoneSeg + `?$`),
	XSD + "decimal":   regexp.MustCompile(`^(\+|-)?(\+|-)?(\d+\.?\d*|\.\d+)$`),
	XSD + "hexBinary": regexp.MustCompile(`^([0-9a-fA-F]{2})*$`),
	XSD + "duration":  regexp.MustCompile(`^` + durationSeg + `$`),
}

const (
	dateSeg     = `-?(([1-9]\d{3,})|(0\d{3}))-\d{2}-\d{2}`
	timeSeg     = `\d{2}:\d{2}:\d{2}(\.\d+)?`
	timezoneSeg = `(((\+|-)\d{2}:\d{2})|Z)`
	durYM       = `(\d+Y(\d+M)?|\d+M)`
	durTime     = `T((\d+H(\d+M)?(\d+(\.\d+)?S)?)|(\d+M(\d+(\.\d+)?S)?)|\d+(\.\d+)?S)`
	durDT       = `(\d+D(` + durTime + `)?|` + durTime + `)`
	durationSeg = `-?P((` + durYM + `(` + durDT + `)?)|` + durDT + `)`
)

var nodeKinds = map[string]bool{
	SH + "IRI": true, SH + "Literal": true, SH + "BlankNode": true,
	SH + "BlankNodeOrIRI": true, SH + "BlankNodeOrLiteral": true, SH + "IRIOrLiteral": true,
}

// Shape is one compiled node or property shape.
type Shape struct {
	// Node is the shape's node in the shapes graph.
	Node Term
	// Name is the IRI of a named shape; a blank-node shape is named by
	// where it is used: "<parent>/property[<path>]" (with "#2", "#3" for a
	// second and third property shape of the same path),
	// "<parent>/or[1]", "<parent>/node", "<parent>/qualifiedValueShape".
	Name string
	// Path is the predicate of a property shape; zero for a node shape.
	Path Term
	// Severity is sh:Violation (the default) or sh:Warning.
	Severity string
	// Messages are the shape's sh:message values.
	Messages []Term
	// Descriptions are the shape's sh:description values.
	Descriptions []Term

	targetClass, targetSubjectsOf, targetObjectsOf []Term
	constraints                                    []constraint
}

type constraint struct {
	component string // "" for sh:property
	term      Term   // sh:class, sh:nodeKind, sh:hasValue, sh:datatype value
	count     int    // sh:minCount, sh:maxCount, sh:qualifiedMinCount
	shape     *Shape // sh:node, sh:property, sh:qualifiedValueShape
	shapes    []*Shape
	pattern   *regexp.Regexp
	param     string // the parameter's value as text, for messages
	value     Term   // the parameter's value (zero for sh:or, sh:and)
}

// Shapes is a loaded shapes graph, ready to validate data graphs. It is
// safe for concurrent use.
type Shapes struct {
	g      *Graph
	shapes map[Term]*Shape
	order  []*Shape
	// top are the shapes with targets and constraints: what validation
	// starts from.
	top []*Shape
}

// Load compiles the shapes graph g. It fails, wrapping ErrUnsupported,
// when g uses a target, constraint component, path, severity or datatype
// that this package does not implement.
func Load(g *Graph) (*Shapes, error) {
	if err := scan(g); err != nil {
		return nil, err
	}
	s := &Shapes{g: g, shapes: map[Term]*Shape{}}
	isShape := func(n Term) bool {
		for p := range g.out[n] {
			if strings.HasPrefix(p.Value, SH) && p.Value != SH+"message" {
				return true
			}
		}
		for _, t := range g.Objects(n, NewIRI(RDF+"type")) {
			if t.Value == SH+"NodeShape" || t.Value == SH+"PropertyShape" {
				return true
			}
		}
		return false
	}
	// Named shapes first, in document order, then blank-node shapes no
	// named shape uses.
	var blanks []Term
	seen := map[Term]bool{}
	for _, t := range g.Triples() {
		n := t.S
		if seen[n] || !isShape(n) {
			continue
		}
		seen[n] = true
		if n.Kind != IRI {
			blanks = append(blanks, n)
			continue
		}
		if _, err := s.compile(n, n.Value); err != nil {
			return nil, err
		}
	}
	k := 0
	for _, n := range blanks {
		if _, ok := s.shapes[n]; ok {
			continue
		}
		k++
		if _, err := s.compile(n, fmt.Sprintf("_:shape%d", k)); err != nil {
			return nil, err
		}
	}
	if err := s.checkRecursion(); err != nil {
		return nil, err
	}
	for _, sh := range s.order {
		hasTarget := len(sh.targetClass)+len(sh.targetSubjectsOf)+len(sh.targetObjectsOf) > 0
		if hasTarget && len(sh.constraints) > 0 {
			s.top = append(s.top, sh)
		}
	}
	return s, nil
}

// scan checks every triple of the shapes graph for SHACL terms this
// package does not implement.
func scan(g *Graph) error {
	var bad []string
	for _, t := range g.Triples() {
		p := t.P.Value
		switch {
		case p == RDF+"type" && strings.HasPrefix(t.O.Value, SH):
			if t.O.Value != SH+"NodeShape" && t.O.Value != SH+"PropertyShape" {
				bad = append(bad, fmt.Sprintf("%s a %s", t.S, t.O))
			}
		case p == RDF+"type" && (t.O.Value == RDFS+"Class" || t.O.Value == OWL+"Class") && shapeLike(g, t.S):
			bad = append(bad, fmt.Sprintf("%s is a class and a shape (implicit class target)", t.S))
		case !strings.HasPrefix(p, SH):
		case parameters[p] != "" || p == SH+"property" || targets[p] || informational[p]:
		case notSHACL[p] != "":
		default:
			bad = append(bad, fmt.Sprintf("%s %s", t.S, t.P))
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return fmt.Errorf("%w: %s", ErrUnsupported, strings.Join(bad, "; "))
	}
	return nil
}

func shapeLike(g *Graph, n Term) bool {
	for p := range g.out[n] {
		if strings.HasPrefix(p.Value, SH) {
			return true
		}
	}
	return false
}

func unsupported(n Term, format string, args ...any) error {
	return fmt.Errorf("%w: shape %s: %s", ErrUnsupported, n, fmt.Sprintf(format, args...))
}

func (s *Shapes) compile(n Term, name string) (*Shape, error) {
	if sh, ok := s.shapes[n]; ok {
		return sh, nil
	}
	g := s.g
	if n.Kind == IRI {
		name = n.Value
	}
	sh := &Shape{Node: n, Name: name, Severity: Violation}
	s.shapes[n] = sh
	s.order = append(s.order, sh)
	one := func(p string) ([]Term, error) {
		v := g.Objects(n, NewIRI(SH+p))
		if len(v) > 1 {
			return nil, unsupported(n, "%d values of sh:%s", len(v), p)
		}
		return v, nil
	}
	if v, err := one("path"); err != nil {
		return nil, err
	} else if len(v) == 1 {
		if v[0].Kind != IRI {
			return nil, unsupported(n, "sh:path %s is not a predicate path", v[0])
		}
		sh.Path = v[0]
	}
	if v, err := one("severity"); err != nil {
		return nil, err
	} else if len(v) == 1 {
		if v[0].Value != Violation && v[0].Value != Warning {
			return nil, unsupported(n, "severity %s", v[0])
		}
		sh.Severity = v[0].Value
	}
	sh.Messages = g.Objects(n, NewIRI(SH+"message"))
	sh.Descriptions = g.Objects(n, NewIRI(SH+"description"))
	sh.targetClass = g.Objects(n, NewIRI(SH+"targetClass"))
	sh.targetSubjectsOf = g.Objects(n, NewIRI(SH+"targetSubjectsOf"))
	sh.targetObjectsOf = g.Objects(n, NewIRI(SH+"targetObjectsOf"))
	prop := sh.Path.Kind == IRI && sh.Path.Value != ""

	child := func(c Term, role string) (*Shape, error) {
		return s.compile(c, name+"/"+role)
	}
	count := func(p string, v Term) (int, error) {
		k, err := strconv.Atoi(v.Value)
		if v.Kind != Literal || err != nil || k < 0 {
			return 0, unsupported(n, "sh:%s %s is not a non-negative integer", p, v)
		}
		return k, nil
	}
	// Constraints in a fixed order, one per parameter value.
	for _, v := range g.Objects(n, NewIRI(SH+"class")) {
		if v.Kind != IRI {
			return nil, unsupported(n, "sh:class %s is not an IRI", v)
		}
		sh.constraints = append(sh.constraints, constraint{component: ClassComponent, term: v, param: v.Value, value: v})
	}
	for _, v := range g.Objects(n, NewIRI(SH+"nodeKind")) {
		if !nodeKinds[v.Value] || v.Kind != IRI {
			return nil, unsupported(n, "sh:nodeKind %s", v)
		}
		sh.constraints = append(sh.constraints, constraint{component: NodeKindComponent, term: v, param: v.Value, value: v})
	}
	for _, p := range []string{"minCount", "maxCount"} {
		for _, v := range g.Objects(n, NewIRI(SH+p)) {
			if !prop {
				return nil, unsupported(n, "sh:%s on a node shape", p)
			}
			k, err := count(p, v)
			if err != nil {
				return nil, err
			}
			sh.constraints = append(sh.constraints, constraint{component: parameters[SH+p], count: k, param: v.Value, value: v})
		}
	}
	for _, v := range g.Objects(n, NewIRI(SH+"datatype")) {
		if datatypes[v.Value] == nil || v.Kind != IRI {
			return nil, unsupported(n, "sh:datatype %s (implemented: xsd:date, xsd:dateTime, xsd:decimal, xsd:duration, xsd:hexBinary)", v)
		}
		sh.constraints = append(sh.constraints, constraint{component: DatatypeComponent, term: v, param: v.Value, value: v})
	}
	for _, v := range g.Objects(n, NewIRI(SH+"pattern")) {
		if v.Kind != Literal {
			return nil, unsupported(n, "sh:pattern %s is not a literal", v)
		}
		re, err := regexp.Compile(v.Value)
		if err != nil {
			return nil, unsupported(n, "sh:pattern %q: %v", v.Value, err)
		}
		sh.constraints = append(sh.constraints, constraint{component: PatternComponent, pattern: re, param: v.Value, value: v})
	}
	for _, v := range g.Objects(n, NewIRI(SH+"hasValue")) {
		sh.constraints = append(sh.constraints, constraint{component: HasValueComponent, term: v, param: v.String(), value: v})
	}
	for _, v := range g.Objects(n, NewIRI(SH+"node")) {
		c, err := child(v, "node")
		if err != nil {
			return nil, err
		}
		sh.constraints = append(sh.constraints, constraint{component: NodeComponent, shape: c, param: c.Name, value: v})
	}
	for _, p := range []string{"or", "and"} {
		for _, v := range g.Objects(n, NewIRI(SH+p)) {
			if p == "and" && prop {
				// rdf-validate-shacl gives sh:and on a property shape a
				// meaning of its own; the DCAT-AP-NO shapes do not use it.
				return nil, unsupported(n, "sh:and on a property shape")
			}
			members, err := g.list(v)
			if err != nil {
				return nil, unsupported(n, "sh:%s: %v", p, err)
			}
			c := constraint{component: parameters[SH+p]}
			var names []string
			for i, m := range members {
				ms, err := child(m, fmt.Sprintf("%s[%d]", p, i+1))
				if err != nil {
					return nil, err
				}
				c.shapes = append(c.shapes, ms)
				names = append(names, ms.Name)
			}
			c.param = strings.Join(names, ", ")
			sh.constraints = append(sh.constraints, c)
		}
	}
	qvs, err := one("qualifiedValueShape")
	if err != nil {
		return nil, err
	}
	qmin, err := one("qualifiedMinCount")
	if err != nil {
		return nil, err
	}
	switch {
	case len(qvs) != len(qmin):
		return nil, unsupported(n, "sh:qualifiedValueShape without sh:qualifiedMinCount, or the reverse (sh:qualifiedMaxCount is not implemented)")
	case len(qvs) == 1 && !prop:
		return nil, unsupported(n, "sh:qualifiedValueShape on a node shape")
	case len(qvs) == 1:
		k, err := count("qualifiedMinCount", qmin[0])
		if err != nil {
			return nil, err
		}
		c, err := child(qvs[0], "qualifiedValueShape")
		if err != nil {
			return nil, err
		}
		sh.constraints = append(sh.constraints, constraint{component: QualifiedMinCountComponent, count: k, shape: c, param: qmin[0].Value, value: qmin[0]})
	}
	paths := map[string]int{}
	for _, v := range g.Objects(n, NewIRI(SH+"property")) {
		role := "property"
		if p := g.Objects(v, NewIRI(SH+"path")); len(p) == 1 {
			paths[p[0].Value]++
			role = "property[" + p[0].Value + "]"
			if k := paths[p[0].Value]; k > 1 {
				role += "#" + strconv.Itoa(k)
			}
		}
		c, err := child(v, role)
		if err != nil {
			return nil, err
		}
		if c.Path.IsZero() {
			return nil, unsupported(n, "sh:property %s has no sh:path", v)
		}
		sh.constraints = append(sh.constraints, constraint{shape: c})
	}
	return sh, nil
}

// checkRecursion refuses shapes that refer to themselves: SHACL leaves
// their meaning open.
func (s *Shapes) checkRecursion() error {
	state := map[*Shape]int{} // 1 visiting, 2 done
	var visit func(*Shape) error
	visit = func(sh *Shape) error {
		switch state[sh] {
		case 1:
			return unsupported(sh.Node, "recursive shape %s", sh.Name)
		case 2:
			return nil
		}
		state[sh] = 1
		for _, c := range sh.constraints {
			for _, x := range append([]*Shape{c.shape}, c.shapes...) {
				if x != nil {
					if err := visit(x); err != nil {
						return err
					}
				}
			}
		}
		state[sh] = 2
		return nil
	}
	for _, sh := range s.order {
		if err := visit(sh); err != nil {
			return err
		}
	}
	return nil
}

// Shape returns the compiled shape of a node of the shapes graph.
func (s *Shapes) Shape(n Term) (*Shape, bool) {
	sh, ok := s.shapes[n]
	return sh, ok
}

// All returns every shape, in the order they were compiled.
func (s *Shapes) All() []*Shape { return s.order }

// Graph returns the shapes graph.
func (s *Shapes) Graph() *Graph { return s.g }
