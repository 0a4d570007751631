import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { devLogin, request, startServer, type TestServer } from '../helpers/server.js';
import { verifyAuditFile } from '../../runtime/audit-verify.js';
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
});

afterAll(async () => {
  await server?.close();
  temp?.remove();
});

const query = (name: string, json: unknown, cookie = viewer) => request(`${api}/queries/${name}`, { method: 'POST', json, cookie });
const action = (name: string, json: unknown, cookie = agent) => request(`${api}/actions/${name}`, { method: 'POST', json, cookie });

/** Runs `step` and returns the records it appended. */
async function recordsOf(step: () => Promise<unknown>): Promise<Array<Record<string, any>>> {
  const before = readAudit(temp.auditFile).length;
  await step();
  return readAudit(temp.auditFile).slice(before);
}

describe('query records', () => {
  it('records metadata by default', async () => {
    const records = await recordsOf(async () => expect((await query('customers', { params: { search: 'gon' } })).status).toBe(200));
    expect(records).toHaveLength(1);
    const [record] = records;
    expect(record).toMatchObject({ user: VIEWER, groups: ['sales'], app: 'chinook-support', object: 'query:customers', outcome: 'succeeded', rule: 'role:viewer run query:customers' });
    expect(record.rows).toBeGreaterThan(0);
    expect(record.params).toBeUndefined();
    expect(record.specVersion).toEqual(expect.any(String));
    expect(Date.parse(record.time)).not.toBeNaN();
  });

  it('records parameters with audit: params', async () => {
    const records = await recordsOf(async () => expect((await query('invoices', { params: { customerId: 2 } })).status).toBe(200));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ object: 'query:invoices', outcome: 'succeeded', params: { customerId: 2 }, rows: 7 });
  });

  it('records nothing with audit: off', async () => {
    const records = await recordsOf(async () => expect((await query('notes', { params: { customerId: 2 } })).status).toBe(200));
    expect(records).toEqual([]);
  });

  it('masks secret parameters by flag and by name', async () => {
    const records = await recordsOf(async () => expect((await query('tokenLookup', { params: { customerId: 3, apiToken: 'tok-123', pin: '4711' } })).status).toBe(200));
    expect(records).toHaveLength(1);
    expect(records[0].params).toEqual({ customerId: 3, apiToken: '***', pin: '***' });
    expect(JSON.stringify(records[0])).not.toContain('tok-123');
    expect(JSON.stringify(records[0])).not.toContain('4711');
  });
});

describe('denial records', () => {
  it('records a denied query with object and rule', async () => {
    const records = await recordsOf(async () => expect((await query('customers', {}, outsider)).status).toBe(403));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ user: OUTSIDER, object: 'query:customers', outcome: 'denied', rule: 'no rule allows it' });
  });

  it('records a denied action with object and rule', async () => {
    const records = await recordsOf(async () => expect((await action('addNote', { params: { id: 2, body: 'not allowed' } }, viewer)).status).toBe(403));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ user: VIEWER, object: 'action:addNote', action: 'addNote', outcome: 'denied', rule: 'no rule allows it' });
  });

  it('records a denied page when no page may be viewed', async () => {
    const records = await recordsOf(async () => expect((await request(`${api}/spec`, { cookie: outsider })).status).toBe(404));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ user: OUTSIDER, app: 'chinook-support', object: 'page:customers', outcome: 'denied', rule: 'no rule allows it' });
  });

  it('records nothing for an unknown app', async () => {
    const records = await recordsOf(async () => expect((await request(`${server.url}/api/apps/no-such-app/spec`, { cookie: outsider })).status).toBe(404));
    expect(records).toEqual([]);
  });

  it('records a denied audit read', async () => {
    const records = await recordsOf(async () => expect((await request(`${api}/audit`, { cookie: viewer })).status).toBe(403));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ user: VIEWER, object: 'audit', outcome: 'denied', rule: 'no rule allows it' });
  });
});

describe('action records', () => {
  it('names the rule that allowed the action', async () => {
    const records = await recordsOf(async () => expect((await action('addNote', { params: { id: 4, body: 'Called about a refund' } })).status).toBe(200));
    expect(records.map((record) => record.outcome)).toEqual(['started', 'succeeded']);
    for (const record of records) expect(record).toMatchObject({ user: AGENT, object: 'action:addNote', rule: 'role:agent run action:addNote' });
    expect(records[1].attempt).toBe(records[0].id);
  });
});

describe('session records', () => {
  it('records dev sign-in and sign-out', async () => {
    let cookie = '';
    const signIn = await recordsOf(async () => {
      cookie = await devLogin(server.url, VIEWER);
    });
    expect(signIn).toHaveLength(1);
    expect(signIn[0]).toMatchObject({ user: VIEWER, groups: ['sales'], app: '', object: 'session', outcome: 'signed-in', rule: 'dev sign-in' });

    const signOut = await recordsOf(async () => expect((await request(`${server.url}/api/logout`, { method: 'POST', json: {}, cookie })).status).toBe(200));
    expect(signOut).toHaveLength(1);
    expect(signOut[0]).toMatchObject({ user: VIEWER, object: 'session', outcome: 'signed-out' });
  });

  it('writes no sign-out record without a session', async () => {
    const records = await recordsOf(async () => expect((await request(`${server.url}/api/logout`, { method: 'POST', json: {} })).status).toBe(200));
    expect(records).toEqual([]);
  });
});

describe('unwritable audit log', () => {
  it('blocks actions, audited queries and sign-ins, then continues the chain', async () => {
    const note = 'Written while the audit log was down';
    renameSync(temp.auditFile, `${temp.auditFile}.away`);
    mkdirSync(temp.auditFile);
    try {
      const blocked = await action('addNote', { params: { id: 5, body: note } });
      expect(blocked.status).toBe(503);
      expect(blocked.body.error.code).toBe('audit_unavailable');

      const audited = await query('customers', {});
      expect(audited.status).toBe(503);
      expect(audited.body.error.code).toBe('audit_unavailable');
      expect(audited.body.rows).toBeUndefined();

      // `notes` has audit: off, so it still returns rows, and the note was not written.
      const notes = await query('notes', { params: { customerId: 5 } });
      expect(notes.status).toBe(200);
      expect(notes.body.rows.map((row: { body: string }) => row.body)).not.toContain(note);

      const signIn = await request(`${server.url}/api/dev/login`, { method: 'POST', json: { user: VIEWER } });
      expect(signIn.status).toBe(503);
      expect(signIn.body.error.code).toBe('audit_unavailable');
      expect(signIn.headers.getSetCookie().some((cookie) => cookie.startsWith('opsdeck_session='))).toBe(false);
    } finally {
      rmSync(temp.auditFile, { recursive: true, force: true });
      renameSync(`${temp.auditFile}.away`, temp.auditFile);
    }

    const before = readAudit(temp.auditFile);
    const done = await action('addNote', { params: { id: 5, body: 'Written after the audit log came back' } });
    expect(done.status).toBe(200);
    const after = readAudit(temp.auditFile);
    expect(after[before.length].seq).toBe(before[before.length - 1].seq + 1);
    expect(after[before.length].prev).toBe(before[before.length - 1].hash);
    const verified = await verifyAuditFile(temp.auditFile);
    expect(verified.problem).toBeUndefined();
    expect(verified.records).toBe(after.length);
  });
});
