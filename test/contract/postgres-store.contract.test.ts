import { pino } from 'pino';
import type pg from 'pg';
import { PostgresApprovalStore } from '../../runtime/system-store/pg-approvals.js';
import { PostgresAuditLog } from '../../runtime/system-store/pg-audit.js';
import { PostgresSessionRevocations } from '../../runtime/system-store/pg-sessions.js';
import { migrateStore } from '../../runtime/system-store/migrations.js';
import { openStorePool } from '../../runtime/system-store/pool.js';
import { systemStoreContract } from './system-store.contract.js';
import { createTestSchema, TEST_POSTGRES_URL, type TestSchema } from './postgres-schema.js';

const log = pino({ level: 'silent' });
const pools: pg.Pool[] = [];
const schemas: TestSchema[] = [];
const sessionLists: PostgresSessionRevocations[] = [];
/** Nothing listens on port 1 of 127.0.0.1, so connections are refused at once. */
const CLOSED_PORT_URL = 'postgres://postgres@127.0.0.1:1/test';

/** Two pools on one migrated schema, standing in for two server processes. */
async function twoPools(): Promise<[pg.Pool, pg.Pool, string]> {
  const schema = await createTestSchema('store');
  schemas.push(schema);
  const one = openStorePool({ url: TEST_POSTGRES_URL, schema: schema.name, max: 4, log });
  const two = openStorePool({ url: TEST_POSTGRES_URL, schema: schema.name, max: 4, log });
  pools.push(one, two);
  await migrateStore(one, schema.name);
  return [one, two, schema.name];
}

systemStoreContract({
  name: 'postgres',
  openAuditWriters: async () => {
    const [one, two, schema] = await twoPools();
    // The first writer appends on a pipelined pool, as a server does. The second sends one statement at a time, so both ways race on one chain.
    const writePool = openStorePool({ url: TEST_POSTGRES_URL, schema, max: 2, pipeline: true, log });
    pools.push(writePool);
    return [new PostgresAuditLog({ pool: one, writePool, schema, ownsPool: false }), new PostgresAuditLog({ pool: two, schema, ownsPool: false })];
  },
  openUnavailableAudit: async () =>
    new PostgresAuditLog({
      pool: openStorePool({ url: CLOSED_PORT_URL, schema: 'opsdeck', log }),
      writePool: openStorePool({ url: CLOSED_PORT_URL, schema: 'opsdeck', max: 2, pipeline: true, log }),
      schema: 'opsdeck',
    }),
  openApprovalStores: async () => {
    const [one, two, schema] = await twoPools();
    return [new PostgresApprovalStore({ pool: one, schema }), new PostgresApprovalStore({ pool: two, schema })];
  },
  openUnavailableApprovals: async () => {
    const pool = openStorePool({ url: CLOSED_PORT_URL, schema: 'opsdeck', log });
    pools.push(pool);
    return new PostgresApprovalStore({ pool, schema: 'opsdeck' });
  },
  openSessionLists: async () => {
    const [one, two, schema] = await twoPools();
    const lists = [new PostgresSessionRevocations({ pool: one, schema, log, pollMs: 50 }), new PostgresSessionRevocations({ pool: two, schema, log, pollMs: 50 })] as const;
    sessionLists.push(...lists);
    for (const list of lists) await list.start();
    return [lists[0], lists[1]];
  },
  openUnavailableSessions: async () => {
    const pool = openStorePool({ url: CLOSED_PORT_URL, schema: 'opsdeck', log });
    pools.push(pool);
    return new PostgresSessionRevocations({ pool, schema: 'opsdeck', log });
  },
  cleanup: async () => {
    for (const list of sessionLists) await list.close();
    for (const pool of pools) await pool.end();
    for (const schema of schemas) await schema.drop();
  },
});
