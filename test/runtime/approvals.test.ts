// Approvals over the HTTP API, on a SQLite app served in-process. A run of an
// action with `approval:` creates a pending request. Only a member of an
// approving role other than the requester can approve it, and then the action
// runs once with the requester's parameters and identity.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { devLogin, request, startServer, type TestServer } from '../helpers/server.js';
import { AMY, BOB, LEA, LIZ, refundsSpec, writeRefundsApp } from './approvals-app.js';
import type { TempRoot } from '../helpers/apps.js';

interface AuditLine {
  user: string;
  outcome: string;
  approval?: string;
  requester?: string;
  approver?: string;
  comment?: string;
  params?: Record<string, unknown>;
}

describe('approvals API', () => {
  let temp: TempRoot;
  let server: TestServer;
  let api: string;
  const cookies: Record<string, string> = {};

  const login = async (): Promise<void> => {
    for (const user of [AMY, BOB, LEA, LIZ]) cookies[user] = await devLogin(server.url, user);
  };

  beforeAll(async () => {
    temp = writeRefundsApp();
    server = await startServer(temp.root);
    api = `${server.url}/api/apps/refunds`;
    await login();
  }, 30_000);

  afterAll(async () => {
    await server?.close();
    temp?.remove();
  });

  const run = (params: Record<string, unknown>, user = AMY) => request(`${api}/actions/refund`, { method: 'POST', json: { params }, cookie: cookies[user] });
  const decide = (id: string, verdict: 'approve' | 'reject', user: string, json: unknown = {}) =>
    request(`${api}/approvals/${encodeURIComponent(id)}/${verdict}`, { method: 'POST', json, cookie: cookies[user] });
  const list = (user: string, status = 'pending') => request(`${api}/approvals?status=${status}`, { cookie: cookies[user] });
  const order = async (id: number): Promise<{ refunded: number; refunded_by: string | null }> => {
    const response = await request(`${api}/queries/orders`, { method: 'POST', json: { filter: { id } }, cookie: cookies[LEA] });
    expect(response.status).toBe(200);
    return response.body.rows[0];
  };
  const auditLines = (): AuditLine[] =>
    readFileSync(join(temp.root, '.opsdeck', 'audit.jsonl'), 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as AuditLine);
  const auditOf = (approval: string): AuditLine[] => auditLines().filter((line) => line.approval === approval);

  it('answers 202 with a pending request and changes nothing', async () => {
    const response = await run({ id: 1, refund: 50, reference: 'R-secret-1' });
    expect(response.status).toBe(202);
    expect(response.body.approval.status).toBe('pending');
    expect(response.body.approval.id).toMatch(/^[0-9a-f-]{36}$/);
    const expiresIn = Date.parse(response.body.approval.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(2 * 3_600_000 - 60_000);
    expect(expiresIn).toBeLessThanOrEqual(2 * 3_600_000);
    expect(await order(1)).toMatchObject({ refunded: 0, refunded_by: null });

    const records = auditOf(response.body.approval.id);
    expect(records.map((record) => record.outcome)).toEqual(['pending']);
    expect(records[0].user).toBe(AMY);
    expect(records[0].requester).toBe(AMY);
    expect(records[0].params).toEqual({ id: 1, refund: 50, reference: '***' });
  });

  it('rejects invalid parameters before creating a request', async () => {
    const response = await run({ id: 1, refund: -5 });
    expect(response.status).toBe(400);
    expect(response.body.error.field).toBe('params.refund');
    expect((await list(LEA)).body.approvals.filter((item: { params: { refund: number } }) => item.params.refund === -5)).toHaveLength(0);
  });

  it('forbids approving your own request', async () => {
    const { body } = await run({ id: 2, refund: 20 });
    const response = await decide(body.approval.id, 'approve', AMY);
    expect(response.status).toBe(403);
    expect(response.body.error.message).toContain('You cannot approve your own request');
    expect(await order(2)).toMatchObject({ refunded: 0 });
  });

  it('forbids approving your own request as an approver', async () => {
    const { body } = await run({ id: 2, refund: 21 }, LEA);
    const response = await decide(body.approval.id, 'approve', LEA);
    expect(response.status).toBe(403);
    expect(await order(2)).toMatchObject({ refunded: 0 });
  });

  it('forbids approval by a non-approver', async () => {
    const { body } = await run({ id: 2, refund: 22 });
    const response = await decide(body.approval.id, 'approve', BOB);
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('forbidden');
    const reject = await decide(body.approval.id, 'reject', BOB);
    expect(reject.status).toBe(403);
    expect(await order(2)).toMatchObject({ refunded: 0 });
    expect(auditOf(body.approval.id).filter((record) => record.outcome === 'denied').map((record) => record.user)).toEqual([BOB, BOB]);
  });

  it('answers 404 for an unknown or tampered id', async () => {
    const { body } = await run({ id: 2, refund: 23 });
    const tampered = `${body.approval.id.slice(0, -1)}${body.approval.id.endsWith('0') ? '1' : '0'}`;
    expect((await decide(tampered, 'approve', LEA)).status).toBe(404);
    expect((await decide('../../actions/refund', 'approve', LEA)).status).toBe(404);
    const otherApp = await request(`${server.url}/api/apps/nope/approvals/${body.approval.id}/approve`, { method: 'POST', json: {}, cookie: cookies[LEA] });
    expect(otherApp.status).toBe(404);
    expect(await order(2)).toMatchObject({ refunded: 0 });
  });

  it('accepts only a comment in the decision body', async () => {
    const { body } = await run({ id: 2, refund: 24 });
    const id = body.approval.id;
    const withParams = await decide(id, 'approve', LEA, { params: { id: 2, refund: 9999 } });
    expect(withParams.status).toBe(400);
    expect(withParams.body.error.field).toBe('params');
    const longComment = await decide(id, 'approve', LEA, { comment: 'x'.repeat(1001) });
    expect(longComment.status).toBe(400);
    expect(longComment.body.error.field).toBe('comment');
    const notText = await decide(id, 'approve', LEA, { comment: 5 });
    expect(notText.status).toBe(400);
    expect(await order(2)).toMatchObject({ refunded: 0 });
    const still = (await list(LEA)).body.approvals.find((item: { id: string }) => item.id === id);
    expect(still.status).toBe('pending');
  });

  it('lists requests to their approvers and requester only', async () => {
    const { body } = await run({ id: 3, refund: 10, reference: 'R-secret-3' });
    const id = body.approval.id;

    const lead = await list(LEA);
    expect(lead.status).toBe(200);
    const seen = lead.body.approvals.find((item: { id: string }) => item.id === id);
    expect(seen).toMatchObject({ action: 'refund', actionTitle: 'Refund order', status: 'pending', mine: false, mayDecide: true, approvers: ['lead'] });
    expect(seen.requester).toEqual({ id: AMY, name: 'Amy Agent' });
    expect(seen.params).toEqual({ id: 3, refund: 10, reference: '***' });
    expect(JSON.stringify(lead.body)).not.toContain('R-secret');
    expect(seen.preview.changes).toBe(1);
    expect(seen.preview.sample[0].before.refunded).toBe(0);
    expect(seen.preview.sample[0].after.refunded).toBe(10);

    const own = (await list(AMY)).body.approvals.find((item: { id: string }) => item.id === id);
    expect(own).toMatchObject({ mine: true, mayDecide: false });
    expect((await list(BOB)).body.approvals.some((item: { id: string }) => item.id === id)).toBe(false);

    const times = lead.body.approvals.map((item: { createdAt: string }) => item.createdAt);
    expect(times).toEqual([...times].sort().reverse());
    expect((await list(LEA, 'bogus')).status).toBe(400);
  });

  it('runs the original params as the requester once approved', async () => {
    const { body } = await run({ id: 4, refund: 150, reference: 'R-secret-4' });
    const id = body.approval.id;
    const approved = await decide(id, 'approve', LEA, { comment: 'Receipt checked.' });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ ok: true, changes: 1, approval: { id, status: 'executed' } });
    expect(await order(4)).toMatchObject({ refunded: 150, refunded_by: AMY });

    const records = auditOf(id);
    expect(records.map((record) => record.outcome)).toEqual(['pending', 'approved', 'started', 'succeeded']);
    expect(records[1]).toMatchObject({ user: LEA, requester: AMY, approver: LEA, comment: 'Receipt checked.' });
    expect(records[2]).toMatchObject({ user: AMY, requester: AMY, approver: LEA });
    expect(records[3]).toMatchObject({ user: AMY, requester: AMY, approver: LEA });
    expect(records[2].params).toEqual({ id: 4, refund: 150, reference: '***' });

    const again = await decide(id, 'approve', LIZ);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain('executed');
    const done = (await list(AMY, 'all')).body.approvals.find((item: { id: string }) => item.id === id);
    expect(done.status).toBe('executed');
    expect(done.decision).toMatchObject({ status: 'approved', by: { id: LEA }, comment: 'Receipt checked.' });
  });

  it('never runs a rejected request', async () => {
    const { body } = await run({ id: 5, refund: 30 });
    const id = body.approval.id;
    const rejected = await decide(id, 'reject', LIZ, { comment: 'No receipt.' });
    expect(rejected.status).toBe(200);
    expect(rejected.body.approval.status).toBe('rejected');
    const late = await decide(id, 'approve', LEA);
    expect(late.status).toBe(409);
    expect(late.body.error.message).toContain('rejected');
    expect(await order(5)).toMatchObject({ refunded: 0 });
    expect(auditOf(id).map((record) => record.outcome)).toEqual(['pending', 'rejected']);
    expect(auditOf(id)[1]).toMatchObject({ user: LIZ, approver: LIZ, requester: AMY, comment: 'No receipt.' });
  });

  it('runs once when two approvers approve at once', async () => {
    const { body } = await run({ id: 6, refund: 40 });
    const id = body.approval.id;
    const answers = await Promise.all([decide(id, 'approve', LEA), decide(id, 'approve', LIZ), decide(id, 'approve', LEA)]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409, 409]);
    expect(auditOf(id).filter((record) => record.outcome === 'started')).toHaveLength(1);
    expect(auditOf(id).filter((record) => record.outcome === 'approved')).toHaveLength(1);
    expect(await order(6)).toMatchObject({ refunded: 40, refunded_by: AMY });
  });

  it('reports a run that fails after approval as failed', async () => {
    // Two requests refund the same order; once the first ran, the second changes no row and `expect` stops it.
    const { body } = await run({ id: 1, refund: 1 }, BOB);
    const { body: second } = await run({ id: 1, refund: 2 }, BOB);
    expect(second.approval.status).toBe('pending');
    const first = await decide(body.approval.id, 'approve', LEA);
    expect(first.status).toBe(200);
    const failed = await decide(second.approval.id, 'approve', LEA);
    expect(failed.status).toBe(409);
    expect(failed.body.error.code).toBe('expectation_failed');
    const item = (await list(BOB, 'all')).body.approvals.find((entry: { id: string }) => entry.id === second.approval.id);
    expect(item.status).toBe('failed');
    expect((await decide(second.approval.id, 'approve', LIZ)).status).toBe(409);
  });
});

describe('approvals across restarts and spec changes', () => {
  let temp: TempRoot;
  let server: TestServer | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
    temp?.remove();
  });

  const start = async () => {
    server = await startServer(temp.root);
    const cookies = { amy: await devLogin(server.url, AMY), lea: await devLogin(server.url, LEA) };
    return { api: `${server.url}/api/apps/refunds`, cookies };
  };
  const approvalsFile = () => join(temp.root, '.opsdeck', 'approvals.jsonl');

  it('expires a request and never runs it', async () => {
    temp = writeRefundsApp();
    let { api, cookies } = await start();
    const created = await request(`${api}/actions/refund`, { method: 'POST', json: { params: { id: 1, refund: 5 } }, cookie: cookies.amy });
    expect(created.status).toBe(202);
    const id = created.body.approval.id;
    await server!.close();

    // Move the expiry into the past, as if two hours went by while the server was down.
    const past = new Date(Date.now() - 1000).toISOString();
    const lines = readFileSync(approvalsFile(), 'utf8').split('\n').filter((line) => line !== '');
    writeFileSync(approvalsFile(), `${lines.map((line) => line.replace(/"expiresAt":"[^"]+"/, `"expiresAt":"${past}"`)).join('\n')}\n`);

    ({ api, cookies } = await start());
    const approve = await request(`${api}/approvals/${id}/approve`, { method: 'POST', json: {}, cookie: cookies.lea });
    expect(approve.status).toBe(409);
    expect(approve.body.error.message).toContain('expired');
    const listed = await request(`${api}/approvals?status=all`, { cookie: cookies.lea });
    expect(listed.body.approvals.find((item: { id: string }) => item.id === id).status).toBe('expired');
    const pending = await request(`${api}/approvals`, { cookie: cookies.lea });
    expect(pending.body.approvals.some((item: { id: string }) => item.id === id)).toBe(false);

    const rows = await request(`${api}/queries/orders`, { method: 'POST', json: { filter: { id: 1 } }, cookie: cookies.lea });
    expect(rows.body.rows[0].refunded).toBe(0);
    const audit = readFileSync(join(temp.root, '.opsdeck', 'audit.jsonl'), 'utf8').split('\n').filter((line) => line.includes(id)).map((line) => JSON.parse(line).outcome);
    expect(audit).toEqual(['pending', 'expired']);
    const events = readFileSync(approvalsFile(), 'utf8').split('\n').filter((line) => line.includes('"type":"expired"'));
    expect(events).toHaveLength(1);
  });

  it('keeps pending requests across a restart', async () => {
    temp = writeRefundsApp();
    let { api, cookies } = await start();
    const created = await request(`${api}/actions/refund`, { method: 'POST', json: { params: { id: 2, refund: 7 } }, cookie: cookies.amy });
    await server!.close();
    ({ api, cookies } = await start());
    const approved = await request(`${api}/approvals/${created.body.approval.id}/approve`, { method: 'POST', json: {}, cookie: cookies.lea });
    expect(approved.status).toBe(200);
    const rows = await request(`${api}/queries/orders`, { method: 'POST', json: { filter: { id: 2 } }, cookie: cookies.lea });
    expect(rows.body.rows[0]).toMatchObject({ refunded: 7, refunded_by: AMY });
    // The approved run is timed like an action without approval.
    const metrics = await (await fetch(`${server!.url}/metrics`)).text();
    expect(metrics).toContain('opsdeck_action_duration_seconds_count{app="refunds",action="refund",outcome="succeeded"} 1');
  });

  it('marks a request failed when the spec no longer accepts its params', async () => {
    temp = writeRefundsApp();
    let { api, cookies } = await start();
    const created = await request(`${api}/actions/refund`, { method: 'POST', json: { params: { id: 3, refund: 40 } }, cookie: cookies.amy });
    await server!.close();
    writeFileSync(join(temp.appDir, 'app.yaml'), refundsSpec({ amountMaximum: 25 }));

    ({ api, cookies } = await start());
    const id = created.body.approval.id;
    const approve = await request(`${api}/approvals/${id}/approve`, { method: 'POST', json: {}, cookie: cookies.lea });
    expect(approve.status).toBe(409);
    expect(approve.body.error.code).toBe('approval_stale');
    expect(approve.body.error.message).toContain('params.refund');
    const listed = await request(`${api}/approvals?status=all`, { cookie: cookies.amy });
    expect(listed.body.approvals.find((item: { id: string }) => item.id === id).status).toBe('failed');
    const rows = await request(`${api}/queries/orders`, { method: 'POST', json: { filter: { id: 3 } }, cookie: cookies.lea });
    expect(rows.body.rows[0].refunded).toBe(0);
  });

  it('marks a request failed when its action was removed', async () => {
    temp = writeRefundsApp();
    let { api, cookies } = await start();
    const created = await request(`${api}/actions/refund`, { method: 'POST', json: { params: { id: 3, refund: 4 } }, cookie: cookies.amy });
    await server!.close();
    writeFileSync(join(temp.appDir, 'app.yaml'), refundsSpec().replace(/    approval: .*\n/, ''));

    ({ api, cookies } = await start());
    const approve = await request(`${api}/approvals/${created.body.approval.id}/approve`, { method: 'POST', json: {}, cookie: cookies.lea });
    expect(approve.status).toBe(409);
    expect(approve.body.error.code).toBe('approval_stale');
    const rows = await request(`${api}/queries/orders`, { method: 'POST', json: { filter: { id: 3 } }, cookie: cookies.lea });
    expect(rows.body.rows[0].refunded).toBe(0);
  });
});
