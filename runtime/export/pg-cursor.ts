// Reads the rows of a PostgreSQL export through a cursor in a snapshot, FETCH
// by FETCH, the next FETCH running while the last chunk is encoded and sent.
// JSON lines take this path, and CSV exports that COPY cannot send the same
// way (see pg-copy.ts).
import type { SnapshotRead } from '../datasources/postgres.js';
import type { ChunkEncoder } from './encode.js';
import { exportParserOf } from './pg-timestamps.js';
import type { ChunkHandlers, ExportSql } from './read-chunks.js';

/** Rows per FETCH from a PostgreSQL cursor. The next FETCH runs while a chunk is sent. */
export const POSTGRES_CHUNK_ROWS = 2_000;

/** Counts the rows of `sql`, then reads them from a cursor with `read`, inside one snapshot; returns the number of rows sent. */
export async function readCursor(read: SnapshotRead, sql: ExportSql, handlers: ChunkHandlers): Promise<number> {
  const count = await read(sql.count, sql.countValues);
  await handlers.start(Number(count.rows[0]?.[0] ?? 0));
  await read(`DECLARE opsdeck_export NO SCROLL CURSOR FOR ${sql.select}`, sql.values);
  const fetch = () => read(`FETCH FORWARD ${POSTGRES_CHUNK_ROWS} FROM opsdeck_export`, [], exportParserOf);
  let next: ReturnType<typeof fetch> | undefined = fetch();
  let encode: ChunkEncoder | undefined;
  let sent = 0;
  try {
    for (;;) {
      const result: Awaited<ReturnType<typeof fetch>> = await next;
      next = result.rows.length === POSTGRES_CHUNK_ROWS ? fetch() : undefined;
      if (result.rows.length > 0) {
        encode ??= handlers.encoder(result.columns);
        await handlers.send(encode(result.rows), result.rows.length);
        sent += result.rows.length;
      }
      if (next === undefined) return sent;
    }
  } finally {
    // A FETCH still running when the client went away fails with the rolled-back transaction; nobody waits for it.
    next?.catch(() => undefined);
  }
}
