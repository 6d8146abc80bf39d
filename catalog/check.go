package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/dele-opendata/dele/catalog/shacl"
)

// Check parses a catalog document (Turtle or N-Triples) and validates it
// (see Validate): the official DCAT-AP-NO 2.00 SHACL shapes, embedded in
// the binary with the vocabulary subsets the catalog uses, and the
// harvester rules the shapes do not express. It returns an error when the
// document cannot be parsed.
func Check(doc []byte) ([]Problem, error) {
	g, err := Parse(doc)
	if err != nil {
		return nil, fmt.Errorf("catalog check: %w", err)
	}
	ps, err := Validate(g)
	if err != nil {
		return nil, fmt.Errorf("catalog check: %w", err)
	}
	return ps, nil
}

// ErrFormat is wrapped by Parse's error for documents that are not Turtle
// or N-Triples.
var ErrFormat = errors.New("not a Turtle or N-Triples document")

// Parse reads a Turtle or N-Triples document into a Graph with the
// github.com/knakk/rdf parser. RDF/XML and JSON-LD are refused with
// ErrFormat (that parser's RDF/XML reader mistakes mailto: IRIs for
// prefixed names); check catalog.ttl, which has the same triples.
func Parse(doc []byte) (*Graph, error) {
	trimmed := bytes.TrimSpace(doc)
	if bytes.HasPrefix(trimmed, []byte("<?xml")) || bytes.HasPrefix(trimmed, []byte("<rdf:RDF")) {
		return nil, fmt.Errorf("%w: this looks like RDF/XML", ErrFormat)
	}
	if bytes.HasPrefix(trimmed, []byte("{")) || bytes.HasPrefix(trimmed, []byte("[")) {
		return nil, fmt.Errorf("%w: this looks like JSON-LD", ErrFormat)
	}
	sg := shacl.NewGraph()
	if err := sg.ParseBytes(doc, ""); err != nil {
		return nil, err
	}
	g := NewGraph()
	for _, t := range sg.Triples() {
		g.addParsed(fromSHACL(t.S), fromSHACL(t.P), fromSHACL(t.O))
	}
	return g, nil
}

var digits9 = regexp.MustCompile(`^[0-9]{9}$`)

type checker struct {
	g   *Graph
	out []Problem
}

func (c *checker) add(res, iri, prop, format string, args ...any) {
	c.out = append(c.out, Problem{Severity: SeverityViolation, Resource: res, IRI: iri, Property: prop, Message: fmt.Sprintf(format, args...)})
}

func short(iri string) string {
	if p, l, ok := compact(iri); ok {
		return p + ":" + l
	}
	return "<" + iri + ">"
}

// lastSegment names a resource by the last segment of its IRI path.
func lastSegment(t Term) string {
	if t.Kind == KindBlank {
		return "_:" + t.Value
	}
	v := strings.TrimRight(strings.SplitN(t.Value, "#", 2)[0], "/")
	return path.Base(v)
}

// HarvesterChecks checks what DCAT-AP-NO and the national harvester
// require, in Go: one dcat:Catalog with identifier, title, description and
// publisher; datasets listed in it, with identifier, title, description,
// one publisher, an EU data theme and a contact point with name and e-mail;
// publishers with a name and an organisation number; distributions with an
// access URL, one EU file type and one IANA media type; a data service with
// one endpoint URL; IRIs, not blank nodes, for all of them; typed dates.
// Several of these the official shapes check too (Validate then reports
// the shape's problem instead); the others — blank nodes, contact points,
// publishers, media types, the catalog's own mandatory properties — only
// these rules catch.
func HarvesterChecks(g *Graph) []Problem {
	c := &checker{g: g}
	typ := IRI(RDF + "type")
	cats := g.Subjects(typ, IRI(DCAT+"Catalog"))
	switch len(cats) {
	case 0:
		c.add("catalog", "", "rdf:type", "no dcat:Catalog in the document")
	case 1:
	default:
		c.add("catalog", "", "rdf:type", "%d dcat:Catalog resources; the harvester wants one catalog per document", len(cats))
	}
	listed := map[Term]bool{}
	for _, cat := range cats {
		name := "catalog"
		c.resource(name, cat)
		c.exactlyOne(name, cat, DCT+"identifier", false)
		c.atLeastOne(name, cat, DCT+"title", false)
		c.atLeastOne(name, cat, DCT+"description", false)
		c.exactlyOne(name, cat, DCT+"publisher", true)
		c.dates(name, cat)
		for _, d := range g.Objects(cat, IRI(DCAT+"dataset")) {
			listed[d] = true
		}
	}
	for _, ds := range g.Subjects(typ, IRI(DCAT+"Dataset")) {
		name := "dataset " + lastSegment(ds)
		c.resource(name, ds)
		if len(cats) > 0 && !listed[ds] {
			c.add(name, ds.Value, "dcat:dataset", "not listed in the catalog's dcat:dataset")
		}
		c.atLeastOne(name, ds, DCT+"identifier", false)
		c.atLeastOne(name, ds, DCT+"title", false)
		c.atLeastOne(name, ds, DCT+"description", false)
		c.exactlyOne(name, ds, DCT+"publisher", true)
		themes := g.Objects(ds, IRI(DCAT+"theme"))
		eu := false
		for _, th := range themes {
			eu = eu || strings.HasPrefix(th.Value, EUDataTheme) || strings.HasPrefix(th.Value, "https://publications.europa.eu/resource/authority/data-theme/")
		}
		switch {
		case len(themes) == 0:
			c.add(name, ds.Value, "dcat:theme", "missing dcat:theme")
		case !eu:
			c.add(name, ds.Value, "dcat:theme", "no dcat:theme from the EU data-theme vocabulary (%s…)", EUDataTheme)
		}
		c.contacts(name, ds)
		c.vocab(name, ds, DCT+"accessRights", EUAccessRight, true)
		c.vocab(name, ds, DCT+"accrualPeriodicity", EUFrequency, true)
		c.vocab(name, ds, DCT+"language", EULanguage, false)
		c.dates(name, ds)
		for _, dist := range g.Objects(ds, IRI(DCAT+"distribution")) {
			c.distribution(lastSegment(ds)+"/"+lastSegment(dist), dist)
		}
	}
	for _, s := range g.Subjects(typ, IRI(DCAT+"DataService")) {
		name := "data service " + lastSegment(s)
		c.resource(name, s)
		c.atLeastOne(name, s, DCT+"identifier", false)
		c.atLeastOne(name, s, DCT+"title", false)
		c.exactlyOne(name, s, DCAT+"endpointURL", true)
	}
	seen := map[Term]bool{}
	for _, t := range g.Triples() {
		if t.P.Value != DCT+"publisher" || seen[t.O] {
			continue
		}
		seen[t.O] = true
		name := "publisher " + lastSegment(t.O)
		c.atLeastOne(name, t.O, FOAF+"name", false)
		ids := g.Objects(t.O, IRI(DCT+"identifier"))
		if len(ids) == 0 && !digits9.MatchString(lastSegment(t.O)) {
			c.add(name, t.O.Value, "dct:identifier", "missing dct:identifier (the 9-digit organisation number)")
		}
		for _, id := range ids {
			if !digits9.MatchString(id.Value) {
				c.add(name, t.O.Value, "dct:identifier", "dct:identifier %q is not a 9-digit organisation number", id.Value)
			}
		}
	}
	sort.SliceStable(c.out, func(i, j int) bool { return c.out[i].Resource < c.out[j].Resource })
	return c.out
}

// resource requires an IRI: the harvester drops blank-node resources.
func (c *checker) resource(name string, s Term) {
	if s.Kind == KindBlank {
		c.add(name, "", "", "is a blank node; the harvester drops resources without an IRI")
	}
}

func (c *checker) atLeastOne(name string, s Term, pred string, iri bool) {
	objs := c.g.Objects(s, IRI(pred))
	if len(objs) == 0 {
		c.add(name, s.Value, short(pred), "missing %s", short(pred))
		return
	}
	c.kinds(name, s, pred, objs, iri)
}

func (c *checker) exactlyOne(name string, s Term, pred string, iri bool) {
	objs := c.g.Objects(s, IRI(pred))
	switch {
	case len(objs) == 0:
		c.add(name, s.Value, short(pred), "missing %s", short(pred))
		return
	case len(objs) > 1:
		c.add(name, s.Value, short(pred), "%d values of %s, want exactly one", len(objs), short(pred))
	}
	c.kinds(name, s, pred, objs, iri)
}

func (c *checker) kinds(name string, s Term, pred string, objs []Term, iri bool) {
	for _, o := range objs {
		switch {
		case iri && o.Kind != KindIRI:
			c.add(name, s.Value, short(pred), "%s must be an IRI, not %s", short(pred), o)
		case !iri && o.Kind != KindLiteral:
			c.add(name, s.Value, short(pred), "%s must be a text, not %s", short(pred), o)
		}
	}
}

// vocab checks that every value of pred comes from the vocabulary ns.
func (c *checker) vocab(name string, s Term, pred, ns string, single bool) {
	objs := c.g.Objects(s, IRI(pred))
	if single && len(objs) > 1 {
		c.add(name, s.Value, short(pred), "%d values of %s, want at most one", len(objs), short(pred))
	}
	alt := strings.Replace(ns, "http://", "https://", 1)
	for _, o := range objs {
		if o.Kind != KindIRI || !(strings.HasPrefix(o.Value, ns) || strings.HasPrefix(o.Value, alt)) {
			c.add(name, s.Value, short(pred), "%s %s is not from the vocabulary %s", short(pred), o, ns)
		}
	}
}

func (c *checker) dates(name string, s Term) {
	for _, pred := range []string{DCT + "issued", DCT + "modified"} {
		objs := c.g.Objects(s, IRI(pred))
		if len(objs) > 1 {
			c.add(name, s.Value, short(pred), "%d values of %s, want at most one", len(objs), short(pred))
		}
		for _, o := range objs {
			if o.Kind != KindLiteral || (o.Datatype != XSD+"date" && o.Datatype != XSD+"dateTime") {
				c.add(name, s.Value, short(pred), "%s %s must be typed xsd:date or xsd:dateTime", short(pred), o)
			}
		}
	}
}

func (c *checker) contacts(name string, s Term) {
	cps := c.g.Objects(s, IRI(DCAT+"contactPoint"))
	if len(cps) == 0 {
		c.add(name, s.Value, "dcat:contactPoint", "missing dcat:contactPoint")
		return
	}
	for _, cp := range cps {
		types := c.g.Objects(cp, IRI(RDF+"type"))
		ok := false
		for _, t := range types {
			ok = ok || t.Value == VCARD+"Organization" || t.Value == VCARD+"Group"
		}
		if !ok {
			c.add(name, s.Value, "dcat:contactPoint", "contact point %s is not typed vcard:Organization", cp)
		}
		if len(c.g.Objects(cp, IRI(VCARD+"fn"))) == 0 {
			c.add(name, s.Value, "vcard:fn", "contact point %s: missing vcard:fn", cp)
		}
		mails := c.g.Objects(cp, IRI(VCARD+"hasEmail"))
		if len(mails) == 0 {
			c.add(name, s.Value, "vcard:hasEmail", "contact point %s: missing vcard:hasEmail", cp)
		}
		for _, m := range mails {
			if m.Kind != KindIRI || !strings.HasPrefix(m.Value, "mailto:") {
				c.add(name, s.Value, "vcard:hasEmail", "contact point %s: vcard:hasEmail %s must be a mailto: IRI", cp, m)
			}
		}
	}
}

func (c *checker) distribution(id string, d Term) {
	name := "distribution " + id
	c.resource(name, d)
	c.atLeastOne(name, d, DCAT+"accessURL", true)
	formats := c.g.Objects(d, IRI(DCT+"format"))
	if len(formats) != 1 {
		c.add(name, d.Value, "dct:format", "%d values of dct:format, want exactly one", len(formats))
	}
	c.vocab(name, d, DCT+"format", EUFileType, true)
	types := c.g.Objects(d, IRI(DCAT+"mediaType"))
	if len(types) != 1 {
		c.add(name, d.Value, "dcat:mediaType", "%d values of dcat:mediaType, want exactly one", len(types))
	}
	c.vocab(name, d, DCAT+"mediaType", IANAMediaType, true)
	c.vocab(name, d, DCT+"license", EULicence, true)
	for _, b := range c.g.Objects(d, IRI(DCAT+"byteSize")) {
		if b.Datatype != XSD+"decimal" {
			c.add(name, d.Value, "dcat:byteSize", "dcat:byteSize %s must be typed xsd:decimal", b)
		}
	}
	c.dates(name, d)
}
