// The PostgreSQL system store beyond the shared contract: settings, migrations
// under concurrent starts, tamper detection, fail-closed responses over HTTP,
// and `opsdeck audit verify|repair` against the store.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import type pg from 'pg';
import { buildSettings, DEFAULT_SETTINGS } from '../../core/settings.js';
import { AuditUnavailable } from '../../runtime/audit.js';
import { runAudit } from '../../runtime/commands/audit.js';
import { loadSettingsFile, SettingsError } from '../../runtime/settings-file.js';
import { migrateStore, STORE_MIGRATIONS } from '../../runtime/system-store/migrations.js';
import { PostgresAuditLog } from '../../runtime/system-store/pg-audit.js';
import { openStorePool, storeTables } from '../../runtime/system-store/pool.js';
import { createTestSchema, TEST_POSTGRES_URL, type TestSchema } from '../contract/postgres-schema.js';
import type { TempRoot } from '../helpers/apps.js';
import { devLogin, request, startServer, type TestServer } from '../helpers/server.js';
import { AMY, refundsSpec, writeRefundsApp } from './approvals-app.js';

const log = pino({ level: 'silent' });
const entry = (n: number) => ({ user: 'u@example.com', groups: [], app: 'desk', object: `action:a${n}`, outcome: 'succeeded' as const, specVersion: 'v1', params: { n } });

describe('store settings', () => {
  it('defaults to the file store', () => {
    expect(DEFAULT_SETTINGS.store).toEqual({ kind: 'files' });
    expect(buildSettings('server: { port: 3001 }\n', 'opsdeck.yaml').settings?.store).toEqual({ kind: 'files' });
  });

  it('fills in the default schema of a PostgreSQL store', () => {
    const { settings, diagnostics } = buildSettings('store: { kind: postgres, url: "${env:OPSDECK_STORE_URL}" }\n', 'opsdeck.yaml');
    expect(diagnostics).toEqual([]);
    expect(settings?.store).toEqual({ kind: 'postgres', url: '${env:OPSDECK_STORE_URL}', schema: 'opsdeck' });
  });

  it('rejects invalid store settings', () => {
    const missing = buildSettings('store: { kind: postgres }\n', 'opsdeck.yaml');
    expect(missing.settings).toBeUndefined();
    expect(missing.diagnostics[0]).toMatchObject({ severity: 'error', path: ['store', 'kind'], line: 1 });
    expect(missing.diagnostics[0].message).toContain('store.url');
    const files = buildSettings('store: { kind: files, url: "${env:X}" }\n', 'opsdeck.yaml');
    expect(files.diagnostics[0]).toMatchObject({ code: 'store-files-options', path: ['store', 'url'] });
    const schema = buildSettings('store: { kind: postgres, url: "${env:X}", schema: "Bad-Name" }\n', 'opsdeck.yaml');
    expect(schema.settings).toBeUndefined();
    expect(schema.diagnostics[0].path).toEqual(['store', 'schema']);
  });

  it('rejects a schema too long for the job queue', () => {
    const long = 'a'.repeat(46);
    const { settings, diagnostics } = buildSettings(`store: { kind: postgres, url: "\${env:X}", schema: ${long} }\n`, 'opsdeck.yaml');
    expect(settings).toBeUndefined();
    expect(diagnostics[0]).toMatchObject({ code: 'store-schema-too-long', path: ['store', 'schema'], line: 1, hint: 'Use a schema name of at most 45 characters.' });
    expect(buildSettings(`store: { kind: postgres, url: "\${env:X}", schema: ${long.slice(1)} }\n`, 'opsdeck.yaml').diagnostics).toEqual([]);
  });

  it('warns about a password written in the file', () => {
    const { settings, diagnostics } = buildSettings('store: { kind: postgres, url: "postgres://app:pw@db/ops" }\n', 'opsdeck.yaml');
    expect(settings?.store.kind).toBe('postgres');
    expect(diagnostics).toMatchObject([{ code: 'secret-in-file', severity: 'warning', path: ['store', 'url'] }]);
  });

  it('resolves the URL from the environment', () => {
    const temp = writeRefundsApp();
    try {
      writeFileSync(join(temp.root, 'opsdeck.yaml'), 'store:\n  kind: postgres\n  url: "${env:OPSDECK_TEST_STORE_URL}"\n  schema: ops_store\n');
      expect(loadSettingsFile(temp.root, {}, { OPSDECK_TEST_STORE_URL: 'postgres://u:secret-value@127.0.0.1/test' }).store).toEqual({ kind: 'postgres', url: 'postgres://u:secret-value@127.0.0.1/test', schema: 'ops_store' });
      let thrown: unknown;
      try {
        loadSettingsFile(temp.root, {}, {});
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(SettingsError);
      expect((thrown as SettingsError).message).toContain('OPSDECK_TEST_STORE_URL');
      expect((thrown as SettingsError).diagnostics[0]).toMatchObject({ code: 'env-missing', path: ['store', 'url'], line: 3 });
    } finally {
      temp.remove();
    }
  });
});

describe('PostgreSQL store', () => {
  let schema: TestSchema;
  const pools: pg.Pool[] = [];
  const pool = (max = 4): pg.Pool => {
    const made = openStorePool({ url: TEST_POSTGRES_URL, schema: schema.name, max, log });
    pools.push(made);
    return made;
  };

  beforeAll(async () => {
    schema = await createTestSchema('sysstore');
  });
  afterAll(async () => {
    for (const made of pools) await made.end();
    await schema.admin(`DROP SCHEMA IF EXISTS ${schema.name}_fresh CASCADE`);
    await schema.drop();
  });

  it('migrates a new schema once when two processes start at the same moment', async () => {
    const fresh = `${schema.name}_fresh`;
    const [first, second] = await Promise.all([migrateStore(pool(), fresh), migrateStore(pool(), fresh)]);
    const all = STORE_MIGRATIONS.map((migration) => migration.version);
    expect([first, second].sort((a, b) => b.length - a.length)).toEqual([all, []]);
    expect(await migrateStore(pool(), fresh)).toEqual([]);
    const { rows } = await schema.admin(`select version from ${fresh}.store_migrations order by version`);
    expect(rows.map((row) => row.version)).toEqual(all);
  });

  it('refuses a schema migrated by a newer Opsdeck', async () => {
    const fresh = `${schema.name}_fresh`;
    await schema.admin(`insert into ${fresh}.store_migrations (version, name) values (999, 'from the future')`);
    await expect(migrateStore(pool(), fresh)).rejects.toThrow(/migration 999, newer than this Opsdeck knows/);
  });

  it('refuses a schema name that is not a plain identifier', () => {
    expect(() => storeTables('x"; drop table y; --')).toThrow(/store.schema .* is invalid/);
  });

  it.each([
    ['one statement at a time', false],
    ['on a pipelined write pool', true],
  ])('detects tampering and stops appending, %s', async (_how, pipelined) => {
    await schema.admin(`DROP SCHEMA IF EXISTS ${schema.name} CASCADE`);
    const shared = pool();
    await migrateStore(shared, schema.name);
    const writePool = pipelined ? openStorePool({ url: TEST_POSTGRES_URL, schema: schema.name, max: 2, pipeline: true, log }) : undefined;
    if (writePool) pools.push(writePool);
    const audit = new PostgresAuditLog({ pool: shared, writePool, schema: schema.name, ownsPool: false });
    for (let n = 1; n <= 5; n += 1) await audit.append(entry(n));
    expect(await audit.verify()).toEqual({ records: 5, unchained: 0 });
    const tables = storeTables(schema.name);

    await schema.admin(`update ${tables.auditRecords} set record = jsonb_set(record, '{user}', '"mallory@example.com"') where seq = 3`);
    expect((await audit.verify()).problem).toMatchObject({ kind: 'changed', seq: 3, line: 3 });
    await schema.admin(`update ${tables.auditRecords} set record = jsonb_set(record, '{user}', '"u@example.com"') where seq = 3`);
    expect((await audit.verify()).problem).toBeUndefined();

    await schema.admin(`update ${tables.auditRecords} set record = jsonb_set(record, '{outcome}', '"failed"') where seq = 5`);
    await expect(audit.append(entry(6))).rejects.toBeInstanceOf(AuditUnavailable);
    expect(audit.status).toEqual({ available: false, reason: 'the last record of the audit log (seq 5) does not match its hash' });
    expect((await audit.probe()).available).toBe(false);

    await schema.admin(`delete from ${tables.auditRecords} where seq = 5`);
    expect((await audit.verify()).problem).toMatchObject({ kind: 'removed', seq: 5 });
    await expect(audit.append(entry(6))).rejects.toThrow(/seq 5\) is missing/);
  });
});

describe('the server on a PostgreSQL store', () => {
  let schema: TestSchema;
  let temp: TempRoot;
  let server: TestServer | undefined;
  const saved = process.env.OPSDECK_TEST_STORE_URL;

  beforeAll(async () => {
    schema = await createTestSchema('sysserver');
    temp = writeRefundsApp(refundsSpec().replace('\nqueries:', '\naudit:\n  viewers: [agent]\nqueries:'));
    writeFileSync(join(temp.root, 'opsdeck.yaml'), `identity:\n  mode: dev\nstore:\n  kind: postgres\n  url: "\${env:OPSDECK_TEST_STORE_URL}"\n  schema: ${schema.name}\n`);
    process.env.OPSDECK_TEST_STORE_URL = TEST_POSTGRES_URL;
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.OPSDECK_TEST_STORE_URL;
    else process.env.OPSDECK_TEST_STORE_URL = saved;
    await schema.drop();
    temp.remove();
  });

  const cli = async (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    let stdout = '';
    let stderr = '';
    const code = await runAudit(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
    return { code, stdout, stderr };
  };

  it('serves audit page and verify from store', async () => {
    server = await startServer(temp.root);
    const amy = await devLogin(server.url, AMY);
    const sent = await request(`${server.url}/api/apps/refunds/actions/refund`, { method: 'POST', cookie: amy, json: { params: { id: 1, refund: 5 } } });
    expect(sent.status).toBe(202);
    const { rows } = await schema.admin(`select record->>'outcome' as outcome, record->>'user' as user from ${schema.name}.audit_records order by seq`);
    expect(rows).toEqual([
      { outcome: 'signed-in', user: AMY },
      { outcome: 'pending', user: AMY },
    ]);
    expect((await request(`${server.url}/readyz`)).status).toBe(200);
    const page = await request(`${server.url}/api/apps/refunds/audit?outcome=pending`, { cookie: amy });
    expect(page.status).toBe(200);
    expect(page.body.total).toBe(1);
    expect(page.body.records[0]).toMatchObject({ seq: 2, outcome: 'pending', user: AMY, approval: sent.body.approval.id, params: { id: 1, refund: 5 } });
    // The page's own record (object `audit`) is written too.
    const after = await schema.admin(`select count(*)::int as n from ${schema.name}.audit_records`);
    expect(after.rows[0].n).toBeGreaterThanOrEqual(2);

    const verified = await cli(['verify', temp.root]);
    expect(verified).toEqual({ code: 0, stdout: `${after.rows[0].n} records, chain intact\n`, stderr: '' });
    const repaired = await cli(['repair', temp.root]);
    expect(repaired.code).toBe(0);
    expect(repaired.stdout).toContain('no torn records');

    await schema.admin(`update ${schema.name}.audit_records set record = jsonb_set(record, '{user}', '"mallory@example.com"') where seq = 1`);
    const broken = await cli(['verify', temp.root]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain(`PostgreSQL schema "${schema.name}":1: changed: line 1, seq 1`);
  });

  it('fails closed with 503 when unwritable', async () => {
    await schema.admin(`update ${schema.name}.audit_records set record = jsonb_set(record, '{user}', '"${AMY}"') where seq = 1`);
    server = await startServer(temp.root);
    const amy = await devLogin(server.url, AMY);
    await schema.admin(`alter table ${schema.name}.audit_records rename to audit_records_gone`);
    try {
      const sent = await request(`${server.url}/api/apps/refunds/actions/refund`, { method: 'POST', cookie: amy, json: { params: { id: 2, refund: 5 } } });
      expect(sent.status).toBe(503);
      expect(sent.body.error.code).toBe('audit_unavailable');
      const ready = await request(`${server.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(ready.body.checks.audit).toBe('unavailable: the store tables are missing');
      const approvals = await schema.admin(`select count(*)::int as n from ${schema.name}.approval_requests`);
      expect(approvals.rows[0].n).toBe(1);
    } finally {
      await schema.admin(`alter table ${schema.name}.audit_records_gone rename to audit_records`);
    }
    expect((await request(`${server.url}/readyz`)).status).toBe(200);
  });
});
