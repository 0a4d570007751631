// Converts Chinook_Sqlite.sqlite (CamelCase tables such as Customer.CustomerId)
// into the snake_case names of Chinook_PostgreSql.sql (customer.customer_id),
// so one app.yaml can query either database. Rows stay byte for byte as they
// are. Indexes are recreated under the PostgreSQL script's names, because
// SQLite cannot rename an index.
//
//   node scripts/chinook-snake-case.mjs <Chinook_Sqlite.sqlite> [output.sqlite]
//
// The output defaults to examples/chinook-support/seed/chinook.sqlite.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import initSqlJs from 'sql.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_OUTPUT = resolve(ROOT, 'examples/chinook-support/seed/chinook.sqlite');

/** Tables of Chinook 1.4.5; the input must contain each of them. */
const CHINOOK_TABLES = ['Album', 'Artist', 'Customer', 'Employee', 'Genre', 'Invoice', 'InvoiceLine', 'MediaType', 'Playlist', 'PlaylistTrack', 'Track'];

/** Converts a CamelCase identifier to snake_case: `SupportRepId` becomes `support_rep_id`. */
export function snakeCase(name) {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** Quotes an SQLite identifier, doubling embedded quotes. */
function quote(name) {
  return `"${name.replaceAll('"', '""')}"`;
}

function rows(db, sql) {
  const [result] = db.exec(sql);
  if (result === undefined) return [];
  return result.values.map((values) => Object.fromEntries(result.columns.map((column, i) => [column, values[i]])));
}

/** Renames every Chinook table and column of `db` to snake_case and recreates its indexes under PostgreSQL's names. */
export function convertChinook(db) {
  const tables = rows(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").map((row) => row.name);
  const missing = CHINOOK_TABLES.filter((name) => !tables.includes(name));
  if (missing.length > 0) throw new Error(`the input is not the CamelCase Chinook database: table ${missing.join(', ')} not found`);

  // Index columns are read before the renames, under their old names.
  const indexes = [];
  for (const { name, tbl_name: table } of rows(db, "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")) {
    const columns = rows(db, `PRAGMA index_info(${quote(name)})`).map((row) => snakeCase(row.name));
    indexes.push({ name, table: snakeCase(table), columns });
  }
  for (const { name } of indexes) db.run(`DROP INDEX ${quote(name)}`);

  for (const table of CHINOOK_TABLES) {
    const target = snakeCase(table);
    // SQLite compares names without regard to case, so `Customer` to `customer` needs a step through another name.
    const interim = `${target}_renaming`;
    db.run(`ALTER TABLE ${quote(table)} RENAME TO ${quote(interim)}`);
    db.run(`ALTER TABLE ${quote(interim)} RENAME TO ${quote(target)}`);
    for (const { name } of rows(db, `PRAGMA table_info(${quote(target)})`)) {
      if (snakeCase(name) !== name) db.run(`ALTER TABLE ${quote(target)} RENAME COLUMN ${quote(name)} TO ${quote(snakeCase(name))}`);
    }
  }

  // Chinook_PostgreSql.sql names an index `<table>_<columns>_idx`, such as album_artist_id_idx.
  for (const { table, columns } of indexes) {
    db.run(`CREATE INDEX ${quote(`${table}_${columns.join('_')}_idx`)} ON ${quote(table)} (${columns.map(quote).join(', ')})`);
  }
}

async function main(argv) {
  const [input, output = DEFAULT_OUTPUT] = argv;
  if (input === undefined || input.startsWith('-')) {
    throw new Error('missing input file; run: node scripts/chinook-snake-case.mjs <Chinook_Sqlite.sqlite> [output.sqlite]');
  }
  if (!existsSync(input)) throw new Error(`input file ${input} not found; pass the path of Chinook_Sqlite.sqlite`);
  if (resolve(input) === resolve(output)) throw new Error(`the output ${output} is the input file; pass another output path`);

  const SQL = await initSqlJs();
  const db = new SQL.Database(readFileSync(input));
  try {
    db.run('PRAGMA foreign_keys = OFF');
    db.run('BEGIN');
    convertChinook(db);
    db.run('COMMIT');
    const problems = rows(db, 'PRAGMA foreign_key_check');
    if (problems.length > 0) throw new Error(`the converted database breaks ${problems.length} foreign keys, first in table ${problems[0].table}`);
    db.run('VACUUM');
    writeFileSync(output, db.export());
  } finally {
    db.close();
  }
  console.log(`wrote ${output}`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(`chinook-snake-case: ${err.message}`);
    process.exitCode = 1;
  });
}
