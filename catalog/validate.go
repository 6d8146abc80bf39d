package catalog

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"

	"github.com/dele-opendata/dele/catalog/shacl"
)

// ShapesFile is the name of the official DCAT-AP-NO 2.00 SHACL shapes
// (Digitaliseringsdirektoratet, see shapes/SOURCE.md) embedded in the
// binary.
const ShapesFile = "shapes/DCAT-AP-NO-shacl_shapes_2.00.ttl"

//go:embed shapes/DCAT-AP-NO-shacl_shapes_2.00.ttl
var shapesTTL []byte

// The vocabulary subsets (vocab/SOURCE.md): the concepts of the EU, IANA
// and LOS vocabularies the catalog uses, with their skos:inScheme.
//
//go:embed vocab/*.ttl
var vocabFS embed.FS

var (
	officialShapes = sync.OnceValues(func() (*shacl.Shapes, error) {
		g := shacl.NewGraph()
		if err := g.ParseBytes(shapesTTL, ""); err != nil {
			return nil, fmt.Errorf("DCAT-AP-NO shapes: %w", err)
		}
		s, err := shacl.Load(g)
		if err != nil {
			return nil, fmt.Errorf("DCAT-AP-NO shapes: %w", err)
		}
		return s, nil
	})
	vocabularies = sync.OnceValues(func() (*shacl.Graph, error) {
		g := shacl.NewGraph()
		files, err := fs.Glob(vocabFS, "vocab/*.ttl")
		if err != nil {
			return nil, err
		}
		for i, f := range files {
			b, err := vocabFS.ReadFile(f)
			if err != nil {
				return nil, err
			}
			if err := g.ParseBytes(b, fmt.Sprintf("vocab%d-", i)); err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
		}
		return g, nil
	})
)

// OfficialShapes returns the embedded DCAT-AP-NO 2.00 shapes, loaded once.
// The error is not nil only if this package's validator does not implement
// something the shapes use (see package shacl).
func OfficialShapes() (*shacl.Shapes, error) { return officialShapes() }

// VocabularyFiles returns the names and contents of the embedded
// vocabulary subsets.
func VocabularyFiles() (map[string][]byte, error) {
	files, err := fs.Glob(vocabFS, "vocab/*.ttl")
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for _, f := range files {
		b, err := vocabFS.ReadFile(f)
		if err != nil {
			return nil, err
		}
		out[f] = b
	}
	return out, nil
}

// toSHACL converts a catalog graph to the validator's graph type.
func toSHACL(g *Graph, into *shacl.Graph) {
	conv := func(t Term) shacl.Term {
		switch t.Kind {
		case KindIRI:
			return shacl.NewIRI(t.Value)
		case KindBlank:
			return shacl.Term{Kind: shacl.Blank, Value: t.Value}
		}
		return shacl.Term{Kind: shacl.Literal, Value: t.Value, Lang: t.Lang, Datatype: t.Datatype}
	}
	for _, t := range g.Triples() {
		into.Add(conv(t.S), conv(t.P), conv(t.O))
	}
}

// fromSHACL converts a validator term to a catalog term.
func fromSHACL(t shacl.Term) Term {
	switch t.Kind {
	case shacl.IRI:
		return IRI(t.Value)
	case shacl.Blank:
		return Term{Kind: KindBlank, Value: t.Value}
	}
	if t.Lang != "" {
		return LangLit(t.Value, t.Lang)
	}
	return Typed(t.Value, t.Datatype)
}

// ValidateSHACL validates a catalog graph against the official shapes,
// with the vocabulary subsets added to the data graph. It returns the raw
// SHACL results and the data graph they refer to.
func ValidateSHACL(g *Graph) ([]shacl.Result, *shacl.Graph, error) {
	shapes, err := OfficialShapes()
	if err != nil {
		return nil, nil, err
	}
	vocab, err := vocabularies()
	if err != nil {
		return nil, nil, fmt.Errorf("vocabularies: %w", err)
	}
	data := shacl.NewGraph()
	toSHACL(g, data)
	for _, t := range vocab.Triples() {
		data.Add(t.S, t.P, t.O)
	}
	return shapes.Validate(data), data, nil
}

// Severity says how bad a Problem is.
type Severity string

// Severities. A violation keeps data.norge.no from accepting the catalog
// (or the harvester from reading a resource); a warning is a
// recommendation of the shapes.
const (
	SeverityViolation Severity = "violation"
	SeverityWarning   Severity = "warning"
)

// Problem is one problem Check found, in plain language.
type Problem struct {
	// Severity is SeverityViolation or SeverityWarning.
	Severity Severity
	// Resource names the resource: "catalog", "dataset valglokaler",
	// "distribution valglokaler/csv", "data service …", "publisher …".
	Resource string
	// IRI is the resource's IRI ("" for a blank node).
	IRI string
	// Property is the property concerned, as a prefixed name (dct:publisher).
	Property string
	// Message says what is wrong, in English: "missing dct:publisher".
	Message string
	// MessageNB is the shape's own message, in bokmål, when the problem
	// comes from the official shapes and the shape has one.
	MessageNB string
	// Shape names the DCAT-AP-NO shape that found the problem; "" for the
	// harvester rules Dele checks itself.
	Shape string
}

// String returns "<resource>: <message>", e.g.
// "dataset valglokaler: missing dct:publisher".
func (p Problem) String() string { return p.Resource + ": " + p.Message }

// Validate checks a catalog graph: the official DCAT-AP-NO 2.00 shapes,
// then the harvester rules the shapes do not express (HarvesterChecks),
// leaving out a harvester problem when a shape already reports a problem
// with the same resource and property. Violations come first, then
// warnings, each sorted by resource.
func Validate(g *Graph) ([]Problem, error) {
	results, data, err := ValidateSHACL(g)
	if err != nil {
		return nil, err
	}
	var out []Problem
	covered := map[[2]string]bool{}
	seen := map[Problem]bool{}
	for _, r := range results {
		p := describeResult(g, data, r)
		covered[[2]string{p.IRI, p.Property}] = true
		// Two shapes can check the same thing (Distribution_ShapeCV checks
		// dct:format twice): one line is enough.
		key := p
		key.Shape = ""
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, p)
	}
	for _, p := range HarvesterChecks(g) {
		if p.IRI != "" && covered[[2]string{p.IRI, p.Property}] {
			continue
		}
		out = append(out, p)
	}
	rank := map[Severity]int{SeverityViolation: 0, SeverityWarning: 1}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if rank[a.Severity] != rank[b.Severity] {
			return rank[a.Severity] < rank[b.Severity]
		}
		if a.Resource != b.Resource {
			return a.Resource < b.Resource
		}
		if a.Property != b.Property {
			return a.Property < b.Property
		}
		return a.Message < b.Message
	})
	return out, nil
}

// describeResult turns a SHACL result into a Problem.
func describeResult(g *Graph, data *shacl.Graph, r shacl.Result) Problem {
	focus := fromSHACL(r.Focus)
	p := Problem{Severity: SeverityViolation, Resource: resourceName(g, focus), Shape: shortShape(r.Shape.Name)}
	if r.Severity == shacl.Warning {
		p.Severity = SeverityWarning
	}
	if focus.Kind == KindIRI {
		p.IRI = focus.Value
	}
	prop := ""
	if !r.Path.IsZero() {
		prop = short(r.Path.Value)
		p.Property = prop
	}
	for _, m := range r.Shape.Messages {
		if m.Lang == "nb" || m.Lang == "no" || m.Lang == "" {
			p.MessageNB = m.Value
		}
	}
	if p.MessageNB == "" {
		for _, d := range r.Shape.Descriptions {
			if d.Lang == "nb" || d.Lang == "no" {
				p.MessageNB = d.Value
			}
		}
	}
	p.Message = englishMessage(data, r, prop)
	for _, m := range r.Shape.Messages {
		if m.Lang == "en" {
			p.Message = m.Value
		}
	}
	return p
}

// shortShape names a shape by its local name: "Dataset_Shape",
// "Dataset_Shape/property[dct:publisher]".
func shortShape(name string) string {
	name = strings.TrimPrefix(name, "https://data.norge.no/vocabulary/dcatno-shacl#")
	if i := strings.Index(name, "["); i >= 0 {
		if j := strings.Index(name[i:], "]"); j > 0 {
			name = name[:i+1] + short(name[i+1:i+j]) + name[i+j:]
		}
	}
	return name
}

// englishMessage says in English what a SHACL result means.
func englishMessage(data *shacl.Graph, r shacl.Result, prop string) string {
	subject := prop
	if subject == "" {
		subject = "the resource"
	}
	value := ""
	if !r.Value.IsZero() {
		value = " " + termText(fromSHACL(r.Value))
	}
	n := len(data.Objects(r.Focus, r.Path))
	switch r.Component {
	case shacl.MinCountComponent:
		if n == 0 {
			return "missing " + subject
		}
		return fmt.Sprintf("%d value(s) of %s, want at least %s", n, subject, r.Parameter.Value)
	case shacl.MaxCountComponent:
		return fmt.Sprintf("%d values of %s, want at most %s", n, subject, r.Parameter.Value)
	case shacl.NodeKindComponent:
		kind := map[string]string{
			shacl.SH + "IRI": "an IRI", shacl.SH + "Literal": "a text (literal)",
			shacl.SH + "BlankNodeOrIRI": "an IRI or a blank node",
		}[r.Parameter.Value]
		if kind == "" {
			kind = short(r.Parameter.Value)
		}
		return subject + value + " must be " + kind
	case shacl.DatatypeComponent:
		return subject + value + " must be a valid " + short(r.Parameter.Value)
	case shacl.ClassComponent:
		return subject + value + " must be a " + short(r.Parameter.Value)
	case shacl.HasValueComponent:
		return subject + " must have the value " + termText(fromSHACL(r.Parameter))
	case shacl.NodeComponent:
		if strings.HasSuffix(r.Parameter.Value, "Restriction") {
			return subject + value + " is not a concept of the controlled vocabulary required by " + shortShape(r.Parameter.Value) + " (no matching skos:inScheme)"
		}
		return subject + value + " does not meet " + shortShape(r.Parameter.Value)
	case shacl.QualifiedMinCountComponent:
		if shapes, err := OfficialShapes(); err == nil && r.Qualified != nil {
			for _, n := range shapes.Graph().Objects(r.Qualified.Node, shacl.NewIRI(shacl.SH+"node")) {
				if strings.HasSuffix(n.Value, "Restriction") {
					return fmt.Sprintf("fewer than %s value(s) of %s from the controlled vocabulary required by %s", r.Parameter.Value, subject, shortShape(n.Value))
				}
			}
		}
		return fmt.Sprintf("fewer than %s value(s) of %s conform to the qualified value shape", r.Parameter.Value, subject)
	case shacl.OrComponent:
		var alts []string
		for _, a := range r.Alternatives {
			switch a.Component {
			case shacl.DatatypeComponent:
				alts = append(alts, "a valid "+short(a.Parameter.Value))
			case shacl.ClassComponent:
				alts = append(alts, "a "+short(a.Parameter.Value))
			case shacl.HasValueComponent:
				alts = append(alts, termText(fromSHACL(a.Parameter)))
			case shacl.PatternComponent:
				alts = append(alts, "matching "+a.Parameter.Value)
			default:
				return subject + value + " is none of the allowed alternatives"
			}
		}
		return subject + value + " must be " + strings.Join(alts, " or ")
	case shacl.PatternComponent:
		return subject + value + " does not match the pattern " + r.Parameter.Value
	}
	return subject + value + ": " + r.Default
}

// termText shows a term briefly: a prefixed name, <IRI>, or a quoted text.
func termText(t Term) string {
	switch t.Kind {
	case KindIRI:
		return short(t.Value)
	case KindBlank:
		return "_:" + t.Value
	}
	s := t.Value
	if len(s) > 60 {
		s = s[:57] + "…"
	}
	return fmt.Sprintf("%q", s)
}

// resourceName names a resource for a person: "catalog", "dataset x",
// "distribution x/csv", "data service api", "publisher 964965226",
// "contact point …", "checksum of distribution x/csv", or the IRI.
func resourceName(g *Graph, n Term) string {
	typ := IRI(RDF + "type")
	has := func(class string) bool {
		for _, t := range g.Objects(n, typ) {
			if t.Value == class {
				return true
			}
		}
		return false
	}
	distName := func(d Term) string {
		for _, ds := range g.Subjects(IRI(DCAT+"distribution"), d) {
			return "distribution " + lastSegment(ds) + "/" + lastSegment(d)
		}
		return "distribution " + lastSegment(d)
	}
	switch {
	case has(DCAT + "Catalog"):
		return "catalog"
	case has(DCAT + "Dataset"):
		return "dataset " + lastSegment(n)
	case has(DCAT + "Distribution"):
		return distName(n)
	case has(DCAT + "DataService"):
		return "data service " + lastSegment(n)
	case has(SPDX + "Checksum"):
		for _, d := range g.Subjects(IRI(SPDX+"checksum"), n) {
			return "checksum of " + distName(d)
		}
	}
	if len(g.Subjects(IRI(DCT+"publisher"), n)) > 0 {
		return "publisher " + lastSegment(n)
	}
	if len(g.Subjects(IRI(DCAT+"contactPoint"), n)) > 0 {
		return "contact point " + lastSegment(n)
	}
	return termText(n)
}
