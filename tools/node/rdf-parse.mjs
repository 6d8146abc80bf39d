// rdf-parse.mjs parses one RDF document with an independent parser and
// prints its triples as JSON, one object per triple, for the Go tests of
// the catalog package to compare with the graph they serialised.
//
//	node rdf-parse.mjs turtle|ntriples|jsonld|rdfxml FILE
//
// Turtle and N-Triples are read with n3, JSON-LD with jsonld (toRDF), RDF/XML
// with rdfxml-streaming-parser. Each term is {t, v, l, d}: t is iri, bnode or
// literal; l the language tag; d the datatype IRI of a literal.
import fs from 'node:fs';
import N3 from 'n3';
import jsonld from 'jsonld';
import { RdfXmlParser } from 'rdfxml-streaming-parser';

const [format, file] = process.argv.slice(2);
const text = fs.readFileSync(file, 'utf8');

function term(x) {
  switch (x.termType) {
    case 'NamedNode': return { t: 'iri', v: x.value };
    case 'BlankNode': return { t: 'bnode', v: x.value };
    case 'Literal': return { t: 'literal', v: x.value, l: x.language || '', d: x.datatype ? x.datatype.value : '' };
    default: throw new Error('unexpected term type ' + x.termType);
  }
}

async function parse() {
  switch (format) {
    case 'turtle':
      return new N3.Parser({ format: 'Turtle' }).parse(text);
    case 'ntriples':
      return new N3.Parser({ format: 'N-Triples' }).parse(text);
    case 'jsonld':
      // No document loader: the document must not fetch remote contexts.
      return await jsonld.toRDF(JSON.parse(text), {
        documentLoader: (url) => { throw new Error('remote context not allowed: ' + url); },
      });
    case 'rdfxml':
      return await new Promise((resolve, reject) => {
        const quads = [];
        const parser = new RdfXmlParser({ baseIRI: 'http://invalid.example/' });
        parser.on('data', (q) => quads.push(q));
        parser.on('error', reject);
        parser.on('end', () => resolve(quads));
        parser.write(text);
        parser.end();
      });
    default:
      throw new Error('unknown format ' + format);
  }
}

try {
  const quads = await parse();
  const out = quads.map((q) => {
    if (q.graph && q.graph.termType !== 'DefaultGraph') throw new Error('triple in a named graph');
    return { s: term(q.subject), p: term(q.predicate), o: term(q.object) };
  });
  process.stdout.write(JSON.stringify(out) + '\n');
} catch (e) {
  console.error(String(e && e.stack || e));
  process.exit(1);
}
