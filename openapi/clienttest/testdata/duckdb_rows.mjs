// Prints, as JSON lines, the rows DuckDB returns for a query over a Parquet
// file: node duckdb_rows.mjs FILE WHERE ORDERBY
// Values are normalised so they compare exactly with the API's: numbers as
// doubles, dates as YYYY-MM-DD, timestamps as microseconds since the epoch.
// Run it with the working directory in tools/node, where the package is
// installed (ES modules resolve from the script's folder otherwise).
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(process.cwd() + '/');
const { DuckDBInstance } = await import(pathToFileURL(require.resolve('@duckdb/node-api')).href);

const [file, where, orderBy] = process.argv.slice(2);
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
const sql = `SELECT CAST(id AS DOUBLE) AS id, kommunenummer, mottaker, belop,
  strftime(vedtatt, '%Y-%m-%d') AS vedtatt, CAST(epoch_us(registrert) AS VARCHAR) AS registrert,
  aktiv, CAST(aar AS DOUBLE) AS aar
FROM read_parquet('${file.replaceAll("'", "''")}', file_row_number = true)
WHERE ${where || 'true'}
ORDER BY ${orderBy ? orderBy + ', ' : ''}file_row_number`;
const reader = await con.runAndReadAll(sql);
for (const row of reader.getRowObjectsJson()) {
  process.stdout.write(JSON.stringify(row) + '\n');
}
