// The audit log in the PostgreSQL system store. Records are rows of
// `audit_records` (the record as JSONB, its chain fields as columns), linked
// into one hash chain exactly as in the file (runtime/audit-chain.ts) however
// many processes write. Each batch of appends is one call of a function in
// the database (pg-audit-chain.ts) that locks the one row of `audit_chain_head`.
// So writers take turns at the end of the chain and never fork it, and each
// keeps the lock only while the call runs.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { GENESIS, canonicalJson, canonicalParts, chainHash, type ChainFields } from '../audit-chain.js';
import { AuditReadFailed } from '../audit-file-read.js';
import type { AuditPage, AuditSearch } from '../audit-search.js';
import type { VerifyResult } from '../audit-verify.js';
import { AuditUnavailable, type AuditEntry, type AuditLog, type AuditRecord } from '../audit.js';
import { CHAIN_MISMATCH, ChainHeadMismatch, TAIL_WITHOUT_TEXT, fillTailText, readCheckedTail, type RecordRow } from './pg-audit-chain.js';
import { inTransaction, isConnectionError, storeFailureReason, storeTables, type StoreTables } from './pool.js';

/** Rows read per statement by `verify`. */
const VERIFY_PAGE = 10_000;

interface Pending {
  record: Omit<AuditRecord, keyof ChainFields>;
  sync: boolean;
  resolve: (record: AuditRecord) => void;
  reject: (err: AuditUnavailable) => void;
}

/**
 * The audit log on PostgreSQL, with group commit like the file log: appends
 * that arrive while a batch is in its transaction form the next batch. A
 * batch of `sync: false` records only (query runs) waits for the database's
 * write, not for its disk. Any later synchronous commit makes it durable too.
 *
 * The append's transaction always commits with `synchronous_commit = off`, so
 * the head's lock is released without waiting for the disk, and another
 * process can append meanwhile. A synchronous batch then waits for the disk
 * in a separate statement that commits a transaction id of its own: its
 * commit is flushed only with all the log written before it, the batch's
 * records included. The append resolves after that flush, so a record an
 * action waits for is on disk before the action runs, as with the file.
 *
 * Fails closed like the file: when the database cannot be reached or the
 * chain's end does not verify, `append` rejects with AuditUnavailable and
 * `status` reports the reason until an append or `probe` succeeds.
 */
export class PostgresAuditLog implements AuditLog {
  readonly location: string;
  readonly #pool: pg.Pool;
  readonly #writePool: pg.Pool;
  readonly #tables: StoreTables;
  readonly #ownsPool: boolean;
  #queue: Pending[] = [];
  #writing = false;
  #failure: string | undefined;
  #closed?: Promise<void>;

  /**
   * `ownsPool`: `close` ends the pool (default true). `writePool`: the pool
   * appends use, best opened with `pipeline: true`; `close` ends it. The
   * tables must exist (see migrateStore).
   */
  constructor(options: { pool: pg.Pool; writePool?: pg.Pool; schema: string; ownsPool?: boolean }) {
    this.#pool = options.pool;
    this.#writePool = options.writePool ?? options.pool;
    this.#tables = storeTables(options.schema);
    this.#ownsPool = options.ownsPool !== false;
    this.location = `PostgreSQL schema "${options.schema}"`;
  }

  get status(): { available: boolean; reason?: string } {
    return this.#failure === undefined ? { available: true } : { available: false, reason: this.#failure };
  }

  /** Reads the chain head and the record it names, and checks that they match; a success clears an earlier failure. */
  async probe(): Promise<{ available: boolean; reason?: string }> {
    try {
      await this.#checkHead();
      this.#failure = undefined;
    } catch (err) {
      this.#failure = this.#unavailable(err).reason;
    }
    return this.status;
  }

  append(entry: AuditEntry, options: { sync?: boolean } = {}): Promise<AuditRecord> {
    const object = entry.object ?? (entry.action === undefined ? '' : `action:${entry.action}`);
    const record = { id: randomUUID(), time: new Date().toISOString(), ...entry, object };
    return new Promise<AuditRecord>((resolve, reject) => {
      if (this.#closed !== undefined) {
        reject(new AuditUnavailable(`cannot write the audit log to ${this.location}: the store is closed`, 'the store is closed'));
        return;
      }
      this.#queue.push({ record, sync: options.sync !== false, resolve, reject });
      if (this.#writing) return;
      // Starting on the next turn of the event loop lets callers that were just resolved queue their next record into the same batch.
      this.#writing = true;
      setImmediate(() => void this.#writeQueued());
    });
  }

  async appRecords(app: string): Promise<AuditRecord[]> {
    try {
      const { rows } = await this.#pool.query<RecordRow>(`SELECT seq, prev, hash, record FROM ${this.#tables.auditRecords} WHERE app = $1 ORDER BY seq DESC`, [app]);
      return rows.map(toRecord);
    } catch (err) {
      throw new AuditReadFailed(err);
    }
  }

  /** Filters and pages in SQL, so only one page of records reaches the process. */
  async searchRecords(app: string, search: AuditSearch): Promise<AuditPage> {
    const where = [
      'app = $1',
      '($2::text IS NULL OR lower(record->>\'user\') = lower($2))',
      '($3::text IS NULL OR record->>\'object\' = $3)',
      '($4::text IS NULL OR record->>\'outcome\' = $4)',
      '($5::timestamptz IS NULL OR time >= $5)',
      '($6::timestamptz IS NULL OR time <= $6)',
    ].join(' AND ');
    const at = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());
    const values = [app, search.user ?? null, search.object ?? null, search.outcome ?? null, at(search.from), at(search.to)];
    try {
      const [counted, page] = await Promise.all([
        this.#pool.query<{ total: string }>(`SELECT count(*) AS total FROM ${this.#tables.auditRecords} WHERE ${where}`, values),
        this.#pool.query<RecordRow>(`SELECT seq, prev, hash, record FROM ${this.#tables.auditRecords} WHERE ${where} ORDER BY seq DESC LIMIT $7 OFFSET $8`, [...values, search.limit, search.offset]),
      ]);
      return { records: page.rows.map(toRecord), total: Number(counted.rows[0].total) };
    } catch (err) {
      throw new AuditReadFailed(err);
    }
  }

  /**
   * Checks every record from seq 1 in order: its hash, its link to the one
   * before, and consecutive seq numbers. Then it checks that the chain head
   * names the last record, so records removed from the end show too. `line`
   * in a problem is the record's position in seq order.
   */
  async verify(onProgress?: (records: number) => void): Promise<VerifyResult> {
    let records = 0;
    let expectedSeq = 1;
    let previousHash = GENESIS;
    let after = 0;
    for (;;) {
      const { rows } = await this.#pool.query<RecordRow & { canonical: string | null; id: string; time: Date; app: string }>(`SELECT seq, id, time, app, prev, hash, record, canonical FROM ${this.#tables.auditRecords} WHERE seq > $1 ORDER BY seq LIMIT ${VERIFY_PAGE}`, [after]);
      for (const row of rows) {
        const seq = Number(row.seq);
        const at = { line: records + 1, seq, id: typeof row.record.id === 'string' ? row.record.id : undefined };
        const text = canonicalJson({ ...row.record, seq, prev: row.prev });
        if (chainHash(row.prev, text) !== row.hash) {
          return { records, unchained: 0, problem: { ...at, kind: 'changed', message: 'the record does not match its hash: a field was changed' } };
        }
        // The audit page finds records by these columns, so a changed one would hide or move a record.
        if (row.id !== row.record.id || row.app !== row.record.app || row.time.getTime() !== Date.parse(String(row.record.time))) {
          return { records, unchained: 0, problem: { ...at, kind: 'changed', message: 'the id, time or app column does not match the record: a column was changed' } };
        }
        // Records written before migration 4 have no canonical text.
        if (row.canonical !== null && row.canonical !== text) {
          return { records, unchained: 0, problem: { ...at, kind: 'changed', message: 'the canonical text stored with the record was changed' } };
        }
        if (seq !== expectedSeq) {
          const missing = seq - expectedSeq;
          return { records, unchained: 0, problem: { ...at, kind: 'removed', message: `seq jumps from ${expectedSeq - 1} to ${seq}: ${missing} record${missing === 1 ? ' was' : 's were'} removed` } };
        }
        if (row.prev !== previousHash) {
          const message = `prev does not match the hash of the record before it${records === 0 ? ' (the first record must link to the genesis value)' : ''}: that record was changed and re-hashed, or records were removed and renumbered`;
          return { records, unchained: 0, problem: { ...at, kind: records === 0 ? 'removed' : 'changed', message } };
        }
        records += 1;
        expectedSeq += 1;
        previousHash = row.hash;
      }
      if (rows.length > 0) onProgress?.(records);
      if (rows.length < VERIFY_PAGE) break;
      after = Number(rows[rows.length - 1].seq);
    }
    const head = await this.#pool.query<{ seq: string; hash: string }>(`SELECT seq, hash FROM ${this.#tables.auditHead}`);
    const headSeq = Number(head.rows[0]?.seq ?? -1);
    if (headSeq !== records || (head.rows[0]?.hash ?? '') !== previousHash) {
      const message = headSeq > records ? `the chain head names seq ${headSeq}, but the records end at seq ${records}: the last records were removed` : `the chain head (seq ${headSeq}) does not match the last record (seq ${records}): the head was changed`;
      return { records, unchained: 0, problem: { line: records + 1, seq: headSeq, kind: 'removed', message } };
    }
    return { records, unchained: 0 };
  }

  close(): Promise<void> {
    this.#closed ??= Promise.all([
      ...(this.#ownsPool ? [this.#pool.end()] : []),
      ...(this.#writePool === this.#pool ? [] : [this.#writePool.end()]),
    ]).then(() => undefined);
    return this.#closed;
  }

  async #writeQueued(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#queue.length);
        try {
          const records = await this.#writeBatch(
            batch.map((pending) => pending.record),
            batch.some((pending) => pending.sync),
          );
          this.#failure = undefined;
          batch.forEach((pending, index) => pending.resolve(records[index]));
        } catch (err) {
          const failure = this.#unavailable(err);
          this.#failure = failure.reason;
          for (const pending of batch) pending.reject(failure);
        }
      }
    } finally {
      this.#writing = false;
    }
  }

  /**
   * Appends a batch with one call of the store's audit_append function (see
   * pg-audit-chain.ts), which checks the chain's end, links the records to it and
   * commits, all inside the database. So a writer holds the head's lock only
   * while that call runs. A synchronous batch then waits for the disk with a
   * second statement, sent at once on a pipelined connection.
   *
   * When the last record was written by an older Opsdeck, which kept no
   * canonical text, it is checked here once and given its text, and the
   * append is sent again.
   */
  async #writeBatch(entries: Array<Omit<AuditRecord, keyof ChainFields>>, sync: boolean): Promise<AuditRecord[]> {
    // Hashing before the JSONB round trip is safe: JSONB keeps every value the JSON text holds, and canonicalJson sorts the keys again when verifying.
    const bodies = entries.map((entry) => JSON.parse(JSON.stringify(entry)) as Record<string, unknown>);
    const parts = bodies.map((body) => canonicalParts(body));
    const values = [
      parts.map((part) => part.before),
      parts.map((part) => part.between),
      parts.map((part) => part.after),
      bodies.map((body) => body.id),
      bodies.map((body) => body.time),
      bodies.map((body) => body.app),
      bodies.map((body) => JSON.stringify(body)),
    ];
    const statements: Statement[] = [
      [`SELECT record_seq, record_prev, record_hash FROM ${this.#tables.auditAppend}($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::jsonb[])`, values],
      // Runs as its own transaction after the append's. Taking a transaction id makes its commit wait until the log is on disk up to that commit.
      ...(sync ? [['SELECT txid_current()'] as Statement] : []),
    ];
    let appended: pg.QueryResult<{ record_seq: string; record_prev: string; record_hash: string }>;
    try {
      [appended] = await this.#send(statements);
    } catch (err) {
      if ((err as { code?: string }).code !== TAIL_WITHOUT_TEXT) throw err;
      await inTransaction(this.#writePool, (client) => fillTailText(client, this.#tables));
      [appended] = await this.#send(statements);
    }
    return appended.rows.map((row, index) => {
      const { id, ...fields } = bodies[index];
      return { id, seq: Number(row.record_seq), prev: row.record_prev, ...fields, hash: row.record_hash } as unknown as AuditRecord;
    });
  }

  /** Sends statements on a connection of the write pool, each in its own transaction. */
  async #send(statements: Statement[]): Promise<pg.QueryResult[]> {
    const client = await this.#writePool.connect();
    let broken: unknown;
    // A checked-out client has no error listener of the pool's, and a connection lost meanwhile emits one that would end the process.
    const onError = (err: Error): void => {
      broken ??= err;
    };
    client.on('error', onError);
    try {
      return await sendTogether(client, statements);
    } catch (err) {
      broken ??= err;
      throw err;
    } finally {
      client.removeListener('error', onError);
      client.release(isConnectionError(broken) ? (broken as Error) : undefined);
    }
  }

  /** Reads the chain head without a lock and checks it against the last record, in the database. */
  async #checkHead(): Promise<void> {
    try {
      await this.#pool.query(`SELECT head_seq, head_hash FROM ${this.#tables.auditTail}(false)`);
    } catch (err) {
      if ((err as { code?: string }).code !== TAIL_WITHOUT_TEXT) throw err;
      // Written by an older Opsdeck: check the last record here instead.
      await inTransaction(this.#pool, async (client) => {
        await client.query('SET TRANSACTION READ ONLY');
        await readCheckedTail(client, this.#tables, { lock: false });
      });
    }
  }

  /** Wraps a database or chain error into AuditUnavailable, with a reason that names no URL or host. */
  #unavailable(err: unknown): AuditUnavailable {
    if (err instanceof AuditUnavailable) return err;
    const mismatch = err instanceof ChainHeadMismatch || (err as { code?: string } | undefined)?.code === CHAIN_MISMATCH;
    if (mismatch) return new AuditUnavailable(`cannot append to the audit log in ${this.location}: ${(err as Error).message}; run "opsdeck audit verify"`, (err as Error).message);
    const reason = storeFailureReason(err);
    return new AuditUnavailable(`cannot write the audit log to ${this.location}: ${reason}`, reason);
  }
}

/** A statement's text and bound values. */
type Statement = [text: string, values?: unknown[]];

/**
 * Sends statements of one transaction. On a pipelined connection they all go
 * out at once, and the first failure is raised after every result arrived.
 * On another connection they go one at a time and stop at the first failure.
 */
async function sendTogether(client: pg.PoolClient, statements: Statement[]): Promise<pg.QueryResult[]> {
  if (!client.pipeline) {
    const results: pg.QueryResult[] = [];
    for (const [text, values] of statements) results.push(await client.query(text, values));
    return results;
  }
  const outcomes = await Promise.allSettled(statements.map(([text, values]) => client.query(text, values)));
  const failure = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failure) throw (failure as PromiseRejectedResult).reason;
  return outcomes.map((outcome) => (outcome as PromiseFulfilledResult<pg.QueryResult>).value);
}

/** Rebuilds a record from its row, with the chain fields in the order the file log writes them. */
function toRecord(row: RecordRow): AuditRecord {
  const { id, ...fields } = row.record;
  return { id, seq: Number(row.seq), prev: row.prev, ...fields, hash: row.hash } as unknown as AuditRecord;
}
