// rdf-parse.mjs parses RDF documents with independent parsers and prints
// their triples as JSON, for the Go tests of the catalog package to compare
// with the graph they serialised.
//
//	node rdf-parse.mjs FORMAT FILE [FORMAT FILE ...]
//
// FORMAT is turtle, ntriples, jsonld or rdfxml. The output is a JSON array
// with one element per document: the array of its triples {s, p, o}.
//
// Turtle and N-Triples are read with n3, JSON-LD with jsonld (toRDF), RDF/XML
// with rdfxml-streaming-parser. Each term is {t, v, l, d}: t is iri, bnode or
// literal; l the language tag; d the datatype IRI of a literal.
import fs from 'node:fs';
import N3 from 'n3';
import jsonld from 'jsonld';
import { RdfXmlParser } from 'rdfxml-streaming-parser';


function term(x) {
  switch (x.termType) {
    case 'NamedNode': return { t: 'iri', v: x.value };
    case 'BlankNode': return { t: 'bnode', v: x.value };
    case 'Literal': return { t: 'literal', v: x.value, l: x.language || '', d: x.datatype ? x.datatype.value : '' };
    default: throw new Error('unexpected term type ' + x.termType);
  }
}

async function parse(format, text) {
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

const args = process.argv.slice(2);
if (args.length === 0 || args.length % 2 !== 0) {
  console.error('usage: node rdf-parse.mjs FORMAT FILE [FORMAT FILE ...]');
  process.exit(2);
}
try {
  const docs = [];
  for (let i = 0; i < args.length; i += 2) {
    const quads = await parse(args[i], fs.readFileSync(args[i + 1], 'utf8'));
    docs.push(quads.map((q) => {
      if (q.graph && q.graph.termType !== 'DefaultGraph') throw new Error(args[i + 1] + ': triple in a named graph');
      return { s: term(q.subject), p: term(q.predicate), o: term(q.object) };
    }));
  }
  process.stdout.write(JSON.stringify(docs) + '\n');
} catch (e) {
  console.error(String(e && e.stack || e));
  process.exit(1);
}
