// Reads Parquet or CSV files with DuckDB and prints, for each file in
// order, one line of JSON with what DuckDB sees: the row count, the column
// names and types, and every value in a canonical form (integers,
// decimals, dates as text; timestamps as epoch microseconds; doubles as JS
// numbers; booleans; strings; null).
//
// usage: node duckdb-read.mjs NODE_DIR parquet|csv FILE...
//
// Several files share one Node process and one DuckDB instance: starting
// Node and loading DuckDB costs more than reading a small file.
import { createRequire } from 'node:module';
import path from 'node:path';

const [nodeDir, kind, ...files] = process.argv.slice(2);
const require = createRequire(path.join(nodeDir, 'package.json'));
const { DuckDBInstance } = require('@duckdb/node-api');

const instance = await DuckDBInstance.create(':memory:');
const con = await instance.connect();
const lit = (s) => "'" + s.replaceAll("'", "''") + "'";
const ident = (s) => '"' + s.replaceAll('"', '""') + '"';

for (const file of files) {
  const source = kind === 'parquet' ? `read_parquet(${lit(file)})` : `read_csv(${lit(file)}, header=true)`;
  const described = await con.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
  const columns = described.getRowObjectsJS().map((r) => ({ name: r.column_name, type: r.column_type }));
  const exprs = columns.map((c) => {
    const t = c.type;
    if (t.startsWith('TIMESTAMP')) return `CAST(epoch_us(${ident(c.name)}) AS VARCHAR)`;
    if (t === 'DOUBLE' || t === 'BOOLEAN' || t === 'VARCHAR') return ident(c.name);
    return `CAST(${ident(c.name)} AS VARCHAR)`;
  });
  const select = exprs.length ? exprs.join(', ') : '1';
  const result = await con.runAndReadAll(`SELECT ${select} FROM ${source}`);
  const rows = result.getRowsJS();
  const value = (v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v);
  const values = columns.map((_, i) => rows.map((r) => value(r[i])));
  process.stdout.write(JSON.stringify({ rows: rows.length, columns, values }) + '\n');
}
