// A `kind: sqlite` data source on sql.js. The database lives in memory and is
// written back to its file after every action: exported to a temporary file,
// fsynced and renamed over the old one, so an acknowledged action survives a
// crash and a crash mid-write never leaves a torn file. One process at a time
// uses a file (runtime/file-lock.ts). In another process the data source is
// unavailable until the lock is free, and then it reads the file afresh.
import initSqlJs, { type Database, type SqlJsStatic, type SqlValue, type Statement } from 'sql.js';
import { closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { CompiledSql } from '../../core/model.js';
import { compileSql } from '../../core/sql-params.js';
import type { Logger } from '../log.js';
import { acquireFileLock, lockLost, releaseFileLock } from '../file-lock.js';
import { DatasourceUnavailable, ExpectationFailed, MigrationError, type Datasource, type TransactionOptions, type QueryResult, type StatementResult, type WriteResult, type WriteTransaction } from './datasource.js';
import { fromSqliteValue, type BindValue, type CellValue } from './values.js';

export { ExpectationFailed, MigrationError } from './datasource.js';
export type { QueryResult, WriteResult } from './datasource.js';

// Compiling the WebAssembly module starts when this module loads, so it overlaps
// with the rest of start-up; the first open() awaits it.
const sqlJs: Promise<SqlJsStatic> = initSqlJs();
sqlJs.catch(() => undefined);
const loadSqlJs = (): Promise<SqlJsStatic> => sqlJs;

/** Pragmas every connection needs. sql.js's export() reopens the database, which drops them, so they are applied again after each export. */
const CONNECTION_PRAGMAS = 'PRAGMA foreign_keys = ON;';

// sql.js 1.17 accepts a second `config` argument that its type declarations omit.
type RawRow = Record<string, number | string | Uint8Array | bigint | null>;
function getAsObjectWithBigInts(this: Statement, params: null, config: { useBigInt: boolean }): RawRow {
  return (this.getAsObject as unknown as (params: null, config: { useBigInt: boolean }) => RawRow).call(this, params, config);
}

/** SQLite VDBE opcodes that change a database file. */
const WRITE_OPCODES = new Set(['OpenWrite', 'Insert', 'Delete', 'IdxInsert', 'IdxDelete', 'Clear', 'Destroy', 'CreateBtree', 'DropTable', 'DropIndex', 'DropTrigger']);
/** Opcodes that write through a cursor named in their first operand. */
const CURSOR_WRITE_OPCODES = new Set(['Insert', 'Delete', 'IdxInsert', 'IdxDelete']);
/** Opcodes that open a cursor on a temporary table, which lives only while the statement runs. */
const TEMPORARY_CURSOR_OPCODES = new Set(['OpenEphemeral', 'OpenAutoindex', 'SorterOpen', 'OpenPseudo', 'OpenDup']);

export interface SqliteOptions {
  /** Absolute path of the database file. */
  file: string;
  /** Absolute path of a database copied to `file` when `file` does not exist. */
  seed?: string;
  /** Absolute path of a folder of `.sql` migrations. */
  migrations?: string;
  log: Logger;
}

/** A SQLite database on sql.js; statements run one at a time on one connection. */
export class SqliteDatasource implements Datasource {
  readonly dialect = 'sqlite' as const;
  readonly file: string;
  #db: Database;
  #log: Logger;
  #columnCache = new Map<string, string[]>();
  /** True for a throwaway copy (see openInMemory) that never writes its file. */
  #memoryOnly: boolean;
  /** End of the chain of exclusive sections (transactions); see #exclusive. */
  #tail: Promise<void> = Promise.resolve();
  /** True while a transaction started by transaction() is open. */
  #open = false;
  /** True when a commit deferred its durability and the file does not have it yet. */
  #dirty = false;
  /** Listeners called once before the next write, transaction or migration (see beforeNextWrite). */
  #writeListeners = new Set<() => void>();
  /** The reason this data source waits for the file: another process has its lock. Undefined while this data source may use it. */
  #locked: string | undefined;
  /** True once this data source counts as a user of the file's lock, so close releases it. */
  #lockHeld = false;
  readonly #seed: string | undefined;

  private constructor(file: string, db: Database, log: Logger, memoryOnly = false, seed?: string) {
    this.file = file;
    this.#db = db;
    this.#log = log;
    this.#memoryOnly = memoryOnly;
    this.#seed = seed;
  }

  /**
   * Opens an in-memory copy for checks: the database file when it exists,
   * else the seed, else an empty database, with pending migrations applied.
   * Nothing is ever written to disk.
   */
  static async openInMemory(options: SqliteOptions): Promise<SqliteDatasource> {
    const SQL = await loadSqlJs();
    const origin = existsSync(options.file) ? options.file : options.seed && existsSync(options.seed) ? options.seed : undefined;
    const db = origin ? new SQL.Database(readFileSync(origin)) : new SQL.Database();
    db.exec(CONNECTION_PRAGMAS);
    const source = new SqliteDatasource(options.file, db, options.log, true);
    if (options.migrations) source.#migrate(options.migrations);
    return source;
  }

  /**
   * Opens (or creates, or seeds) the database file and applies pending
   * migrations. When another process holds the file's lock, the data source
   * opens empty and unavailable; `ping` tries the lock again.
   */
  static async open(options: SqliteOptions): Promise<SqliteDatasource> {
    const SQL = await loadSqlJs();
    mkdirSync(dirname(options.file), { recursive: true });
    const holder = acquireFileLock(options.file);
    if (holder !== undefined) {
      const waiting = new SqliteDatasource(options.file, new SQL.Database(), options.log, false, options.seed);
      waiting.#locked = inUse(options.file, holder);
      options.log.warn({ file: options.file, reason: waiting.#locked }, 'sqlite data source waits for its file');
      return waiting;
    }
    const source = new SqliteDatasource(options.file, await loadFile(options.file, options.seed, options.log), options.log, false, options.seed);
    source.#lockHeld = true;
    if (options.migrations) source.#migrate(options.migrations);
    if (!existsSync(options.file)) source.#persist();
    return source;
  }

  /** Applies each `.sql` file of the folder not yet recorded in `opsdeck_migrations`, in file-name order. Returns how many ran. */
  async migrate(folder: string): Promise<number> {
    this.#requireFile();
    return this.#migrate(folder);
  }

  #migrate(folder: string): number {
    this.#warnWriters();
    const db = this.#db;
    db.exec('CREATE TABLE IF NOT EXISTS opsdeck_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
    const done = new Set(this.#select('SELECT name FROM opsdeck_migrations', []).rows.map((row) => String(row.name)));
    const files = existsSync(folder) ? readdirSync(folder).filter((name) => name.endsWith('.sql')).sort() : [];
    let applied = 0;
    for (const name of files) {
      if (done.has(name)) continue;
      const sql = readFileSync(join(folder, name), 'utf8');
      db.exec('BEGIN');
      try {
        db.exec(sql);
        db.run('INSERT INTO opsdeck_migrations (name, applied_at) VALUES (?, ?)', [name, new Date().toISOString()]);
        db.exec('COMMIT');
      } catch (err) {
        db.exec('ROLLBACK');
        throw new MigrationError(join(folder, name), `migration ${join(basename(folder), name)} failed: ${(err as Error).message}`);
      }
      this.#log.info({ file: this.file, migration: name }, 'migration applied');
      applied++;
      // A migration may change what `select *` returns, so cached column lists are dropped.
      this.#columnCache.clear();
    }
    if (applied > 0) this.#persist();
    return applied;
  }

  compile(sql: string): CompiledSql {
    return compileSql(sql);
  }

  placeholder(): string {
    return '?';
  }

  quoteIdentifier(name: string): string {
    return `"${name.replaceAll('"', '""')}"`;
  }

  likeCondition(column: string, placeholder: string): string {
    // SQLite's LIKE already ignores ASCII case.
    return `${column} LIKE ${placeholder} ESCAPE '\\'`;
  }

  /** Returns the result columns of a SELECT without running it. */
  async columnsOf(sql: string): Promise<string[]> {
    let columns = this.#columnCache.get(sql);
    if (!columns) {
      const statement = this.#db.prepare(sql);
      try {
        columns = statement.getColumnNames();
      } finally {
        statement.free();
      }
      this.#columnCache.set(sql, columns);
    }
    return columns;
  }

  /** Compiles a statement without running it; throws the database's message when it is invalid. */
  async check(sql: string): Promise<void> {
    // The column names come free with the compiled statement; keeping them saves columnsOf a second compile.
    const statement = this.#db.prepare(sql);
    try {
      if (!this.#columnCache.has(sql)) this.#columnCache.set(sql, statement.getColumnNames());
    } finally {
      statement.free();
    }
  }

  /** Counts the statements in a text; prepare() would silently ignore all but the first. */
  async statementCount(sql: string): Promise<number> {
    // SQLite needs a `;` between two statements, and walking statements through sql.js is slow on large apps.
    if (!sql.includes(';')) return 1;
    let count = 0;
    for (const statement of this.#db.iterateStatements(sql)) {
      statement.free();
      count++;
    }
    return count;
  }

  /** Returns true when the statement would write, judged from its bytecode (EXPLAIN runs nothing). */
  async writes(sql: string): Promise<boolean> {
    // A statement that starts with SELECT or VALUES is a SQLite select, which cannot change data, so the bytecode check (most of `opsdeck validate` on large apps) is skipped. WITH may lead to INSERT, UPDATE or DELETE, so it is checked.
    if (/^(?:select|values)\b/i.test(stripLeadingComments(sql))) return false;
    // Writes to temporary cursors (a materialized WITH, a sorter, an automatic index) change no table, so they do not count.
    const temporary = new Set<number>();
    const program = this.#db.prepare(`EXPLAIN ${sql}`);
    try {
      while (program.step()) {
        const [, opcode, p1] = program.get();
        const name = String(opcode);
        if (TEMPORARY_CURSOR_OPCODES.has(name)) temporary.add(Number(p1));
        else if (WRITE_OPCODES.has(name) && !(CURSOR_WRITE_OPCODES.has(name) && temporary.has(Number(p1)))) return true;
      }
      return false;
    } finally {
      program.free();
    }
  }

  /** Succeeds while this process may use the file. A data source that waits for the file's lock tries to take it, then reads the file afresh. */
  async ping(): Promise<void> {
    if (this.#unusable() === undefined) return;
    await this.#exclusive(async () => {
      if (this.#unusable() === undefined) return;
      const holder = acquireFileLock(this.file);
      if (holder !== undefined) {
        this.#locked = inUse(this.file, holder);
        throw new DatasourceUnavailable(this.#locked);
      }
      if (this.#lockHeld) releaseFileLock(this.file);
      this.#lockHeld = true;
      // Another process may have changed the file meanwhile, so what is in memory is dropped.
      const fresh = await loadFile(this.file, this.#seed, this.#log);
      this.#db.close();
      this.#db = fresh;
      this.#columnCache.clear();
      this.#dirty = false;
      this.#locked = undefined;
      this.#log.info({ file: this.file }, 'sqlite data source took its file');
    });
  }

  /** Runs a read-only statement: `PRAGMA query_only` makes any write fail. */
  async query(sql: string, values: BindValue[]): Promise<QueryResult> {
    return (await this.queryAll([{ sql, values }]))[0];
  }

  async queryAll(statements: Array<{ sql: string; values: BindValue[] }>): Promise<QueryResult[]> {
    this.#requireFile();
    // Queued behind any open transaction, so a query never sees its uncommitted rows.
    if (this.#open) return this.#exclusive(() => this.#queryAllNow(statements));
    return this.#queryAllNow(statements);
  }

  #queryAllNow(statements: Array<{ sql: string; values: BindValue[] }>): QueryResult[] {
    this.#db.exec('PRAGMA query_only = ON');
    try {
      return statements.map((statement) => this.#select(statement.sql, statement.values));
    } finally {
      this.#db.exec('PRAGMA query_only = OFF');
    }
  }

  /**
   * Runs one writing statement in a transaction, checks `expectRows`, commits
   * and makes the file durable before returning.
   */
  async write(sql: string, values: BindValue[], expectRows?: number): Promise<WriteResult> {
    this.#requireFile();
    return this.#exclusive(async () => {
      const result = this.#writeNow(sql, values, expectRows);
      await this.#persistAsync();
      return result;
    });
  }

  #writeNow(sql: string, values: BindValue[], expectRows?: number): WriteResult {
    this.#warnWriters();
    const db = this.#db;
    db.exec('BEGIN IMMEDIATE');
    let changes: number;
    let lastInsertId: number | null;
    try {
      // last_insert_rowid() keeps the connection's previous insert, so only a change of it means this statement inserted.
      // NOTE: an insert that happens to get the same rowid as the previous insert into another table reports null.
      const before = this.#lastInsertRowid();
      db.run(sql, values as SqlValue[]);
      changes = db.getRowsModified();
      const after = this.#lastInsertRowid();
      lastInsertId = changes > 0 && after !== before ? after : null;
      if (expectRows !== undefined && changes !== expectRows) throw new ExpectationFailed(expectRows, changes);
      db.exec('COMMIT');
    } catch (err) {
      try {
        db.exec('ROLLBACK');
      } catch {
        // A failed statement may already have ended the transaction.
      }
      throw err;
    }
    return { changes, lastInsertId };
  }

  /**
   * Runs `work` in one transaction on the single connection. Other writes,
   * queries and transactions wait until it ends, because `work` awaits between
   * its statements and sql.js has no second connection to isolate them.
   */
  async transaction<T>(end: 'commit' | 'rollback', work: (tx: WriteTransaction) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    this.#requireFile();
    return this.#exclusive(async () => {
      this.#warnWriters();
      const db = this.#db;
      db.exec('BEGIN IMMEDIATE');
      this.#open = true;
      let result: T;
      try {
        result = await work({ run: async (sql, values, expectRows) => this.#runInTransaction(sql, values, expectRows) });
        db.exec(end === 'commit' ? 'COMMIT' : 'ROLLBACK');
      } catch (err) {
        try {
          db.exec('ROLLBACK');
        } catch {
          // A failed statement may already have ended the transaction.
        }
        throw err;
      } finally {
        this.#open = false;
      }
      if (end === 'commit' && options.deferDurability === true) this.#dirty = true;
      else if (end === 'commit') await this.#persistAsync();
      return result;
    });
  }

  #runInTransaction(sql: string, values: BindValue[], expectRows?: number): StatementResult {
    const before = this.#lastInsertRowid();
    const statement = this.#db.prepare(sql);
    const rows: Array<Record<string, CellValue>> = [];
    try {
      statement.bind(values as SqlValue[]);
      while (statement.step()) {
        const raw = getAsObjectWithBigInts.call(statement, null, { useBigInt: true });
        const row: Record<string, CellValue> = {};
        for (const [column, value] of Object.entries(raw)) row[column] = fromSqliteValue(value);
        rows.push(row);
      }
    } finally {
      statement.free();
    }
    const changes = this.#db.getRowsModified();
    const after = this.#lastInsertRowid();
    if (expectRows !== undefined && changes !== expectRows) throw new ExpectationFailed(expectRows, changes);
    return { changes, lastInsertId: changes > 0 && after !== before ? after : null, rows };
  }

  /**
   * Runs `read` on the sql.js database once no transaction is open, so it
   * reads no uncommitted row. Exports use it to step one statement across
   * awaits (runtime/export/sqlite-rows.ts).
   */
  async readDatabase<T>(read: (db: Database) => T): Promise<T> {
    this.#requireFile();
    if (this.#open) return this.#exclusive(() => read(this.#db));
    return read(this.#db);
  }

  /**
   * Calls `listener` once, just before the next write, transaction or
   * migration starts, so a statement held open across awaits is freed first
   * instead of reading rows that change under it. Returns a function that
   * removes the listener.
   */
  beforeNextWrite(listener: () => void): () => void {
    this.#writeListeners.add(listener);
    return () => this.#writeListeners.delete(listener);
  }

  #warnWriters(): void {
    const listeners = [...this.#writeListeners];
    this.#writeListeners.clear();
    for (const listener of listeners) listener();
  }

  /** Runs `work` once every earlier exclusive section has ended. */
  async #exclusive<T>(work: () => Promise<T> | T): Promise<T> {
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    try {
      return await work();
    } finally {
      release();
    }
  }

  /** Writes the file when a commit deferred its durability since the last write. */
  async flush(): Promise<void> {
    if (!this.#dirty) return;
    await this.#exclusive(() => this.#persistAsync());
  }

  async close(): Promise<void> {
    try {
      // A commit that deferred its durability is written before the database goes, unless another process took the file.
      if (this.#dirty && this.#unusable() === undefined) await this.flush();
    } finally {
      this.#db.close();
      if (this.#lockHeld) releaseFileLock(this.file);
      this.#lockHeld = false;
    }
  }

  /** Raises DatasourceUnavailable when the file is not this process's to use, so the app responds 503 and `ping` is retried. */
  #requireFile(): void {
    const reason = this.#unusable();
    if (reason !== undefined) throw new DatasourceUnavailable(reason);
  }

  /** Returns the reason this process may not use the file (another process has its lock), or undefined when it may. */
  #unusable(): string | undefined {
    if (this.#memoryOnly) return undefined;
    if (this.#locked !== undefined) return this.#locked;
    const taker = this.#lockHeld ? lockLost(this.file) : undefined;
    return taker === undefined ? undefined : inUse(this.file, taker);
  }

  #lastInsertRowid(): number | null {
    const id = this.#db.exec('SELECT last_insert_rowid()')[0]?.values[0]?.[0];
    return typeof id === 'number' && id > 0 ? id : null;
  }

  #select(sql: string, values: BindValue[]): QueryResult {
    const statement = this.#db.prepare(sql);
    try {
      statement.bind(values as SqlValue[]);
      const columns = statement.getColumnNames();
      const rows: Array<Record<string, CellValue>> = [];
      while (statement.step()) {
        // useBigInt returns every integer as a bigint, so integers beyond 2^53 keep all their digits.
        const raw = getAsObjectWithBigInts.call(statement, null, { useBigInt: true });
        const row: Record<string, CellValue> = {};
        for (const [column, value] of Object.entries(raw)) row[column] = fromSqliteValue(value);
        rows.push(row);
      }
      return { columns, rows };
    } finally {
      statement.free();
    }
  }

  /**
   * Writes the database to its file like #persist, with the file work on
   * libuv's thread pool, so requests are served while it is written (a job
   * commits once per chunk). Callers hold the exclusive section, so two
   * writes never overlap; only the export itself blocks the event loop.
   */
  async #persistAsync(): Promise<void> {
    if (this.#memoryOnly) return;
    this.#requireFile();
    const data = this.#db.export();
    this.#db.exec(CONNECTION_PRAGMAS);
    const temporary = `${this.file}.${process.pid}.tmp`;
    const handle = await open(temporary, 'w', 0o600);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, this.file);
    const folder = await open(dirname(this.file), 'r');
    try {
      await folder.sync();
    } finally {
      await folder.close();
    }
    this.#dirty = false;
  }

  /** Writes the database to its file: temporary file, fsync, rename, fsync of the folder. */
  #persist(): void {
    if (this.#memoryOnly) return;
    this.#requireFile();
    const data = this.#db.export();
    this.#db.exec(CONNECTION_PRAGMAS);
    const temporary = `${this.file}.${process.pid}.tmp`;
    const fd = openSync(temporary, 'w', 0o600);
    try {
      let offset = 0;
      while (offset < data.length) offset += writeSync(fd, data, offset, data.length - offset);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.file);
    const folder = openSync(dirname(this.file), 'r');
    try {
      fsyncSync(folder);
    } finally {
      closeSync(folder);
    }
  }
}

/** Returns the message that another process has the file's lock, and what to do. */
function inUse(file: string, holder: string): string {
  return `the SQLite file ${basename(file)} is in use by ${holder}. A sqlite data source serves one process at a time, because each process keeps the database in memory and would overwrite the other's changes: run one process, or move the data to PostgreSQL to run several`;
}

/** Reads the database file, copying the seed to it first when the file is missing, with the connection pragmas set. */
async function loadFile(file: string, seed: string | undefined, log: Logger): Promise<Database> {
  const SQL = await loadSqlJs();
  if (!existsSync(file) && seed) {
    copyFileSync(seed, file);
    log.info({ file, seed }, 'database seeded');
  }
  const db = existsSync(file) ? new SQL.Database(readFileSync(file)) : new SQL.Database();
  db.exec(CONNECTION_PRAGMAS);
  return db;
}

/** Returns the statement without the whitespace, `--` line comments and block comments before its first keyword. */
export function stripLeadingComments(sql: string): string {
  let rest = sql;
  for (;;) {
    const trimmed = rest.trimStart();
    if (trimmed.startsWith('--')) {
      const end = trimmed.indexOf('\n');
      rest = end === -1 ? '' : trimmed.slice(end + 1);
    } else if (trimmed.startsWith('/*')) {
      const end = trimmed.indexOf('*/');
      rest = end === -1 ? '' : trimmed.slice(end + 2);
    } else {
      return trimmed;
    }
  }
}
