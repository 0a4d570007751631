// Opens the system store that `store:` in opsdeck.yaml names: the audit log,
// the signed-out sessions and, on PostgreSQL, the approval store, job runs,
// schedule slots and the pg-boss queue that dispatches runs. The file store
// keeps the audit log at `audit.file`, signed-out sessions in
// `.opsdeck/signed-out.jsonl`, and leaves approvals and runs to files under
// `.opsdeck/`.
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { acquireFileLock, lockLost, releaseFileLock } from '../file-lock.js';
import type pg from 'pg';
import type { StoreSettings } from '../../core/settings.js';
import type { ApprovalStore } from '../approvals/store.js';
import type { RunDispatch } from '../jobs/dispatch.js';
import { FileAuditLog, type AuditLog } from '../audit.js';
import type { Logger } from '../log.js';
import { migrateStore } from './migrations.js';
import { PostgresApprovalStore } from './pg-approvals.js';
import type { PgBossDispatch } from './pg-boss-dispatch.js';
import { PostgresAuditLog } from './pg-audit.js';
import { PostgresRunStore } from './pg-runs.js';
import { PostgresSlotStore } from './pg-slots.js';
import { PostgresSessionRevocations } from './pg-sessions.js';
import { FileSessionRevocations, type SessionRevocations } from '../session-revocations.js';
import type { RunStore } from '../jobs/run-state.js';
import type { SlotStore } from '../jobs/scheduler.js';
import { openStorePool, storeFailureReason } from './pool.js';

/** The stores of the server's own records. */
export interface SystemStore {
  audit: AuditLog;
  /** Sessions signed out before their cookie expired. */
  sessions: SessionRevocations;
  /** The approval store; undefined for the file store, whose approvals file the API opens itself. */
  approvals?: ApprovalStore;
  /** Job runs and schedule slots shared by several processes; undefined for the file store, whose files the server opens itself. */
  runs?: RunStore;
  slots?: SlotStore;
  /** The pg-boss queue that offers queued runs to every process; undefined for the file store, whose runner lists its own runs. */
  dispatch?: RunDispatch;
  /** Ends the connections (after the server stopped using the store). */
  close(): Promise<void>;
}

/** Raised when the PostgreSQL store cannot be prepared at start; the message names the schema, never the URL. */
export class SystemStoreUnavailable extends Error {}

/**
 * Opens the store. For PostgreSQL it creates the schema and tables or
 * migrates them (under an advisory lock, so replicas that start together
 * take turns), and raises SystemStoreUnavailable when that fails: a server
 * that cannot reach its store does not start.
 */
export async function openSystemStore(store: StoreSettings, options: { root: string; auditFile: string; log: Logger }): Promise<SystemStore> {
  if (store.kind === 'files') return openFileStore(options);
  // pg-boss is loaded only for this store, so a server on the file store never evaluates it.
  const { MAX_STORE_SCHEMA_FOR_QUEUE, queueSchemaOf } = await import('./pg-boss-dispatch.js');
  if (store.schema.length > MAX_STORE_SCHEMA_FOR_QUEUE) {
    throw new SystemStoreUnavailable(
      `store.schema "${store.schema}" in opsdeck.yaml is ${store.schema.length} characters long, so the job queue's schema "${queueSchemaOf(store.schema)}" would exceed pg-boss's limit of 50; use at most ${MAX_STORE_SCHEMA_FOR_QUEUE} characters`,
    );
  }
  const pool = openStorePool({ url: store.url, schema: store.schema, log: options.log });
  try {
    const applied = await migrateStore(pool, store.schema);
    if (applied.length > 0) options.log.info({ store: store.schema, migrations: applied }, 'system store migrated');
  } catch (err) {
    await pool.end().catch(() => undefined);
    const cause = (err as { code?: string }).code === undefined && err instanceof Error ? err.message : storeFailureReason(err);
    throw new SystemStoreUnavailable(`cannot prepare the system store in PostgreSQL schema "${store.schema}" (store.url in opsdeck.yaml): ${cause}`);
  }
  // Appends send their statements together on a pipelined pool of their own; one batch is written at a time.
  const writePool = openStorePool({ url: store.url, schema: store.schema, max: 2, pipeline: true, log: options.log });
  const audit = new PostgresAuditLog({ pool, writePool, schema: store.schema, ownsPool: false });
  await audit.probe();
  const sessions = new PostgresSessionRevocations({ pool, schema: store.schema, log: options.log });
  const runs = new PostgresRunStore({ pool, schema: store.schema, url: store.url, log: options.log });
  const dispatch = await prepareSessionsAndQueue(store, sessions, pool, runs, options.log).catch(async (err) => {
    await sessions.close();
    await audit.close().catch(() => undefined);
    await pool.end().catch(() => undefined);
    throw err;
  });
  return {
    audit,
    sessions,
    approvals: new PostgresApprovalStore({ pool, schema: store.schema }),
    runs,
    slots: new PostgresSlotStore({ pool, schema: store.schema }),
    dispatch,
    close: async () => {
      // The runner closes the dispatch first; this covers a server whose runner never started.
      await dispatch.close();
      await sessions.close();
      await audit.close();
      await pool.end();
    },
  };
}

/**
 * Opens the file store after taking the audit log's lock, so a second process
 * on the same folder does not start: its appends would fork the hash chain,
 * and its approvals and runs files would diverge from the first's.
 */
function openFileStore(options: { root: string; auditFile: string; log: Logger }): SystemStore {
  const auditPath = resolve(options.root, options.auditFile);
  let holder: string | undefined;
  let locked = false;
  try {
    mkdirSync(dirname(auditPath), { recursive: true });
    holder = acquireFileLock(auditPath);
    locked = holder === undefined;
  } catch (err) {
    // A folder this process cannot write takes no audit record either, so appends fail closed and readiness reports why.
    options.log.warn({ file: auditPath, code: (err as NodeJS.ErrnoException).code }, 'cannot lock the audit log of the file store');
  }
  if (holder !== undefined) {
    throw new SystemStoreUnavailable(
      `cannot use the file store of ${options.root}: its audit log ${options.auditFile} is in use by ${holder}. The file store serves one process; stop the other one, or set store.kind: postgres in opsdeck.yaml to run several`,
    );
  }
  const audit = new FileAuditLog(auditPath, locked ? { lockTakenBy: () => lockLost(auditPath) } : {});
  const sessions = new FileSessionRevocations(join(options.root, '.opsdeck', 'signed-out.jsonl'));
  return {
    audit,
    sessions,
    close: async () => {
      await audit.close();
      if (locked) releaseFileLock(auditPath);
    },
  };
}

/** Reads the signed-out sessions, then prepares the run queue; raises SystemStoreUnavailable when either fails. */
async function prepareSessionsAndQueue(
  store: Extract<StoreSettings, { kind: 'postgres' }>,
  sessions: PostgresSessionRevocations,
  pool: pg.Pool,
  runs: RunStore,
  log: Logger,
): Promise<PgBossDispatch> {
  try {
    await sessions.start();
  } catch (err) {
    throw new SystemStoreUnavailable(`cannot read the signed-out sessions in PostgreSQL schema "${store.schema}" (store.url in opsdeck.yaml): ${storeFailureReason(err)}`);
  }
  return openRunQueue(store, pool, runs, log);
}

/**
 * Starts pg-boss in the schema `<store.schema>_boss`, creating its tables and
 * the run queue when missing; raises SystemStoreUnavailable when that fails.
 * Processes that start together take turns under an advisory lock, because
 * two pg-boss installs running at once into a new schema collide.
 */
async function openRunQueue(store: Extract<StoreSettings, { kind: 'postgres' }>, pool: pg.Pool, runs: RunStore, log: Logger): Promise<PgBossDispatch> {
  const { PgBossDispatch, queueSchemaOf } = await import('./pg-boss-dispatch.js');
  const dispatch = new PgBossDispatch({ url: store.url, storeSchema: store.schema, store: runs, log });
  const lockKey = `opsdeck-queue/${store.schema}`;
  let client: pg.PoolClient | undefined;
  try {
    client = await pool.connect();
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey]);
    await dispatch.prepare();
  } catch (err) {
    await dispatch.close().catch(() => undefined);
    throw new SystemStoreUnavailable(`cannot prepare the job queue in PostgreSQL schema "${queueSchemaOf(store.schema)}" (store.url in opsdeck.yaml): ${storeFailureReason(err)}`);
  } finally {
    // A failed unlock leaves the lock to the session, so that connection is dropped rather than reused.
    const unlocked = await client?.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]).then(
      () => true,
      () => false,
    );
    client?.release(unlocked === false ? new Error('advisory unlock failed') : undefined);
  }
  return dispatch;
}
