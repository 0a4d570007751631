// Creates and upgrades the tables of the PostgreSQL system store. Each
// migration has a version; the store's own table `store_migrations` lists the
// applied ones. A session-level advisory lock held around the whole run makes
// two processes that start at once take turns: the second finds the work done.
import type pg from 'pg';
import { GENESIS } from '../audit-chain.js';
import { ChainHeadMismatch, auditFunctionsSql, fillTailText } from './pg-audit-chain.js';
import { storeTables, type StoreTables } from './pool.js';

/** One step of the schema, applied once in its own transaction. */
interface Migration {
  version: number;
  name: string;
  sql(tables: StoreTables): string;
  /** Work that needs the process, run after the SQL in the same transaction. */
  after?(client: pg.PoolClient, tables: StoreTables): Promise<void>;
}

/** The store's migrations in order; add new ones at the end with the next version, never change an applied one. */
export const STORE_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'audit log with hash chain',
    sql: (t) => `
      CREATE TABLE ${t.auditRecords} (
        seq bigint PRIMARY KEY,
        id text NOT NULL UNIQUE,
        time timestamptz NOT NULL,
        app text NOT NULL,
        record jsonb NOT NULL,
        prev text NOT NULL,
        hash text NOT NULL
      );
      CREATE INDEX ON ${t.auditRecords} (app, seq DESC);
      CREATE TABLE ${t.auditHead} (
        only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
        seq bigint NOT NULL,
        hash text NOT NULL
      );
      INSERT INTO ${t.auditHead} (seq, hash) VALUES (0, '${GENESIS}');`,
  },
  {
    version: 2,
    name: 'approval requests and their events',
    sql: (t) => `
      CREATE TABLE ${t.approvalRequests} (
        id text PRIMARY KEY,
        app text NOT NULL,
        status text NOT NULL,
        request jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX ON ${t.approvalRequests} (app);
      CREATE TABLE ${t.approvalEvents} (
        position bigserial PRIMARY KEY,
        request_id text NOT NULL,
        event jsonb NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX ON ${t.approvalEvents} (request_id);`,
  },
  {
    version: 3,
    name: 'job runs and schedule slots',
    sql: (t) => `
      CREATE TABLE ${t.jobRuns} (
        id text PRIMARY KEY,
        app text NOT NULL,
        job text NOT NULL,
        status text NOT NULL,
        owner text,
        heartbeat_at timestamptz,
        created_at timestamptz NOT NULL,
        run jsonb NOT NULL
      );
      CREATE INDEX ON ${t.jobRuns} (app, created_at DESC);
      CREATE INDEX ON ${t.jobRuns} (status);
      CREATE TABLE ${t.scheduleSlots} (
        schedule text NOT NULL,
        slot text NOT NULL,
        at timestamptz NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (schedule, slot)
      );`,
  },
  {
    version: 4,
    name: 'audit chain extended inside the database',
    sql: auditFunctionsSql,
    // Records written before have no canonical text; only the last one needs it, for the next append to check. A last record
    // that does not match keeps none, so appends fail closed and "opsdeck audit verify" names it, as before this migration.
    after: (client, tables) => fillTailText(client, tables).catch((err: unknown) => {
      if (!(err instanceof ChainHeadMismatch)) throw err;
    }),
  },
  {
    version: 5,
    name: 'signed-out sessions',
    sql: (t) => `
      CREATE TABLE ${t.signedOutSessions} (
        id text PRIMARY KEY,
        expires_at timestamptz NOT NULL,
        signed_out_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX ON ${t.signedOutSessions} (signed_out_at);
      CREATE INDEX ON ${t.signedOutSessions} (expires_at);`,
  },
];

/** First key of the two-key advisory lock. The second is the hash of the schema name, so stores in different schemas do not wait for each other. */
const LOCK_CLASS = 0x4f505344; // "OPSD"

/**
 * Creates the schema when missing and applies the migrations it lacks, under
 * an advisory lock. Resolves to the versions applied by this call.
 */
export async function migrateStore(pool: pg.Pool, schema: string): Promise<number[]> {
  const tables = storeTables(schema);
  const client = await pool.connect();
  let failed: Error | undefined;
  // See inTransaction: a connection lost while checked out emits an error that needs a listener.
  const onError = (err: Error): void => {
    failed ??= err;
  };
  client.on('error', onError);
  try {
    await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [LOCK_CLASS, schema]);
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${tables.migrations} (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      const done = new Set((await client.query(`SELECT version FROM ${tables.migrations}`)).rows.map((row) => Number(row.version)));
      const newer = [...done].filter((version) => !STORE_MIGRATIONS.some((migration) => migration.version === version));
      if (newer.length > 0) {
        throw new Error(`the system store in schema "${schema}" has migration ${Math.max(...newer)}, newer than this Opsdeck knows (up to ${STORE_MIGRATIONS.length}); run the newer Opsdeck or a new schema`);
      }
      const applied: number[] = [];
      for (const migration of STORE_MIGRATIONS) {
        if (done.has(migration.version)) continue;
        await client.query('BEGIN');
        try {
          // Without parameters pg uses the simple query protocol, which runs every statement of the text.
          await client.query(migration.sql(tables));
          await migration.after?.(client, tables);
          await client.query(`INSERT INTO ${tables.migrations} (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
        applied.push(migration.version);
      }
      return applied;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_CLASS, schema]).catch(() => undefined);
    }
  } catch (err) {
    failed = err as Error;
    throw err;
  } finally {
    client.removeListener('error', onError);
    client.release(failed);
  }
}
