// Approval expiry with two server processes on one PostgreSQL store: both
// expiry timers may find the same request due at once.
import { pino } from 'pino';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireDue } from '../../runtime/approvals/expiry.js';
import { KeyedLock } from '../../runtime/approvals/store.js';
import { migrateStore } from '../../runtime/system-store/migrations.js';
import { PostgresApprovalStore } from '../../runtime/system-store/pg-approvals.js';
import { PostgresAuditLog } from '../../runtime/system-store/pg-audit.js';
import { openStorePool } from '../../runtime/system-store/pool.js';
import { createTestSchema, TEST_POSTGRES_URL, type TestSchema } from '../contract/postgres-schema.js';
import { newRefundRequest } from './approvals-app.js';

const log = pino({ level: 'silent' });

describe('approval expiry on a shared PostgreSQL store', () => {
  let schema: TestSchema;
  const pools: pg.Pool[] = [];

  beforeAll(async () => {
    schema = await createTestSchema('expiry');
  });
  afterAll(async () => {
    for (const pool of pools) await pool.end();
    await schema.drop();
  });

  /** Builds what one server process has: its own pool, approval store, audit log and request locks. */
  const processDeps = () => {
    const pool = openStorePool({ url: TEST_POSTGRES_URL, schema: schema.name, max: 4, log });
    pools.push(pool);
    return {
      store: new PostgresApprovalStore({ pool, schema: schema.name }),
      audit: new PostgresAuditLog({ pool, schema: schema.name, ownsPool: false }),
      log,
      locks: new KeyedLock(),
    };
  };

  it('expires a request once when two processes check together', async () => {
    const setup = openStorePool({ url: TEST_POSTGRES_URL, schema: schema.name, max: 1, log });
    pools.push(setup);
    await migrateStore(setup, schema.name);
    const first = processDeps();
    const second = processDeps();
    const soon = new Date(Date.now() + 60_000).toISOString();
    for (const id of ['due-1', 'due-2', 'due-3']) await first.store.create(newRefundRequest(id, soon));
    await first.store.create(newRefundRequest('later', '2100-01-01T00:00:00.000Z'));

    const inTwoMinutes = Date.now() + 120_000;
    const [fromFirst, fromSecond] = await Promise.all([expireDue(first, 'refunds', inTwoMinutes), expireDue(second, 'refunds', inTwoMinutes)]);

    const statuses = (requests: Array<{ id: string; status: string }>) => Object.fromEntries(requests.map((request) => [request.id, request.status]));
    const expected = { 'due-1': 'expired', 'due-2': 'expired', 'due-3': 'expired', later: 'pending' };
    expect(statuses(fromFirst)).toEqual(expected);
    expect(statuses(fromSecond)).toEqual(expected);
    const records = await first.audit.appRecords('refunds');
    const expiredIds = records.filter((record) => record.outcome === 'expired').map((record) => record.approval);
    expect(expiredIds.sort()).toEqual(['due-1', 'due-2', 'due-3']);
  });
});
