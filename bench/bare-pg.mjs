// Baseline for the PostgreSQL query benchmark: a bare koa handler that sends
// the same paged and count statements to the same schema through a pg pool of
// the same size, with no identity, policy, validation or transaction. Prints
// its URL on stdout. Arguments: URL, schema, pool size, select SQL, count SQL.
import Koa from 'koa';
import pg from 'pg';

const [url, schema, poolMax, selectSql, countSql] = process.argv.slice(2);
const pool = new pg.Pool({ connectionString: url, max: Number(poolMax), options: `-c search_path=${schema}` });

const app = new Koa();
app.use(async (ctx) => {
  const chunks = [];
  for await (const chunk of ctx.req) chunks.push(chunk);
  JSON.parse(Buffer.concat(chunks).toString() || '{}');
  const page = await pool.query(selectSql, [null, 25, 0]);
  const count = await pool.query(countSql, [null]);
  ctx.body = { columns: page.fields.map((field) => field.name), rows: page.rows, total: Number(count.rows[0].total), page: { size: 25, offset: 0 } };
});
const server = app.listen(0, '127.0.0.1', () => console.log(`http://127.0.0.1:${server.address().port}`));
