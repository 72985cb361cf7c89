// The reference of `report --by family`: DuckDB reading the same sales files, the schema given,
// answering the same question (TTC, quantity and tickets per family over a period). Run as a
// whole process by bench/run.mjs, like caisse-central.
//
//   node bench/duckdb-report.mjs TILLS_DIR FROM TO        (FROM, TO: YYYY-MM-DD, inclusive)
import { DuckDBInstance } from "@duckdb/node-api";

const [dir, from, to] = process.argv.slice(2);
if (dir === undefined || from === undefined || to === undefined) {
  throw new Error("usage: node bench/duckdb-report.mjs TILLS_DIR FROM TO");
}
const quote = (text) => `'${text.replaceAll("'", "''")}'`;
const instance = await DuckDBInstance.create(":memory:");
const connection = await instance.connect();
const result = await connection.runAndReadAll(`
  SELECT famille,
         sum(montant_ttc) AS ttc,
         sum(quantite) AS quantite,
         count(DISTINCT (filename, ticket)) AS tickets
  FROM read_csv(${quote(`${dir}/*/**/ventes*.csv`)},
    delim = ';', header = true, decimal_separator = ',', filename = true,
    timestampformat = '%Y-%m-%d %H:%M:%S',
    columns = {
      'ticket': 'VARCHAR', 'date': 'TIMESTAMP', 'article': 'VARCHAR', 'famille': 'VARCHAR',
      'libelle': 'VARCHAR', 'quantite': 'DECIMAL(12,3)', 'montant_ttc': 'DECIMAL(14,2)',
      'taux_tva': 'DECIMAL(5,2)'
    })
  WHERE date >= DATE ${quote(from)} AND date < DATE ${quote(to)} + INTERVAL 1 DAY
  GROUP BY famille ORDER BY famille`);
process.stdout.write(`${JSON.stringify(result.getRowsJson())}\n`);
connection.closeSync();
instance.closeSync();
