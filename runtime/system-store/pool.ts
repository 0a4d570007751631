// The connection pool of the PostgreSQL system store, the names of its
// tables, and the translation of pg errors into short reasons that name no
// URL, host or password (readiness checks and 503 responses may show them).
import pg from 'pg';
import type { Logger } from '../log.js';

/** Time allowed to open a connection before the store counts as unreachable. */
const CONNECT_TIMEOUT_MS = 5_000;
/** Time a statement of the store may take; an append that waits longer fails closed. */
const STATEMENT_TIMEOUT_MS = 10_000;

/** Options of a store pool. */
export interface StorePoolOptions {
  /** Connection URL with `${env:NAME}` resolved; never logged or shown. */
  url: string;
  /** Schema of the store's tables. */
  schema: string;
  /** Connections kept at most (default 10). */
  max?: number;
  /** Sends each statement without waiting for the result of the one before (pg's pipeline mode); for callers that send a transaction's statements together. */
  pipeline?: boolean;
  log: Logger;
}

/** Quoted, schema-qualified names of the store's tables. */
export interface StoreTables {
  schema: string;
  migrations: string;
  auditRecords: string;
  auditHead: string;
  /** The functions that check and extend the chain's end (see pg-audit-chain.ts). */
  auditTail: string;
  auditAppend: string;
  approvalRequests: string;
  approvalEvents: string;
  jobRuns: string;
  scheduleSlots: string;
  signedOutSessions: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Returns the table names of a store schema; raises for a name the settings schema would refuse. */
export function storeTables(schema: string): StoreTables {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`store.schema "${schema}" is invalid: use lower-case letters, digits and _, starting with a letter or _, at most 63 characters`);
  const name = (table: string): string => `"${schema}".${table}`;
  return {
    schema,
    migrations: name('store_migrations'),
    auditRecords: name('audit_records'),
    auditHead: name('audit_chain_head'),
    auditTail: name('audit_tail'),
    auditAppend: name('audit_append'),
    approvalRequests: name('approval_requests'),
    approvalEvents: name('approval_events'),
    jobRuns: name('job_runs'),
    scheduleSlots: name('schedule_slots'),
    signedOutSessions: name('signed_out_sessions'),
  };
}

/**
 * Opens a pool for the store. It connects on first use, so an unreachable
 * database shows at the first statement, not here. Every connection runs in
 * UTC with a statement timeout.
 */
export function openStorePool(options: StorePoolOptions): pg.Pool {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new Error('store.url is not a valid URL; write postgres://user:password@host:5432/database, normally as ${env:OPSDECK_STORE_URL}');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new Error(`store.url must start with postgres:// or postgresql:// (got ${url.protocol}//...)`);
  }
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    application_name: 'opsdeck-store',
    pipeline: options.pipeline === true,
    options: `-c TimeZone=UTC -c statement_timeout=${STATEMENT_TIMEOUT_MS}`,
  });
  // An idle connection that the server drops emits here; without a listener the process would exit.
  pool.on('error', (err) => options.log.warn({ store: options.schema, reason: storeFailureReason(err) }, 'idle system store connection closed'));
  return pool;
}

/** SQLSTATE codes and socket errors that mean the store cannot be reached, with a short reason each. */
const REASONS: Record<string, string> = {
  ECONNREFUSED: 'the database refused the connection',
  ECONNRESET: 'the database connection was reset',
  EPIPE: 'the database connection closed',
  ENOTFOUND: 'the database host was not found',
  EAI_AGAIN: 'the database host name lookup failed',
  ETIMEDOUT: 'the database connection timed out',
  EHOSTUNREACH: 'the database host is unreachable',
  '28P01': 'the database refused the password',
  '28000': 'the database refused the user',
  '3D000': 'the database does not exist',
  '3F000': 'the store schema does not exist',
  '42P01': 'the store tables are missing',
  '42883': 'a function of the store is missing',
  '57014': 'a statement of the store timed out',
  '57P01': 'the database is shutting down',
  '57P02': 'the database crashed',
  '57P03': 'the database is not accepting connections yet',
  '53300': 'the database has too many connections',
  '25006': 'the database is read-only',
  '53100': 'the database disk is full',
};

/** Returns a short reason for a pg or socket error, naming no URL, host or password. */
export function storeFailureReason(err: unknown): string {
  const code = (err as { code?: string } | undefined)?.code;
  if (code !== undefined && Object.hasOwn(REASONS, code)) return REASONS[code];
  const message = err instanceof Error ? err.message : '';
  if (/timeout|terminated/i.test(message)) return 'the database connection timed out or was closed';
  if (/pool/i.test(message) && /end/i.test(message)) return 'the store is closed';
  return 'the database statement failed';
}

/** Runs `work` in one transaction on one connection, committing when it resolves and rolling back when it rejects. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: unknown;
  // A checked-out client has no error listener of the pool's, and a connection lost meanwhile emits one that would end the process.
  const onError = (err: Error): void => {
    broken ??= err;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    broken = err;
    try {
      await client.query('ROLLBACK');
    } catch {
      // The connection is gone; release(err) below discards it.
    }
    throw err;
  } finally {
    client.removeListener('error', onError);
    client.release(isConnectionError(broken) ? (broken as Error) : undefined);
  }
}

/** Tells whether an error leaves the connection unusable, so the pool should drop it. */
export function isConnectionError(err: unknown): boolean {
  if (err === undefined) return false;
  const code = (err as { code?: string }).code;
  return code === undefined || code.startsWith('E') || code.startsWith('57P') || code === '08006' || code === '08003';
}
