// Reads every row of an export in chunks, so an export keeps at most one
// chunk of rows in memory and waits for the client between chunks.
import type { Datasource } from '../datasources/datasource.js';
import type { BindValue, CellValue } from '../datasources/values.js';
import type { PagedSql } from '../http/query-request.js';

export type Row = Record<string, CellValue>;

/** The wrapped statement of an export without paging, and its count. */
export interface ExportSql {
  select: string;
  values: BindValue[];
  count: string;
  countValues: BindValue[];
}

/** Rows per chunk on SQLite, where each chunk is one LIMIT/OFFSET query (see bench/export.bench.mjs). */
export const SQLITE_CHUNK_ROWS = 5_000;
/** Rows per FETCH from a PostgreSQL cursor. */
export const POSTGRES_CHUNK_ROWS = 2_000;

/**
 * Removes the LIMIT and OFFSET that buildPagedSql puts at the end of the
 * page's select, so the export reads every row. Raises when the select no
 * longer ends that way, so a change there fails loudly instead of exporting
 * one page.
 */
export function withoutPaging(flavour: Pick<Datasource, 'placeholder'>, paged: PagedSql): ExportSql {
  const count = paged.selectValues.length;
  const suffix = ` LIMIT ${flavour.placeholder(count - 1)} OFFSET ${flavour.placeholder(count)}`;
  if (count < 2 || !paged.select.endsWith(suffix)) throw new Error('the paged select does not end with LIMIT and OFFSET placeholders, so it cannot be exported');
  return { select: paged.select.slice(0, -suffix.length), values: paged.selectValues.slice(0, -2), count: paged.count, countValues: paged.countValues };
}

/** Callbacks of one export for the count and for each chunk; either may throw to stop reading. */
export interface ChunkHandlers {
  /** Called with the number of rows before any row is read. */
  start(total: number): Promise<void>;
  /** Called with each non-empty chunk, in order; the next chunk is read after it resolves. */
  chunk(rows: Row[]): Promise<void>;
}

/** Counts and reads every row of `sql`; returns the number of rows handed to `handlers.chunk`. */
export async function readInChunks(source: Datasource, sql: ExportSql, handlers: ChunkHandlers): Promise<number> {
  return source.dialect === 'postgres' ? readFromCursor(source, sql, handlers) : readByOffset(source, sql, handlers);
}

/**
 * SQLite: sql.js has one connection, and a statement left open across awaits
 * would see the writes made meanwhile, so each chunk is its own read-only
 * query with LIMIT and OFFSET. Nothing is locked between chunks, so neither
 * other requests nor a slow client wait on the export.
 * NOTE: a write between two chunks can shift the rows after it, so a row may be sent twice or missed.
 * A consistent snapshot needs a statement that the data source keeps open, which the Datasource interface does not offer.
 */
async function readByOffset(source: Datasource, sql: ExportSql, handlers: ChunkHandlers): Promise<number> {
  const [count] = await source.queryAll([{ sql: sql.count, values: sql.countValues }]);
  await handlers.start(Number(count.rows[0]?.total ?? 0));
  const limit = source.placeholder(sql.values.length + 1);
  const offset = source.placeholder(sql.values.length + 2);
  const text = `${sql.select} LIMIT ${limit} OFFSET ${offset}`;
  let sent = 0;
  for (;;) {
    const [result] = await source.queryAll([{ sql: text, values: [...sql.values, SQLITE_CHUNK_ROWS, sent] }]);
    if (result.rows.length > 0) await handlers.chunk(result.rows);
    sent += result.rows.length;
    if (result.rows.length < SQLITE_CHUNK_ROWS) return sent;
  }
}

/**
 * PostgreSQL: one read-only, repeatable-read transaction, so the count and
 * the rows see the same snapshot; the rows come from a cursor, FETCH by FETCH.
 * The transaction holds one pool connection until the last chunk is sent.
 */
async function readFromCursor(source: Datasource, sql: ExportSql, handlers: ChunkHandlers): Promise<number> {
  // transaction() opens the transaction read-write; both settings are allowed before its first query, and the rollback at the end changes nothing.
  return source.transaction('rollback', async (tx) => {
    await tx.run('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY', []);
    const count = await tx.run(sql.count, sql.countValues);
    await handlers.start(Number(count.rows[0]?.total ?? 0));
    await tx.run(`DECLARE opsdeck_export NO SCROLL CURSOR FOR ${sql.select}`, sql.values);
    let sent = 0;
    for (;;) {
      const result = await tx.run(`FETCH FORWARD ${POSTGRES_CHUNK_ROWS} FROM opsdeck_export`, []);
      if (result.rows.length > 0) await handlers.chunk(result.rows);
      sent += result.rows.length;
      if (result.rows.length < POSTGRES_CHUNK_ROWS) return sent;
    }
  });
}
