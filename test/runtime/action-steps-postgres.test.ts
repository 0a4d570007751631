// Multi-step transactions and previews on PostgreSQL: a fresh schema of the
// test database, served in-process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devLogin, request, startServer, type TestServer } from '../helpers/server.js';
import { createTestSchema, TEST_POSTGRES_URL, type TestSchema } from '../contract/postgres-schema.js';

const USER = 'op@pg-steps.example';
let schema: TestSchema;
let root: string;
let server: TestServer;
let cookie: string;
let base: string;

beforeAll(async () => {
  schema = await createTestSchema('steps');
  await schema.admin(`CREATE TABLE ${schema.name}.item (id serial PRIMARY KEY, name text NOT NULL, qty integer NOT NULL CHECK (qty > 0)); INSERT INTO ${schema.name}.item (name, qty) VALUES ('a', 1), ('b', 2), ('c', 9);`);
  root = mkdtempSync(join(tmpdir(), 'opsdeck-pg-steps-'));
  mkdirSync(join(root, 'pgsteps'));
  writeFileSync(join(root, 'opsdeck.yaml'), 'identity:\n  mode: dev\n');
  writeFileSync(join(root, 'pgsteps', 'app.yaml'), `
opsdeck: 1
id: pgsteps
title: PG steps
datasources:
  main: { kind: postgres, url: "\${env:PG_STEPS_URL}", schema: ${schema.name} }
roles:
  operator: { members: { users: [${USER}] } }
devUsers: [{ id: ${USER} }]
queries:
  items: { datasource: main, sql: "select id, name, qty from item order by id", allow: [operator] }
actions:
  twoInserts:
    title: Two inserts
    params: { qty: { type: integer } }
    required: [qty]
    steps:
      - { id: first, datasource: main, sql: "insert into item (name, qty) values ('first', 1) returning id" }
      - { id: second, datasource: main, sql: "insert into item (name, qty) values ('second of ' || :steps.first.id, :qty)" }
    allow: [operator]
  bump:
    title: Bump
    datasource: main
    sql: "update item set qty = qty + 1 where qty < :below"
    params: { below: { type: integer } }
    required: [below]
    preview: { table: item, key: id }
    allow: [operator]
pages:
  items:
    title: Items
    allow: [operator]
    components:
      - table: { query: items, columns: [id, name, qty], rowActions: [{ action: bump, params: { below: qty } }] }
      - form: { action: twoInserts }
`);
  process.env.PG_STEPS_URL = TEST_POSTGRES_URL;
  server = await startServer(root);
  cookie = await devLogin(server.url, USER);
  base = `${server.url}/api/apps/pgsteps`;
}, 30_000);

afterAll(async () => {
  await server?.close();
  delete process.env.PG_STEPS_URL;
  if (root) rmSync(root, { recursive: true, force: true });
  await schema?.drop();
});

const items = async () => (await request(`${base}/queries/items`, { method: 'POST', json: {}, cookie })).body.rows;
const post = (path: string, params: unknown) => request(`${base}/actions/${path}`, { method: 'POST', json: { params }, cookie });

describe('steps on PostgreSQL', () => {
  it('rolls back the first insert when the second fails', async () => {
    const before = await items();
    const response = await post('twoInserts', { qty: 0 });
    expect(response.status).toBe(422);
    expect(await items()).toEqual(before);
  });

  it('commits both inserts, the second reading the first one\'s RETURNING id', async () => {
    const response = await post('twoInserts', { qty: 3 });
    expect(response.status).toBe(200);
    const rows = await items();
    const first = rows.find((row: { name: string }) => row.name === 'first');
    expect(rows.some((row: { name: string }) => row.name === `second of ${first.id}`)).toBe(true);
  });

  it('previews the count and rows before and after, and changes nothing', async () => {
    const before = await items();
    const expected = before.filter((row: { qty: number }) => row.qty < 5);
    const preview = await post('bump/preview', { below: 5 });
    expect(preview.status).toBe(200);
    expect(preview.body.changes).toBe(expected.length);
    expect(preview.body.sample.map((s: { key: number }) => s.key).sort()).toEqual(expected.map((row: { id: number }) => row.id).sort());
    for (const sample of preview.body.sample) expect(sample.after.qty).toBe(sample.before.qty + 1);
    expect(await items()).toEqual(before);
  });
});
