// Signed-out sessions beyond the shared store contract: a session cookie
// stops working at sign-out, also when a copy of it is sent again, and also
// after a restart. A sign-out that the store cannot record gets a 503 response
// and still clears the cookie.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type pg from 'pg';
import { FileSessionRevocations } from '../../runtime/session-revocations.js';
import { migrateStore } from '../../runtime/system-store/migrations.js';
import { PostgresSessionRevocations } from '../../runtime/system-store/pg-sessions.js';
import { openStorePool, storeTables } from '../../runtime/system-store/pool.js';
import { createTestSchema, TEST_POSTGRES_URL, type TestSchema } from '../contract/postgres-schema.js';
import type { TempRoot } from '../helpers/apps.js';
import { devLogin, request, startServer, type TestServer } from '../helpers/server.js';
import { AMY, writeRefundsApp } from './approvals-app.js';

const log = pino({ level: 'silent' });
const HOUR = 3_600_000;

describe('signed-out sessions in a file', () => {
  let folder: string;
  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'opsdeck-signed-out-'));
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('keeps sign-outs across restarts', async () => {
    const file = join(folder, 'kept', 'signed-out.jsonl');
    const first = new FileSessionRevocations(file);
    await first.revoke('s1', Date.now() + HOUR);
    expect(first.isRevoked('s1')).toBe(true);
    expect(first.isRevoked('s2')).toBe(false);
    expect(new FileSessionRevocations(file).isRevoked('s1')).toBe(true);
  });

  it('drops expired and torn lines when loading', () => {
    const file = join(folder, 'old.jsonl');
    const lines = [JSON.stringify({ id: 'gone', exp: Date.now() - 1000 }), JSON.stringify({ id: 'live', exp: Date.now() + HOUR }), '{"id":"torn","ex'];
    writeFileSync(file, `${lines.join('\n')}\n`);
    const loaded = new FileSessionRevocations(file);
    expect(loaded.isRevoked('live')).toBe(true);
    expect(loaded.isRevoked('gone')).toBe(false);
    expect(loaded.isRevoked('torn')).toBe(false);
    expect(readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line).id)).toEqual(['live']);
  });
});

describe('signed-out sessions in PostgreSQL', () => {
  let schema: TestSchema;
  let pool: pg.Pool;
  const lists: PostgresSessionRevocations[] = [];
  const open = async (): Promise<PostgresSessionRevocations> => {
    const opened = new PostgresSessionRevocations({ pool, schema: schema.name, log, pollMs: 50 });
    lists.push(opened);
    await opened.start();
    return opened;
  };

  beforeAll(async () => {
    schema = await createTestSchema('signedout');
    pool = openStorePool({ url: TEST_POSTGRES_URL, schema: schema.name, max: 4, log });
    await migrateStore(pool, schema.name);
  });
  afterEach(async () => {
    for (const opened of lists.splice(0)) await opened.close();
  });
  afterAll(async () => {
    await pool.end();
    await schema.drop();
  });

  it('reads earlier sign-outs at start', async () => {
    await (await open()).revoke('earlier', Date.now() + HOUR);
    expect((await open()).isRevoked('earlier')).toBe(true);
  });

  it('skips expired rows at start', async () => {
    await schema.admin(`INSERT INTO ${storeTables(schema.name).signedOutSessions} (id, expires_at) VALUES ('expired', now() - interval '1 minute')`);
    expect((await open()).isRevoked('expired')).toBe(false);
  });

  it('reports a failed read in its status', async () => {
    const list = await open();
    expect(list.status()).toEqual({ available: true });
    await schema.admin(`ALTER TABLE ${storeTables(schema.name).signedOutSessions} RENAME TO signed_out_gone`);
    try {
      for (const until = Date.now() + 2_000; list.status().available && Date.now() < until; ) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(list.status()).toEqual({ available: false, reason: 'the store tables are missing' });
    } finally {
      await schema.admin(`ALTER TABLE ${schema.name}.signed_out_gone RENAME TO signed_out_sessions`);
    }
    for (const until = Date.now() + 2_000; !list.status().available && Date.now() < until; ) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(list.status()).toEqual({ available: true });
  });

  it('names the reason when it cannot record a sign-out', async () => {
    const list = await open();
    await schema.admin(`ALTER TABLE ${storeTables(schema.name).signedOutSessions} RENAME TO signed_out_gone`);
    try {
      await expect(list.revoke('lost', Date.now() + HOUR)).rejects.toThrow('cannot record the sign-out in the system store: the store tables are missing');
    } finally {
      await schema.admin(`ALTER TABLE ${schema.name}.signed_out_gone RENAME TO signed_out_sessions`);
    }
  });
});

describe('sign-out over HTTP', () => {
  let temp: TempRoot;
  let server: TestServer | undefined;
  let schema: TestSchema | undefined;
  const saved = process.env.OPSDECK_TEST_STORE_URL;

  afterEach(async () => {
    await server?.close();
    server = undefined;
    temp?.remove();
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.OPSDECK_TEST_STORE_URL;
    else process.env.OPSDECK_TEST_STORE_URL = saved;
    await schema?.drop();
  });

  it('rejects a copied cookie after sign-out', async () => {
    temp = writeRefundsApp();
    server = await startServer(temp.root);
    const cookie = await devLogin(server.url, AMY);
    expect((await request(`${server.url}/api/session`, { cookie })).status).toBe(200);
    const out = await request(`${server.url}/api/logout`, { method: 'POST', cookie, json: {} });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toContain('opsdeck_session=;');
    expect((await request(`${server.url}/api/session`, { cookie })).status).toBe(401);

    await server.close();
    server = await startServer(temp.root);
    expect((await request(`${server.url}/api/session`, { cookie })).status).toBe(401);
    expect((await request(`${server.url}/api/session`, { cookie: await devLogin(server.url, AMY) })).status).toBe(200);
  });

  it('clears the cookie on an unrecorded sign-out', async () => {
    schema = await createTestSchema('signouthttp');
    temp = writeRefundsApp();
    writeFileSync(join(temp.root, 'opsdeck.yaml'), `identity:\n  mode: dev\nstore:\n  kind: postgres\n  url: "\${env:OPSDECK_TEST_STORE_URL}"\n  schema: ${schema.name}\n`);
    process.env.OPSDECK_TEST_STORE_URL = TEST_POSTGRES_URL;
    server = await startServer(temp.root);
    const cookie = await devLogin(server.url, AMY);
    await schema.admin(`ALTER TABLE ${schema.name}.signed_out_sessions RENAME TO signed_out_gone`);
    const out = await request(`${server.url}/api/logout`, { method: 'POST', cookie, json: {} });
    expect(out.status).toBe(503);
    expect(out.body.error.code).toBe('sign_out_not_recorded');
    expect(out.body.error.message).toContain('could not record the sign-out');
    expect(out.headers.get('set-cookie')).toContain('opsdeck_session=;');

    // The process reads sign-outs every second; readiness fails once a read did.
    let ready = await request(`${server.url}/readyz`);
    for (const until = Date.now() + 5_000; ready.status === 200 && Date.now() < until; ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      ready = await request(`${server.url}/readyz`);
    }
    expect(ready.status).toBe(503);
    expect(ready.body.checks.sessions).toBe('unavailable: the store tables are missing');
  });
});
