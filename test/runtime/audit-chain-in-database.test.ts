// The audit chain extended inside PostgreSQL (runtime/system-store/pg-audit-chain.ts).
// The database must compute the same hashes as the process and reject a
// changed end of the chain, whichever column was changed. It must also take
// over a store that an older Opsdeck wrote without canonical text.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import pg from 'pg';
import { canonicalJson, GENESIS, recordHash } from '../../runtime/audit-chain.js';
import { AuditUnavailable, type AuditEntry } from '../../runtime/audit.js';
import { migrateStore, STORE_MIGRATIONS } from '../../runtime/system-store/migrations.js';
import { PostgresAuditLog } from '../../runtime/system-store/pg-audit.js';
import { openStorePool, storeTables } from '../../runtime/system-store/pool.js';
import { createTestSchema, TEST_POSTGRES_URL, type TestSchema } from '../contract/postgres-schema.js';

const log = pino({ level: 'silent' });
const entry = (n: number, params: Record<string, unknown> = { n }): AuditEntry => ({ user: 'u@example.com', groups: ['ops'], app: 'desk', object: `action:a${n}`, outcome: 'succeeded', specVersion: 'v1', params });

let schema: TestSchema;
let store: string;
const pools: pg.Pool[] = [];
const pool = (options: { pipeline?: boolean } = {}): pg.Pool => {
  const opened = openStorePool({ url: TEST_POSTGRES_URL, schema: store, max: 2, log, ...options });
  pools.push(opened);
  return opened;
};
const auditLog = (): PostgresAuditLog => new PostgresAuditLog({ pool: pool(), writePool: pool({ pipeline: true }), schema: store, ownsPool: false });
const tables = () => storeTables(store);

beforeEach(async () => {
  schema ??= await createTestSchema('chaindb');
  store = `${schema.name}_s${randomUUID().slice(0, 8)}`;
});
afterEach(async () => {
  for (const opened of pools.splice(0)) await opened.end();
});
afterAll(async () => {
  await schema.drop();
});

/** Creates the store as the Opsdeck before migration 4 left it, with `count` records written the way it wrote them. */
async function legacyStore(count: number): Promise<void> {
  const t = tables();
  await schema.admin(`CREATE SCHEMA "${store}"`);
  await schema.admin(`CREATE TABLE ${t.migrations} (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  for (const migration of STORE_MIGRATIONS.filter((step) => step.version <= 3)) {
    await schema.admin(migration.sql(t));
    await schema.admin(`INSERT INTO ${t.migrations} (version, name) VALUES (${migration.version}, '${migration.name}')`);
  }
  let prev = GENESIS;
  for (let seq = 1; seq <= count; seq += 1) {
    const { id, ...fields } = { id: randomUUID(), time: new Date().toISOString(), ...entry(seq), object: `action:a${seq}` };
    const record = { id, seq, prev, ...fields };
    const hash = recordHash(record);
    const body = JSON.stringify({ id, ...fields }).replaceAll("'", "''");
    await schema.admin(`INSERT INTO ${t.auditRecords} (seq, id, time, app, record, prev, hash) VALUES (${seq}, '${id}', '${fields.time}', 'desk', '${body}', '${prev}', '${hash}')`);
    prev = hash;
  }
  await schema.admin(`UPDATE ${t.auditHead} SET seq = ${count}, hash = '${prev}'`);
}

describe('the audit chain extended in PostgreSQL', () => {
  it('hashes awkward records as the process does', async () => {
    await migrateStore(pool(), store);
    const audit = auditLog();
    const awkward = [
      { text: 'quote " back\\slash, tab\t, é, 日本, emoji 😀' },
      { 10: 'integer-like keys', 9: 'come first', prev: 'a nested prev', seq: -1 },
      { big: 1e21, small: 1e-7, negative: -0.5, list: [null, true, { z: 1, a: 2 }] },
    ];
    const records = await Promise.all(awkward.map((params, index) => audit.append(entry(index + 1, params))));
    expect(records.map((record) => record.seq)).toEqual([1, 2, 3]);
    const { rows } = await schema.admin(`SELECT seq, prev, hash, record, canonical FROM ${tables().auditRecords} ORDER BY seq`);
    for (const [index, row] of rows.entries()) {
      const linked = { ...row.record, seq: Number(row.seq), prev: row.prev };
      expect(row.canonical).toBe(canonicalJson(linked));
      expect(row.hash).toBe(recordHash(linked));
      expect(row.hash).toBe(records[index].hash);
      expect(row.record.params).toEqual(awkward[index]);
    }
    expect(await audit.verify()).toEqual({ records: 3, unchained: 0 });
  });

  it('keeps one chain with two writers', async () => {
    await migrateStore(pool(), store);
    const [left, right] = [auditLog(), auditLog()];
    await Promise.all([left, right].flatMap((audit, side) => Array.from({ length: 150 }, (_, n) => audit.append(entry(side * 1000 + n), { sync: n % 3 === 0 }))));
    expect(await left.verify()).toEqual({ records: 300, unchained: 0 });
  });

  it('rejects appends after the canonical text changes', async () => {
    await migrateStore(pool(), store);
    const audit = auditLog();
    for (let n = 1; n <= 3; n += 1) await audit.append(entry(n));
    const t = tables();
    await schema.admin(`UPDATE ${t.auditRecords} SET canonical = replace(canonical, 'u@example.com', 'm@example.com') WHERE seq = 3`);
    await expect(audit.append(entry(4))).rejects.toThrow(/the last record of the audit log \(seq 3\) does not match its hash; run "opsdeck audit verify"/);
    expect(audit.status).toEqual({ available: false, reason: 'the last record of the audit log (seq 3) does not match its hash' });
    expect((await audit.probe()).available).toBe(false);
    expect((await audit.verify()).problem).toMatchObject({ kind: 'changed', seq: 3, message: 'the canonical text stored with the record was changed' });

    // Re-hashing the changed text and moving the head to it still fails: the text no longer matches the record.
    await schema.admin(`UPDATE ${t.auditRecords} SET hash = encode(sha256(convert_to(prev || canonical, 'UTF8')), 'hex') WHERE seq = 3`);
    await schema.admin(`UPDATE ${t.auditHead} SET hash = (SELECT hash FROM ${t.auditRecords} WHERE seq = 3)`);
    await expect(audit.append(entry(4))).rejects.toBeInstanceOf(AuditUnavailable);
    expect(audit.status.reason).toBe('the last record of the audit log (seq 3) does not match its hash');
    const count = await schema.admin(`SELECT count(*)::int AS n FROM ${t.auditRecords}`);
    expect(count.rows[0].n).toBe(3);
  });

  it('detects changed lookup columns', async () => {
    await migrateStore(pool(), store);
    const audit = auditLog();
    for (let n = 1; n <= 4; n += 1) await audit.append(entry(n));
    const t = tables();
    // The audit page selects by app and orders by time, so these columns could hide a record without touching its hash.
    await schema.admin(`UPDATE ${t.auditRecords} SET app = 'elsewhere' WHERE seq = 2`);
    expect((await audit.verify()).problem).toMatchObject({ kind: 'changed', seq: 2, message: 'the id, time or app column does not match the record: a column was changed' });
    await schema.admin(`UPDATE ${t.auditRecords} SET app = 'desk' WHERE seq = 2`);
    await schema.admin(`UPDATE ${t.auditRecords} SET time = time - interval '400 days' WHERE seq = 3`);
    expect((await audit.verify()).problem).toMatchObject({ kind: 'changed', seq: 3 });
    await schema.admin(`UPDATE ${t.auditRecords} SET time = time + interval '400 days' WHERE seq = 3`);
    expect(await audit.verify()).toEqual({ records: 4, unchained: 0 });

    await schema.admin(`UPDATE ${t.auditRecords} SET id = 'forged' WHERE seq = 4`);
    expect((await audit.verify()).problem).toMatchObject({ kind: 'changed', seq: 4 });
    await expect(audit.append(entry(5))).rejects.toThrow(/seq 4\) does not match its hash/);
  });

  it('continues the chain of a pre-migration store', async () => {
    await legacyStore(4);
    expect(await migrateStore(pool(), store)).toEqual([4, 5]);
    const tail = await schema.admin(`SELECT seq, canonical IS NOT NULL AS has_text FROM ${tables().auditRecords} ORDER BY seq`);
    expect(tail.rows.map((row) => row.has_text)).toEqual([false, false, false, true]);
    const audit = auditLog();
    expect((await audit.probe()).available).toBe(true);
    expect((await audit.append(entry(5))).seq).toBe(5);
    expect(await audit.verify()).toEqual({ records: 5, unchained: 0 });
  });

  it('appends after an older replica\'s record', async () => {
    await migrateStore(pool(), store);
    const audit = auditLog();
    for (let n = 1; n <= 2; n += 1) await audit.append(entry(n));
    await schema.admin(`UPDATE ${tables().auditRecords} SET canonical = NULL WHERE seq = 2`);
    expect((await audit.probe()).available).toBe(true);
    expect((await audit.append(entry(3))).seq).toBe(3);
    const { rows } = await schema.admin(`SELECT canonical FROM ${tables().auditRecords} WHERE seq = 2`);
    expect(rows[0].canonical).toContain('"seq":2');
    expect(await audit.verify()).toEqual({ records: 3, unchained: 0 });

    await schema.admin(`UPDATE ${tables().auditRecords} SET canonical = NULL, record = jsonb_set(record, '{outcome}', '"failed"') WHERE seq = 3`);
    expect((await audit.probe()).available).toBe(false);
    await expect(audit.append(entry(4))).rejects.toThrow(/seq 3\) does not match its hash/);
  });

  it('migrates a changed tail and keeps rejecting appends', async () => {
    await legacyStore(3);
    await schema.admin(`UPDATE ${tables().auditRecords} SET record = jsonb_set(record, '{user}', '"m@example.com"') WHERE seq = 3`);
    expect(await migrateStore(pool(), store)).toEqual([4, 5]);
    const audit = auditLog();
    await expect(audit.append(entry(4))).rejects.toThrow(/seq 3\) does not match its hash/);
    expect((await audit.verify()).problem).toMatchObject({ kind: 'changed', seq: 3 });
  });
});
