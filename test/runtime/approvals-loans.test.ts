// The approval in the loan-approvals example on PostgreSQL: a senior
// officer's approval above 150,000 waits for a lending lead, and runs as the
// senior officer once a lead approves it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/apps.js';
import { devLogin, request, startServer, type TestServer } from '../helpers/server.js';
import { createTestSchema, TEST_POSTGRES_URL, type TestSchema } from '../contract/postgres-schema.js';

const OFFICER = 'olivia@loans.example';
const SENIOR = 'sana@loans.example';
const LEAD = 'leo@loans.example';

describe('loan-approvals approval on PostgreSQL', () => {
  let schema: TestSchema;
  let root: string;
  let server: TestServer;
  let api: string;
  const cookies: Record<string, string> = {};

  beforeAll(async () => {
    schema = await createTestSchema('loanapprovals');
    root = mkdtempSync(join(tmpdir(), 'opsdeck-loan-approvals-'));
    cpSync(join(REPO_ROOT, 'examples', 'loan-approvals'), join(root, 'loan-approvals'), { recursive: true });
    writeFileSync(join(root, 'opsdeck.yaml'), 'identity:\n  mode: dev\n');
    const url = new URL(TEST_POSTGRES_URL);
    url.searchParams.set('options', `-c search_path=${schema.name}`);
    process.env.LOANS_DATABASE_URL = url.toString();
    server = await startServer(root);
    api = `${server.url}/api/apps/loan-approvals`;
    for (const user of [OFFICER, SENIOR, LEAD]) cookies[user] = await devLogin(server.url, user);
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    delete process.env.LOANS_DATABASE_URL;
    if (root) rmSync(root, { recursive: true, force: true });
    await schema?.drop();
  });

  const action = (name: string, params: Record<string, unknown>, user: string) => request(`${api}/actions/${name}`, { method: 'POST', json: { params }, cookie: cookies[user] });
  const decide = (id: string, user: string) => request(`${api}/approvals/${id}/approve`, { method: 'POST', json: {}, cookie: cookies[user] });
  const loan = async (id: number) => (await schema.admin(`SELECT status, decided_by, decision_note FROM ${schema.name}.loan_application WHERE id = ${id}`)).rows[0];

  /** Inserts an application in review and returns its id. */
  const inReview = async (amount: number): Promise<number> => {
    const inserted = await schema.admin(`INSERT INTO ${schema.name}.loan_application (applicant_id, amount, currency, purpose, term_months) VALUES (1, ${amount}, 'EUR', 'Warehouse', 120) RETURNING id`);
    const id = inserted.rows[0].id as number;
    expect((await action('startReview', { id }, OFFICER)).status).toBe(200);
    return id;
  };

  it('runs a senior approval above 150,000 once a lead approves', async () => {
    const id = await inReview(180_000);
    expect((await action('approveLargeLoan', { id, note: 'Collateral is a warehouse.' }, SENIOR)).status).toBe(409);

    const requested = await action('approveMajorLoan', { id, note: 'Collateral is a warehouse.' }, SENIOR);
    expect(requested.status).toBe(202);
    expect((await loan(id)).status).toBe('in_review');
    const approval = requested.body.approval.id;

    const listed = await request(`${api}/approvals`, { cookie: cookies[LEAD] });
    const item = listed.body.approvals.find((entry: { id: string }) => entry.id === approval);
    expect(item).toMatchObject({ actionTitle: 'Approve with lead', mayDecide: true, approvers: ['lead'] });
    expect(item.preview.sample[0].after.status).toBe('approved');

    expect((await decide(approval, SENIOR)).status).toBe(403);
    expect((await decide(approval, OFFICER)).status).toBe(403);
    expect((await loan(id)).status).toBe('in_review');

    const approved = await decide(approval, LEAD);
    expect(approved.status).toBe(200);
    expect(await loan(id)).toMatchObject({ status: 'approved', decided_by: SENIOR, decision_note: 'Collateral is a warehouse.' });
    const history = await schema.admin(`SELECT actor FROM ${schema.name}.loan_decision WHERE application_id = ${id} AND to_status = 'approved'`);
    expect(history.rows.map((row) => row.actor)).toEqual([SENIOR]);
  });

  it('keeps officers from requesting it', async () => {
    const id = await inReview(160_000);
    expect((await action('approveMajorLoan', { id, note: 'Looks fine to me.' }, OFFICER)).status).toBe(403);
    const mine = await request(`${api}/approvals?status=all`, { cookie: cookies[OFFICER] });
    expect(mine.status).toBe(200);
    expect(mine.body.approvals).toEqual([]);
  });
});
