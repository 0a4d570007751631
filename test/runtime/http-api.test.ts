import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { copyChinookApp, type TempRoot } from '../helpers/apps.js';
import { devLogin, request, startServer, type TestServer } from '../helpers/server.js';

const AGENT = 'ana@chinook.example';
const VIEWER = 'victor@chinook.example';
const OUTSIDER = 'nora@chinook.example';

let temp: TempRoot;
let server: TestServer;
let agent: string;
let viewer: string;
let outsider: string;
let api: string;

beforeAll(async () => {
  temp = copyChinookApp();
  server = await startServer(temp.root);
  api = `${server.url}/api/apps/chinook-support`;
  agent = await devLogin(server.url, AGENT);
  viewer = await devLogin(server.url, VIEWER);
  outsider = await devLogin(server.url, OUTSIDER);
});

afterAll(async () => {
  await server?.close();
  temp?.remove();
});

const query = (name: string, json: unknown, cookie = viewer) => request(`${api}/queries/${name}`, { method: 'POST', json, cookie });
const action = (name: string, json: unknown, cookie = agent) => request(`${api}/actions/${name}`, { method: 'POST', json, cookie });
const auditLines = () => readFileSync(join(temp.root, '.opsdeck', 'audit.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));

describe('identity and app listing', () => {
  it('answers 401 without a session', async () => {
    const response = await request(`${server.url}/api/apps`);
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('unauthenticated');
  });

  it('rejects a tampered session cookie', async () => {
    const forged = agent.replace(/opsdeck_session=([^;]+)/, (_, value: string) => `opsdeck_session=${value.slice(0, -2)}AA`);
    expect((await request(`${server.url}/api/apps`, { cookie: forged })).status).toBe(401);
  });

  it('rejects a dev login for a user no spec declares', async () => {
    const response = await request(`${server.url}/api/dev/login`, { method: 'POST', json: { user: 'mallory@evil.example' } });
    expect(response.status).toBe(400);
    expect(response.body.error.field).toBe('user');
  });

  it('lists only apps the user may open', async () => {
    expect((await request(`${server.url}/api/apps`, { cookie: viewer })).body.apps.map((app: { id: string }) => app.id)).toEqual(['chinook-support']);
    expect((await request(`${server.url}/api/apps`, { cookie: outsider })).body.apps).toEqual([]);
  });

  it('returns the session user', async () => {
    const response = await request(`${server.url}/api/session`, { cookie: agent });
    expect(response.body).toEqual({ user: { id: AGENT, name: 'Ana Agent', groups: ['support', 'support-agents'], attributes: {} }, mode: 'dev' });
  });
});

describe('client view of the spec', () => {
  it('never contains SQL, data source settings or members', async () => {
    const response = await request(`${api}/spec`, { cookie: agent });
    expect(response.status).toBe(200);
    const text = JSON.stringify(response.body).toLowerCase();
    for (const secret of ['select ', 'insert into', 'update customer', 'sqlite', 'seed', 'migrations', '"sales"', 'members', 'datasource']) {
      expect(text).not.toContain(secret);
    }
  });

  it('lists row actions only for roles that may run them', async () => {
    const agentSpec = (await request(`${api}/spec`, { cookie: agent })).body;
    const viewerSpec = (await request(`${api}/spec`, { cookie: viewer })).body;
    expect(Object.keys(agentSpec.actions).sort()).toEqual(['addNote', 'flagCustomer', 'unflagCustomer', 'updateContact']);
    expect(viewerSpec.actions).toEqual({});
    expect(viewerSpec.pages[0].components[0].rowActions).toEqual([]);
    expect(agentSpec.pages[0].components[0].rowActions.map((entry: { action: string }) => entry.action)).toContain('flagCustomer');
  });

  it('answers 404 for an app the user may not open and for an unknown app', async () => {
    expect((await request(`${api}/spec`, { cookie: outsider })).status).toBe(404);
    expect((await request(`${server.url}/api/apps/nope/spec`, { cookie: agent })).status).toBe(404);
  });
});

describe('queries', () => {
  it('pages and counts in the database', async () => {
    const response = await query('customers', { page: { size: 10, offset: 0 } });
    expect(response.status).toBe(200);
    expect(response.body.total).toBe(59);
    expect(response.body.rows).toHaveLength(10);
    expect(response.body.columns).toContain('Email');
    const last = await query('customers', { page: { size: 10, offset: 50 } });
    expect(last.body.rows).toHaveLength(9);
  });

  it('sorts by a returned column', async () => {
    const response = await query('customers', { sort: [{ field: 'LastName', dir: 'desc' }], page: { size: 3 } });
    const names = response.body.rows.map((row: { LastName: string }) => row.LastName);
    expect(names).toEqual([...names].sort().reverse());
    expect(names[0]).toBe('Zimmermann');
  });

  it('binds the search parameter', async () => {
    const response = await query('customers', { params: { search: 'Gonçalves' } });
    expect(response.body.total).toBe(1);
    expect(response.body.rows[0].FirstName).toBe('Luís');
  });

  it('filters with operators', async () => {
    const brazil = await query('customers', { filter: { Country: 'Brazil' } });
    expect(brazil.body.total).toBe(5);
    const startsWith = await query('customers', { filter: { LastName: { op: 'startsWith', value: 'Go' } } });
    expect(startsWith.body.rows.every((row: { LastName: string }) => row.LastName.startsWith('Go'))).toBe(true);
    const nullCompany = await query('customers', { filter: { Company: { op: 'isNull', value: true } } });
    expect(nullCompany.body.total).toBe(49);
  });

  it('treats injection in parameters as plain text', async () => {
    const response = await query('customers', { params: { search: "' OR 1=1; DROP TABLE customer; --" } });
    expect(response.status).toBe(200);
    expect(response.body.total).toBe(0);
    expect((await query('customers', {})).body.total).toBe(59);
  });

  it('rejects sort and filter on columns the query does not return', async () => {
    const sort = await query('customers', { sort: [{ field: 'LastName; DROP TABLE customer', dir: 'asc' }] });
    expect(sort.status).toBe(400);
    expect(sort.body.error.code).toBe('invalid_sort');
    expect(sort.body.error.field).toBe('sort[0].field');
    const dir = await query('customers', { sort: [{ field: 'LastName', dir: 'asc; DROP TABLE customer' }] });
    expect(dir.body.error.field).toBe('sort[0].dir');
    const filter = await query('customers', { filter: { 'Email" OR 1=1 --': 'x' } });
    expect(filter.status).toBe(400);
    expect(filter.body.error.code).toBe('invalid_filter');
    const hidden = await query('customers', { filter: { SupportRepId: 3 } });
    expect(hidden.status).toBe(400);
    const op = await query('customers', { filter: { Country: { op: 'raw', value: '1=1' } } });
    expect(op.body.error.field).toBe('filter.Country.op');
    expect((await query('customers', {})).body.total).toBe(59);
  });

  it('suggests a near column name', async () => {
    const response = await query('customers', { sort: [{ field: 'Lastname' }] });
    expect(response.body.error.message).toContain('Did you mean "LastName"?');
  });

  it('rejects invalid params, page and body', async () => {
    const long = await query('customers', { params: { search: 'x'.repeat(201) } });
    expect(long.status).toBe(400);
    expect(long.body.error).toMatchObject({ code: 'invalid_params', field: 'params.search' });
    const unknown = await query('customers', { params: { owner: 'me' } });
    expect(unknown.body.error.field).toBe('params.owner');
    const missing = await query('invoices', {});
    expect(missing.body.error.field).toBe('params.customerId');
    const wrongType = await query('invoices', { params: { customerId: '1 OR 1=1' } });
    expect(wrongType.body.error.field).toBe('params.customerId');
    expect((await query('customers', { page: { size: 0 } })).body.error.field).toBe('page.size');
    expect((await query('customers', { page: { size: 501 } })).body.error.field).toBe('page.size');
    expect((await query('customers', { page: { offset: -1 } })).body.error.field).toBe('page.offset');
    expect((await query('customers', { extra: 1 })).body.error.field).toBe('extra');
    expect((await query('customers', [1, 2])).body.error.code).toBe('invalid_json');
    const broken = await request(`${api}/queries/customers`, { method: 'POST', body: '{"params": ', headers: { 'content-type': 'application/json' }, cookie: viewer });
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('invalid_json');
  });

  it('answers 401, 403 and 404 as documented', async () => {
    expect((await request(`${api}/queries/customers`, { method: 'POST', json: {} })).status).toBe(401);
    expect((await query('customers', {}, outsider)).status).toBe(403);
    expect((await query('nope', {})).status).toBe(404);
    expect((await request(`${server.url}/api/apps/nope/queries/customers`, { method: 'POST', json: {}, cookie: viewer })).status).toBe(404);
  });

  it('answers 413 for an oversized body and 415 without JSON', async () => {
    const big = await query('customers', { params: { search: 'x'.repeat(70 * 1024) } });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('body_too_large');
    const form = await request(`${api}/queries/customers`, { method: 'POST', body: 'params=1', headers: { 'content-type': 'application/x-www-form-urlencoded' }, cookie: viewer });
    expect(form.status).toBe(415);
  });

  it('answers a JSON 404 for a malformed URL', async () => {
    const response = await request(`${api}/queries/%E0%A4%A`, { method: 'POST', json: {}, cookie: viewer });
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('not_found');
  });
});

describe('actions', () => {
  it('runs an allowed action and records it in the audit log', async () => {
    const response = await action('flagCustomer', { params: { id: 7, reason: 'Chargeback on three invoices' } });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ ok: true, changes: 1 });
    const flagged = await query('flaggedAccounts', {});
    expect(flagged.body.rows.map((row: { CustomerId: number }) => row.CustomerId)).toContain(7);
    expect(flagged.body.rows.find((row: { CustomerId: number }) => row.CustomerId === 7).flagged_by).toBe(AGENT);
    const records = auditLines().filter((record) => record.action === 'flagCustomer' && record.params?.id === 7);
    expect(records.map((record) => record.outcome)).toEqual(['started', 'succeeded']);
    expect(records[1].attempt).toBe(records[0].id);
    expect(records[0].user).toBe(AGENT);
  });

  it('rolls back when the expected row count differs', async () => {
    await action('flagCustomer', { params: { id: 8, reason: 'First flag on this one' } });
    const again = await action('flagCustomer', { params: { id: 8, reason: 'Second flag on this one' } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('expectation_failed');
    const active = await query('flaggedAccounts', { filter: { CustomerId: 8 } });
    expect(active.body.total).toBe(1);
    expect(active.body.rows[0].reason).toBe('First flag on this one');
  });

  it('denies a role the spec does not allow, even when called directly', async () => {
    const response = await action('flagCustomer', { params: { id: 9, reason: 'Viewer trying to flag' } }, viewer);
    expect(response.status).toBe(403);
    expect(response.body.error.message).not.toContain('agent');
    expect((await query('flaggedAccounts', { filter: { CustomerId: 9 } })).body.total).toBe(0);
    expect(auditLines().some((record) => record.action === 'flagCustomer' && record.user === VIEWER && record.outcome === 'denied')).toBe(true);
  });

  it('names every invalid field', async () => {
    const response = await action('flagCustomer', { params: { id: 'seven', reason: 'short' } });
    expect(response.status).toBe(400);
    const fields = response.body.error.details.map((detail: { field: string }) => detail.field).sort();
    expect(fields).toEqual(['params.id', 'params.reason']);
    const reason = response.body.error.details.find((detail: { field: string }) => detail.field === 'params.reason');
    expect(reason.message).toBe('must have at least 10 characters.');
  });

  it('does not let the client stand in for identity values', async () => {
    const response = await action('addNote', { params: { id: 3, body: 'Called back about the invoice', 'user.id': 'someone@else.example' } });
    expect(response.status).toBe(400);
    expect(response.body.error.field).toBe('params.user.id');
    await action('addNote', { params: { id: 3, body: 'Called back about the invoice' } });
    const notes = await query('notes', { params: { customerId: 3 } });
    expect(notes.body.rows[0].author).toBe(AGENT);
  });

  it('answers 404 for an unknown action', async () => {
    expect((await action('dropEverything', { params: {} })).status).toBe(404);
  });

  it('refuses to run when the audit record cannot be written', async () => {
    const auditFile = join(temp.root, '.opsdeck', 'audit.jsonl');
    const before = (await query('flaggedAccounts', { filter: { CustomerId: 10 } })).body.total;
    rmSync(auditFile);
    mkdirSync(auditFile);
    try {
      const response = await action('flagCustomer', { params: { id: 10, reason: 'Audit store is broken now' } });
      if (response.status === 200) throw new Error('action ran although the audit path is a directory');
      expect(response.status).toBe(503);
      expect(response.body.error.code).toBe('audit_unavailable');
    } finally {
      rmSync(auditFile, { recursive: true, force: true });
    }
    // Queries are audited too, so the data is checked once the log is writable again.
    expect((await query('flaggedAccounts', { filter: { CustomerId: 10 } })).body.total).toBe(before);
  });
});

describe('hostile input', () => {
  it('answers 404 for names of built-in object members', async () => {
    for (const name of ['toString', 'constructor', 'hasOwnProperty', '__proto__']) {
      expect((await action(name, { params: {} }, viewer)).status).toBe(404);
      expect((await query(name, {})).status).toBe(404);
    }
  });

  it('rejects numbers a database cannot store exactly', async () => {
    const huge = await request(`${api}/queries/invoices`, { method: 'POST', cookie: viewer, body: '{"params": {"customerId": 1e999}}', headers: { 'content-type': 'application/json' } });
    expect(huge.status).toBe(400);
    expect(huge.body.error.field).toBe('params.customerId');
    const inexact = await request(`${api}/queries/invoices`, { method: 'POST', cookie: viewer, body: '{"params": {"customerId": 9007199254740993}}', headers: { 'content-type': 'application/json' } });
    expect(inexact.status).toBe(400);
    expect(inexact.body.error.message).toContain('too large');
  });

  it('rejects NUL characters in text', async () => {
    const response = await query('customers', { params: { search: 'a\u0000b' } });
    expect(response.status).toBe(400);
    expect(response.body.error.field).toBe('params.search');
  });

  it('treats a null filter as is-null', async () => {
    expect((await query('customers', { filter: { Company: null } })).body.total).toBe(49);
    expect((await query('customers', { filter: { Company: { op: 'ne', value: null } } })).body.total).toBe(10);
    const extra = await query('customers', { filter: { Company: { op: 'eq', value: 'x', raw: '1=1' } } });
    expect(extra.body.error.field).toBe('filter.Company.raw');
  });

  it('answers JSON for an unsupported method', async () => {
    const response = await request(`${api}/queries/customers`, { method: 'DELETE', cookie: viewer });
    expect(response.status).toBe(405);
    expect(response.body.error.code).toBe('method_not_allowed');
  });

  it('returns lastInsertId only for inserts', async () => {
    const inserted = await action('addNote', { params: { id: 40, body: 'Insert returns its id' } });
    expect(inserted.body.lastInsertId).toBeGreaterThan(0);
    const updated = await action('updateContact', { params: { id: 40, email: 'new.address@example.com' } });
    expect(updated.body).toEqual({ ok: true, changes: 1, lastInsertId: null });
  });

  it('explains an expectation failure with the spec message', async () => {
    await action('flagCustomer', { params: { id: 41, reason: 'First flag for the message test' } });
    const again = await action('flagCustomer', { params: { id: 41, reason: 'Second flag for the message test' } });
    expect(again.body.error.message).toBe('Nothing was changed. This account is already flagged.');
  });
});

describe('cross-site requests', () => {
  it('rejects a write from another origin and changes nothing', async () => {
    const before = (await query('notes', { params: { customerId: 50 } })).body.total;
    const foreign = await request(`${api}/actions/addNote`, { method: 'POST', cookie: agent, headers: { origin: 'https://evil.example' }, json: { params: { id: 50, body: 'Written from another site' } } });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.code).toBe('cross_origin');
    const fetchSite = await request(`${api}/actions/addNote`, { method: 'POST', cookie: agent, headers: { 'sec-fetch-site': 'cross-site' }, json: { params: { id: 50, body: 'Written from another site' } } });
    expect(fetchSite.status).toBe(403);
    expect((await query('notes', { params: { customerId: 50 } })).body.total).toBe(before);
  });

  it('accepts a write from the same origin', async () => {
    const same = await request(`${api}/actions/addNote`, { method: 'POST', cookie: agent, headers: { origin: server.url, 'sec-fetch-site': 'same-origin' }, json: { params: { id: 50, body: 'Written from this server' } } });
    expect(same.status).toBe(200);
  });
});
