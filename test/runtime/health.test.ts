import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request, startServer, type TestServer } from '../helpers/server.js';
import { copyAuditedApp, type AuditedApp } from './audit-app.js';

const VARIABLE = 'OPSDECK_HEALTH_TEST_UNSET_URL';

/** An app whose PostgreSQL URL names an environment variable that is not set, so it is served as unavailable. */
const MISCONFIGURED_APP = `opsdeck: 1
id: ledger
title: Ledger
datasources:
  main: { kind: postgres, url: "\${env:${VARIABLE}}" }
roles:
  viewer: { members: { users: [ops@example.com] } }
devUsers:
  - { id: ops@example.com }
queries:
  items: { datasource: main, sql: select 1 as id, allow: [viewer] }
pages:
  items:
    title: Items
    allow: [viewer]
    components:
      - table: { query: items, columns: [id] }
`;

let temp: AuditedApp;
let server: TestServer;

beforeAll(async () => {
  temp = copyAuditedApp();
  server = await startServer(temp.root, { identity: 'proxy' });
});

afterAll(async () => {
  await server?.close();
  temp?.remove();
});

describe('health checks', () => {
  it('answers healthz and its older name livez without identity', async () => {
    for (const path of ['/healthz', '/livez']) {
      const response = await request(`${server.url}${path}`);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ live: true });
      expect(response.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('answers readyz when the specs are loaded, the audit log is writable and the data sources answer', async () => {
    const response = await request(`${server.url}/readyz`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ ready: true, checks: { audit: 'ok', sessions: 'ok', specs: 'ok', datasources: 'ok' } });
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('answers 503 while the audit log cannot be written, without paths', async () => {
    renameSync(temp.auditFile, `${temp.auditFile}.away`);
    mkdirSync(temp.auditFile);
    try {
      const response = await request(`${server.url}/readyz`);
      expect(response.status).toBe(503);
      expect(response.body).toEqual({
        ready: false,
        checks: { audit: 'unavailable: the audit log path is a directory', sessions: 'ok', specs: 'ok', datasources: 'ok' },
        reasons: ['audit log unavailable: the audit log path is a directory'],
      });
      expect(JSON.stringify(response.body)).not.toContain(temp.root);
      expect((await request(`${server.url}/livez`)).status).toBe(200);
      expect((await request(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      rmSync(temp.auditFile, { recursive: true, force: true });
      renameSync(`${temp.auditFile}.away`, temp.auditFile);
    }
    expect((await request(`${server.url}/readyz`)).status).toBe(200);
  });

  it('rejects other methods', async () => {
    const response = await request(`${server.url}/readyz`, { method: 'POST', json: {} });
    expect(response.status).toBe(405);
    expect(response.body.error.code).toBe('method_not_allowed');
  });
});

describe('readiness of the apps', () => {
  it('answers 503 naming the app whose data source cannot be used, without paths or values', async () => {
    expect(process.env[VARIABLE]).toBeUndefined();
    const other = copyAuditedApp();
    mkdirSync(join(other.root, 'ledger'));
    writeFileSync(join(other.root, 'ledger', 'app.yaml'), MISCONFIGURED_APP);
    const second = await startServer(other.root);
    try {
      const response = await request(`${second.url}/readyz`);
      expect(response.status).toBe(503);
      expect(response.body.ready).toBe(false);
      expect(response.body.checks).toEqual({ audit: 'ok', sessions: 'ok', specs: 'ok', datasources: 'unavailable in ledger' });
      expect(response.body.reasons).toHaveLength(1);
      expect(response.body.reasons[0]).toMatch(/^app ledger: /);
      expect(response.body.reasons[0]).toContain(VARIABLE);
      expect(JSON.stringify(response.body)).not.toContain(other.root);
      expect((await request(`${second.url}/healthz`)).status).toBe(200);
    } finally {
      await second.close();
      other.remove();
    }
  });

  it('answers 503 when the folder holds no app', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'opsdeck-empty-'));
    writeFileSync(join(empty, 'opsdeck.yaml'), 'identity:\n  mode: dev\n');
    const third = await startServer(empty);
    try {
      const response = await request(`${third.url}/readyz`);
      expect(response.status).toBe(503);
      expect(response.body.reasons).toEqual(['no app is served: the folder contains no app.yaml']);
    } finally {
      await third.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
