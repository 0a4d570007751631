// The loan-approvals example on PostgreSQL: its migrations run in a fresh
// schema of database `test`, and officers, a senior officer and an auditor
// walk applications through review and decisions over the HTTP API. Also:
// without LOANS_DATABASE_URL the app is listed as unavailable while the other
// examples keep serving.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/apps.js';
import { devLogin, request, startServer, type TestServer } from '../helpers/server.js';
import { createTestSchema, TEST_POSTGRES_URL, type TestSchema } from '../contract/postgres-schema.js';

const EXAMPLES = join(REPO_ROOT, 'examples');
const OFFICER = 'olivia@loans.example';
const SENIOR = 'sana@loans.example';
const AUDITOR = 'aurel@loans.example';

/** Copies the examples without their working databases into a new folder. */
function copyExamples(only?: string): string {
  const root = mkdtempSync(join(tmpdir(), 'opsdeck-loans-'));
  for (const app of only === undefined ? ['chinook-support', 'incident-response', 'loan-approvals'] : [only]) {
    cpSync(join(EXAMPLES, app), join(root, app), { recursive: true, filter: (source) => !source.startsWith(join(EXAMPLES, app, 'data')) });
  }
  writeFileSync(join(root, 'opsdeck.yaml'), 'identity:\n  mode: dev\n');
  return root;
}

/** Returns the test server's URL with the schema as the connection's search_path, in the form the README gives. */
function urlWithSchema(schema: string): string {
  const url = new URL(TEST_POSTGRES_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

describe('loan-approvals on PostgreSQL', () => {
  let schema: TestSchema;
  let root: string;
  let server: TestServer;
  let api: string;
  const cookies: Record<string, string> = {};

  beforeAll(async () => {
    schema = await createTestSchema('loans');
    root = copyExamples('loan-approvals');
    process.env.LOANS_DATABASE_URL = urlWithSchema(schema.name);
    server = await startServer(root);
    api = `${server.url}/api/apps/loan-approvals`;
    for (const user of [OFFICER, SENIOR, AUDITOR]) cookies[user] = await devLogin(server.url, user);
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    delete process.env.LOANS_DATABASE_URL;
    if (root) rmSync(root, { recursive: true, force: true });
    await schema?.drop();
  });

  const query = (name: string, json: unknown, user = AUDITOR) => request(`${api}/queries/${name}`, { method: 'POST', json, cookie: cookies[user] });
  const action = (name: string, params: Record<string, unknown>, user = OFFICER) => request(`${api}/actions/${name}`, { method: 'POST', json: { params }, cookie: cookies[user] });
  const preview = (name: string, params: Record<string, unknown>, user = OFFICER) => request(`${api}/actions/${name}/preview`, { method: 'POST', json: { params }, cookie: cookies[user] });
  const statusOf = async (id: number): Promise<string> => (await schema.admin(`SELECT status FROM ${schema.name}.loan_application WHERE id = ${id}`)).rows[0].status;

  /** Inserts an application in state `submitted` and returns its id. */
  const submit = async (amount: number): Promise<number> => {
    const inserted = await schema.admin(`INSERT INTO ${schema.name}.loan_application (applicant_id, amount, currency, purpose, term_months) VALUES (1, ${amount}, 'EUR', 'Test purchase', 24) RETURNING id`);
    return inserted.rows[0].id;
  };

  it('migrates the schema and seeds 40 applications', async () => {
    const applied = await schema.admin(`SELECT name FROM ${schema.name}.opsdeck_migrations ORDER BY name`);
    expect(applied.rows.map((row) => row.name)).toEqual(['001_loans.sql', '002_sample_data.sql']);
    const all = await query('applications', { page: { size: 5 } });
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(40);
    expect(all.body.columns).toContain('within_officer_limit');
  });

  it('searches, filters and sorts applications', async () => {
    const search = await query('applications', { params: { search: 'hartley' } });
    expect(search.status).toBe(200);
    expect(search.body.rows.length).toBeGreaterThan(0);
    expect(search.body.rows.every((row: { applicant: string }) => row.applicant === 'Amelia Hartley')).toBe(true);
    const inReview = await query('applications', { params: { status: 'in_review' } });
    expect(inReview.body.rows.every((row: { status: string }) => row.status === 'in_review')).toBe(true);
    const filtered = await query('applications', { filter: { status: 'in_review' } });
    expect(filtered.body.total).toBe(inReview.body.total);
    const sorted = await query('applications', { sort: [{ field: 'amount', dir: 'desc' }], page: { size: 1 } });
    expect(sorted.body.rows[0].amount).toBe('222400.00');
    const badStatus = await query('applications', { params: { status: 'pending' } });
    expect(badStatus.status).toBe(400);
  });

  it('walks a small loan through review to approval', async () => {
    const id = await submit(12_000);
    const early = await action('approveLoan', { id, note: 'Income verified.' });
    expect(early.status).toBe(409);
    expect(await statusOf(id)).toBe('submitted');

    expect((await action('startReview', { id })).status).toBe(200);
    expect(await statusOf(id)).toBe('in_review');
    const again = await action('startReview', { id });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain('Only a submitted application can be taken into review');

    const approved = await action('approveLoan', { id, note: 'Income verified.' });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ ok: true, changes: 1 });
    expect(await statusOf(id)).toBe('approved');

    const twice = await action('approveLoan', { id, note: 'Income verified.' });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('expectation_failed');
    expect(twice.body.error.message).toContain('The application was not approved: it is not in review');
    expect(await statusOf(id)).toBe('approved');
  });

  it('records each status change in the decision history', async () => {
    const id = await submit(8_000);
    await action('startReview', { id });
    await action('rejectLoan', { id, note: 'Could not verify income documents.' });
    const history = await query('decisions', { filter: { application_id: id }, sort: [{ field: 'id', dir: 'asc' }] });
    expect(history.status).toBe(200);
    expect(history.body.rows.map((row: { from_status: string; to_status: string; actor: string }) => [row.from_status, row.to_status, row.actor])).toEqual([
      ['submitted', 'in_review', OFFICER],
      ['in_review', 'rejected', OFFICER],
    ]);
    expect(history.body.rows[1].note).toBe('Could not verify income documents.');
  });

  it('keeps loans above the limit from officers', async () => {
    const id = await submit(75_000);
    await action('startReview', { id });
    const approve = await action('approveLoan', { id, note: 'Looks fine.' });
    expect(approve.status).toBe(409);
    expect(approve.body.error.message).toContain('above 50,000');
    const reject = await action('rejectLoan', { id, note: 'Trying to reject a large loan.' });
    expect(reject.status).toBe(409);
    expect(await statusOf(id)).toBe('in_review');
    expect((await action('approveLargeLoan', { id, note: 'Looks fine.' })).status).toBe(403);

    const senior = await action('approveLargeLoan', { id, note: 'Collateral valued above the loan.' }, SENIOR);
    expect(senior.status).toBe(200);
    expect(await statusOf(id)).toBe('approved');
    const decided = await schema.admin(`SELECT decided_by FROM ${schema.name}.loan_application WHERE id = ${id}`);
    expect(decided.rows[0].decided_by).toBe(SENIOR);
  });

  it('lets the senior use the officer actions too', async () => {
    const id = await submit(3_000);
    expect((await action('startReview', { id }, SENIOR)).status).toBe(200);
    expect((await action('rejectLoan', { id, note: 'Requested amount exceeds affordability.' }, SENIOR)).status).toBe(200);
    expect(await statusOf(id)).toBe('rejected');
  });

  it('denies every action to the auditor', async () => {
    const id = await submit(5_000);
    for (const name of ['startReview', 'approveLoan', 'rejectLoan', 'approveLargeLoan', 'rejectLargeLoan']) {
      const response = await action(name, { id, note: 'Auditors may not decide.' }, AUDITOR);
      expect(response.status, name).toBe(403);
    }
    expect(await statusOf(id)).toBe('submitted');
  });

  it('previews the status before and after', async () => {
    const id = await submit(20_000);
    await action('startReview', { id });
    const shown = await preview('approveLoan', { id, note: 'Income verified.' });
    expect(shown.status).toBe(200);
    expect(shown.body.changes).toBe(1);
    expect(shown.body.sample).toHaveLength(1);
    expect(shown.body.sample[0].key).toBe(id);
    expect(shown.body.sample[0].before.status).toBe('in_review');
    expect(shown.body.sample[0].after.status).toBe('approved');
    expect(shown.body.sample[0].after.decided_by).toBe(OFFICER);
    expect(await statusOf(id)).toBe('in_review');
    const history = await schema.admin(`SELECT count(*)::int AS n FROM ${schema.name}.loan_decision WHERE application_id = ${id} AND to_status = 'approved'`);
    expect(history.rows[0].n).toBe(0);
  });

  it('previews an officer approval above the limit as changing nothing', async () => {
    const id = await submit(90_000);
    await action('startReview', { id });
    const shown = await preview('approveLoan', { id, note: 'Income verified.' });
    expect(shown.status).toBe(409);
    expect(shown.body.error.message).toContain('above 50,000');
  });
});

describe('loan-approvals without LOANS_DATABASE_URL', () => {
  let root: string;
  let server: TestServer;

  beforeAll(async () => {
    delete process.env.LOANS_DATABASE_URL;
    root = copyExamples();
    server = await startServer(root);
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('lists the app as unavailable and serves the others', async () => {
    const cookie = await devLogin(server.url, SENIOR);
    const apps = await request(`${server.url}/api/apps`, { cookie });
    const loans = apps.body.apps.find((app: { id: string }) => app.id === 'loan-approvals');
    expect(loans.status).toBe('unavailable');
    expect(loans.reason).toContain('LOANS_DATABASE_URL');

    const response = await request(`${server.url}/api/apps/loan-approvals/queries/applications`, { method: 'POST', json: {}, cookie });
    expect(response.status).toBe(503);
    expect(response.body.error.code).toBe('app_unavailable');
    expect(response.body.error.message).toContain('Set LOANS_DATABASE_URL');
    expect(response.body.error.message).not.toContain('becomes available again by itself');

    const agent = await devLogin(server.url, 'ana@chinook.example');
    const customers = await request(`${server.url}/api/apps/chinook-support/queries/customers`, { method: 'POST', json: { page: { size: 1 } }, cookie: agent });
    expect(customers.status).toBe(200);
  });
});
