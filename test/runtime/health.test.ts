import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { request, startServer, type TestServer } from '../helpers/server.js';
import { copyAuditedApp, type AuditedApp } from './audit-app.js';

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
  it('answers livez without identity', async () => {
    const response = await request(`${server.url}/livez`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ live: true });
  });

  it('answers readyz when the audit log is writable', async () => {
    const response = await request(`${server.url}/readyz`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ ready: true, checks: { audit: 'ok' } });
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('answers 503 while the audit log cannot be written, without paths', async () => {
    renameSync(temp.auditFile, `${temp.auditFile}.away`);
    mkdirSync(temp.auditFile);
    try {
      const response = await request(`${server.url}/readyz`);
      expect(response.status).toBe(503);
      expect(response.body).toEqual({ ready: false, checks: { audit: 'unavailable: the audit log path is a directory' } });
      expect(JSON.stringify(response.body)).not.toContain(temp.root);
      expect((await request(`${server.url}/livez`)).status).toBe(200);
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
