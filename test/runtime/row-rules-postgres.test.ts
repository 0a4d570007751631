// The row and column rules of the ticket desk on PostgreSQL: the same spec,
// only the data source changed, gives the same answers as on sql.js.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/apps.js';
import { devLogin, request, startServer, type TestServer } from '../helpers/server.js';
import { createTestSchema, TEST_POSTGRES_URL, type TestSchema } from '../contract/postgres-schema.js';

const FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'row-rules', 'tickets');
const SQLITE_SOURCE = '  main:\n    kind: sqlite\n    file: data/tickets.sqlite\n    migrations: migrations\n';

let schema: TestSchema;
let root: string;
let server: TestServer;
const cookies: Record<string, string> = {};

beforeAll(async () => {
  schema = await createTestSchema('row_rules');
  root = mkdtempSync(join(tmpdir(), 'opsdeck-row-rules-pg-'));
  cpSync(FIXTURE, join(root, 'tickets'), { recursive: true });
  const spec = join(root, 'tickets', 'app.yaml');
  const text = readFileSync(spec, 'utf8');
  if (!text.includes(SQLITE_SOURCE)) throw new Error('the fixture data source changed; update SQLITE_SOURCE');
  writeFileSync(spec, text.replace(SQLITE_SOURCE, `  main:\n    kind: postgres\n    url: "\${env:ROW_RULES_DATABASE_URL}"\n    schema: ${schema.name}\n    migrations: migrations\n`));
  writeFileSync(join(root, 'opsdeck.yaml'), 'identity:\n  mode: dev\n');
  process.env.ROW_RULES_DATABASE_URL = TEST_POSTGRES_URL;
  server = await startServer(root).catch((err) => {
    throw new Error(JSON.stringify(err.diagnostics ?? err.message));
  });
  for (const user of ['ana', 'bo', 'nora', 'lena']) cookies[user] = await devLogin(server.url, `${user}@example.com`);
}, 60_000);

afterAll(async () => {
  await server?.close();
  delete process.env.ROW_RULES_DATABASE_URL;
  if (root) rmSync(root, { recursive: true, force: true });
  await schema?.drop();
});

const api = () => `${server.url}/api/apps/tickets`;
const query = (user: string, body: unknown = {}, name = 'tickets') => request(`${api()}/queries/${name}`, { method: 'POST', json: body, cookie: cookies[user] });
const action = (user: string, name: string, params: unknown) => request(`${api()}/actions/${name}`, { method: 'POST', json: { params }, cookie: cookies[user] });
const ids = (body: { rows: Array<{ id: number }> }) => body.rows.map((row) => Number(row.id)).sort((a, b) => a - b);

describe('row and column rules on PostgreSQL', () => {
  it('limits rows and columns as on sql.js', async () => {
    const ana = await query('ana');
    expect(ana.status).toBe(200);
    expect(ids(ana.body)).toEqual([1, 2]);
    expect(ana.body.total).toBe(2);
    expect(ana.body.columns).not.toContain('cost_cents');
    expect(ana.body.rows.every((row: { customer_email: string }) => row.customer_email === '••••••')).toBe(true);
    expect(ids((await query('lena')).body)).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await query('nora')).body.total).toBe(0);
  });

  it('binds the rule before the client filter, with placeholders numbered after the statement\'s own', async () => {
    const filtered = await query('lena', { params: { q: 'invoice' }, filter: { region: 'amer' } });
    expect(ids(filtered.body)).toEqual([3]);
    const agent = await query('bo', { filter: { subject: { op: 'contains', value: 'csv' } } });
    expect(ids(agent.body)).toEqual([4]);
  });

  it('matches `in user.groups`', async () => {
    expect(ids((await query('ana', {}, 'teams')).body)).toEqual([1, 4, 5]);
  });

  it('refuses hidden and masked columns in sort and filter', async () => {
    expect((await query('ana', { sort: [{ field: 'cost_cents', dir: 'asc' }] })).status).toBe(400);
    expect((await query('ana', { filter: { customer_email: 'kim@customer.example' } })).status).toBe(400);
  });

  it('checks scoped actions in the same transaction', async () => {
    expect((await action('ana', 'closeTicket', { id: 3 })).status).toBe(404);
    const moved = await action('ana', 'moveTicket', { id: 1, region: 'apac' });
    expect(moved.status).toBe(403);
    const row = (await query('lena', { filter: { id: 1 } })).body.rows[0];
    expect(row.region).toBe('emea');
    expect((await action('ana', 'closeTicket', { id: 1 })).status).toBe(200);
    expect((await query('lena', { filter: { id: 1 } })).body.rows[0].status).toBe('closed');
  });
});
