// The chinook-support example served from PostgreSQL: Chinook_PostgreSql.sql
// loaded into a fresh schema of database `test`, and the example's own
// app.yaml served with only its `datasources:` block replaced.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import { isMap, isScalar, parse, parseDocument } from 'yaml';
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
let example: string;
let served: string;

/** Chinook_PostgreSql.sql without the lines that drop, create and switch databases (psql's `\c`), which a schema does not need. */
function chinookScript(): string {
  return readFileSync(join(FIXTURE, 'chinook.sql'), 'utf8')
    .split('\n')
    .filter((line) => !/^(DROP DATABASE|CREATE DATABASE|\\c )/.test(line))
    .join('\n');
}

/** Returns a `datasources:` block that points the example at PostgreSQL and its PostgreSQL migrations. */
function postgresDatasources(schemaName: string): string {
  return [
    'datasources:',
    '  main:',
    '    kind: postgres',
    '    url: "${env:CHINOOK_DATABASE_URL}"',
    `    schema: ${schemaName}`,
    '    statementTimeoutMs: 5000',
    '    pool: { max: 4 }',
    '    migrations: migrations-postgres',
    '',
  ].join('\n');
}

/** Returns the text offsets of the top-level `datasources:` entry of a spec, from its key to the end of its value. */
function datasourcesRange(spec: string): [number, number] {
  const document = parseDocument(spec);
  if (!isMap(document.contents)) throw new Error('the spec is not a YAML mapping');
  const entry = document.contents.items.find((item) => isScalar(item.key) && item.key.value === 'datasources');
  const start = isScalar(entry?.key) ? entry.key.range?.[0] : undefined;
  const end = (entry?.value as { range?: [number, number, number] } | undefined)?.range?.[2];
  if (start === undefined || end === undefined) throw new Error('the spec has no top-level `datasources:` entry to replace');
  return [start, end];
}

/** Replaces the top-level `datasources:` entry of a spec's text with `block`, leaving every other byte as it is. */
function replaceDatasources(spec: string, block: string): string {
  const [start, end] = datasourcesRange(spec);
  return spec.slice(0, start) + block + spec.slice(end);
}

/** Renames the app to chinook-preview and adds `preview:` to its flagCustomer action. */
function withPreview(spec: string): string {
  const expectLine = '    expect: { rows: 1, message: This account is already flagged. }\n';
  if (!spec.includes('id: chinook-support\n') || !spec.includes(expectLine)) throw new Error('the example no longer has the lines this test edits; update withPreview()');
  return spec.replace('id: chinook-support\n', 'id: chinook-preview\n').replace(expectLine, `${expectLine}    preview: { table: customer_flag, key: flag_id }\n`);
}

beforeAll(async () => {
  schema = await createTestSchema('chinook');
  await schema.admin(`SET search_path TO ${schema.name}`);
  await schema.admin(chinookScript());

  root = mkdtempSync(join(tmpdir(), 'opsdeck-pg-chinook-'));
  const appDir = join(root, 'chinook-support');
  cpSync(EXAMPLE_DIR, appDir, { recursive: true, filter: (source) => !source.startsWith(join(EXAMPLE_DIR, 'data')) });
  example = readFileSync(join(EXAMPLE_DIR, 'app.yaml'), 'utf8');
  served = replaceDatasources(example, postgresDatasources(schema.name));
  writeFileSync(join(appDir, 'app.yaml'), served);
  // A second app on the same schema, whose flagCustomer action offers a preview.
  const previewDir = join(root, 'chinook-preview');
  cpSync(appDir, previewDir, { recursive: true });
  writeFileSync(join(previewDir, 'app.yaml'), withPreview(served));
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
  it('serves the example with only its data source replaced', () => {
    const [start, end] = datasourcesRange(example);
    expect(served.startsWith(example.slice(0, start))).toBe(true);
    expect(served.endsWith(example.slice(end))).toBe(true);
    expect(served.length - example.length).toBe(postgresDatasources(schema.name).length - (end - start));
    const { datasources: exampleSources, ...exampleRest } = parse(example);
    const { datasources: servedSources, ...servedRest } = parse(served);
    expect(servedRest).toEqual(exampleRest);
    expect(exampleSources.main.kind).toBe('sqlite');
    expect(servedSources.main).toMatchObject({ kind: 'postgres', schema: schema.name, migrations: 'migrations-postgres' });
  });

  it('rejects a spec without datasources to replace', () => {
    expect(() => replaceDatasources('id: x\ntitle: y\n', postgresDatasources('s'))).toThrow(/no top-level `datasources:`/);
    expect(() => replaceDatasources('- a\n- b\n', postgresDatasources('s'))).toThrow(/not a YAML mapping/);
  });

  it('creates the tables of the SQLite migrations', async () => {
    const SQL = await initSqlJs();
    const sqlite = new SQL.Database(readFileSync(join(EXAMPLE_DIR, 'seed', 'chinook.sqlite')));
    try {
      for (const file of readdirSync(join(EXAMPLE_DIR, 'migrations')).sort()) sqlite.exec(readFileSync(join(EXAMPLE_DIR, 'migrations', file), 'utf8'));
      expect(readdirSync(join(EXAMPLE_DIR, 'migrations-postgres')).sort()).toEqual(readdirSync(join(EXAMPLE_DIR, 'migrations')).sort());
      for (const table of ['customer_note', 'customer_flag']) {
        const sqliteColumns = sqlite.exec(`PRAGMA table_info(${table})`)[0].values.map((row) => row[1]);
        const postgres = await schema.admin(`SELECT column_name FROM information_schema.columns WHERE table_schema = '${schema.name}' AND table_name = '${table}' ORDER BY ordinal_position`);
        expect(postgres.rows.map((row) => row.column_name)).toEqual(sqliteColumns);
      }
    } finally {
      sqlite.close();
    }
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

  it('searches without regard to case', async () => {
    const upper = await query('customers', { params: { search: 'LUISG@EMBRAER' } });
    expect(upper.status).toBe(200);
    expect(upper.body.total).toBe(1);
    expect(upper.body.rows[0].CustomerId).toBe(1);
    expect((await query('customers', { params: { search: 'gonçalves' } })).body.total).toBe(1);
    expect((await query('customers', { params: { search: 'embraer' } })).body.total).toBe(1);
  });

  it('lists every customer for a null or empty search', async () => {
    expect((await query('customers', { params: { search: null } })).body.total).toBe(59);
    expect((await query('customers', { params: { search: '' } })).body.total).toBe(59);
  });

  it('lists the lines of an invoice', async () => {
    const lines = await query('invoiceLines', { params: { invoiceId: 1 }, sort: [{ field: 'InvoiceLineId', dir: 'asc' }] });
    expect(lines.status).toBe(200);
    expect(lines.body.columns).toEqual(['InvoiceLineId', 'Track', 'Artist', 'UnitPrice', 'Quantity', 'Amount']);
    expect(lines.body.rows).toHaveLength(2);
    expect(lines.body.rows[0]).toMatchObject({ UnitPrice: '0.99', Quantity: 1, Amount: '0.99' });
    expect((await query('invoiceLines', { params: {} })).body.error.code).toBe('invalid_params');
  });

  it('updates a contact and rejects a bad email', async () => {
    const saved = await action('updateContact', { params: { id: 5, email: 'frantisek@example.com', phone: '+420 2 4172 5555' } });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ ok: true, changes: 1 });
    const row = await query('customers', { filter: { CustomerId: 5 } });
    expect(row.body.rows[0]).toMatchObject({ Email: 'frantisek@example.com', Phone: '+420 2 4172 5555' });
    const bad = await action('updateContact', { params: { id: 5, email: 'not an email' } });
    expect(bad.status).toBe(400);
    const missing = await action('updateContact', { params: { id: 99_999, email: 'nobody@example.com' } });
    expect(missing.status).toBe(409);
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
    // PostgreSQL's CURRENT_TIMESTAMP has microseconds; the API keeps every digit it prints.
    expect(active.body.rows[0].flagged_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3,6}Z$/);
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
    // The action's scope finds no customer 99999 among the caller's rows, so it answers 404 before the foreign key would.
    const orphan = await action('addNote', { params: { id: 99_999, body: 'No such customer exists' } });
    expect(orphan.status).toBe(404);
    expect(JSON.stringify(orphan.body)).not.toMatch(/foreign key|constraint|insert/i);
  });

  it('previews a flag without keeping it', async () => {
    const preview = await request(`${server.url}/api/apps/chinook-preview/actions/flagCustomer/preview`, { method: 'POST', json: { params: { id: 11, reason: 'Preview of a chargeback flag' } }, cookie: agent });
    expect(preview.status).toBe(200);
    expect(preview.body.changes).toBe(1);
    expect(preview.body.sample).toHaveLength(1);
    expect(preview.body.sample[0].before).toBeNull();
    expect(preview.body.sample[0].after).toMatchObject({ customer_id: 11, reason: 'Preview of a chargeback flag', flagged_by: AGENT, cleared_at: null });
    expect(preview.body.sample[0].after.flagged_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3,6}Z$/);
    expect((await query('flaggedAccounts', { filter: { CustomerId: 11 } })).body.total).toBe(0);

    await action('flagCustomer', { params: { id: 12, reason: 'Flagged before the preview' } });
    const again = await request(`${server.url}/api/apps/chinook-preview/actions/flagCustomer/preview`, { method: 'POST', json: { params: { id: 12, reason: 'A second flag, previewed' } }, cookie: agent });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('expectation_failed');
    const denied = await request(`${server.url}/api/apps/chinook-preview/actions/flagCustomer/preview`, { method: 'POST', json: { params: { id: 11, reason: 'Viewer trying a preview' } }, cookie: viewer });
    expect(denied.status).toBe(403);
  });

  it('denies a viewer the flag action', async () => {
    expect((await action('flagCustomer', { params: { id: 10, reason: 'Viewer trying to flag' } }, viewer)).status).toBe(403);
  });

  it('never sends the URL or data source settings to the browser', async () => {
    const spec = JSON.stringify((await request(`${api}/spec`, { cookie: agent })).body).toLowerCase();
    for (const secret of ['postgres', 'chinook_database_url', '127.0.0.1', schema.name, 'select ']) expect(spec).not.toContain(secret);
  });
});
