// rdf-shacl.mjs validates RDF data against SHACL shapes with rdf-validate-shacl
// and prints the validation report as JSON on stdout. Used by the Go tests of
// the catalog package.
//
//	node rdf-shacl.mjs --shapes a.ttl [--shapes b.ttl] data.ttl [vocab.ttl ...]
//	node rdf-shacl.mjs --shapes a.ttl --batch cases.json
//
// Data files ending in .nt are read as N-Triples, others as Turtle. Every
// data file goes into one graph. With --batch, cases.json maps case names to
// lists of data files; each case is validated on its own (the shapes are
// parsed once) and the output maps each name to its report.
import fs from 'node:fs';
import N3 from 'n3';
import factory from '@zazuko/env';
import SHACLValidator from 'rdf-validate-shacl';

function load(file, into) {
  const format = file.endsWith('.nt') ? 'N-Triples' : 'Turtle';
  const parser = new N3.Parser({ format, baseIRI: 'file://' + file });
  for (const q of parser.parse(fs.readFileSync(file, 'utf8'))) {
    into.add(q);
  }
}

const shapeFiles = [];
const dataFiles = [];
let batch = null;
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--shapes') shapeFiles.push(args[++i]);
  else if (args[i] === '--batch') batch = args[++i];
  else dataFiles.push(args[i]);
}
if (shapeFiles.length === 0 || (dataFiles.length === 0) === (batch === null)) {
  console.error('usage: node rdf-shacl.mjs --shapes shapes.ttl (data.ttl [more data files] | --batch cases.json)');
  process.exit(2);
}
const shapes = factory.dataset();
shapeFiles.forEach((f) => load(f, shapes));

const term = (t) => (t ? t.value : null);
async function validate(files) {
  const data = factory.dataset();
  files.forEach((f) => load(f, data));
  // A fresh validator per data graph: it keeps state between runs.
  const validator = new SHACLValidator(shapes, { factory });
  const report = await validator.validate(data);
  const results = report.results.map((r) => ({
    focusNode: term(r.focusNode),
    path: term(r.path),
    value: term(r.value),
    severity: term(r.severity),
    sourceShape: term(r.sourceShape),
    constraint: term(r.sourceConstraintComponent),
    message: r.message.map((m) => m.value),
  }));
  return { conforms: report.conforms, results };
}

let out;
if (batch) {
  out = {};
  for (const [name, files] of Object.entries(JSON.parse(fs.readFileSync(batch, 'utf8')))) {
    out[name] = await validate(files);
  }
} else {
  out = await validate(dataFiles);
}
process.stdout.write(JSON.stringify(out, null, 1) + '\n');
