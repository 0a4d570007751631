// Baseline for the query benchmark: a bare koa handler that runs the same
// paged and count statements on the same sql.js database, with no identity,
// policy or parameter validation. Prints its URL on stdout.
import Koa from 'koa';
import initSqlJs from 'sql.js';
import { readFileSync } from 'node:fs';

const [file, selectSql, countSql] = [process.argv[2], process.argv[3], process.argv[4]];
const SQL = await initSqlJs();
const db = new SQL.Database(readFileSync(file));

function all(sql, values) {
  const statement = db.prepare(sql);
  try {
    statement.bind(values);
    const rows = [];
    while (statement.step()) rows.push(statement.getAsObject());
    return { columns: statement.getColumnNames(), rows };
  } finally {
    statement.free();
  }
}

const app = new Koa();
app.use(async (ctx) => {
  const chunks = [];
  for await (const chunk of ctx.req) chunks.push(chunk);
  JSON.parse(Buffer.concat(chunks).toString() || '{}');
  const page = all(selectSql, [null, null, null, null, 25, 0]);
  const total = all(countSql, [null, null, null, null]).rows[0].total;
  ctx.body = { columns: page.columns, rows: page.rows, total, page: { size: 25, offset: 0 } };
});
const server = app.listen(0, '127.0.0.1', () => console.log(`http://127.0.0.1:${server.address().port}`));
