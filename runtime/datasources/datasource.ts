// The interface every SQL data source implements, and the errors it raises.
// The registry, the query and action handlers, the spec checks and the
// `opsdeck test` runner reach databases only through it.
import type { CompiledSql } from '../../core/model.js';
import type { BindValue, CellValue } from './values.js';

/** SQL flavour of a data source; decides placeholders and the SQL that wraps a query for paging. */
export type SqlDialect = 'sqlite' | 'postgres';

export interface QueryResult {
  columns: string[];
  rows: Array<Record<string, CellValue>>;
}

export interface WriteResult {
  changes: number;
  /** Row id of the inserted row where the database reports one (SQLite only); null otherwise. */
  lastInsertId: number | string | null;
}

/** What one statement of a transaction did: rows changed, the inserted id, and the rows a RETURNING clause gave. */
export interface StatementResult extends WriteResult {
  rows: Array<Record<string, CellValue>>;
}

/** An open read-write transaction. */
export interface WriteTransaction {
  /** Runs one statement; raises ExpectationFailed (and the transaction rolls back) unless it changed `expectRows` rows. */
  run(sql: string, values: BindValue[], expectRows?: number): Promise<StatementResult>;
}

export interface TransactionOptions {
  /**
   * Lets the commit return before it is durable, where that is cheaper (the
   * sql.js file is rewritten whole on each durable commit). A crash may then
   * lose it, so the caller calls `flush()` before it records the commit
   * anywhere else. Data sources whose commits are always durable ignore it.
   */
  deferDurability?: boolean;
}

/** A database that queries and actions run against. */
export interface Datasource {
  readonly dialect: SqlDialect;
  /** Compiles spec SQL with `:name` parameters into this dialect's placeholders; `castOf` names a type per parameter (PostgreSQL only). */
  compile(sql: string, castOf?: (name: string) => string | undefined): CompiledSql;
  /** Returns the placeholder for the parameter at `index` (1-based) of a statement. */
  placeholder(index: number): string;
  /** Quotes a column or table name. */
  quoteIdentifier(name: string): string;
  /** Returns a condition that `column` contains the LIKE pattern bound at `placeholder`, escaped with `\`, ignoring ASCII case. */
  likeCondition(column: string, placeholder: string): string;

  /** Runs a statement in a read-only transaction and returns its rows. */
  query(sql: string, values: BindValue[]): Promise<QueryResult>;
  /** Runs several read-only statements in one read-only transaction, so they see the same data. */
  queryAll(statements: Array<{ sql: string; values: BindValue[] }>): Promise<QueryResult[]>;
  /** Runs one writing statement in a transaction; rolls back and raises ExpectationFailed unless it changed `expectRows` rows. */
  write(sql: string, values: BindValue[], expectRows?: number): Promise<WriteResult>;
  /**
   * Runs `work` in one read-write transaction, then commits (`end: 'commit'`)
   * or rolls back (`'rollback'`, for previews). A failure inside `work` rolls
   * back and is raised. Nothing else runs on the database meanwhile where the
   * data source has a single connection.
   */
  transaction<T>(end: 'commit' | 'rollback', work: (tx: WriteTransaction) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Makes commits that deferred their durability durable; data sources whose commits are always durable leave it out. */
  flush?(): Promise<void>;
  /** Applies the `.sql` files of a folder not yet applied, each in a transaction; returns how many ran. */
  migrate(folder: string): Promise<number>;
  /** Resolves once the database answers; raises DatasourceUnavailable when it does not. */
  ping(): Promise<void>;

  /** Returns the result columns of a query without reading rows. `paramCount` is the number of placeholders. */
  columnsOf(sql: string, paramCount: number): Promise<string[]>;
  /** Raises the database's message when the statement does not compile. */
  check(sql: string, paramCount: number): Promise<void>;
  /** Number of statements in the text. */
  statementCount(sql: string): Promise<number>;
  /** Returns true when the statement would change data. */
  writes(sql: string, paramCount: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Raised when an action changed another number of rows than expected; the change was rolled back. */
export class ExpectationFailed extends Error {
  constructor(readonly expected: number, readonly actual: number) {
    super(`expected ${expected} changed row(s), got ${actual}`);
  }
}

/** Raised when a migration file fails; it was rolled back as a whole. */
export class MigrationError extends Error {
  constructor(readonly file: string, message: string) {
    super(message);
  }
}

/** Raised when a statement ran longer than the data source's `statementTimeoutMs` and was cancelled. */
export class StatementTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`the statement was cancelled after ${timeoutMs} ms (statementTimeoutMs)`);
  }
}

/** Raised when the database cannot be reached; `reason` names the cause and never contains the connection URL. */
export class DatasourceUnavailable extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** Raised when a data source setting refers to an environment variable that is not set. */
export class MissingEnvironmentVariable extends Error {
  /** `setting` names what the variable fills in, such as `URL` or `header Authorization`. */
  constructor(readonly datasource: string, readonly variable: string, setting = 'URL') {
    super(`data source \`${datasource}\` reads its ${setting} from the environment variable ${variable}, which is not set`);
  }
}
