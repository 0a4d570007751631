// Reads every row of an export in chunks, so an export keeps at most one or
// two chunks of rows in memory and waits for the client between chunks. Rows
// are read as arrays and each chunk is encoded into one buffer. PostgreSQL
// CSV exports read COPY's CSV instead where they can (pg-copy.ts).
import { createHash, type Hash } from 'node:crypto';
import type { Datasource } from '../datasources/datasource.js';
import { PostgresDatasource } from '../datasources/postgres.js';
import { SqliteDatasource } from '../datasources/sqlite.js';
import type { BindValue, CellValue } from '../datasources/values.js';
import type { PagedSql } from '../http/query-request.js';
import type { ChunkEncoder } from './encode.js';
import { copySelect, readThroughCopy, type CopyColumns } from './pg-copy.js';
import { readCursor } from './pg-cursor.js';
import { SqliteRows } from './sqlite-rows.js';

export { POSTGRES_CHUNK_ROWS } from './pg-cursor.js';

/** The wrapped statement of an export without paging, and its count. */
export interface ExportSql {
  select: string;
  values: BindValue[];
  count: string;
  countValues: BindValue[];
  /** Every result column of the query, hidden ones included, in order; PostgreSQL CSV exports need them to send the rows through COPY. */
  columns?: string[];
}

/** Rows per chunk on SQLite, each stepped from one statement without awaiting (see bench/export.bench.mjs). */
export const SQLITE_CHUNK_ROWS = 2_000;

/** Raised when a write changed rows an export had already sent; the download is stopped rather than sent with rows missing or twice. */
export class ExportRowsChanged extends Error {
  constructor(sent: number) {
    super(`a write changed the first ${sent} rows of the export while it was being sent, so the rest could not follow them without rows missing or sent twice; start the export again`);
  }
}

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

/** Callbacks of one export for the count and for each chunk; any may throw to stop reading. */
export interface ChunkHandlers {
  /** Called with the number of rows before any row is read. */
  start(total: number): Promise<void>;
  /** Returns the encoder of rows read as arrays with these result columns; called once, before the first chunk. */
  encoder(columns: string[]): ChunkEncoder;
  /** Called with each non-empty chunk, in order, and the number of rows it completes; the chunk after it is sent only once it resolves. */
  send(chunk: Buffer | string, rows: number): Promise<void>;
  /** The column rules of a CSV export; with them PostgreSQL may send the rows through COPY (pg-copy.ts) instead of `encoder`. */
  csv?: CopyColumns;
}

/** Counts and reads every row of `sql`; returns the number of rows sent. */
export async function readInChunks(source: Datasource, sql: ExportSql, handlers: ChunkHandlers): Promise<number> {
  if (source instanceof PostgresDatasource) {
    const csv = handlers.csv;
    const select = csv === undefined ? undefined : copySelect(sql, csv);
    if (csv !== undefined && select !== undefined) return readThroughCopy(source, sql, select, csv.visible, handlers);
    return readFromCursor(source, sql, handlers);
  }
  if (source instanceof SqliteDatasource) return readFromStatement(source, sql, handlers);
  throw new Error(`exports read SQLite and PostgreSQL data sources only, not ${source.dialect}`);
}

/**
 * SQLite: one statement stepped chunk by chunk (sqlite-rows.ts). Nothing is
 * locked between chunks, so neither other requests nor a slow client wait
 * on the export. A write frees the statement; the export then reads the rows
 * it already sent again and goes on only if they are byte for byte the same,
 * compared by a SHA-1 digest of what was sent, so the download is the
 * result after the write; otherwise it stops with ExportRowsChanged.
 * NOTE: the count in the audit record is taken before the rows, so a write during the export can make it differ from the rows sent.
 */
async function readFromStatement(source: SqliteDatasource, sql: ExportSql, handlers: ChunkHandlers): Promise<number> {
  const [count] = await source.queryAll([{ sql: sql.count, values: sql.countValues }]);
  await handlers.start(Number(count.rows[0]?.total ?? 0));
  const reader = new SqliteRows(source, sql.select, sql.values);
  const digest = createHash('sha1');
  let encode: ChunkEncoder | undefined;
  let sent = 0;
  try {
    for (;;) {
      const restarts = reader.restarts;
      let rows = await reader.read(SQLITE_CHUNK_ROWS);
      if (reader.restarts !== restarts && sent > 0) rows = await resume(reader, rows, sent, digest, encode!);
      if (rows.length > 0) {
        encode ??= handlers.encoder(reader.columns);
        const bytes = Buffer.from(encode(rows));
        digest.update(bytes);
        await handlers.send(bytes, rows.length);
        sent += rows.length;
      }
      if (reader.done) return sent;
    }
  } finally {
    reader.close();
  }
}

/**
 * After a restart, reads the first `sent` rows again (the statement's first
 * rows are `first`) and checks their encoding matches `digest`; returns the
 * rows read beyond them. Starts over when another write interrupts the check.
 */
async function resume(reader: SqliteRows, first: CellValue[][], sent: number, digest: Hash, encode: ChunkEncoder): Promise<CellValue[][]> {
  const expected = digest.copy().digest();
  for (let pending = first; ; ) {
    const check = createHash('sha1');
    let seen = 0;
    const restarts = reader.restarts;
    for (;;) {
      const mine = pending.slice(0, sent - seen);
      check.update(Buffer.from(encode(mine)));
      seen += mine.length;
      if (seen === sent) {
        if (!check.digest().equals(expected)) throw new ExportRowsChanged(sent);
        return pending.slice(mine.length);
      }
      if (reader.done) throw new ExportRowsChanged(sent);
      pending = await reader.read(SQLITE_CHUNK_ROWS);
      if (reader.restarts !== restarts) break;
    }
  }
}

/**
 * PostgreSQL: one read-only, repeatable-read transaction, so the count and
 * the rows see the same snapshot; the rows come from a cursor (pg-cursor.ts).
 * The transaction keeps one pool connection until the last chunk is sent.
 */
async function readFromCursor(source: PostgresDatasource, sql: ExportSql, handlers: ChunkHandlers): Promise<number> {
  return source.readSnapshot((read) => readCursor(read, sql, handlers));
}
