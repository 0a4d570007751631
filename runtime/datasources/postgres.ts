// A `kind: postgres` data source on node-postgres: one connection pool per
// data source. Queries run in read-only transactions and actions in
// read-write ones, each with `SET LOCAL statement_timeout`. Values cross the
// binding layer in values.ts through type parsers set on this pool only.
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { finished } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { CompiledSql } from '../../core/model.js';
import { compileSql } from '../../core/sql-params.js';
import type { Logger } from '../log.js';
import { DatasourceUnavailable, ExpectationFailed, MigrationError, StatementTimeout, type Datasource, type QueryResult, type WriteResult, type WriteTransaction } from './datasource.js';
import { countPostgresStatements } from './pg-statements.js';
import { postgresTextParser, type BindValue, type CellValue } from './values.js';

export interface PostgresOptions {
  /** Data source id, used in messages and logs. */
  name: string;
  /** Connection URL with secrets resolved; never logged or shown. */
  url: string;
  /** Schema set as the connections' search_path. */
  schema?: string;
  statementTimeoutMs: number;
  poolMax: number;
  log: Logger;
}

/** Time allowed to open a connection before the database counts as unreachable. */
const CONNECT_TIMEOUT_MS = 5_000;
/** Key of the advisory lock that serializes migrations across servers sharing a database. */
const MIGRATION_LOCK_KEY = 4_711_202_401;

/** Plan node types that change data or take row locks, which a read-only transaction refuses. */
const WRITING_PLAN_NODES = new Set(['ModifyTable', 'LockRows']);

/** SQLSTATE codes and Node.js socket errors that mean the database cannot be reached. */
const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  '28P01': 'password authentication failed',
  '28000': 'authorization failed',
  '3D000': 'database does not exist',
  '57P01': 'the server is shutting down',
  '57P02': 'the server crashed',
  '57P03': 'the server is not accepting connections yet',
  '53300': 'too many connections',
};

type Client = pg.PoolClient;

/** A function that runs one statement of a snapshot (see readSnapshot). `parserOf` may return a text parser for a type id, in place of the pool's. */
export type SnapshotRead = (sql: string, values: BindValue[], parserOf?: (oid: number) => ((text: string) => CellValue) | undefined) => Promise<{ columns: string[]; types: number[]; rows: CellValue[][] }>;

/**
 * Starts a `COPY ... TO STDOUT` in a snapshot (see copySnapshot) and returns
 * its bytes. Read it with back-pressure and never destroy it: when the work
 * ends before the stream does, copySnapshot cancels the COPY.
 */
export type SnapshotCopy = (sql: string) => Readable;

/**
 * Runs one statement with the extended query protocol even without
 * parameters: without it pg uses the simple protocol, which runs every
 * statement of a text that contains several.
 */
function runStatement(client: Client, text: string, values: BindValue[]): Promise<pg.QueryResult> {
  return client.query({ text, values, queryMode: 'extended' } as pg.QueryConfig);
}

/** A PostgreSQL database reached through a connection pool. */
export class PostgresDatasource implements Datasource {
  readonly dialect = 'postgres' as const;
  readonly name: string;
  /** Settings that decide whether a reload can keep this pool: equal keys mean equal settings. */
  readonly settingsKey: string;
  readonly #pool: pg.Pool;
  readonly #poolConfig: pg.PoolConfig;
  readonly #log: Logger;
  /** Connections without pipelining for COPY (see copySnapshot), opened on first use. */
  #copyPool?: pg.Pool;
  /** Backend process ids of the COPY pool's connections, to cancel a COPY. */
  readonly #backendPids = new WeakMap<Client, number>();
  readonly #timeoutMs: number;
  readonly #columnCache = new Map<string, string[]>();
  #closed?: Promise<void>;

  constructor(options: PostgresOptions) {
    this.name = options.name;
    this.#timeoutMs = Math.trunc(options.statementTimeoutMs);
    this.settingsKey = JSON.stringify([options.url, options.schema ?? null, this.#timeoutMs, options.poolMax]);
    const log = options.log;
    const { url, startupOptions } = withoutStartupOptions(checkedUrl(options.name, options.url));
    this.#log = log;
    this.#poolConfig = {
      connectionString: url,
      max: options.poolMax,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      idleTimeoutMillis: 30_000,
      application_name: 'opsdeck',
      // Pipelining lets queryAll send a whole read-only transaction without waiting for each response.
      pipeline: true,
      options: connectionOptions(startupOptions, options.schema),
      // Parsers on the pool, not pg.types, so other users of pg in the process keep pg's defaults.
      types: { getTypeParser: ((oid: number, format?: string) => (format === 'binary' ? undefined : postgresTextParser(oid)) ?? pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser },
    };
    this.#pool = new pg.Pool(this.#poolConfig);
    // An idle connection that the server drops emits here; without a listener the process would exit.
    this.#pool.on('error', (err) => log.warn({ datasource: this.name, reason: describeFailure(err) }, 'idle database connection closed'));
  }

  compile(sql: string, castOf?: (name: string) => string | undefined): CompiledSql {
    return compileSql(sql, { placeholders: 'dollar', castOf });
  }

  placeholder(index: number): string {
    return `$${index}`;
  }

  quoteIdentifier(name: string): string {
    return quotePostgresIdentifier(name);
  }

  likeCondition(column: string, placeholder: string): string {
    // ILIKE matches SQLite's case-insensitive LIKE; the cast lets "contains" work on numbers and dates too.
    return `CAST(${column} AS text) ILIKE ${placeholder} ESCAPE '\\'`;
  }

  async query(sql: string, values: BindValue[]): Promise<QueryResult> {
    return (await this.queryAll([{ sql, values }]))[0];
  }

  /**
   * Sends BEGIN, the statements and COMMIT at once on a pipelined connection,
   * so a page and its count cost one round trip. When a statement fails, the
   * ones after it fail as part of the aborted transaction and COMMIT rolls it
   * back; the first failure is raised.
   */
  async queryAll(statements: Array<{ sql: string; values: BindValue[] }>): Promise<QueryResult[]> {
    const client = await this.#connect();
    const tracker = trackErrors(client);
    try {
      const sent = [
        runStatement(client, 'BEGIN READ ONLY', []),
        runStatement(client, `SET LOCAL statement_timeout = ${this.#timeoutMs}`, []),
        ...statements.map((statement) => runStatement(client, statement.sql, statement.values)),
        runStatement(client, 'COMMIT', []),
      ];
      const settled = await Promise.allSettled(sent);
      const failure = settled.find((outcome) => outcome.status === 'rejected');
      if (failure) {
        if (client.getTransactionStatus() !== 'I') tracker.broken ??= new Error('the transaction did not end');
        throw this.#translate(failure.reason);
      }
      return settled.slice(2, -1).map((outcome) => toQueryResult((outcome as PromiseFulfilledResult<pg.QueryResult>).value));
    } finally {
      tracker.stop();
      client.release(tracker.broken);
    }
  }

  async write(sql: string, values: BindValue[], expectRows?: number): Promise<WriteResult> {
    return this.#transaction('READ WRITE', 'commit', async (client) => {
      const result = await runStatement(client, sql, values);
      const changes = result.rowCount ?? 0;
      if (expectRows !== undefined && changes !== expectRows) throw new ExpectationFailed(expectRows, changes);
      return { changes, lastInsertId: insertedId(result) };
    });
  }

  async transaction<T>(end: 'commit' | 'rollback', work: (tx: WriteTransaction) => Promise<T>): Promise<T> {
    return this.#transaction('READ WRITE', end, (client) =>
      work({
        run: async (sql, values, expectRows) => {
          const result = await runStatement(client, sql, values);
          const changes = result.rowCount ?? 0;
          if (expectRows !== undefined && changes !== expectRows) throw new ExpectationFailed(expectRows, changes);
          return { changes, lastInsertId: insertedId(result), rows: result.rows as Array<Record<string, CellValue>> };
        },
      }),
    );
  }

  /**
   * Runs `work` in one read-only, repeatable-read transaction, so all its
   * statements read one snapshot, then rolls it back. Exports use it
   * (runtime/export/read-chunks.ts): `read` returns rows as arrays, one value
   * per column, without an object per row.
   */
  async readSnapshot<T>(work: (read: SnapshotRead) => Promise<T>): Promise<T> {
    return this.#transaction('READ ONLY', 'rollback', async (client) => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      return work(snapshotReader(client));
    });
  }

  /**
   * Like readSnapshot, and `copy` may also stream a `COPY (select) TO STDOUT`
   * in the same snapshot (runtime/export/pg-copy.ts). pg refuses COPY on a
   * pipelined connection, so this runs on a second pool without pipelining,
   * of the same size. When `work` ends before a COPY stream did (the client
   * went away), the COPY is cancelled with pg_cancel_backend and the rest of
   * its bytes discarded. The connection then goes back to the pool usable,
   * or is closed when the COPY ended with another error or the rollback failed.
   * NOTE: the COPY pool can add up to `poolMax` connections to the database.
   */
  async copySnapshot<T>(work: (read: SnapshotRead, copy: SnapshotCopy) => Promise<T>): Promise<T> {
    return this.#transaction(
      'READ ONLY',
      'rollback',
      async (client, tracker) => {
        await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
        if (!this.#backendPids.has(client)) this.#backendPids.set(client, Number((await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid));
        let active: Readable | undefined;
        try {
          return await work(snapshotReader(client), (sql) => {
            if (active !== undefined && !active.readableEnded) throw new Error('a snapshot runs one COPY at a time; read the last one to its end first');
            active = client.query(copyStreams.to(sql));
            return active;
          });
        } finally {
          // A COPY that failed in the database has ended too: pg read the error and the transaction only needs its rollback.
          if (active !== undefined && !active.readableEnded && !(active.errored instanceof pg.DatabaseError)) await this.#abandonCopy(client, active, tracker);
        }
      },
      () => this.#copyConnection(),
    );
  }

  /** Cancels a COPY whose reader stopped early and discards the rest of its bytes; marks the connection broken when that fails. */
  async #abandonCopy(client: Client, stream: Readable, tracker: { broken: Error | undefined }): Promise<void> {
    if (stream.destroyed) {
      // A destroyed stream no longer reads the connection, so no later statement would get a response: close the socket.
      tracker.broken ??= new Error('the COPY stream was destroyed before its end');
      (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
      return;
    }
    const ended = finished(stream).then(
      () => undefined,
      (err: unknown) => err,
    );
    stream.resume();
    try {
      await this.#pool.query('SELECT pg_cancel_backend($1)', [this.#backendPids.get(client)]);
    } catch (err) {
      this.#log.warn({ datasource: this.name, reason: (err as Error).message }, 'could not cancel an export COPY; its rows are read to the end and discarded');
    }
    const err = await ended;
    // 57014 is the requested cancel. Any other error leaves the connection's state unknown.
    if (err !== undefined && (err as { code?: unknown }).code !== '57014') tracker.broken ??= err as Error;
  }

  async #copyConnection(): Promise<Client> {
    if (this.#copyPool === undefined) {
      // After close, the ended main pool raises the usual error instead of a new pool opening.
      if (this.#closed !== undefined) return this.#connect();
      this.#copyPool = new pg.Pool({ ...this.#poolConfig, pipeline: false } as pg.PoolConfig);
      this.#copyPool.on('error', (err) => this.#log.warn({ datasource: this.name, reason: describeFailure(err) }, 'idle database connection closed'));
    }
    try {
      return await this.#copyPool.connect();
    } catch (err) {
      throw this.#translate(err);
    }
  }

  async ping(): Promise<void> {
    try {
      await this.#pool.query('SELECT 1');
    } catch (err) {
      throw this.#translate(err);
    }
  }

  async migrate(folder: string): Promise<number> {
    const files = existsSync(folder) ? readdirSync(folder).filter((name) => name.endsWith('.sql')).sort() : [];
    let applied = 0;
    for (const name of files) {
      const ran = await this.#transaction('READ WRITE', 'commit', async (client) => {
        await client.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
        await client.query('CREATE TABLE IF NOT EXISTS opsdeck_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
        const done = await client.query('SELECT 1 FROM opsdeck_migrations WHERE name = $1', [name]);
        if (done.rowCount !== 0) return false;
        try {
          // Without parameters pg uses the simple query protocol, which runs every statement of the file.
          await client.query(readFileSync(join(folder, name), 'utf8'));
        } catch (err) {
          if (this.#translate(err) instanceof DatasourceUnavailable) throw err;
          throw new MigrationError(join(folder, name), `migration ${join(basename(folder), name)} failed: ${(err as Error).message}`);
        }
        await client.query('INSERT INTO opsdeck_migrations (name) VALUES ($1)', [name]);
        return true;
      });
      if (ran) applied++;
    }
    return applied;
  }

  /** Lists the migration files of a folder that this database has not applied yet, without changing anything. */
  async pendingMigrations(folder: string): Promise<string[]> {
    const files = existsSync(folder) ? readdirSync(folder).filter((name) => name.endsWith('.sql')).sort() : [];
    if (files.length === 0) return [];
    const done = await this.#transaction('READ ONLY', 'rollback', async (client) => {
      const table = await client.query("SELECT to_regclass('opsdeck_migrations') IS NOT NULL AS present");
      if (table.rows[0]?.present !== true) return new Set<string>();
      return new Set((await client.query('SELECT name FROM opsdeck_migrations')).rows.map((row) => String(row.name)));
    });
    return files.filter((name) => !done.has(name));
  }

  /** Returns the columns from the row description of the query wrapped in `LIMIT 0`, run with NULL parameters and rolled back. */
  async columnsOf(sql: string, paramCount: number): Promise<string[]> {
    const cached = this.#columnCache.get(sql);
    if (cached) return cached;
    const columns = await this.#transaction('READ ONLY', 'rollback', async (client) => {
      const result = await runStatement(client, `SELECT * FROM (\n${stripSemicolon(sql)}\n) AS opsdeck_q LIMIT 0`, nulls(paramCount));
      return result.fields.map((field) => field.name);
    });
    this.#columnCache.set(sql, columns);
    return columns;
  }

  /** Plans the statement with EXPLAIN in a rolled-back transaction, which parses it and resolves every name and parameter type. */
  async check(sql: string, paramCount: number): Promise<void> {
    await this.#plan(sql, paramCount);
  }

  async statementCount(sql: string): Promise<number> {
    return countPostgresStatements(sql);
  }

  /** Returns true when the statement's plan modifies a table or locks rows. */
  async writes(sql: string, paramCount: number): Promise<boolean> {
    return planWrites(await this.#plan(sql, paramCount));
  }

  async close(): Promise<void> {
    this.#closed ??= Promise.all([this.#pool.end(), this.#copyPool?.end()]).then(() => undefined);
    return this.#closed;
  }

  async #plan(sql: string, paramCount: number): Promise<unknown> {
    return this.#transaction('READ ONLY', 'rollback', async (client) => {
      const result = await runStatement(client, `EXPLAIN (FORMAT JSON) ${sql}`, nulls(paramCount));
      return result.rows[0]?.['QUERY PLAN'];
    });
  }

  /**
   * Runs `work` in a transaction with the statement timeout set, then commits
   * or rolls back. A connection whose rollback fails is discarded instead of
   * going back to the pool.
   */
  async #transaction<T>(mode: 'READ ONLY' | 'READ WRITE', end: 'commit' | 'rollback', work: (client: Client, tracker: { broken: Error | undefined }) => Promise<T>, connect = () => this.#connect()): Promise<T> {
    const client = await connect();
    const tracker = trackErrors(client);
    try {
      await client.query(`BEGIN ${mode}; SET LOCAL statement_timeout = ${this.#timeoutMs}`);
      const result = await work(client, tracker);
      await client.query(end === 'commit' ? 'COMMIT' : 'ROLLBACK');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        tracker.broken ??= rollbackError as Error;
      }
      throw this.#translate(err);
    } finally {
      tracker.stop();
      client.release(tracker.broken);
    }
  }

  async #connect(): Promise<Client> {
    try {
      return await this.#pool.connect();
    } catch (err) {
      throw this.#translate(err);
    }
  }

  /** Maps driver errors to StatementTimeout and DatasourceUnavailable; other errors pass through. */
  #translate(err: unknown): unknown {
    if (!(err instanceof Error) || err instanceof ExpectationFailed || err instanceof MigrationError) return err;
    const code = (err as { code?: unknown }).code;
    if (code === '57014' && /statement timeout/.test(err.message)) return new StatementTimeout(this.#timeoutMs);
    const reason = unreachableReason(err);
    return reason === undefined ? err : new DatasourceUnavailable(`the database of data source \`${this.name}\` cannot be reached: ${reason}`);
  }
}

/** Returns the `read` of a snapshot on `client`: rows as arrays, with the result's column names and type ids. */
function snapshotReader(client: Client): SnapshotRead {
  return async (sql, values, parserOf) => {
    const types = parserOf && { getTypeParser: ((oid: number, format?: string) => (format === 'binary' ? undefined : (parserOf(oid) ?? postgresTextParser(oid))) ?? pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser };
    const result = await client.query({ text: sql, values, rowMode: 'array', queryMode: 'extended', ...(types && { types }) } as pg.QueryArrayConfig);
    return { columns: result.fields.map((field) => field.name), types: result.fields.map((field) => field.dataTypeID), rows: result.rows as CellValue[][] };
  };
}

/**
 * Removes the `options` query parameter from a connection URL, because
 * node-postgres lets it replace the pool's `options` setting as a whole.
 */
function withoutStartupOptions(url: string): { url: string; startupOptions?: string } {
  const parsed = new URL(url);
  const startupOptions = parsed.searchParams.get('options') ?? undefined;
  if (startupOptions === undefined) return { url };
  parsed.searchParams.delete('options');
  return { url: parsed.toString(), startupOptions };
}

/**
 * Returns the settings sent when a connection starts, after any from the URL,
 * because PostgreSQL applies them in order and they take precedence over the
 * server's and the role's defaults. The session time zone is UTC, so
 * timestamptz values print with offset +00 and CURRENT_TIMESTAMP stored into
 * a timestamp without time zone is UTC, which is how isoTimestamp reads it.
 */
function connectionOptions(fromUrl: string | undefined, schema: string | undefined): string {
  const settings = fromUrl === undefined ? [] : [fromUrl];
  settings.push('-c TimeZone=UTC');
  if (schema !== undefined) settings.push(`-c search_path=${quotePostgresIdentifier(schema)}`);
  return settings.join(' ');
}

/** Quotes an identifier for PostgreSQL, doubling embedded quotes. */
export function quotePostgresIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Listens for 'error' on a checked-out connection: one that drops between two
 * statements emits it there, and unheard it would end the process. When `broken`
 * is set, release() discards the connection.
 */
function trackErrors(client: Client): { broken: Error | undefined; stop(): void } {
  const tracker = {
    broken: undefined as Error | undefined,
    stop: () => client.off('error', onError),
  };
  const onError = (err: Error): void => {
    tracker.broken = err;
  };
  client.on('error', onError);
  return tracker;
}

/** Returns why an error means the database is unreachable, in words without secrets, or undefined when it does not. */
function unreachableReason(err: Error): string | undefined {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (Object.hasOwn(UNREACHABLE, code)) return `${UNREACHABLE[code]} (${code})`;
    if (code.startsWith('08')) return `connection failure (${code})`;
  }
  if (/Connection terminated|connection timeout|timeout exceeded when trying to connect|not queryable|Client was closed/i.test(err.message)) return 'connection lost or timed out';
  if (/does not support SSL|SSL connection|self[- ]signed certificate|certificate/i.test(err.message)) return 'the TLS (SSL) settings of the URL do not match the server';
  if (/^getaddrinfo|ECONN|connect E/i.test(err.message)) return 'the server cannot be reached';
  return undefined;
}

/** Describes a connection failure for logs, without the URL. */
function describeFailure(err: Error): string {
  return unreachableReason(err) ?? 'connection error';
}

function checkedUrl(name: string, url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The URL may hold a password, so neither it nor the parser's message (which quotes it) is repeated.
    throw new Error(`the \`url\` of data source \`${name}\` is not a valid URL; use postgres://user:password@host:port/database`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new Error(`the \`url\` of data source \`${name}\` uses the scheme ${parsed.protocol}; use postgres://user:password@host:port/database`);
  }
  return url;
}

function toQueryResult(result: pg.QueryResult): QueryResult {
  return { columns: result.fields.map((field) => field.name), rows: result.rows as Array<Record<string, CellValue>> };
}

/** Returns the first value of the single row an INSERT … RETURNING returned as the new row's id; PostgreSQL has no last-insert id otherwise. */
function insertedId(result: pg.QueryResult): number | string | null {
  if (result.command !== 'INSERT' || result.rows.length !== 1 || result.fields.length === 0) return null;
  const value: unknown = result.rows[0][result.fields[0].name];
  return typeof value === 'number' || typeof value === 'string' ? value : null;
}

function nulls(count: number): null[] {
  return new Array<null>(count).fill(null);
}

function stripSemicolon(sql: string): string {
  return sql.trim().replace(/;\s*$/, '');
}

function planWrites(plan: unknown): boolean {
  if (Array.isArray(plan)) return plan.some(planWrites);
  if (plan === null || typeof plan !== 'object') return false;
  const node = plan as Record<string, unknown>;
  if (typeof node['Node Type'] === 'string' && WRITING_PLAN_NODES.has(node['Node Type'])) return true;
  return Object.values(node).some((value) => typeof value === 'object' && planWrites(value));
}
