// Array parameters (multi-selects) bound on the test PostgreSQL server: the
// value toBindValue returns is sent as a real array, so `= ANY(...)` matches.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { TEST_POSTGRES_URL, createTestSchema, type TestSchema } from '../contract/postgres-schema.js';
import { toBindValue } from '../../runtime/datasources/values.js';

let schema: TestSchema;
let client: pg.Client;

beforeAll(async () => {
  schema = await createTestSchema('params');
  await schema.admin(`create table ${schema.name}.item (id integer primary key, tag text)`);
  await schema.admin(`insert into ${schema.name}.item values (1, 'red'), (2, 'green'), (3, 'blue'), (4, 'it''s')`);
  client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  await schema?.drop();
});

async function idsWhere(condition: string, value: unknown): Promise<number[]> {
  const bound = toBindValue('p', value, 'postgres', 'array');
  const result = await client.query<{ id: number }>(`select id from ${schema.name}.item where ${condition} order by id`, [bound]);
  return result.rows.map((row) => row.id);
}

describe('array parameters on postgres', () => {
  it('matches integer arrays with ANY', async () => {
    expect(await idsWhere('id = any($1)', [1, 3])).toEqual([1, 3]);
  });

  it('matches text arrays with quotes as data', async () => {
    expect(await idsWhere('tag = any($1)', ['blue', "it's"])).toEqual([3, 4]);
  });

  it('matches nothing for an empty array', async () => {
    expect(await idsWhere('id = any($1::int[])', [])).toEqual([]);
  });
});
