// Reads the rows of an export from sql.js with one statement stepped chunk by
// chunk across awaits, instead of one LIMIT/OFFSET query per chunk, which
// scans every skipped row again. sql.js has one connection, so a write would
// change rows under a statement still being stepped: the data source frees
// the statement before any write (SqliteDatasource.beforeNextWrite), and the
// next read prepares it again from the first row. read-chunks.ts then checks
// that the rows already sent are unchanged before it goes on.
import type { SqlValue, Statement } from 'sql.js';
import type { SqliteDatasource } from '../datasources/sqlite.js';
import { fromSqliteValue, type BindValue, type CellValue } from '../datasources/values.js';

// sql.js 1.17 accepts a second `config` argument of get() that its type declarations omit.
type RawValue = number | string | Uint8Array | bigint | null;
const getExact = (statement: Statement): RawValue[] => (statement.get as unknown as (params: null, config: { useBigInt: boolean }) => RawValue[]).call(statement, null, { useBigInt: true });

/**
 * Returns the current row of `statement` as an array. Values are read as
 * numbers, which is exact for every integer within ±(2^53 - 1). A row with an
 * integral number beyond that is read again with bigints, so integers keep
 * every digit, as in SqliteDatasource queries.
 */
function currentRow(statement: Statement): CellValue[] {
  const row = statement.get() as CellValue[];
  for (const value of row) {
    if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) return getExact(statement).map(fromSqliteValue);
  }
  return row;
}

/** One SELECT of an export on SQLite, read in chunks; close() it when done, also on failure. */
export class SqliteRows {
  readonly #source: SqliteDatasource;
  readonly #sql: string;
  readonly #values: BindValue[];
  #statement: Statement | undefined;
  #removeListener: (() => void) | undefined;
  #done = false;
  /** True once a write freed the statement; the next read prepares it again. */
  #interrupted = false;
  /** Result column names, known after the first read. */
  columns: string[] = [];
  /** How many times a read prepared the statement again from the first row, because a write had freed it. */
  restarts = 0;

  constructor(source: SqliteDatasource, sql: string, values: BindValue[]) {
    this.#source = source;
    this.#sql = sql;
    this.#values = values;
  }

  /**
   * Returns the next rows, at most `max`; fewer means the statement has no
   * more. When `restarts` grew during the call, the rows start again at the
   * first row, because a write freed the statement since the last read.
   */
  async read(max: number): Promise<CellValue[][]> {
    if (this.#done) return [];
    return this.#source.readDatabase((db) => {
      if (this.#statement === undefined) {
        if (this.#interrupted) this.restarts++;
        this.#interrupted = false;
        const statement = db.prepare(this.#sql);
        this.#statement = statement;
        statement.bind(this.#values as SqlValue[]);
        this.columns = statement.getColumnNames();
        this.#removeListener = this.#source.beforeNextWrite(() => {
          this.#free();
          this.#interrupted = true;
        });
      }
      const statement = this.#statement;
      const rows: CellValue[][] = [];
      // Like every query of SqliteDatasource, the statement may not write.
      db.exec('PRAGMA query_only = ON');
      try {
        while (rows.length < max && statement.step()) rows.push(currentRow(statement));
      } finally {
        db.exec('PRAGMA query_only = OFF');
      }
      if (rows.length < max) this.close();
      return rows;
    });
  }

  /** True once a read returned the last row, or close() ran. */
  get done(): boolean {
    return this.#done;
  }

  /** Frees the statement; later reads return no rows. */
  close(): void {
    this.#done = true;
    this.#free();
  }

  #free(): void {
    this.#removeListener?.();
    this.#removeListener = undefined;
    this.#statement?.free();
    this.#statement = undefined;
  }
}
