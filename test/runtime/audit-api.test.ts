import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../runtime/audit.js';
import { devLogin, request, startServer, type TestServer } from '../helpers/server.js';
import { copyAuditedApp, readAudit, type AuditedApp } from './audit-app.js';

const AGENT = 'ana@chinook.example';
const VIEWER = 'victor@chinook.example';
const OUTSIDER = 'nora@chinook.example';

let temp: AuditedApp;
let server: TestServer;
let agent: string;
let viewer: string;
let outsider: string;
let api: string;

beforeAll(async () => {
  temp = copyAuditedApp();
  server = await startServer(temp.root);
  api = `${server.url}/api/apps/chinook-support`;
  agent = await devLogin(server.url, AGENT);
  viewer = await devLogin(server.url, VIEWER);
  outsider = await devLogin(server.url, OUTSIDER);

  // Records to filter: queries by both users, an action, a denial, and a record of another app.
  for (const customerId of [1, 2, 3]) await request(`${api}/queries/invoices`, { method: 'POST', json: { params: { customerId } }, cookie: viewer });
  await request(`${api}/queries/customers`, { method: 'POST', json: {}, cookie: agent });
  await request(`${api}/actions/addNote`, { method: 'POST', json: { params: { id: 7, body: 'Asked for a copy of the invoice' } }, cookie: agent });
  await request(`${api}/actions/addNote`, { method: 'POST', json: { params: { id: 7, body: 'Viewers may not write notes' } }, cookie: viewer });
  await new AuditLog(temp.auditFile).append({ user: AGENT, groups: [], app: 'other-app', object: 'query:secret', outcome: 'succeeded', specVersion: 'x' });
});

afterAll(async () => {
  await server?.close();
  temp?.remove();
});

const audit = (query = '', cookie = agent) => request(`${api}/audit${query}`, { cookie });

describe('audit API', () => {
  it('lists the app records newest first', async () => {
    const response = await audit();
    expect(response.status).toBe(200);
    const appRecords = readAudit(temp.auditFile).filter((record) => record.app === 'chinook-support');
    expect(response.body.total).toBe(appRecords.length);
    expect(response.body.records.map((record: { id: string }) => record.id)).toEqual(appRecords.reverse().map((record) => record.id).slice(0, 50));
    expect(response.body.records.some((record: { app: string }) => record.app !== 'chinook-support')).toBe(false);
    expect(response.body).toMatchObject({ limit: 50, offset: 0 });
  });

  it('filters by user, object and outcome', async () => {
    const byUser = await audit(`?user=${encodeURIComponent(VIEWER.toUpperCase())}&object=query:invoices`);
    expect(byUser.status).toBe(200);
    expect(byUser.body.total).toBe(3);
    expect(byUser.body.records.map((record: { params: { customerId: number } }) => record.params.customerId)).toEqual([3, 2, 1]);

    const denied = await audit('?outcome=denied');
    expect(denied.body.total).toBe(1);
    expect(denied.body.records[0]).toMatchObject({ user: VIEWER, object: 'action:addNote', rule: 'no rule allows it' });
  });

  it('filters by time range', async () => {
    const all = readAudit(temp.auditFile).filter((record) => record.app === 'chinook-support');
    const middle = all[Math.floor(all.length / 2)].time;
    const from = await audit(`?from=${encodeURIComponent(middle)}`);
    const to = await audit(`?to=${encodeURIComponent(middle)}`);
    expect(from.body.total).toBe(all.filter((record) => record.time >= middle).length);
    expect(to.body.total).toBe(all.filter((record) => record.time <= middle).length);
    expect((await audit('?from=2000-01-01&to=2000-01-02')).body.total).toBe(0);
  });

  it('pages with limit and offset', async () => {
    const first = await audit('?limit=2');
    const second = await audit('?limit=2&offset=2');
    expect(first.body.records).toHaveLength(2);
    expect(second.body.records).toHaveLength(2);
    expect(second.body.total).toBe(first.body.total);
    const all = await audit('?limit=4');
    expect([...first.body.records, ...second.body.records].map((record: { id: string }) => record.id)).toEqual(all.body.records.map((record: { id: string }) => record.id));
  });

  it('rejects bad filter values naming the field', async () => {
    const cases: Array<[string, string]> = [
      ['?outcome=deleted', 'outcome'],
      ['?from=yesterday', 'from'],
      ['?to=2026-13-45T99:00', 'to'],
      ['?limit=0', 'limit'],
      ['?limit=501', 'limit'],
      ['?limit=ten', 'limit'],
      ['?offset=-1', 'offset'],
      ['?sort=time', 'sort'],
      ['?user=a&user=b', 'user'],
      ['?from=2026-02-01&to=2026-01-01', 'from'],
    ];
    for (const [query, field] of cases) {
      const response = await audit(query);
      expect(response.status, query).toBe(400);
      expect(response.body.error.code, query).toBe('invalid_filter');
      expect(response.body.error.field, query).toBe(field);
    }
  });

  it('rejects a non-viewer with 403', async () => {
    const response = await audit('', viewer);
    expect(response.status).toBe(403);
    expect(response.body.records).toBeUndefined();
  });

  it('hides the audit with 404', async () => {
    expect((await audit('', outsider)).status).toBe(404);
    expect((await request(`${server.url}/api/apps/no-such-app/audit`, { cookie: agent })).status).toBe(404);
  });

  it('requires a session', async () => {
    expect((await request(`${api}/audit`)).status).toBe(401);
  });

  it('tells the client view who may view the audit', async () => {
    expect((await request(`${api}/spec`, { cookie: agent })).body.mayViewAudit).toBe(true);
    expect((await request(`${api}/spec`, { cookie: viewer })).body.mayViewAudit).toBe(false);
  });
});
