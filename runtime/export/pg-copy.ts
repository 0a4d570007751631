// PostgreSQL CSV exports through `COPY (select) TO STDOUT WITH (FORMAT csv)`:
// the database writes the CSV, so pg no longer parses every value, and a
// streaming pass (csv-transform.ts) turns it into the bytes the encoder
// writes. COPY takes no parameters, so the bound values are put into the
// select as literals (sql-literals.ts). The select lists only the visible
// columns and replaces masked values in SQL, so no masked value leaves the
// database. The count and the COPY share one snapshot. Exports COPY cannot
// send byte for byte like the encoder (a column type without a rule below,
// a value without a certain literal) read through the cursor instead.
import { escapeLiteral } from 'pg';
import { countPostgresStatements } from '../datasources/pg-statements.js';
import { quotePostgresIdentifier, type PostgresDatasource, type SnapshotRead } from '../datasources/postgres.js';
import { CopyCsvTransform, type CopyColumnKind } from './csv-transform.js';
import { readCursor } from './pg-cursor.js';
import type { ChunkHandlers, ExportSql } from './read-chunks.js';
import { inlineParameters } from './sql-literals.js';

/** The column rules of a CSV export, which the COPY select applies. */
export interface CopyColumns {
  /** Columns sent, in order. */
  visible: string[];
  masked: ReadonlySet<string>;
  /** Value sent in place of a masked one. */
  maskedValue: string;
}

/** Bytes of CSV gathered before one send: fewer, larger writes than COPY's socket reads. */
export const COPY_CHUNK_BYTES = 1 << 18;

/**
 * Column kinds by PostgreSQL type id. Text kinds are the types whose value
 * the binding layer passes on as the text PostgreSQL printed (values.ts and
 * pg's own parsers). The other kinds have a rewrite in csv-transform.ts, and
 * every type not listed (json, bytea, arrays, …) takes the cursor.
 */
const COLUMN_KINDS = new Map<number, CopyColumnKind>([
  [16, 'boolean'],
  [20, 'integer'],
  [21, 'integer'],
  [23, 'integer'],
  [26, 'integer'],
  [700, 'float'],
  [701, 'float'],
  [1114, 'timestamp'],
  [1184, 'timestamp'],
  // text, varchar, bpchar, name, "char", uuid, numeric, date, interval, time, timetz, inet, cidr, macaddr
  ...[25, 1043, 1042, 19, 18, 2950, 1700, 1082, 1186, 1083, 1266, 869, 650, 829].map((oid): [number, CopyColumnKind] => [oid, 'text']),
]);

/** Returns how COPY's text of a column of type `oid` becomes the encoder's field, or undefined when no rule is certain. */
export function copyColumnKind(oid: number): CopyColumnKind | undefined {
  return COLUMN_KINDS.get(oid);
}

/**
 * Returns the select that COPY runs for a CSV export of `sql`: the visible
 * columns in order, masked ones as the masked value (null stays null), and
 * the bound values as literals. Returns undefined when the export has to
 * read through the cursor: no visible column, a column name used twice, a
 * select not built the way export-statement.ts builds it, or a value
 * without a certain literal.
 */
export function copySelect(sql: ExportSql, columns: CopyColumns): string | undefined {
  const all = sql.columns;
  const visible = columns.visible;
  if (all === undefined || visible.length === 0 || new Set(all).size !== all.length || new Set(visible).size !== visible.length) return undefined;
  // The projection buildPagedSql wrote (query-request.ts): replaced by the COPY one.
  const projection = visible.length === all.length ? '*' : visible.map(quotePostgresIdentifier).join(', ');
  const prefix = `SELECT ${projection} FROM `;
  if (!sql.select.startsWith(prefix)) return undefined;
  const maskedLiteral = `${escapeLiteral(columns.maskedValue)}::text`;
  const list = visible.map((name) => {
    const column = quotePostgresIdentifier(name);
    return columns.masked.has(name) ? `CASE WHEN ${column} IS NULL THEN NULL ELSE ${maskedLiteral} END AS ${column}` : column;
  });
  const select = inlineParameters(`SELECT ${list.join(', ')} FROM ${sql.select.slice(prefix.length)}`, sql.values);
  // A second check that the literals left one statement; COPY would refuse more anyway.
  if (select === undefined || countPostgresStatements(select) !== 1) return undefined;
  return select;
}

/**
 * Returns the column kinds of `select`, from the row description of the
 * select with LIMIT 0 in a savepoint. Returns undefined when COPY cannot
 * send it like the encoder: settings that change how literals or bytes
 * read, other column names than `visible`, a type without a rule, or a
 * select the database rejects. The cursor then reports that error with
 * bound values.
 */
async function copyKinds(read: SnapshotRead, select: string, visible: string[]): Promise<CopyColumnKind[] | undefined> {
  const settings = await read("SELECT current_setting('standard_conforming_strings'), current_setting('client_encoding')", []);
  const [conforming, encoding] = settings.rows[0] ?? [];
  if (conforming !== 'on' || encoding !== 'UTF8') return undefined;
  await read('SAVEPOINT opsdeck_copy_probe', []);
  let shape: Awaited<ReturnType<SnapshotRead>>;
  try {
    shape = await read(`${select} LIMIT 0`, []);
  } catch {
    // NOTE: the fallback is silent, because readInChunks has no logger; the cursor reports the error if the bound select fails too.
    await read('ROLLBACK TO SAVEPOINT opsdeck_copy_probe', []);
    return undefined;
  }
  await read('RELEASE SAVEPOINT opsdeck_copy_probe', []);
  if (shape.columns.length !== visible.length || shape.columns.some((name, index) => name !== visible[index])) return undefined;
  const kinds = shape.types.map(copyColumnKind);
  return kinds.every((kind) => kind !== undefined) ? (kinds as CopyColumnKind[]) : undefined;
}

/**
 * Counts and sends the rows of `sql` as CSV through COPY of `select` (from
 * copySelect, with the `visible` columns) in one read-only repeatable-read
 * snapshot. Falls back to the cursor in the same snapshot when copyKinds
 * returns no kinds. Each chunk waits for `send`, so the database is read no
 * faster than the client takes the rows, and when `send` throws,
 * copySnapshot cancels the COPY. Returns the number of rows sent.
 */
export async function readThroughCopy(source: PostgresDatasource, sql: ExportSql, select: string, visible: string[], handlers: ChunkHandlers): Promise<number> {
  return source.copySnapshot(async (read, copy) => {
    const kinds = await copyKinds(read, select, visible);
    if (kinds === undefined) return readCursor(read, sql, handlers);
    const count = await read(sql.count, sql.countValues);
    await handlers.start(Number(count.rows[0]?.[0] ?? 0));
    // The COPY is one statement for the whole download, so statement_timeout would count the time the client takes to download and cut a slow download short.
    // NOTE: the COPY has no time limit. The count, which reads the same rows, ran within statementTimeoutMs, and a cursor has no limit between FETCHes either.
    await read('SET LOCAL statement_timeout = 0', []);
    const transform = new CopyCsvTransform(kinds);
    const stream = copy(`COPY (${select}) TO STDOUT WITH (FORMAT csv)`);
    let sent = 0;
    const flush = async (): Promise<void> => {
      const { bytes, rows } = transform.take();
      await handlers.send(bytes, rows);
      sent += rows;
    };
    // destroyOnReturn false: a destroyed COPY stream would leave the connection unreadable; copySnapshot ends it instead.
    for await (const data of stream.iterator({ destroyOnReturn: false })) {
      transform.write(data as Buffer);
      if (transform.pendingBytes >= COPY_CHUNK_BYTES) await flush();
    }
    transform.finish();
    if (transform.pendingBytes > 0) await flush();
    return sent;
  });
}
