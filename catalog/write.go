package catalog

import (
	"bufio"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// Format names of the serialisations, as used by Negotiate, FileName and
// Write.
const (
	FormatTurtle   = "turtle"
	FormatJSONLD   = "jsonld"
	FormatRDFXML   = "rdfxml"
	FormatNTriples = "ntriples"
)

// Formats lists every serialisation with its media type and the file name
// the pipeline publishes it under, Turtle first.
var Formats = []struct {
	Name, MediaType, File string
}{
	{FormatTurtle, "text/turtle", "catalog.ttl"},
	{FormatJSONLD, "application/ld+json", "catalog.jsonld"},
	{FormatRDFXML, "application/rdf+xml", "catalog.rdf"},
	{FormatNTriples, "application/n-triples", "catalog.nt"},
}

// Write writes the catalog in the named format.
func (c *Catalog) Write(w io.Writer, format string) error {
	switch format {
	case FormatTurtle:
		return c.Turtle(w)
	case FormatJSONLD:
		return c.JSONLD(w)
	case FormatRDFXML:
		return c.RDFXML(w)
	case FormatNTriples:
		return c.NTriples(w)
	}
	return fmt.Errorf("catalog: unknown format %q", format)
}

// NTriples writes the graph as N-Triples, one triple a line, sorted.
func (c *Catalog) NTriples(w io.Writer) error { return WriteNTriples(w, c.Graph) }

// Turtle writes the graph as Turtle.
func (c *Catalog) Turtle(w io.Writer) error { return WriteTurtle(w, c.Graph) }

// JSONLD writes the graph as JSON-LD.
func (c *Catalog) JSONLD(w io.Writer) error { return WriteJSONLD(w, c.Graph) }

// RDFXML writes the graph as RDF/XML.
func (c *Catalog) RDFXML(w io.Writer) error { return WriteRDFXML(w, c.Graph) }

// WriteNTriples writes g as sorted N-Triples.
func WriteNTriples(w io.Writer, g *Graph) error {
	bw := bufio.NewWriter(w)
	for _, line := range g.NTriplesSet() {
		bw.WriteString(line)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

func writeNTTerm(b *strings.Builder, t Term) {
	switch t.Kind {
	case KindIRI:
		b.WriteString("<" + t.Value + ">")
		return
	case KindBlank:
		b.WriteString("_:" + t.Value)
		return
	}
	b.WriteString(quoteLiteral(t.Value))
	switch {
	case t.Lang != "":
		b.WriteString("@" + t.Lang)
	case t.Datatype != "":
		b.WriteString("^^<" + t.Datatype + ">")
	}
}

// quoteLiteral quotes s for N-Triples and Turtle short strings.
func quoteLiteral(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\u%04X`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

var localRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// compact splits an IRI into a known prefix and a local name that is safe in
// Turtle, JSON-LD and XML element names.
func compact(iri string) (prefix, local string, ok bool) {
	for _, p := range Prefixes {
		if strings.HasPrefix(iri, p.NS) {
			local := iri[len(p.NS):]
			if localRE.MatchString(local) {
				return p.Prefix, local, true
			}
		}
	}
	return "", "", false
}

func turtleTerm(t Term) string {
	if t.Kind == KindBlank {
		return "_:" + t.Value
	}
	if t.IsIRI() {
		if p, l, ok := compact(t.Value); ok {
			return p + ":" + l
		}
		return "<" + t.Value + ">"
	}
	s := quoteLiteral(t.Value)
	switch {
	case t.Lang != "":
		s += "@" + t.Lang
	case t.Datatype != "":
		s += "^^" + turtleTerm(IRI(t.Datatype))
	}
	return s
}

// WriteTurtle writes g as Turtle: the prefixes, then one block per subject
// in the order the subjects were added, with `a` first.
func WriteTurtle(w io.Writer, g *Graph) error {
	bw := bufio.NewWriter(w)
	for _, p := range Prefixes {
		fmt.Fprintf(bw, "@prefix %s: <%s> .\n", p.Prefix, p.NS)
	}
	order, bySubject := g.bySubject()
	for _, s := range order {
		bw.WriteString("\n" + turtleTerm(s))
		triples := bySubject[s]
		// rdf:type first, then the other predicates in first-seen order,
		// each with its objects.
		var preds []Term
		objs := map[Term][]Term{}
		for _, t := range triples {
			if _, ok := objs[t.P]; !ok {
				preds = append(preds, t.P)
			}
			objs[t.P] = append(objs[t.P], t.O)
		}
		if _, ok := objs[rdfType]; ok {
			rest := []Term{rdfType}
			for _, p := range preds {
				if p != rdfType {
					rest = append(rest, p)
				}
			}
			preds = rest
		}
		for i, p := range preds {
			if i > 0 {
				bw.WriteString(" ;")
			}
			pred := turtleTerm(p)
			if p == rdfType {
				pred = "a"
			}
			bw.WriteString("\n    " + pred + " ")
			for j, o := range objs[p] {
				if j > 0 {
					bw.WriteString(" ,\n        ")
				}
				bw.WriteString(turtleTerm(o))
			}
		}
		bw.WriteString(" .\n")
	}
	return bw.Flush()
}

// WriteJSONLD writes g as JSON-LD: a context with the prefixes and a flat
// @graph of node objects in subject order.
func WriteJSONLD(w io.Writer, g *Graph) error {
	ctx := map[string]string{}
	for _, p := range Prefixes {
		ctx[p.Prefix] = p.NS
	}
	short := func(iri string) string {
		if p, l, ok := compact(iri); ok {
			return p + ":" + l
		}
		return iri
	}
	order, bySubject := g.bySubject()
	nodes := make([]map[string]any, 0, len(order))
	for _, s := range order {
		n := map[string]any{"@id": s.Value}
		for _, t := range bySubject[s] {
			if t.P == rdfType && t.O.IsIRI() {
				types, _ := n["@type"].([]string)
				n["@type"] = append(types, short(t.O.Value))
				continue
			}
			var v map[string]string
			switch {
			case t.O.IsIRI():
				v = map[string]string{"@id": t.O.Value}
			case t.O.Lang != "":
				v = map[string]string{"@value": t.O.Value, "@language": t.O.Lang}
			case t.O.Datatype != "":
				v = map[string]string{"@value": t.O.Value, "@type": short(t.O.Datatype)}
			default:
				v = map[string]string{"@value": t.O.Value}
			}
			k := short(t.P.Value)
			list, _ := n[k].([]map[string]string)
			n[k] = append(list, v)
		}
		nodes = append(nodes, n)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(map[string]any{"@context": ctx, "@graph": nodes})
}

// WriteRDFXML writes g as RDF/XML: one rdf:Description per subject.
func WriteRDFXML(w io.Writer, g *Graph) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(xml.Header)
	bw.WriteString("<rdf:RDF")
	for _, p := range Prefixes {
		fmt.Fprintf(bw, "\n    xmlns:%s=\"%s\"", p.Prefix, p.NS)
	}
	bw.WriteString(">\n")
	order, bySubject := g.bySubject()
	for _, s := range order {
		fmt.Fprintf(bw, "  <rdf:Description rdf:about=\"%s\">\n", xmlEscape(s.Value))
		for _, t := range bySubject[s] {
			prefix, local, ok := compact(t.P.Value)
			if !ok {
				return fmt.Errorf("catalog: predicate %s has no prefix for RDF/XML", t.P.Value)
			}
			el := prefix + ":" + local
			switch {
			case t.O.IsIRI():
				fmt.Fprintf(bw, "    <%s rdf:resource=\"%s\"/>\n", el, xmlEscape(t.O.Value))
			case t.O.Lang != "":
				fmt.Fprintf(bw, "    <%s xml:lang=\"%s\">%s</%s>\n", el, xmlEscape(t.O.Lang), xmlEscape(t.O.Value), el)
			case t.O.Datatype != "":
				fmt.Fprintf(bw, "    <%s rdf:datatype=\"%s\">%s</%s>\n", el, xmlEscape(t.O.Datatype), xmlEscape(t.O.Value), el)
			default:
				fmt.Fprintf(bw, "    <%s>%s</%s>\n", el, xmlEscape(t.O.Value), el)
			}
		}
		bw.WriteString("  </rdf:Description>\n")
	}
	bw.WriteString("</rdf:RDF>\n")
	return bw.Flush()
}

func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // a strings.Builder never fails
	return b.String()
}

// xmlChar reports whether r may appear in an XML 1.0 document.
func xmlChar(r rune) bool {
	return r == 0x9 || r == 0xA || r == 0xD || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}
