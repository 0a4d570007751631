// The chinook-support example served from PostgreSQL: Chinook_PostgreSql.sql
// loaded into a fresh schema of database `test`, the example's roles, users
// and pages unchanged, and its main HTTP flows run against it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { EXAMPLE_DIR, REPO_ROOT } from '../helpers/apps.js';
import { devLogin, request, startServer, type TestServer } from '../helpers/server.js';
import { createTestSchema, TEST_POSTGRES_URL, type TestSchema } from '../contract/postgres-schema.js';

const FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'postgres');
const AGENT = 'ana@chinook.example';
const VIEWER = 'victor@chinook.example';

let schema: TestSchema;
let root: string;
let server: TestServer;
let agent: string;
let viewer: string;
let api: string;

/** Chinook_PostgreSql.sql without the lines that drop, create and switch databases (psql's `\c`), which a schema does not need. */
function chinookScript(): string {
  return readFileSync(join(FIXTURE, 'chinook.sql'), 'utf8')
    .split('\n')
    .filter((line) => !/^(DROP DATABASE|CREATE DATABASE|\\c )/.test(line))
    .join('\n');
}

beforeAll(async () => {
  schema = await createTestSchema('chinook');
  await schema.admin(`SET search_path TO ${schema.name}`);
  await schema.admin(chinookScript());

  root = mkdtempSync(join(tmpdir(), 'opsdeck-pg-chinook-'));
  const appDir = join(root, 'chinook-support');
  cpSync(join(FIXTURE, 'chinook-support'), appDir, { recursive: true });
  const spec = join(appDir, 'app.yaml');
  writeFileSync(spec, readFileSync(spec, 'utf8').replace('schema: chinook', `schema: ${schema.name}`));
  writeFileSync(join(root, 'opsdeck.yaml'), 'identity:\n  mode: dev\n');

  process.env.CHINOOK_DATABASE_URL = TEST_POSTGRES_URL;
  server = await startServer(root);
  api = `${server.url}/api/apps/chinook-support`;
  agent = await devLogin(server.url, AGENT);
  viewer = await devLogin(server.url, VIEWER);
}, 60_000);

afterAll(async () => {
  await server?.close();
  delete process.env.CHINOOK_DATABASE_URL;
  if (root) rmSync(root, { recursive: true, force: true });
  await schema?.drop();
});

const query = (name: string, json: unknown, cookie = viewer) => request(`${api}/queries/${name}`, { method: 'POST', json, cookie });
const action = (name: string, json: unknown, cookie = agent) => request(`${api}/actions/${name}`, { method: 'POST', json, cookie });

describe('chinook-support on PostgreSQL', () => {
  it('keeps the example app apart from its data source and SQL', () => {
    const example = parse(readFileSync(join(EXAMPLE_DIR, 'app.yaml'), 'utf8'));
    const copy = parse(readFileSync(join(FIXTURE, 'chinook-support', 'app.yaml'), 'utf8'));
    for (const key of ['id', 'title', 'roles', 'devUsers', 'pages']) expect(copy[key]).toEqual(example[key]);
    expect(Object.keys(copy.queries)).toEqual(Object.keys(example.queries));
    for (const [id, spec] of Object.entries<Record<string, unknown>>(example.actions)) {
      expect({ ...copy.actions[id], sql: undefined }).toEqual({ ...spec, sql: undefined });
    }
    expect(copy.datasources.main.kind).toBe('postgres');
  });

  it('applies the migrations once', async () => {
    const applied = await schema.admin(`SELECT name FROM ${schema.name}.opsdeck_migrations ORDER BY name`);
    expect(applied.rows.map((row) => row.name)).toEqual(['001_customer_notes.sql', '002_customer_flags.sql']);
  });

  it('pages and counts customers', async () => {
    const first = await query('customers', { page: { size: 10, offset: 0 } });
    expect(first.status).toBe(200);
    expect(first.body.total).toBe(59);
    expect(first.body.rows).toHaveLength(10);
    expect(first.body.columns).toEqual(['CustomerId', 'FirstName', 'LastName', 'Company', 'Email', 'Phone', 'City', 'Country', 'SupportRep', 'Status']);
    const last = await query('customers', { page: { size: 10, offset: 50 } });
    expect(last.body.rows).toHaveLength(9);
  });

  it('sorts, searches and filters', async () => {
    const sorted = await query('customers', { sort: [{ field: 'LastName', dir: 'desc' }], page: { size: 3 } });
    expect(sorted.body.rows[0].LastName).toBe('Zimmermann');
    const search = await query('customers', { params: { search: 'Gonçalves' } });
    expect(search.body.total).toBe(1);
    expect(search.body.rows[0].FirstName).toBe('Luís');
    expect((await query('customers', { filter: { Country: 'Brazil' } })).body.total).toBe(5);
    expect((await query('customers', { filter: { Company: { op: 'isNull', value: true } } })).body.total).toBe(49);
    const startsWith = await query('customers', { filter: { LastName: { op: 'startsWith', value: 'Go' } } });
    expect(startsWith.body.rows.length).toBeGreaterThan(0);
    expect(startsWith.body.rows.every((row: { LastName: string }) => row.LastName.startsWith('Go'))).toBe(true);
  });

  it('treats injection as data', async () => {
    const response = await query('customers', { params: { search: "' OR 1=1; DROP TABLE customer; --" } });
    expect(response.status).toBe(200);
    expect(response.body.total).toBe(0);
    const sort = await query('customers', { sort: [{ field: 'LastName; DROP TABLE customer', dir: 'asc' }] });
    expect(sort.body.error.code).toBe('invalid_sort');
    expect((await query('customers', {})).body.total).toBe(59);
  });

  it('returns exact decimals and UTC timestamps', async () => {
    const invoices = await query('invoices', { params: { customerId: 1 }, sort: [{ field: 'InvoiceId', dir: 'asc' }] });
    expect(invoices.body.rows[0].Total).toMatch(/^\d+\.\d\d$/);
    expect(invoices.body.rows[0].InvoiceDate).toMatch(/^\d{4}-\d\d-\d\dT00:00:00\.000Z$/);
  });

  it('flags a customer and rolls back a second flag', async () => {
    const flagged = await action('flagCustomer', { params: { id: 8, reason: 'Chargeback on three invoices' } });
    expect(flagged.status).toBe(200);
    expect(flagged.body).toMatchObject({ ok: true, changes: 1 });
    const again = await action('flagCustomer', { params: { id: 8, reason: 'Second flag on this one' } });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'expectation_failed', message: 'Nothing was changed. This account is already flagged.' });
    const active = await query('flaggedAccounts', { filter: { CustomerId: 8 } });
    expect(active.body.total).toBe(1);
    expect(active.body.rows[0]).toMatchObject({ reason: 'Chargeback on three invoices', flagged_by: AGENT });
    expect(active.body.rows[0].flagged_at).toMatch(/Z$/);
    const status = await query('customers', { filter: { CustomerId: 8 } });
    expect(status.body.rows[0].Status).toBe('flagged');
  });

  it('clears a flag and records who did', async () => {
    await action('flagCustomer', { params: { id: 9, reason: 'Suspicious refund pattern' } });
    const cleared = await action('unflagCustomer', { params: { id: 9, reason: 'Refunds were legitimate' } });
    expect(cleared.status).toBe(200);
    const history = await query('flagHistory', { filter: { cleared_by: AGENT } });
    expect(history.body.rows.some((row: { clear_reason: string }) => row.clear_reason === 'Refunds were legitimate')).toBe(true);
    const noFlag = await action('unflagCustomer', { params: { id: 9, reason: 'Nothing to clear anymore' } });
    expect(noFlag.status).toBe(409);
  });

  it('adds a note with the server identity', async () => {
    const note = await action('addNote', { params: { id: 3, body: 'Called back about the invoice' } });
    expect(note.status).toBe(200);
    const notes = await query('notes', { params: { customerId: 3 } });
    expect(notes.body.rows[0].author).toBe(AGENT);
    const orphan = await action('addNote', { params: { id: 99_999, body: 'No such customer exists' } });
    expect(orphan.status).toBe(422);
    expect(JSON.stringify(orphan.body)).not.toMatch(/foreign key|constraint|insert/i);
  });

  it('denies a viewer the flag action', async () => {
    expect((await action('flagCustomer', { params: { id: 10, reason: 'Viewer trying to flag' } }, viewer)).status).toBe(403);
  });

  it('never sends the URL or data source settings to the browser', async () => {
    const spec = JSON.stringify((await request(`${api}/spec`, { cookie: agent })).body).toLowerCase();
    for (const secret of ['postgres', 'chinook_database_url', '127.0.0.1', schema.name, 'select ']) expect(spec).not.toContain(secret);
  });
});
