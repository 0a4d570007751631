// Row and column rules on a served app: agents see their region's tickets,
// never the cost and emails only masked, may change only their rows, and
// nothing a client sends widens that. Leads see and change everything.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/apps.js';
import { devLogin, request, startServer, type TestServer } from '../helpers/server.js';

const FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'row-rules', 'tickets');

let root: string;
let server: TestServer;
const cookies: Record<string, string> = {};

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'opsdeck-row-rules-'));
  cpSync(FIXTURE, join(root, 'tickets'), { recursive: true });
  // A second app whose `agent` role is held by another group: holding `agent` in one app grants nothing here.
  cpSync(FIXTURE, join(root, 'billing'), { recursive: true });
  const billing = join(root, 'billing', 'app.yaml');
  writeFileSync(billing, readFileSync(billing, 'utf8').replace('id: tickets', 'id: billing').replace('groups: [support]', 'groups: [billing-team]').replace('groups: [support-leads]', 'groups: [billing-leads]'));
  writeFileSync(join(root, 'opsdeck.yaml'), 'identity:\n  mode: dev\n');
  server = await startServer(root);
  for (const user of ['ana', 'bo', 'nora', 'lena', 'root', 'outsider']) cookies[user] = await devLogin(server.url, `${user}@example.com`);
}, 30_000);

afterAll(async () => {
  await server?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

const api = (app = 'tickets') => `${server.url}/api/apps/${app}`;
const query = (user: string, body: unknown = {}, name = 'tickets', app = 'tickets') => request(`${api(app)}/queries/${name}`, { method: 'POST', json: body, cookie: cookies[user] });
const action = (user: string, name: string, params: unknown, suffix = '') => request(`${api()}/actions/${name}${suffix}`, { method: 'POST', json: { params }, cookie: cookies[user] });
const ids = (body: { rows: Array<{ id: number }> }) => body.rows.map((row) => row.id).sort((a, b) => a - b);

describe('row rules', () => {
  it('gives an agent only the rows of their region, and counts only those', async () => {
    const ana = await query('ana');
    expect(ana.status).toBe(200);
    expect(ids(ana.body)).toEqual([1, 2]);
    expect(ana.body.total).toBe(2);
    const bo = await query('bo');
    expect(ids(bo.body)).toEqual([3, 4]);
  });

  it('gives a role without a row rule every row', async () => {
    const lena = await query('lena');
    expect(ids(lena.body)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(lena.body.columns).toContain('cost_cents');
    expect(lena.body.rows.find((row: { id: number }) => row.id === 1).customer_email).toBe('kim@customer.example');
  });

  it('matches no row when the user lacks the attribute the rule reads', async () => {
    const nora = await query('nora');
    expect(nora.status).toBe(200);
    expect(nora.body.rows).toEqual([]);
    expect(nora.body.total).toBe(0);
  });

  it('keeps the rule when the client filters, sorts and pages', async () => {
    const response = await query('ana', { filter: { region: 'amer' } });
    expect(response.body.rows).toEqual([]);
    const negated = await query('ana', { filter: { region: { op: 'ne', value: 'emea' } }, sort: [{ field: 'id', dir: 'desc' }], page: { size: 500, offset: 0 } });
    expect(negated.body.total).toBe(0);
    const second = await query('ana', { page: { size: 1, offset: 1 }, sort: [{ field: 'id', dir: 'asc' }] });
    expect(ids(second.body)).toEqual([2]);
    expect(second.body.total).toBe(2);
  });

  it('cannot be widened by a parameter the query does not declare', async () => {
    const response = await query('ana', { params: { region: 'amer' } });
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body)).toContain('region');
  });

  it('matches `in user.groups` by whole group names only', async () => {
    const ana = await query('ana', {}, 'teams');
    expect(ana.body.rows.map((row: { id: number }) => row.id).sort()).toEqual([1, 4, 5]);
    const nora = await query('nora', {}, 'teams');
    expect(nora.body.rows).toEqual([]);
  });
});

describe('column rules', () => {
  it('leaves a hidden column out of columns and rows, and masks a masked one', async () => {
    const ana = await query('ana');
    expect(ana.body.columns).toEqual(['id', 'region', 'subject', 'customer_email', 'status', 'assignee']);
    for (const row of ana.body.rows) {
      expect(Object.keys(row)).not.toContain('cost_cents');
      expect(row.customer_email).toBe('••••••');
    }
  });

  it('keeps a null masked value null', async () => {
    const lenaRows = (await query('lena')).body.rows;
    expect(lenaRows.find((row: { id: number }) => row.id === 4).customer_email).toBeNull();
  });

  it('answers 400 to a sort, filter or threshold on a hidden column, without revealing it', async () => {
    const sort = await query('ana', { sort: [{ field: 'cost_cents', dir: 'desc' }] });
    expect(sort.status).toBe(400);
    expect(JSON.stringify(sort.body)).not.toContain('cost_cents"');
    expect(sort.body.error.details[0].message).toContain('not a column of this query');
    const threshold = await query('ana', { filter: { cost_cents: { op: 'gt', value: 1000 } } });
    expect(threshold.status).toBe(400);
    const nullTest = await query('ana', { filter: { cost_cents: null } });
    expect(nullTest.status).toBe(400);
  });

  it('answers 400 to a sort or filter on a masked column', async () => {
    const sort = await query('ana', { sort: [{ field: 'customer_email', dir: 'asc' }] });
    expect(sort.status).toBe(400);
    expect(sort.body.error.details[0].message).toContain('masked');
    const filter = await query('ana', { filter: { customer_email: { op: 'startsWith', value: 'k' } } });
    expect(filter.status).toBe(400);
  });

  it('refuses a search parameter that reads a masked column, and allows it for a lead', async () => {
    const ana = await query('ana', { params: { q: 'kim' } });
    expect(ana.status).toBe(400);
    expect(ana.body.error.details[0].field).toBe('params.q');
    const lena = await query('lena', { params: { q: 'kim' } });
    expect(ids(lena.body)).toEqual([1]);
  });

  it('leaves hidden columns and blocked searches out of the client view', async () => {
    const view = await request(`${api()}/spec`, { cookie: cookies.ana });
    const table = view.body.pages[0].components[0];
    expect(table.columns.map((column: { field: string }) => column.field)).toEqual(['id', 'region', 'subject', 'customer_email', 'status']);
    expect(table.columns.find((column: { field: string }) => column.field === 'customer_email').masked).toBe(true);
    expect(table.search).toBeUndefined();
    expect(JSON.stringify(view.body)).not.toContain('searches');
    const lead = await request(`${api()}/spec`, { cookie: cookies.lena });
    expect(lead.body.pages[0].components[0].search).toBe('q');
  });
});

describe('scoped actions', () => {
  const statusOf = async (id: number) => (await query('lena', { filter: { id } })).body.rows[0];

  it('answers 404 for a row outside the caller\'s rows and changes nothing', async () => {
    const response = await action('ana', 'closeTicket', { id: 3 });
    expect(response.status).toBe(404);
    expect(response.body.error.message).not.toContain('amer');
    expect((await statusOf(3)).status).toBe('open');
    const preview = await action('ana', 'moveTicket', { id: 3, region: 'emea' }, '/preview');
    expect(preview.status).toBe(404);
    const archived = await action('ana', 'closeTicket', { id: 5 });
    expect(archived.status).toBe(404);
  });

  it('runs on a row inside the caller\'s rows, with the identity the server binds', async () => {
    const response = await action('ana', 'closeTicket', { id: 2 });
    expect(response.status).toBe(200);
    expect(response.body.changes).toBe(1);
    expect((await statusOf(2)).status).toBe('closed');
  });

  it('rolls back a change that would move the row out of the caller\'s rows', async () => {
    const response = await action('ana', 'moveTicket', { id: 1, region: 'amer' });
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('row_rule');
    expect((await statusOf(1)).region).toBe('emea');
    const lead = await action('lena', 'moveTicket', { id: 6, region: 'emea' });
    expect(lead.status).toBe(200);
    expect((await statusOf(6)).region).toBe('emea');
  });

  it('refuses to delete a row outside the caller\'s rows and deletes one inside', async () => {
    expect((await action('bo', 'deleteTicket', { id: 1 })).status).toBe(404);
    expect(await statusOf(1)).toBeDefined();
    expect((await action('bo', 'deleteTicket', { id: 4 })).status).toBe(200);
    expect(await statusOf(4)).toBeUndefined();
  });

  it('refuses parameters the action does not declare, such as a forced identity value', async () => {
    const response = await action('ana', 'closeTicket', { id: 1, closed_by: 'someone@else.example' });
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body)).toContain('closed_by');
  });

  it('treats a user without the attribute as having no rows', async () => {
    expect((await action('nora', 'closeTicket', { id: 1 })).status).toBe(404);
  });
});

describe('roles across apps and superusers', () => {
  it('grants nothing in another app to a role held in this one', async () => {
    expect((await request(`${api('billing')}/spec`, { cookie: cookies.ana })).status).toBe(404);
    expect((await query('ana', {}, 'tickets', 'billing')).status).toBe(403);
  });

  it('denies a user of no role', async () => {
    expect((await query('outsider')).status).toBe(403);
    expect((await action('outsider', 'closeTicket', { id: 1 })).status).toBe(403);
  });

  it('gives a superuser every query and action, each as its own rule', async () => {
    const response = await query('root');
    expect(response.status).toBe(200);
    expect(response.body.total).toBeGreaterThan(3);
    const policy = server.running.registry.get('tickets')!.model.policy.policies;
    expect(policy).toContainEqual(['role:admin', 'tickets', 'action:deleteTicket', 'run']);
    expect(policy.some((rule) => rule.some((field) => field.includes('*')))).toBe(false);
  });
});

describe('development explain endpoint', () => {
  it('explains the signed-in user in dev mode', async () => {
    const response = await request(`${api()}/explain`, { cookie: cookies.ana });
    expect(response.status).toBe(200);
    expect(response.body.user.id).toBe('ana@example.com');
    const tickets = response.body.entries.find((entry: { kind: string; id: string }) => entry.kind === 'query' && entry.id === 'tickets');
    expect(tickets).toMatchObject({ allowed: true, rule: 'role:agent run query:tickets', hidden: ['cost_cents'], masked: ['customer_email'] });
  });

  it('answers 401 without a session', async () => {
    expect((await request(`${api()}/explain`)).status).toBe(401);
  });
});
